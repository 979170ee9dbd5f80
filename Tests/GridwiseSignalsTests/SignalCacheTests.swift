import Foundation
import GridwiseCore
@testable import GridwiseSignals
import XCTest

/// The cache is a real SQLite file: fresh values are reused, --offline plans from it and says how old
/// the values are, and a failing provider falls back to stale values with a note.
final class SignalCacheTests: XCTestCase {
    var mock: MockProviders!
    var cachePath = ""

    override func setUpWithError() throws {
        mock = try MockProviders()
        cachePath = FileManager.default.temporaryDirectory.appendingPathComponent("gridwise-cache-\(UUID().uuidString)/signals.sqlite").path
    }

    override func tearDown() {
        mock.stop()
        try? FileManager.default.removeItem(atPath: (cachePath as NSString).deletingLastPathComponent)
    }

    let horizon = PlanningHorizon(start: MockProviders.now.adding(hours: -12), hours: 12)

    func resolve(now: Instant, mode: LiveMode = .online) throws -> HourlySeries {
        let spec = ProviderSpec(kind: .wattTime, zone: "CAISO_SOUTH", baseURL: mock.base("wt"), username: .environment("U"), password: .environment("P"))
        let entry = SignalEntry(zone: "US-CAL-CISO", signal: .carbonIntensity, unit: "lbsCO2/MWh", source: "WattTime", data: .provider(spec))
        let context = LiveContext(now: now, environment: ["U": "alice", "P": "s3cret"], http: HTTPClient(timeoutSeconds: 2, retries: 0),
                                  cache: SignalCache(path: cachePath), mode: mode)
        let source = SignalResolver.source(for: entry, specFile: "s.yaml", live: context, readFile: { (_: String) throws(GridwiseError) -> String in "" })
        return try SignalChain([source]).resolve(SignalRequest(zone: "US-CAL-CISO", signal: .carbonIntensity, horizon: horizon))
    }

    func dataCalls() throws -> Int { try mock.stats()["wt-data"] ?? 0 }

    func testFreshValuesComeFromTheCacheFile() throws {
        let first = try resolve(now: MockProviders.now)
        XCTAssertEqual(try dataCalls(), 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cachePath))
        let second = try resolve(now: MockProviders.now.adding(hours: 2))
        XCTAssertEqual(try dataCalls(), 1, "within the 24 h time-to-live of actuals nothing is fetched")
        XCTAssertEqual(second.values, first.values)
        XCTAssertTrue(second.provenance[0].note!.hasPrefix("cached: values fetched at \(MockProviders.now.iso8601) or later, 2.0 h old"), second.provenance[0].note!)
        _ = try resolve(now: MockProviders.now.adding(hours: 30))
        XCTAssertEqual(try dataCalls(), 2, "stale values are fetched again")
    }

    func testOfflinePlansFromTheCacheAndStatesTheAge() throws {
        XCTAssertThrowsError(try resolve(now: MockProviders.now, mode: .offline)) { error in
            XCTAssertTrue("\(error)".contains("offline, and the cache \(self.cachePath) holds nothing for this zone and horizon"), "\(error)")
        }
        let online = try resolve(now: MockProviders.now)
        mock.stop()
        let offline = try resolve(now: MockProviders.now.adding(hours: 50), mode: .offline)
        XCTAssertEqual(offline.values, online.values)
        XCTAssertEqual(offline.provenance[0].note, "offline: values fetched at \(MockProviders.now.iso8601) or later, 50.0 h old")
    }

    func testAFailingProviderFallsBackToStaleValuesWithANote() throws {
        let online = try resolve(now: MockProviders.now)
        mock.stop()
        let stale = try resolve(now: MockProviders.now.adding(hours: 48))
        XCTAssertEqual(stale.values, online.values)
        let note = stale.provenance[0].note!
        XCTAssertTrue(note.hasPrefix("the live fetch failed ("), note)
        XCTAssertTrue(note.contains("connection refused"), note)
        XCTAssertTrue(note.hasSuffix("stale cache: values fetched at \(MockProviders.now.iso8601) or later, 48.0 h old"), note)
    }
}
