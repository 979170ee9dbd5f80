import GridwiseCore
import XCTest

final class TimeAndUnitsTests: XCTestCase {
    func testParsesTimestampsWithOffsetsAndFormatsUTC() throws {
        XCTAssertEqual(try Instant.parse("2026-12-01T06:00:00Z").iso8601, "2026-12-01T06:00:00Z")
        XCTAssertEqual(try Instant.parse("2026-12-01T14:00:00+08:00").iso8601, "2026-12-01T06:00:00Z")
        XCTAssertEqual(try Instant.parse("2023-01-01 00:00:00+00:00").iso8601, "2023-01-01T00:00:00Z")
        XCTAssertEqual(try Instant.parse("2024-02-29T23:30Z").iso8601, "2024-02-29T23:30:00Z")
        XCTAssertEqual(try Instant.parse("2023-06-05 00:00:00", defaultOffsetSeconds: 0).secondsSinceEpoch, 1_685_923_200)
        XCTAssertThrowsError(try Instant.parse("2026-12-01T06:00:00")) { XCTAssertEqual($0 as? TimeParseError, .missingOffset("2026-12-01T06:00:00")) }
        XCTAssertThrowsError(try Instant.parse("2023-02-29T00:00:00Z")) { XCTAssertEqual($0 as? TimeParseError, .outOfRange("2023-02-29T00:00:00Z")) }
        XCTAssertThrowsError(try Instant.parse("next tuesday"))
    }

    /// Every field is written with its leading zeros, at both ends of the years written digit by digit and
    /// past them; text and instant go both ways.
    func testFormatsEveryFieldWithLeadingZeros() throws {
        XCTAssertEqual(Instant(secondsSinceEpoch: 0).iso8601, "1970-01-01T00:00:00Z")
        XCTAssertEqual(Instant(secondsSinceEpoch: 1_685_923_200 + 3_600 * 9 + 60 * 5 + 7).iso8601, "2023-06-05T09:05:07Z")
        XCTAssertEqual(Instant(secondsSinceEpoch: -1).iso8601, "1969-12-31T23:59:59Z")
        XCTAssertEqual(Instant(secondsSinceEpoch: -62_167_219_200).iso8601, "0000-01-01T00:00:00Z")
        XCTAssertEqual(Instant(secondsSinceEpoch: 253_402_300_799).iso8601, "9999-12-31T23:59:59Z")
        XCTAssertEqual(Instant(secondsSinceEpoch: 253_402_300_800).iso8601, "10000-01-01T00:00:00Z")
        for text in ["2024-02-29T23:30:00Z", "2000-10-10T10:10:10Z", "0999-01-02T03:04:05Z"] {
            XCTAssertEqual(try Instant.parse(text).iso8601, text)
        }
    }

    /// Spaces are trimmed at both ends (ASCII and not), and text with none is kept as it is.
    func testTrimmingSpaces() {
        XCTAssertEqual("2026-12-01T06:00:00Z".trimmingSpaces, "2026-12-01T06:00:00Z")
        XCTAssertEqual(" \t2026-12-01 06:00 \r\n".trimmingSpaces, "2026-12-01 06:00")
        XCTAssertEqual("\u{00A0}x\u{2003}".trimmingSpaces, "x")  // no-break and em spaces
        XCTAssertEqual("é".trimmingSpaces, "é")
        XCTAssertEqual("".trimmingSpaces, "")
        XCTAssertEqual("   ".trimmingSpaces, "")
        XCTAssertEqual(try Instant.parse("  2026-12-01T06:00:00Z ").iso8601, "2026-12-01T06:00:00Z")
    }

    /// YAML scalars come through as their text, whatever they look like (DocumentNode types them later);
    /// a key given twice is an error with its line, quoted or not.
    func testDocumentScalarsAreTheirTextAndKeysAreUnique() throws {
        guard case .map(let pairs, _) = try DocumentNode.parse("a: 1\nb: 2026-12-01\nc: 'yes'\nd: no\ne: 0x1F\nf: ~\n", file: "t.yaml") else {
            return XCTFail("expected a map")
        }
        let values = pairs.map { pair -> String in
            switch pair.value {
            case .scalar(let s, let quoted, _): return quoted ? "'\(s)'" : s
            case .null: return "null"
            default: return "?"
            }
        }
        XCTAssertEqual(pairs.map(\.key), ["a", "b", "c", "d", "e", "f"])
        XCTAssertEqual(values, ["1", "2026-12-01", "'yes'", "no", "0x1F", "null"])
        for text in ["a: 1\na: 2\n", "a: 1\n'a': 2\n"] {
            XCTAssertThrowsError(try DocumentNode.parse(text, file: "t.yaml")) { error in
                guard case .invalidInput(let diagnostics) = error as? GridwiseError else { return XCTFail("\(error)") }
                XCTAssertEqual(diagnostics.count, 1, text)
                XCTAssertTrue(diagnostics[0].message.contains("each key may appear once"), diagnostics[0].message)
                XCTAssertEqual(diagnostics[0].file, "t.yaml")
            }
        }
    }

    func testWeekdaysAndLocalTime() throws {
        let monday = try Instant.parse("2026-12-07T00:00:00Z")
        XCTAssertEqual(monday.civil.isoWeekday, 1)
        XCTAssertEqual(monday.adding(hours: 24 * 6).civil.isoWeekday, 7)
        // 20:00 UTC Sunday is 04:00 Monday in UTC+8.
        let local = try Instant.parse("2026-12-06T20:00:00Z").civil(offsetSeconds: 8 * 3600)
        XCTAssertEqual([local.isoWeekday, local.hour], [1, 4])
    }

    func testDurations() {
        XCTAssertEqual(parseDurationSeconds("36h"), 129_600)
        XCTAssertEqual(parseDurationSeconds("1h30m"), 5_400)
        XCTAssertEqual(parseDurationSeconds("2d"), 172_800)
        XCTAssertEqual(parseDurationSeconds("PT36H"), 129_600)
        XCTAssertEqual(parseDurationSeconds("1.5h"), 5_400)
        XCTAssertNil(parseDurationSeconds("36"))
        XCTAssertNil(parseDurationSeconds("h"))
        XCTAssertNil(parseDurationSeconds("3 weeks"))
    }

    func testUnitConversions() {
        XCTAssertEqual(SignalUnits.carbonFactor("gCO2eq/kWh"), 1)
        XCTAssertEqual(SignalUnits.carbonFactor("kgCO2e/MWh"), 1)
        XCTAssertEqual(SignalUnits.carbonFactor("tCO2e/kWh"), 1_000_000)
        XCTAssertEqual(SignalUnits.carbonFactor("lbsCO2/MWh")!, 0.45359237, accuracy: 1e-12)  // 1 lb = 453.59237 g; per MWh = per 1000 kWh
        XCTAssertNil(SignalUnits.carbonFactor("ppm"))
        XCTAssertEqual(SignalUnits.priceUnit("CNY/kWh")?.currency, "CNY")
        XCTAssertEqual(SignalUnits.priceUnit("CNY/kWh")?.factorToPerMegawattHour, 1000)
        XCTAssertNil(SignalUnits.priceUnit("dollars"))
    }

    func testNumberFormatting() {
        XCTAssertEqual(formatGrouped(1234567.891, decimals: 1), "1,234,567.9")
        XCTAssertEqual(formatGrouped(-1234.5, decimals: 0), "-1,235")
        XCTAssertEqual(formatNumber(0.05, decimals: 3), "0.050")
        XCTAssertEqual(formatPercent(0.8012), "80.1 %")
    }

    func testTimeOfUseTariffByLocalTimeAndDayType() throws {
        let peak = TimeOfUseTariff.Band(days: .weekdays, fromMinute: 480, toMinute: 660, price: 1050)
        let valley = TimeOfUseTariff.Band(days: .all, fromMinute: 1380, toMinute: 420, price: 300)
        let tariff = TimeOfUseTariff(utcOffsetSeconds: 28_800, bands: [peak, valley], defaultPrice: 650)
        XCTAssertEqual(tariff.price(at: try Instant.parse("2026-12-07T01:00:00Z")), 1050)  // Monday 09:00 local: peak
        XCTAssertEqual(tariff.price(at: try Instant.parse("2026-12-06T01:00:00Z")), 650)  // Sunday 09:00 local: no weekday peak
        XCTAssertEqual(tariff.price(at: try Instant.parse("2026-12-07T16:00:00Z")), 300)  // 00:00 local: valley across midnight
        XCTAssertEqual(tariff.price(at: try Instant.parse("2026-12-07T06:00:00Z")), 650)  // 14:00 local: default
    }
}
