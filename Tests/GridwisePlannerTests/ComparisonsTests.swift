import Foundation
import GridwiseCore
@testable import GridwisePlanner
import GridwiseTestSupport
import XCTest

/// The time-indexed model `gridwise-bench --export-model` writes for bench/highs_milp.py and
/// bench/compare_plans.py.
final class ComparisonsTests: XCTestCase {
    /// Two regions ("north" with H100 and A100 pools, "south" with H100 only), 4 hours. Each job's entry
    /// names it, and each of its options names the region and pool it runs on, beside the indices the
    /// MILP uses; a job limited to A100 has exactly the one A100 option; ids are escaped as JSON.
    func testTheExportedModelNamesEveryJobAndOption() throws {
        let catalog = RegionCatalog(regions: [
            Region(name: "north", carbonZone: "A", pools: [
                AcceleratorPool(type: "H100", count: 8, powerKilowattsPerDevice: 1),
                AcceleratorPool(type: "A100", count: 8, powerKilowattsPerDevice: 0.5, relativeSpeed: 0.5),
            ]),
            Region(name: "south", carbonZone: "B", pools: [AcceleratorPool(type: "H100", count: 8, powerKilowattsPerDevice: 1)]),
        ])
        let signals = Fixtures.signals(hours: 4, carbon: ["A": [100, 200, 300, 400], "B": [400, 300, 200, 100]], price: ["A": [0, 0, 0, 0], "B": [0, 0, 0, 0]])
        let jobs = [
            Job(id: "any \"quoted\"", kind: .batchInference, deviceCount: 2, work: .fixedHours(1), release: Fixtures.at(0), deadline: Fixtures.at(4)),
            Job(id: "a100-only", kind: .batchInference, deviceCount: 1, deviceTypes: ["A100"], work: .referenceHours(1), release: Fixtures.at(0), deadline: Fixtures.at(4)),
        ]
        let problem = PlanningProblem(jobs: jobs, catalog: catalog, policy: Policy(name: "c", weights: ObjectiveWeights(carbon: 1)), signals: signals)
        let json = Comparisons.timeIndexedModelJSON(problem)
        let model = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let exported = try XCTUnwrap(model["jobs"] as? [[String: Any]])
        XCTAssertEqual(exported.map { $0["id"] as? String }, ["any \"quoted\"", "a100-only"])

        func options(_ j: Int) throws -> [(name: String, pool: String, region: Int, resource: Int, slots: Int)] {
            try XCTUnwrap(exported[j]["options"] as? [[String: Any]]).map {
                ($0["region_name"] as? String ?? "?", $0["pool"] as? String ?? "?", $0["region"] as? Int ?? -1, $0["resource"] as? Int ?? -1, $0["slots"] as? Int ?? -1)
            }
        }
        // Resources are numbered region by region, pool by pool: north/H100 0, north/A100 1, south/H100 2.
        let first = try options(0).sorted { $0.resource < $1.resource }
        XCTAssertEqual(first.map(\.name), ["north", "north", "south"])
        XCTAssertEqual(first.map(\.pool), ["H100", "A100", "H100"])
        XCTAssertEqual(first.map(\.region), [0, 0, 1])
        XCTAssertEqual(first.map(\.resource), [0, 1, 2])
        XCTAssertEqual(first.map(\.slots), [1, 1, 1], "fixed hours run the same on any device")
        let second = try options(1)
        XCTAssertEqual(second.count, 1)
        XCTAssertEqual(second.first?.name, "north")
        XCTAssertEqual(second.first?.pool, "A100")
        XCTAssertEqual(second.first?.resource, 1)
        XCTAssertEqual(second.first?.slots, 2, "one reference hour at half speed")
    }
}
