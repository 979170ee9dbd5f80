import Foundation
import GridwiseCore
@testable import GridwiseSignals
import XCTest

/// Real WattTime CAISO_NORTH MOER (5-minute, lbs CO2/MWh) replayed through the local WattTime server,
/// checked hour by hour against a hand computation: the mean of the hour's twelve values x 0.45359237.
final class WattTimeReplayTests: XCTestCase {
    static let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/carbon/watttime-caiso-north-5min/watttime_example.csv").path
    static let fixture = MockProviders.fixtures + "/watttime-caiso-north-2023-06-08.csv"

    func testReplayedFiveMinuteMOERMatchesHandComputedHourlyMeans() throws {
        // The whole month from ../shared when it is there (developers, CI); the committed day otherwise.
        let csv = FileManager.default.fileExists(atPath: Self.shared) ? Self.shared : Self.fixture
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        let values = rows.map { Double($0[1])! }
        let hours = values.count / 12
        print("WattTime replay: \(csv) (\(values.count) points, \(hours) hours)")
        let mock = try MockProviders(watttimeCSV: csv)
        defer { mock.stop() }
        let horizon = PlanningHorizon(start: Instant(year: 2023, month: 6, day: 8), hours: hours)
        let spec = ProviderSpec(kind: .wattTime, zone: "CAISO_NORTH", baseURL: mock.base("wt"), username: .environment("U"), password: .environment("P"))
        let entry = SignalEntry(zone: "US-CAL-CISO", signal: .carbonIntensity, unit: "lbsCO2/MWh", source: "WattTime", data: .provider(spec))
        let context = LiveContext(now: horizon.end.adding(hours: 24), environment: ["U": "alice", "P": "s3cret"], http: HTTPClient(timeoutSeconds: 10, retries: 0))
        let series = try SignalChain([ProviderSource(entry: entry, spec: spec, context: context)])
            .resolve(SignalRequest(zone: "US-CAL-CISO", signal: .carbonIntensity, horizon: horizon))
        XCTAssertEqual(series.values.count, hours)
        for h in 0..<hours {
            let hand = values[(h * 12)..<(h * 12 + 12)].reduce(0, +) / 12 * 0.453_592_37
            XCTAssertEqual(series.values[h], hand, accuracy: 1e-9, "hour \(h)")
        }
        XCTAssertFalse(series.provenance[0].forecast)
    }
}
