/// A CSV file read into rows of fields: RFC 4180 quoting, `#` comment lines skipped, first line the header.
struct CSVTable {
    var header: [String]
    /// Each row with its 1-based line number in the file.
    var rows: [(line: Int, fields: [String])]

    init(text: String) {
        var lines: [(Int, [String])] = []
        var field = ""
        var fields: [String] = []
        var inQuotes = false
        var line = 1
        var rowLine = 1
        var atLineStart = true
        var skippingComment = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRow() {
            fields.append(field)
            field = ""
            if !(fields.count == 1 && fields[0].isEmpty) { lines.append((rowLine, fields)) }
            fields = []
        }
        while let c = pending ?? iterator.next() {
            pending = nil
            if skippingComment {
                if c == "\n" { skippingComment = false; line += 1; atLineStart = true }
                continue
            }
            if atLineStart {
                rowLine = line
                atLineStart = false
                if c == "#" && fields.isEmpty && field.isEmpty { skippingComment = true; continue }
                if c == "\u{FEFF}" { atLineStart = true; continue }
            }
            if inQuotes {
                if c == "\"" {
                    let next = iterator.next()
                    if next == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = next }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"": inQuotes = true
            case ",": fields.append(field); field = ""
            case "\r": break
            case "\n":
                endRow()
                line += 1
                atLineStart = true
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        header = lines.first?.1.map { $0.trimmingSpaces } ?? []
        rows = Array(lines.dropFirst()).map { (line: $0.0, fields: $0.1) }
    }
}
