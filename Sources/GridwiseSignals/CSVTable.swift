/// A CSV file read into rows of fields: RFC 4180 quoting, `#` comment lines skipped, first line the header.
///
/// Reads the UTF-8 bytes directly (a field becomes a String once, from its byte range), which keeps
/// `gridwise place` fast on a folder of month-long traces.
public struct CSVTable: Sendable {
    public var header: [String]
    /// Each row with its 1-based line number in the file.
    public var rows: [(line: Int, fields: [String])]

    public init(text: String) {
        var text = text
        let parsed: [(Int, [String])] = text.withUTF8 { Self.parse($0) }
        header = parsed.first?.1.map { $0.trimmingSpaces } ?? []
        rows = parsed.dropFirst().map { (line: $0.0, fields: $0.1) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> [(Int, [String])] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), hash = UInt8(ascii: "#")
        var lines: [(Int, [String])] = []
        var fields: [String] = []
        var line = 1
        var i = 0
        let n = bytes.count
        // A byte-order mark at the start is not part of the first field.
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        var quoted: [UInt8] = []
        while i < n {
            // At the start of a row.
            let rowLine = line
            if bytes[i] == hash {
                while i < n && bytes[i] != newline { i += 1 }
                i += 1
                line += 1
                continue
            }
            fields.removeAll(keepingCapacity: true)
            var endOfRow = false
            while !endOfRow {
                if i < n && bytes[i] == quote {
                    // A quoted field: "" is a quote; newlines inside are part of it.
                    quoted.removeAll(keepingCapacity: true)
                    i += 1
                    while i < n {
                        let c = bytes[i]
                        if c == quote {
                            if i + 1 < n && bytes[i + 1] == quote { quoted.append(quote); i += 2; continue }
                            i += 1
                            break
                        }
                        if c == newline { line += 1 }
                        quoted.append(c)
                        i += 1
                    }
                    // Anything after the closing quote up to the separator belongs to the field, as before.
                    let rest = i
                    while i < n && bytes[i] != comma && bytes[i] != newline { i += 1 }
                    var tail = Array(UnsafeBufferPointer(rebasing: bytes[rest..<i]))
                    tail.removeAll { $0 == cr }
                    fields.append(String(decoding: quoted + tail, as: UTF8.self))
                } else {
                    let start = i
                    var hasCR = false
                    while i < n && bytes[i] != comma && bytes[i] != newline {
                        if bytes[i] == cr { hasCR = true }
                        i += 1
                    }
                    if hasCR {
                        fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]).filter { $0 != cr }, as: UTF8.self))
                    } else {
                        fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                    }
                }
                if i < n && bytes[i] == comma {
                    i += 1
                } else {
                    endOfRow = true
                    if i < n { i += 1; line += 1 }  // the newline
                }
            }
            if !(fields.count == 1 && fields[0].isEmpty) { lines.append((rowLine, fields)) }
        }
        return lines
    }
}
