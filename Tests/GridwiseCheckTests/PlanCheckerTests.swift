import GridwiseCheck
import GridwiseCore
import GridwisePlanner
import GridwiseTestSupport
import XCTest

/// The checker accepts the planner's plans and rejects each kind of violation.
final class PlanCheckerTests: XCTestCase {
    // Two regions; "far" is 120 ms from the users, "near" 10 ms. Pools of 4 devices.
    let catalog = RegionCatalog(regions: [
        Region(name: "near", carbonZone: "N", pools: [AcceleratorPool(type: "X", count: 4, powerKilowattsPerDevice: 0.5)], latencyMilliseconds: ["u": 10], tags: ["east"]),
        Region(name: "far", carbonZone: "F", pools: [AcceleratorPool(type: "X", count: 4, powerKilowattsPerDevice: 0.5)], latencyMilliseconds: ["u": 120], tags: ["west"]),
    ])
    let signals = Fixtures.signals(hours: 6, carbon: ["N": [300, 300, 100, 100, 300, 300], "F": [200, 50, 50, 200, 200, 200]],
                                   price: ["N": [30, 30, 30, 30, 30, 30], "F": [20, 20, 20, 20, 20, 20]])
    let policy = Policy(name: "p", weights: ObjectiveWeights(carbon: 1, cost: 0.5))
    lazy var jobs = [
        Job(id: "batch", kind: .batchInference, deviceCount: 4, work: .fixedHours(2), release: Fixtures.at(0), deadline: Fixtures.at(6), population: "u"),
        Job(id: "train", kind: .training, deviceCount: 4, work: .fixedHours(2), release: Fixtures.at(1), deadline: Fixtures.at(5), forbiddenRegions: []),
        Job(id: "serve", kind: .onlineInference, deviceCount: 1, work: .fixedHours(6), release: Fixtures.at(0), deadline: Fixtures.at(6),
            population: "u", latencySLOMilliseconds: 50),
    ]

    lazy var plan = Planner.plan(PlanningProblem(jobs: jobs, catalog: catalog, policy: policy, signals: signals),
                                 inputs: PlanInputs(jobs: "j", regions: "r", policy: "p", signals: "s"), generatedBy: "test")

    func violations(_ tamper: (inout Plan) -> Void, policy: Policy? = nil, jobs: [Job]? = nil) -> [Violation] {
        var copy = plan
        tamper(&copy)
        return PlanChecker.check(copy, jobs: jobs ?? self.jobs, catalog: catalog, policy: policy ?? self.policy, signals: signals)
    }

    func index(_ job: String) -> Int { plan.placements.firstIndex { $0.job == job }! }

    func assertRejects(_ rule: String, job: String?, _ tamper: (inout Plan) -> Void, policy: Policy? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let found = violations(tamper, policy: policy)
        XCTAssertTrue(found.contains { $0.rule == rule && $0.job == job }, "expected a \(rule) violation for \(job ?? "the plan"), got \(found)", file: file, line: line)
    }

    func testAcceptsThePlannersPlan() {
        XCTAssertEqual(plan.placements.count, 3)
        XCTAssertEqual(violations { _ in }, [])
    }

    func testRejectsCapacityOverload() {
        // Put "train" on the same pool and hours as "batch": 8 devices on a pool of 4.
        assertRejects("capacity", job: nil) { p in
            let b = p.placements[self.index("batch")]
            let t = self.index("train")
            p.placements[t].region = b.region
            p.placements[t].chunks = b.chunks
        }
    }

    func testRejectsStartBeforeRelease() {
        assertRejects("window", job: "train") { p in
            p.placements[self.index("train")].chunks = [Chunk(start: "2026-12-01T00:00:00Z", end: "2026-12-01T02:00:00Z")]
            p.placements[self.index("train")].finish = "2026-12-01T02:00:00Z"
        }
    }

    func testRejectsFinishAfterDeadline() {
        assertRejects("window", job: "train") { p in
            p.placements[self.index("train")].chunks = [Chunk(start: "2026-12-01T04:00:00Z", end: "2026-12-01T06:00:00Z")]
            p.placements[self.index("train")].finish = "2026-12-01T06:00:00Z"
        }
    }

    func testRejectsForbiddenRegion() {
        var forbidden = jobs
        forbidden[1].forbiddenRegions = [plan.placements[index("train")].region]
        let found = PlanChecker.check(plan, jobs: forbidden, catalog: catalog, policy: policy, signals: signals)
        XCTAssertTrue(found.contains { $0.rule == "region-rule" && $0.job == "train" }, "\(found)")
    }

    func testRejectsPolicyTagRule() {
        let region = plan.placements[index("train")].region
        let tag = catalog.region(named: region)!.tags[0]
        let strict = Policy(name: "p", weights: policy.weights, regionRules: [RegionRule(kinds: [.training], denyTags: [tag])])
        assertRejects("region-rule", job: "train", { _ in }, policy: strict)
    }

    func testRejectsLatencySLOBreach() {
        assertRejects("slo", job: "serve") { p in p.placements[self.index("serve")].region = "far" }
    }

    func testRejectsTamperedFigures() {
        assertRejects("figures", job: "batch") { p in p.placements[self.index("batch")].carbonKg *= 0.5 }
    }

    func testRejectsTamperedTotals() {
        assertRejects("totals", job: nil) { p in p.totals.carbonKg -= 1 }
    }

    func testRejectsTamperedSavings() {
        assertRejects("savings", job: nil) { p in p.savings.carbonFraction += 0.1 }
    }

    func testRejectsMissingJob() {
        assertRejects("jobs", job: "batch") { p in p.placements.remove(at: self.index("batch")) }
    }

    func testRejectsDuplicateJob() {
        assertRejects("jobs", job: "batch") { p in p.unplaced.append(UnplacedJob(job: "batch", reason: "x")) }
    }

    func testRejectsSplittingANonInterruptibleJob() {
        assertRejects("chunks", job: "train") { p in
            let t = self.index("train")
            let start = try! Instant.parse(p.placements[t].chunks[0].start)
            p.placements[t].chunks = [Chunk(start: start.iso8601, end: start.adding(hours: 1).iso8601),
                                      Chunk(start: start.adding(hours: 2).iso8601, end: start.adding(hours: 3).iso8601)]
        }
    }

    func testRejectsTooFewHours() {
        assertRejects("runtime", job: "train") { p in
            let t = self.index("train")
            let start = try! Instant.parse(p.placements[t].chunks[0].start)
            p.placements[t].chunks = [Chunk(start: start.iso8601, end: start.adding(hours: 1).iso8601)]
        }
    }

    func testRejectsChunkOffTheHour() {
        assertRejects("chunks", job: "train") { p in
            p.placements[self.index("train")].chunks = [Chunk(start: "2026-12-01T01:30:00Z", end: "2026-12-01T03:30:00Z")]
        }
    }

    func testRejectsUnknownRegion() {
        assertRejects("region", job: "train") { p in p.placements[self.index("train")].region = "atlantis" }
    }

    func testRejectsBaselineCapacityOverload() {
        assertRejects("capacity", job: nil) { p in
            let b = p.baseline.placements.first { $0.job == "batch" }!
            let t = p.baseline.placements.firstIndex { $0.job == "train" }!
            p.baseline.placements[t].region = b.region
            p.baseline.placements[t].chunks = b.chunks
        }
    }

    func testRejectsABoundAboveTheObjective() {
        assertRejects("bound", job: nil) { p in p.optimality.lowerBound = p.optimality.objective + 1 }
    }
}
