import Foundation
import GridwiseCore
@testable import GridwiseSignals
import XCTest

/// Each provider source against a local server that answers as the provider documents, faults included.
final class ProviderSourceTests: XCTestCase {
    var mock: MockProviders!
    let waits = WaitLog()

    override func setUpWithError() throws { mock = try MockProviders() }
    override func tearDown() { mock.stop() }

    /// 36 hours before the mock's now (older than a day, so Electricity Maps uses past-range) and 12 after.
    let horizon = PlanningHorizon(start: MockProviders.now.adding(hours: -36), hours: 48)
    let past = 36

    func context(timeout: Double = 2, env: [String: String] = ["EM_TOKEN": "em-token", "WT_USER": "alice", "WT_PASSWORD": "s3cret"]) -> LiveContext {
        let waits = self.waits
        return LiveContext(now: MockProviders.now, environment: env,
                           http: HTTPClient(timeoutSeconds: timeout, retries: 2, baseDelaySeconds: 0.25, limiter: RateLimiter(requests: 1_000_000, perSeconds: 1),
                                            sleep: { waits.record($0) }, random: { 0.5 }))
    }

    func source(_ spec: ProviderSpec, zone: String = "Z", context: LiveContext? = nil) -> ProviderSource {
        let entry = SignalEntry(zone: zone, signal: .carbonIntensity, unit: spec.kind.unit(signal: .carbonIntensity), source: spec.kind.rawValue, data: .provider(spec))
        return ProviderSource(entry: entry, spec: spec, context: context ?? self.context())
    }

    func em(_ zone: String, token: SecretReference = .environment("EM_TOKEN")) -> ProviderSpec {
        ProviderSpec(kind: .electricityMaps, zone: zone, baseURL: mock.base("em"), token: token)
    }

    func resolve(_ s: any SignalSource, fallback: [Double]? = nil) throws -> HourlySeries {
        var sources: [any SignalSource] = [s]
        if let fallback { sources.append(Constant(name: "annual factor", value: fallback[0])) }
        return try SignalChain(sources).resolve(SignalRequest(zone: "Z", signal: .carbonIntensity, horizon: horizon))
    }

    struct Constant: SignalSource {
        var name: String
        var value: Double
        func fetch(_ request: SignalRequest) throws(GridwiseError) -> SourceAnswer {
            SourceAnswer(points: [SignalPoint(time: request.horizon.start, seconds: Int64(request.horizon.hours) * 3600, value: value)],
                         provenance: SeriesProvenance(zone: request.zone, signal: request.signal, source: name, origin: "test", declaredUnit: "gCO2eq/kWh"))
        }
    }

    func expected(_ zone: String) -> [Double] { (0..<horizon.hours).map { MockProviders.value(zone, horizon.slotStart($0)) } }

    func assertUnavailable(_ s: any SignalSource, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try resolve(s), file: file, line: line) { error in
            guard let e = error as? GridwiseError, case .sourceUnavailable = e else { return XCTFail("not unavailable: \(error)", file: file, line: line) }
            XCTAssertEqual(e.exitCode, 69, file: file, line: line)
            XCTAssertTrue(e.description.contains(text), "expected «\(text)» in \(e.description)", file: file, line: line)
        }
    }

    // MARK: Electricity Maps

    func testElectricityMapsHistoryThenForecast() throws {
        let series = try resolve(source(em("DE")))
        XCTAssertEqual(series.values, expected("DE"))
        XCTAssertEqual(series.provenance.count, 1)
        XCTAssertTrue(series.provenance[0].forecast, "the hours after now come from the forecast")
        XCTAssertEqual(series.provenance[0].fetchedAt, MockProviders.now.iso8601)
        XCTAssertEqual(series.provenance[0].origin, mock.base("em"))
    }

    func testElectricityMapsLast24HoursComeFromHistory() throws {
        let recent = PlanningHorizon(start: MockProviders.now.adding(hours: -6), hours: 12)
        let series = try SignalChain([source(em("DE"))]).resolve(SignalRequest(zone: "Z", signal: .carbonIntensity, horizon: recent))
        XCTAssertEqual(series.values, (0..<12).map { MockProviders.value("DE", recent.slotStart($0)) })
    }

    func testElectricityMapsRefusedTokenNamesTheVariableNotTheSecret() {
        let s = source(em("DE"), context: context(env: ["EM_TOKEN": "wrong-secret-value"]))
        assertUnavailable(s, contains: "the token was refused (for this zone, or at all); check the token in $EM_TOKEN")
        XCTAssertThrowsError(try resolve(s)) { XCTAssertFalse("\($0)".contains("wrong-secret-value")) }
        assertUnavailable(source(em("DE"), context: context(env: [:])), contains: "the environment variable EM_TOKEN is not set")
    }

    func testElectricityMapsUnknownZone() {
        assertUnavailable(source(em("FAULT-404")), contains: "/em/carbon-intensity/past-range?zone=FAULT-404&start=2023-06-07T00:00:00Z&end=2023-06-08T12:00:00Z: unknown zone 'FAULT-404'")
    }

    func testRetriesTransientFailuresAndHonoursRetryAfter() throws {
        XCTAssertEqual(try resolve(source(em("FAULT-503-ONCE"))).values, expected("FAULT-503-ONCE"))
        XCTAssertEqual(waits.all, [0.25 * 0.75, 0.25 * 0.75], "one backoff wait (base 0.25 s x jitter factor 0.75) for each of history and forecast")
        XCTAssertEqual(try resolve(source(em("FAULT-429-RA"))).values, expected("FAULT-429-RA"))
        XCTAssertEqual(waits.all.last, 1, "Retry-After: 1 is honoured")
        XCTAssertEqual(try resolve(source(em("FAULT-429"))).values, expected("FAULT-429"))
    }

    func testPersistentServerErrorsAndLongRetryAfterGiveUp() {
        assertUnavailable(source(em("FAULT-500")), contains: "HTTP 500 after 3 attempts")
        assertUnavailable(source(em("FAULT-429-LONG")), contains: "Retry-After 3600 s is longer than the 30 s Gridwise waits")
    }

    func testTimeoutAndRefusedConnection() {
        assertUnavailable(source(em("FAULT-SLOW"), context: context(timeout: 1)), contains: "timed out after 1 s")
        var spec = em("DE")
        spec.baseURL = "http://127.0.0.1:9/em"  // discard port: nothing listens
        assertUnavailable(source(spec), contains: "connection refused")
    }

    func testBodiesThatAreNotTheDocumentedJSON() {
        assertUnavailable(source(em("FAULT-BADJSON")), contains: "answered a body that is not JSON (starts '<html>Bad gateway</html>')")
        assertUnavailable(source(em("FAULT-TRUNCATED")), contains: "answered a body that is not JSON")
        assertUnavailable(source(em("FAULT-SHAPE")), contains: "answered JSON without a 'data' list")
    }

    func testUntrustworthyValuesAreRejectedAndTheirHoursFilledByTheFallback() throws {
        let series = try resolve(source(em("FAULT-VALUES")), fallback: [400])
        // The mock spoils hours 2-4 of each answer: of the history (from the horizon start) and of the forecast (from now, hour 36).
        var want = expected("FAULT-VALUES")
        for h in [2, 3, 4, past + 2, past + 3, past + 4] { want[h] = 400 }
        XCTAssertEqual(series.values, want)
        let note = series.provenance[0].note ?? ""
        XCTAssertTrue(note.contains("no value for \(horizon.slotStart(2))"), note)
        XCTAssertTrue(note.contains("rejected 1000000000.0 at \(horizon.slotStart(3)) (expected 0 to 2500 gCO2e/kWh)"), note)
        XCTAssertTrue(note.contains("rejected -5.0 at \(horizon.slotStart(4))"), note)
        XCTAssertEqual(series.provenance[1].source, "annual factor")
        XCTAssertEqual(series.provenance[1].hours, [TimeRange(start: horizon.slotStart(2).iso8601, end: horizon.slotStart(5).iso8601),
                                                     TimeRange(start: horizon.slotStart(past + 2).iso8601, end: horizon.slotStart(past + 5).iso8601)])
    }

    func testMissingDuplicateUnsortedAndOffsetTimestamps() throws {
        let missing = try resolve(source(em("FAULT-MISSING")), fallback: [300])
        XCTAssertEqual(missing.provenance[1].hours, [TimeRange(start: horizon.slotStart(5).iso8601, end: horizon.slotStart(8).iso8601),
                                                      TimeRange(start: horizon.slotStart(past + 5).iso8601, end: horizon.slotStart(past + 8).iso8601)])
        let duplicated = try resolve(source(em("FAULT-DUP")), fallback: [300])
        XCTAssertEqual(duplicated.values[1], 300, "an hour given twice with different values is not planned on")
        XCTAssertTrue(duplicated.provenance[0].note!.contains("two different values for \(horizon.slotStart(1)); both rejected"))
        XCTAssertEqual(try resolve(source(em("FAULT-UNSORTED"))).values, expected("FAULT-UNSORTED"))
        XCTAssertEqual(try resolve(source(em("FAULT-OFFSET"))).values, expected("FAULT-OFFSET"))
    }

    func testForecastShorterThanTheHorizonLeavesAGapForTheFallback() throws {
        let long = PlanningHorizon(start: MockProviders.now, hours: 10)
        let series = try SignalChain([source(em("FAULT-SHORT")), Constant(name: "annual factor", value: 333)])
            .resolve(SignalRequest(zone: "Z", signal: .carbonIntensity, horizon: long))
        XCTAssertEqual(Array(series.values[6...]), [333, 333, 333, 333])
        XCTAssertEqual(series.provenance[1].note, "fallback for electricity_maps has no value for 4 of 10 hours")
    }

    // MARK: WattTime

    func wt(_ region: String) -> ProviderSpec {
        ProviderSpec(kind: .wattTime, zone: region, baseURL: mock.base("wt"), username: .environment("WT_USER"), password: .environment("WT_PASSWORD"))
    }

    func testWattTimeLogsInOnceConvertsAndAveragesFiveMinutePoints() throws {
        let series = try resolve(source(wt("CAISO_SOUTH")))
        // 5-minute points all equal within an hour in the mock: the hour is that value x 0.45359237.
        for (h, v) in series.values.enumerated() {
            XCTAssertEqual(v, MockProviders.value("CAISO_SOUTH", horizon.slotStart(h)) * 0.453_592_37, accuracy: 1e-9)
        }
        XCTAssertEqual(series.provenance[0].basis, "marginal")
        XCTAssertEqual(series.provenance[0].declaredUnit, "lbsCO2/MWh")
        _ = try resolve(source(wt("CAISO_SOUTH")))
        XCTAssertEqual(try mock.stats()["wt-login"], 1, "the bearer token is reused while it is valid")
    }

    func testWattTimeRenewsTheTokenOnA401() throws {
        _ = try resolve(source(wt("FAULT-EXPIRE")))
        XCTAssertGreaterThanOrEqual(try mock.stats()["wt-login"] ?? 0, 1)
        let before = try mock.stats()["wt-login"] ?? 0
        WattTimeClient.tokens.forget(key: mock.base("wt") + "\u{1}alice")
        _ = try resolve(source(wt("CAISO_SOUTH")))
        XCTAssertEqual(try mock.stats()["wt-login"], before + 1)
    }

    func testWattTimeRefusedPassword() {
        assertUnavailable(source(wt("CAISO_SOUTH"), context: context(env: ["WT_USER": "alice", "WT_PASSWORD": "nope"])), contains: "login: HTTP 401: the username or password was refused")
    }

    // MARK: UK Carbon Intensity

    func testUKNationalUsesActualsThenForecasts() throws {
        let series = try resolve(source(ProviderSpec(kind: .ukCarbonIntensity, baseURL: mock.base("uk"))))
        // Half-hour periods: actual = value before now, forecast = value + 3 after (see the mock).
        for h in 0..<horizon.hours {
            let v = MockProviders.value("GB-national", horizon.slotStart(h))
            XCTAssertEqual(series.values[h], h < past ? v : v + 3, "hour \(h)")
        }
        XCTAssertTrue(series.provenance[0].forecast)
    }

    func testUKRegionalInBothNestings() throws {
        for id in [1, 2] {
            let series = try resolve(source(ProviderSpec(kind: .ukCarbonIntensity, baseURL: mock.base("uk"), regionID: id)))
            XCTAssertEqual(series.values[0], MockProviders.value("GB-region-\(id)", horizon.start), "region \(id)")
        }
    }

    // MARK: Carbon Aware SDK

    func testCarbonAwareSDKHistoryAndForecast() throws {
        let series = try resolve(source(ProviderSpec(kind: .carbonAwareSDK, zone: "eastus", baseURL: mock.base("sdk"))))
        XCTAssertEqual(series.values, expected("eastus"))
    }

    func testCarbonAwareSDKWithoutForecastsFallsBackForFutureHours() throws {
        let series = try resolve(source(ProviderSpec(kind: .carbonAwareSDK, zone: "NOFORECAST", baseURL: mock.base("sdk"))), fallback: [250])
        XCTAssertEqual(Array(series.values[..<past]), Array(expected("NOFORECAST")[..<past]))
        XCTAssertEqual(Array(series.values[past...]), Array(repeating: 250, count: 12))
    }

    func testEveryRequestCarriesTheUserAgent() {
        XCTAssertTrue(HTTPClient.userAgent.hasPrefix("Gridwise/\(GridwiseBuild.version)"))
    }

    // MARK: Secrets

    func testSecretFilesMustBeOwnerOnly() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gridwise-token-\(UUID().uuidString)").path
        try "em-token\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        assertUnavailable(source(em("DE", token: .file(path))), contains: "is readable by others (mode 644); run chmod 600")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        XCTAssertEqual(try resolve(source(em("DE", token: .file(path)))).values, expected("DE"))
    }
}

final class RateLimiterTests: XCTestCase {
    func testRequestsBeyondTheRateWaitForTheirSlot() {
        let limiter = RateLimiter(requests: 10, perSeconds: 1)  // one slot every 0.1 s
        let waits = WaitLog()
        for _ in 0..<3 { limiter.acquire(sleep: { waits.record($0) }) }
        XCTAssertEqual(waits.all.count, 2, "the first request goes at once")
        XCTAssertEqual(waits.all[0], 0.1, accuracy: 0.02)
        XCTAssertEqual(waits.all[1], 0.2, accuracy: 0.02)
    }
}
