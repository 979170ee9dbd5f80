/// A point in time: whole seconds since 1970-01-01T00:00:00Z.
///
/// The core never reads the wall clock; every instant comes from an input.
/// ```swift
/// let deadline = try Instant.parse("2026-12-01T06:00:00Z")
/// print(deadline.iso8601)   // 2026-12-01T06:00:00Z
/// ```
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var secondsSinceEpoch: Int64

    public init(secondsSinceEpoch: Int64) { self.secondsSinceEpoch = secondsSinceEpoch }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }

    public static let secondsPerHour: Int64 = 3600

    public func adding(hours: Int) -> Instant { Instant(secondsSinceEpoch: secondsSinceEpoch + Int64(hours) * Self.secondsPerHour) }
    public func adding(seconds: Int64) -> Instant { Instant(secondsSinceEpoch: secondsSinceEpoch + seconds) }

    /// Hours from `other` to `self`, fractional.
    public func hours(since other: Instant) -> Double { Double(secondsSinceEpoch - other.secondsSinceEpoch) / 3600 }

    public var isOnTheHour: Bool { secondsSinceEpoch % Self.secondsPerHour == 0 }
    public var flooredToHour: Instant {
        Instant(secondsSinceEpoch: Self.floorDiv(secondsSinceEpoch, Self.secondsPerHour) * Self.secondsPerHour)
    }
    public var ceiledToHour: Instant {
        isOnTheHour ? self : flooredToHour.adding(hours: 1)
    }

    public var description: String { iso8601 }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public var iso8601: String {
        let c = civil
        // Years 0-9999, all of them in practice: written digit by digit (a plan of 10,000 jobs writes some
        // 60,000 of these, for its placements and the baseline's; the interpolation below took three times as
        // long).
        guard (0...9999).contains(c.year) else {
            return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))Z"
        }
        return String(unsafeUninitializedCapacity: 20) { b in
            func digits(_ value: Int, at start: Int, width: Int) {
                var v = value
                for i in stride(from: start + width - 1, through: start, by: -1) {
                    b[i] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                }
            }
            digits(c.year, at: 0, width: 4); b[4] = UInt8(ascii: "-")
            digits(c.month, at: 5, width: 2); b[7] = UInt8(ascii: "-")
            digits(c.day, at: 8, width: 2); b[10] = UInt8(ascii: "T")
            digits(c.hour, at: 11, width: 2); b[13] = UInt8(ascii: ":")
            digits(c.minute, at: 14, width: 2); b[16] = UInt8(ascii: ":")
            digits(c.second, at: 17, width: 2); b[19] = UInt8(ascii: "Z")
            return 20
        }
    }

    /// `YYYY-MM-DD HH:MM` in UTC, for tables.
    public var shortUTC: String {
        let c = civil
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2)) \(pad(c.hour, 2)):\(pad(c.minute, 2))"
    }

    public struct Civil: Sendable, Equatable {
        public var year, month, day, hour, minute, second: Int
        /// 1 = Monday ... 7 = Sunday (ISO 8601).
        public var isoWeekday: Int
    }

    /// The UTC calendar fields, shifted by `offsetSeconds` first (for local time of day).
    public func civil(offsetSeconds: Int = 0) -> Civil {
        let s = secondsSinceEpoch + Int64(offsetSeconds)
        let days = Self.floorDiv(s, 86_400)
        let secOfDay = Int(s - days * 86_400)
        let (y, m, d) = Self.civilFromDays(days)
        let weekday = Int(Self.floorMod(days + 3, 7)) + 1  // 1970-01-01 was a Thursday
        return Civil(year: y, month: m, day: d, hour: secOfDay / 3600, minute: (secOfDay % 3600) / 60, second: secOfDay % 60, isoWeekday: weekday)
    }
    public var civil: Civil { civil(offsetSeconds: 0) }

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, offsetSeconds: Int = 0) {
        let days = Self.daysFromCivil(year, month, day)
        secondsSinceEpoch = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
    }

    // Howard Hinnant's days-from-civil algorithms: exact for the proleptic Gregorian calendar.
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    public static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

extension Instant {
    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z`, `+HH:MM`, `-HH:MM`, `+HHMM` or `+00`.
    /// A space may stand for `T`. Without an offset the text is read at `defaultOffsetSeconds`,
    /// and when that is nil the text is refused: a deadline without a timezone is ambiguous.
    public static func parse(_ text: String, defaultOffsetSeconds: Int? = nil) throws(TimeParseError) -> Instant {
        let chars = Array(text.trimmingSpaces.utf8)
        var i = 0
        func number(_ digits: Int) throws(TimeParseError) -> Int {
            guard i + digits <= chars.count else { throw .malformed(text) }
            var n = 0
            for k in 0..<digits {
                let c = chars[i + k]
                guard c >= 48 && c <= 57 else { throw .malformed(text) }
                n = n * 10 + Int(c - 48)
            }
            i += digits
            return n
        }
        func expect(_ c: UInt8) throws(TimeParseError) {
            guard i < chars.count, chars[i] == c else { throw .malformed(text) }
            i += 1
        }
        let year = try number(4); try expect(45)
        let month = try number(2); try expect(45)
        let day = try number(2)
        guard i < chars.count, chars[i] == 84 || chars[i] == 32 || chars[i] == 116 else { throw .malformed(text) }
        i += 1
        let hour = try number(2); try expect(58)
        let minute = try number(2)
        var second = 0
        if i < chars.count, chars[i] == 58 {
            i += 1
            second = try number(2)
            if i < chars.count, chars[i] == 46 {  // fractional seconds: must be zero, the grid is whole seconds
                i += 1
                while i < chars.count, chars[i] >= 48, chars[i] <= 57 {
                    guard chars[i] == 48 else { throw .fractionalSeconds(text) }
                    i += 1
                }
            }
        }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month), hour < 24, minute < 60, second < 60 else {
            throw .outOfRange(text)
        }
        var offset: Int
        if i == chars.count {
            guard let d = defaultOffsetSeconds else { throw .missingOffset(text) }
            offset = d
        } else if chars[i] == 90 || chars[i] == 122 {  // Z
            i += 1
            offset = 0
        } else if chars[i] == 43 || chars[i] == 45 {  // + or -
            let sign = chars[i] == 45 ? -1 : 1
            i += 1
            let oh = try number(2)
            var om = 0
            if i < chars.count {
                if chars[i] == 58 { i += 1 }
                om = try number(2)
            }
            guard oh <= 18, om < 60 else { throw .outOfRange(text) }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            throw .malformed(text)
        }
        guard i == chars.count else { throw .malformed(text) }
        return Instant(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offsetSeconds: offset)
    }
}

public enum TimeParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String), missingOffset(String), outOfRange(String), fractionalSeconds(String)
    public var description: String {
        switch self {
        case .malformed(let t): return "'\(t)' is not a timestamp; expected ISO 8601 like 2026-12-01T06:00:00Z"
        case .missingOffset(let t): return "'\(t)' has no timezone; add Z (UTC) or an offset like +08:00"
        case .outOfRange(let t): return "'\(t)' is not a real date and time"
        case .fractionalSeconds(let t): return "'\(t)' has fractional seconds; Gridwise plans in whole seconds"
        }
    }
}

/// Parses a duration such as `36h`, `90m`, `1h30m`, `2d`, `1.5h`, `45s` or ISO 8601 `PT36H`, `P2D`, into seconds.
public func parseDurationSeconds(_ text: String) -> Double? {
    var s = text.trimmingSpaces.lowercased()
    guard !s.isEmpty else { return nil }
    if s.hasPrefix("p") { s.removeFirst(); s.removeAll { $0 == "t" } }
    var total = 0.0
    var number = ""
    var sawUnit = false
    for ch in s {
        if ch.isNumber || ch == "." {
            number.append(ch)
        } else {
            guard let value = Double(number), value.isFinite else { return nil }
            let factor: Double
            switch ch {
            case "d": factor = 86_400
            case "h": factor = 3_600
            case "m": factor = 60
            case "s": factor = 1
            default: return nil
            }
            total += value * factor
            number = ""
            sawUnit = true
        }
    }
    guard number.isEmpty, sawUnit else { return nil }
    return total
}

/// Formats hours compactly: `36h`, `1.5h`, `45m`.
public func formatHours(_ hours: Double) -> String {
    if hours < 1, hours > 0 { return "\(Int((hours * 60).rounded()))m" }
    if hours == hours.rounded() { return "\(Int(hours))h" }
    return "\(formatNumber(hours, decimals: 2))h"
}

extension String {
    /// The text without leading and trailing white space.
    public var trimmingSpaces: String {
        // Nothing to trim where both ends are printable ASCII (the common case: every timestamp of a signal file).
        if let f = utf8.first, let l = utf8.last, (33...126).contains(f), (33...126).contains(l) { return self }
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
