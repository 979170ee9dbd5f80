/// A plain-text table: a header row, right-aligned numbers, left-aligned text.
struct TextTable {
    enum Alignment { case left, right }
    var columns: [(title: String, alignment: Alignment)]
    var rows: [[String]] = []
    /// Indexes of rows after which a rule is drawn.
    var rulesAfter: Set<Int> = []

    init(_ columns: [(String, Alignment)]) { self.columns = columns.map { (title: $0.0, alignment: $0.1) } }

    mutating func add(_ row: [String]) { rows.append(row) }
    mutating func rule() { rulesAfter.insert(rows.count - 1) }

    func render() -> String {
        var widths = columns.map { $0.title.count }
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() where i < widths.count {
                let padding = String(repeating: " ", count: widths[i] - cell.count)
                parts.append(columns[i].alignment == .left ? cell + padding : padding + cell)
            }
            var s = parts.joined(separator: "  ")
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        let ruleLine = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        var out = [line(columns.map(\.title)), ruleLine]
        for (i, row) in rows.enumerated() {
            out.append(line(row))
            if rulesAfter.contains(i) { out.append(ruleLine) }
        }
        return out.joined(separator: "\n")
    }
}

