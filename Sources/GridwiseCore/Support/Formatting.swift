/// Fixed-point formatting without Foundation's locale: `formatNumber(1234.5, decimals: 1)` is `1234.5`.
public func formatNumber(_ value: Double, decimals: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let negative = value < 0 && scaled != 0
    var digits = String(format: scaled)
    if decimals > 0 {
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
    }
    return (negative ? "-" : "") + digits
}

/// Thousands separated with commas: `formatGrouped(12345.6, decimals: 0)` is `12,346`.
public func formatGrouped(_ value: Double, decimals: Int) -> String {
    let plain = formatNumber(value, decimals: decimals)
    var sign = ""
    var body = Substring(plain)
    if body.hasPrefix("-") { sign = "-"; body = body.dropFirst() }
    let parts = body.split(separator: ".", maxSplits: 1)
    var integer = String(parts[0])
    var grouped = ""
    while integer.count > 3 {
        grouped = "," + integer.suffix(3) + grouped
        integer = String(integer.dropLast(3))
    }
    grouped = integer + grouped
    return sign + grouped + (parts.count > 1 ? "." + parts[1] : "")
}

/// Fields joined into one CSV line (RFC 4180: a field holding a comma, quote or newline is quoted).
public func csvLine(_ fields: [String]) -> String {
    fields.map { f in
        f.contains(",") || f.contains("\"") || f.contains("\n") ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
    }.joined(separator: ",")
}

/// A percentage with one decimal: `formatPercent(0.1234)` is `12.3 %`.
public func formatPercent(_ fraction: Double, decimals: Int = 1) -> String {
    formatNumber(fraction * 100, decimals: decimals) + " %"
}

extension String {
    /// The decimal digits of a non-negative whole number held in a Double (exact up to 2^53).
    fileprivate init(format scaled: Double) {
        if scaled < 9.0e15 {
            self = String(Int64(scaled))
        } else {
            self = "\(scaled)"
        }
    }
}
