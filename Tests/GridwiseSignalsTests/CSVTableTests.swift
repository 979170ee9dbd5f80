@testable import GridwiseSignals
import XCTest

final class CSVTableTests: XCTestCase {
    func testQuotingCommentsLineEndingsAndLineNumbers() {
        let text = "\u{FEFF}time,\"value, gCO2\",note\r\n# a comment line\r\n2023-06-05 00:00:00,243.31,\"say \"\"hi\"\"\"\r\n\r\n2023-06-05 01:00:00,\"1,5\",\"two\nlines\"\n2023-06-05 02:00:00,7,\"\"x\n2023-06-05 03:00:00,8,last"
        let t = CSVTable(text: text)
        XCTAssertEqual(t.header, ["time", "value, gCO2", "note"])
        XCTAssertEqual(t.rows.map(\.line), [3, 5, 7, 8])
        XCTAssertEqual(t.rows.map(\.fields), [
            ["2023-06-05 00:00:00", "243.31", "say \"hi\""],
            ["2023-06-05 01:00:00", "1,5", "two\nlines"],
            ["2023-06-05 02:00:00", "7", "x"],
            ["2023-06-05 03:00:00", "8", "last"],
        ])
    }

    func testNonASCIIHeadersAndEmptyFields() {
        let t = CSVTable(text: "Datetime (UTC),Carbon Intensity gCO₂eq/kWh (direct),Data Estimation Method\n2023-06-05 00:00:00,243.31,\n,,\n")
        XCTAssertEqual(t.header, ["Datetime (UTC)", "Carbon Intensity gCO₂eq/kWh (direct)", "Data Estimation Method"])
        XCTAssertEqual(t.rows.map(\.fields), [["2023-06-05 00:00:00", "243.31", ""], ["", "", ""]])
        XCTAssertEqual(CSVTable(text: "").rows.count, 0)
        XCTAssertEqual(CSVTable(text: "").header, [])
    }
}
