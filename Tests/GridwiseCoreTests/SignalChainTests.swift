import GridwiseCore
import GridwiseSignals
import XCTest

final class SignalChainTests: XCTestCase {
    let horizon = PlanningHorizon(start: Instant(year: 2023, month: 6, day: 1), hours: 4)

    /// A source that answers fixed hourly values (nil = no point that hour), or fails as unavailable.
    struct Stub: SignalSource {
        var name: String
        var values: [Double?]
        var unavailable: String? = nil
        func fetch(_ request: SignalRequest) throws(GridwiseError) -> SourceAnswer {
            if let unavailable { throw .sourceUnavailable(source: name, zone: request.zone, reason: unavailable) }
            let points = values.enumerated().compactMap { i, v in v.map { SignalPoint(time: request.horizon.slotStart(i), seconds: 3600, value: $0) } }
            return SourceAnswer(points: points, provenance: SeriesProvenance(zone: request.zone, signal: request.signal, source: name, origin: "stub", declaredUnit: "gCO2eq/kWh"))
        }
    }

    var request: SignalRequest { SignalRequest(zone: "Z", signal: .carbonIntensity, horizon: horizon) }

    func testFallbackFillsOnlyTheMissingHoursAndSaysWhich() throws {
        let series = try SignalChain([Stub(name: "live", values: [100, nil, nil, 130]), Stub(name: "annual factor", values: [400, 400, 400, 400])]).resolve(request)
        XCTAssertEqual(series.values, [100, 400, 400, 130])
        XCTAssertEqual(series.provenance.map(\.source), ["live", "annual factor"])
        XCTAssertEqual(series.provenance[0].hours, [TimeRange(start: "2023-06-01T00:00:00Z", end: "2023-06-01T01:00:00Z"), TimeRange(start: "2023-06-01T03:00:00Z", end: "2023-06-01T04:00:00Z")])
        XCTAssertEqual(series.provenance[1].hours, [TimeRange(start: "2023-06-01T01:00:00Z", end: "2023-06-01T03:00:00Z")])
        XCTAssertEqual(series.provenance[1].fallbackRank, 1)
        XCTAssertEqual(series.provenance[1].note, "fallback for live has no value for 2 of 4 hours")
    }

    func testUnavailablePrimaryHandsOverWithItsReason() throws {
        let series = try SignalChain([Stub(name: "Electricity Maps", values: [], unavailable: "HTTP 503"), Stub(name: "trace", values: [1, 2, 3, 4])]).resolve(request)
        XCTAssertEqual(series.values, [1, 2, 3, 4])
        XCTAssertEqual(series.provenance.count, 1)
        XCTAssertEqual(series.provenance[0].note, "fallback for Electricity Maps unavailable: HTTP 503")
    }

    func testEverySourceUnavailableIsExit69NamingThemAll() {
        XCTAssertThrowsError(try SignalChain([Stub(name: "a", values: [], unavailable: "timeout"), Stub(name: "b", values: [], unavailable: "HTTP 401")]).resolve(request)) { error in
            guard case .sourceUnavailable(let source, let zone, let reason)? = error as? GridwiseError else { return XCTFail("\(error)") }
            XCTAssertEqual(source, "a -> b")
            XCTAssertEqual(zone, "Z")
            XCTAssertTrue(reason.contains("a unavailable: timeout; b unavailable: HTTP 401"), reason)
            XCTAssertEqual((error as! GridwiseError).exitCode, 69)
        }
    }

    func testGapLeftAfterEverySourceIsAnInputError() {
        XCTAssertThrowsError(try SignalChain([Stub(name: "a", values: [1, nil, 3, 4])]).resolve(request)) { error in
            XCTAssertEqual((error as! GridwiseError).exitCode, 65)
            XCTAssertTrue("\(error)".contains("has no value for 1 of the 4 horizon hours, first 2023-06-01T01:00:00Z"), "\(error)")
        }
    }

    func testABrokenFileStopsTheChainInsteadOfFallingBack() throws {
        let spec = try SignalSetFormat.parse("""
            apiVersion: gridwise/v1
            kind: SignalSet
            series:
              - zone: Z
                signal: carbon_intensity
                unit: gCO2eq/kWh
                source: trace
                csv: {file: t.csv, time_column: time, value_column: v}
                fallback:
                  - {unit: gCO2eq/kWh, source: annual factor, constant: 300}
              - {zone: Z, signal: price, unit: USD/MWh, source: flat, constant: 50}
            """, file: "s.yaml")
        let catalog = RegionCatalog(regions: [Region(name: "r", carbonZone: "Z", pools: [AcceleratorPool(type: "X", count: 1, powerKilowattsPerDevice: 1)])])
        // A gap in the trace: the declared fallback fills it.
        let gappy = "time,v\n2023-06-01T00:00:00Z,10\n2023-06-01T03:00:00Z,40\n"
        let signals = try SignalResolver.resolve(spec, specFile: "s.yaml", catalog: catalog, horizon: horizon) { (_: String) throws(GridwiseError) -> String in gappy }
        XCTAssertEqual(signals.carbon["Z"]!.values, [10, 300, 300, 40])
        XCTAssertEqual(signals.carbon["Z"]!.provenance.map(\.source), ["trace", "annual factor"])
        // A bad value in the trace: an error to fix, not a reason to fall back.
        let broken = "time,v\n2023-06-01T00:00:00Z,10\n2023-06-01T01:00:00Z,oops\n"
        XCTAssertThrowsError(try SignalResolver.resolve(spec, specFile: "s.yaml", catalog: catalog, horizon: horizon) { (_: String) throws(GridwiseError) -> String in broken }) { error in
            XCTAssertTrue("\(error)".contains("t.csv:3: v: found 'oops'; expected a number"), "\(error)")
        }
    }

    func testFiveMinutePointsAverageIntoHoursAndSparseHoursAreGaps() {
        // Twelve 5-minute points fill hour 0; three points (15 minutes) are not enough for hour 1.
        var points = (0..<12).map { SignalPoint(time: horizon.start.adding(seconds: Int64($0) * 300), seconds: 300, value: Double($0)) }
        points += (0..<3).map { SignalPoint(time: horizon.start.adding(seconds: 3600 + Int64($0) * 300), seconds: 300, value: 99) }
        let hourly = HourlyAggregation.hourly(points, horizon: horizon)
        XCTAssertEqual(hourly[0]!, 5.5, accuracy: 1e-12)  // mean of 0...11
        XCTAssertNil(hourly[1])
        XCTAssertEqual(HourlyAggregation.inferLengths([horizon.start, horizon.start.adding(seconds: 300), horizon.start.adding(seconds: 600)]), [300, 300, 300])
    }
}
