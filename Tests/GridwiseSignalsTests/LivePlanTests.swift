import Foundation
import GridwiseCLI
import GridwiseCore
import XCTest

/// `gridwise plan` through a signal chain with a live primary, over real HTTP to the local server.
final class LivePlanTests: XCTestCase {
    var mock: MockProviders!
    var dir = ""

    override func setUpWithError() throws {
        mock = try MockProviders()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridwise-live-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        setenv("GRIDWISE_TEST_EM_TOKEN", "em-token", 1)
    }

    override func tearDown() {
        mock.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func write(providerZone: String) throws {
        try """
            apiVersion: gridwise/v1
            kind: RegionCatalog
            regions:
              - {name: frankfurt, zone: DE-LU, pools: [{type: A100, count: 8, power_kw: 0.3}]}
            """.write(toFile: dir + "/regions.yaml", atomically: true, encoding: .utf8)
        try """
            apiVersion: gridwise/v1
            kind: JobPlan
            jobs:
              - {id: train, kind: training, devices: {count: 4}, work: 3h, release: 2023-06-08T00:00:00Z, deadline: 2023-06-08T12:00:00Z}
            """.write(toFile: dir + "/jobs.yaml", atomically: true, encoding: .utf8)
        try """
            apiVersion: gridwise/v1
            kind: SignalSet
            series:
              - zone: DE-LU
                signal: carbon_intensity
                source: Electricity Maps API
                provider: {name: electricity_maps, zone: \(providerZone), base_url: "\(mock.base("em"))", token: {env: GRIDWISE_TEST_EM_TOKEN}}
                fallback:
                  - {unit: gCO2eq/kWh, source: annual grid factor, constant: 380}
              - {zone: DE-LU, signal: price, unit: EUR/MWh, source: flat tariff, constant: 90}
            """.write(toFile: dir + "/signals.yaml", atomically: true, encoding: .utf8)
    }

    final class Capture: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func add(_ s: String) { lock.lock(); text += s + "\n"; lock.unlock() }
        var all: String { lock.lock(); defer { lock.unlock() }; return text }
    }

    func run(_ arguments: [String]) -> (Int32, String) {
        let capture = Capture()
        let status = GridwiseCLI.run(arguments, console: Console(out: { capture.add($0) }, err: { capture.add($0) }))
        return (status, capture.all)
    }

    func testFailingPrimaryFallsBackAndThePlanSaysWhichSourceEachHourCameFrom() throws {
        try write(providerZone: "FAULT-500")
        let (status, out) = run(["plan", dir, "--cache", dir + "/cache.sqlite", "--format", "json", "--output", dir + "/plan.json"])
        XCTAssertEqual(status, 0, out)
        let plan = try Plan.decode(Data(contentsOf: URL(fileURLWithPath: dir + "/plan.json")), file: "plan.json")
        let carbon = plan.signals.filter { $0.signal == .carbonIntensity }
        XCTAssertEqual(carbon.map(\.source), ["annual grid factor"])
        XCTAssertEqual(carbon[0].fallbackRank, 1)
        XCTAssertEqual(carbon[0].hours, [TimeRange(start: "2023-06-08T00:00:00Z", end: "2023-06-08T12:00:00Z")])
        XCTAssertTrue(carbon[0].note!.contains("fallback for Electricity Maps API unavailable: "), carbon[0].note!)
        XCTAssertTrue(carbon[0].note!.contains("HTTP 500 after 4 attempts"), carbon[0].note!)
        XCTAssertEqual(plan.placements[0].carbonKg, 4 * 0.3 * 3 * 380 / 1000, accuracy: 1e-9)  // 3.6 kWh at 380 g/kWh
        let table = run(["plan", dir, "--cache", dir + "/cache.sqlite"]).1
        XCTAssertTrue(table.contains("[FALLBACK for 12 h: fallback for Electricity Maps API unavailable:"), table)
    }

    func testOfflinePlanFromTheCacheStatesTheAge() throws {
        try write(providerZone: "DE")
        let cache = dir + "/cache.sqlite"
        let (online, onlineOut) = run(["plan", dir, "--cache", cache, "--format", "json", "--output", dir + "/online.json"])
        XCTAssertEqual(online, 0, onlineOut)
        mock.stop()
        let (offline, out) = run(["plan", dir, "--cache", cache, "--offline"])
        XCTAssertEqual(offline, 0, out)
        XCTAssertTrue(out.contains("carbon (gCO2e/kWh) for DE-LU: Electricity Maps API  [live: offline: values fetched at "), out)
        XCTAssertTrue(out.contains(" h old]"), out)
        // The same values as online: the mock's hourly values for DE, 5 g/kWh apart per hour.
        let plan = try Plan.decode(Data(contentsOf: URL(fileURLWithPath: dir + "/online.json")), file: "online.json")
        let (checked, checkOut) = run(["check", dir + "/online.json", "--cache", cache])
        XCTAssertEqual(checked, 0, "check reads the values the plan was made on from the cache: \(checkOut)")
        XCTAssertEqual(plan.placements[0].carbonKg, 4 * 0.3 * [0, 1, 2].map { MockProviders.value("DE", Instant(year: 2023, month: 6, day: 8, hour: $0)) }.reduce(0, +) / 1000, accuracy: 1e-9)
        let (none, noneOut) = run(["plan", dir, "--cache", dir + "/empty.sqlite", "--offline"])
        XCTAssertEqual(none, 0, "the declared fallback covers an empty cache: \(noneOut)")
        XCTAssertTrue(noneOut.contains("offline, and the cache"), noneOut)
    }
}
