import GridwiseCore
import GridwiseSignals
import XCTest

final class SignalResolverTests: XCTestCase {
    let catalog = RegionCatalog(regions: [Region(name: "r", carbonZone: "Z", pools: [AcceleratorPool(type: "X", count: 1, powerKilowattsPerDevice: 1)])])
    let horizon = PlanningHorizon(start: Instant(year: 2023, month: 6, day: 1), hours: 3)

    func resolve(_ yaml: String, files: [String: String] = [:]) throws -> GridSignals {
        let spec = try SignalSetFormat.parse(yaml, file: "s/signals.yaml")
        return try SignalResolver.resolve(spec, specFile: "s/signals.yaml", catalog: catalog, horizon: horizon) { (path: String) throws(GridwiseError) -> String in
            guard let text = files[path] else { throw GridwiseError.missingInput(path: path, reason: "no such file") }
            return text
        }
    }

    func testSubHourlyPointsAreAveragedAndUnitsConverted() throws {
        // 30-minute WattTime-style points in lbs/MWh: each hour is the mean of its two points, times 0.45359237.
        var csv = "point_time,value\n"
        let values = [1000.0, 1200, 800, 800, 900, 1100]
        for (i, v) in values.enumerated() { csv += "2023-06-01T0\(i / 2):\(i % 2 == 0 ? "00" : "30"):00Z,\(v)\n" }
        let signals = try resolve("""
            apiVersion: gridwise/v1
            kind: SignalSet
            series:
              - {zone: Z, signal: carbon_intensity, unit: lbsCO2/MWh, basis: marginal, source: WattTime, csv: {file: moer.csv, time_column: point_time, value_column: value}}
              - {zone: Z, signal: price, unit: EUR/kWh, source: tariff, constant: 0.25}
            """, files: ["s/moer.csv": csv])
        let carbon = signals.carbon["Z"]!
        XCTAssertEqual(carbon.values[0], 1100 * 0.45359237, accuracy: 1e-9)
        XCTAssertEqual(carbon.values[1], 800 * 0.45359237, accuracy: 1e-9)
        XCTAssertEqual(carbon.values[2], 1000 * 0.45359237, accuracy: 1e-9)
        XCTAssertEqual(carbon.provenance[0].basis, "marginal")
        XCTAssertEqual(carbon.provenance[0].origin, "s/moer.csv")
        XCTAssertEqual(signals.price["Z"]!.values, [250, 250, 250])  // 0.25 EUR/kWh = 250 EUR/MWh
        XCTAssertEqual(signals.currency, "EUR")
    }

    func testRowsOutsideTheHorizonAreIgnoredAndCommentsSkipped() throws {
        let csv = "# a comment line\ntime,v\n2023-05-31T23:00:00Z,999\n2023-06-01T00:00:00Z,10\n2023-06-01T01:00:00Z,20\n2023-06-01T02:00:00Z,30\n2023-06-01T03:00:00Z,999\n"
        let signals = try resolve("""
            apiVersion: gridwise/v1
            kind: SignalSet
            series:
              - {zone: Z, signal: carbon_intensity, unit: gCO2eq/kWh, source: t, csv: {file: c.csv, time_column: time, value_column: v}}
              - {zone: Z, signal: price, unit: USD/MWh, source: t, hourly: {start: 2023-06-01T00:00:00Z, values: [1, 2, 3]}}
            """, files: ["s/c.csv": csv])
        XCTAssertEqual(signals.carbon["Z"]!.values, [10, 20, 30])
        XCTAssertEqual(signals.price["Z"]!.values, [1, 2, 3])
    }

    func testAbsurdValuesAndMissingColumnsAreRejectedWithTheirPlace() {
        XCTAssertThrowsError(try resolve("""
            apiVersion: gridwise/v1
            kind: SignalSet
            series:
              - {zone: Z, signal: carbon_intensity, unit: gCO2eq/kWh, source: t, constant: 9000}
              - {zone: Z, signal: price, unit: USD/MWh, source: t, constant: 1}
            """)) { error in
            XCTAssertTrue("\(error)".contains("found 9000.0 gCO2eq/kWh (9000.0 gCO2e/kWh); expected 0 to 2500 gCO2e/kWh"), "\(error)")
        }
        XCTAssertThrowsError(try resolve("""
            apiVersion: gridwise/v1
            kind: SignalSet
            series:
              - {zone: Z, signal: carbon_intensity, unit: gCO2eq/kWh, source: t, csv: {file: c.csv, time_column: time, value_column: ci}}
              - {zone: Z, signal: price, unit: USD/MWh, source: t, constant: 1}
            """, files: ["s/c.csv": "time,value\n"])) { error in
            XCTAssertTrue("\(error)".contains("s/c.csv:1: no column 'ci' (named in s/signals.yaml series[0]); the columns are: time, value"), "\(error)")
        }
    }

    func testPricesInTwoCurrenciesAreRefused() {
        let two = RegionCatalog(regions: catalog.regions + [Region(name: "q", carbonZone: "Q", pools: [AcceleratorPool(type: "X", count: 1, powerKilowattsPerDevice: 1)])])
        let spec = try! SignalSetFormat.parse("""
            apiVersion: gridwise/v1
            kind: SignalSet
            series:
              - {zone: Z, signal: carbon_intensity, unit: gCO2eq/kWh, source: t, constant: 1}
              - {zone: Q, signal: carbon_intensity, unit: gCO2eq/kWh, source: t, constant: 1}
              - {zone: Z, signal: price, unit: USD/MWh, source: t, constant: 1}
              - {zone: Q, signal: price, unit: CNY/MWh, source: t, constant: 1}
            """, file: "s.yaml")
        XCTAssertThrowsError(try SignalResolver.resolve(spec, specFile: "s.yaml", catalog: two, horizon: horizon)) { error in
            XCTAssertTrue("\(error)".contains("prices are in several currencies (Q: CNY, Z: USD)"), "\(error)")
        }
    }

    func testJSONTraceFiles() throws {
        let json = """
            {"points": [{"time": "2023-06-01T00:00:00Z", "value": 10}, {"time": "2023-06-01T02:00:00+00:00", "value": 30},
                        {"time": "2023-06-01T01:00:00Z", "value": 20}]}
            """
        let signals = try resolve("""
            apiVersion: gridwise/v1
            kind: SignalSet
            series:
              - {zone: Z, signal: carbon_intensity, unit: kgCO2eq/MWh, source: my trace, json: {file: t.json}}
              - {zone: Z, signal: price, unit: USD/MWh, source: t, constant: 1}
            """, files: ["s/t.json": json])
        XCTAssertEqual(signals.carbon["Z"]!.values, [10, 20, 30])
        XCTAssertThrowsError(try resolve("""
            apiVersion: gridwise/v1
            kind: SignalSet
            series:
              - {zone: Z, signal: carbon_intensity, unit: gCO2eq/kWh, source: t, json: {file: t.json, time_key: at, value_key: ci}}
              - {zone: Z, signal: price, unit: USD/MWh, source: t, constant: 1}
            """, files: ["s/t.json": "[{\"at\": \"2023-06-01T00:00:00Z\", \"ci\": \"high\"}]"])) { error in
            XCTAssertTrue("\(error)".contains("s/t.json: [0].ci: found high; expected a number"), "\(error)")
        }
    }

    func testLocalTimestampsAcrossADaylightSavingChangeLandInTheRightUTCHours() throws {
        // Berlin leaves summer time on 2023-10-29: 02:00+02:00 and 02:00+01:00 are two different hours.
        let horizon = PlanningHorizon(start: Instant(year: 2023, month: 10, day: 28, hour: 23), hours: 3)
        let csv = "time,v\n2023-10-29T01:00:00+02:00,1\n2023-10-29T02:00:00+02:00,2\n2023-10-29T02:00:00+01:00,3\n"
        let spec = try SignalSetFormat.parse("""
            apiVersion: gridwise/v1
            kind: SignalSet
            series:
              - {zone: Z, signal: carbon_intensity, unit: gCO2eq/kWh, source: t, csv: {file: c.csv, time_column: time, value_column: v}}
              - {zone: Z, signal: price, unit: USD/MWh, source: t, constant: 1}
            """, file: "s/signals.yaml")
        let signals = try SignalResolver.resolve(spec, specFile: "s/signals.yaml", catalog: catalog, horizon: horizon) { (_: String) throws(GridwiseError) -> String in csv }
        XCTAssertEqual(signals.carbon["Z"]!.values, [1, 2, 3])  // 23:00, 00:00 and 01:00 UTC
    }
}
