/// Reads one map of a document field by field, reporting every problem to a sink instead of stopping
/// at the first: missing required fields, wrong types, unknown fields (with the allowed ones named).
///
/// ```swift
/// guard let job = MapReader(node, path: "jobs[3]", sink: sink, what: "a job") else { return nil }
/// let id = job.required("id", Parse.identifier)
/// let deadline = job.required("deadline", Parse.instant)
/// job.finish()
/// ```
public final class MapReader {
    public let path: String
    public let mark: SourceMark
    public let sink: DiagnosticSink
    private let entries: [(key: String, keyMark: SourceMark, value: DocumentNode)]
    private var known: [String] = []

    public init?(_ node: DocumentNode, path: String, sink: DiagnosticSink, what: String) {
        guard case .map(let pairs, let mark) = node else {
            sink.report(path, at: node.mark, "found \(node.shortDescription); expected \(what) (a map of fields)")
            return nil
        }
        self.entries = pairs
        self.mark = mark
        self.path = path
        self.sink = sink
    }

    public func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// The raw node for `key`, marking the key as known.
    public func node(_ key: String) -> DocumentNode? {
        if !known.contains(key) { known.append(key) }
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        if case .null = entry.value { return nil }
        return entry.value
    }

    public func required<T>(_ key: String, _ parse: (DocumentNode, String, DiagnosticSink) -> T?) -> T? {
        guard let value = node(key) else {
            sink.report(childPath(key), at: mark, "missing required field '\(key)'")
            return nil
        }
        return parse(value, childPath(key), sink)
    }

    public func optional<T>(_ key: String, _ parse: (DocumentNode, String, DiagnosticSink) -> T?) -> T? {
        guard let value = node(key) else { return nil }
        return parse(value, childPath(key), sink)
    }

    /// Reports every field that no `required`/`optional`/`node` call asked for.
    public func finish(alsoAllowed: [String] = []) {
        let allowed = known + alsoAllowed
        for entry in entries where !allowed.contains(entry.key) {
            var message = "unknown field '\(entry.key)'"
            if let near = allowed.min(by: { editDistance($0, entry.key) < editDistance($1, entry.key) }),
                editDistance(near, entry.key) <= max(2, entry.key.count / 3)
            {
                message += " (did you mean '\(near)'?)"
            }
            message += "; allowed here: \(allowed.joined(separator: ", "))"
            sink.report(childPath(entry.key), at: entry.keyMark, message)
        }
    }
}

/// Value parsers for `MapReader`: each reports what it found and what is allowed.
public enum Parse {
    public static func string(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> String? {
        guard case .scalar(let s, _, _) = node, !s.isEmpty else {
            sink.report(path, at: node.mark, "found \(node.shortDescription); expected a text value")
            return nil
        }
        return s
    }

    /// A name: letters, digits, `-`, `_`, `.`, `/`, `:` and `@`; no spaces.
    public static func identifier(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> String? {
        guard let s = string(node, path, sink) else { return nil }
        let ok = s.unicodeScalars.allSatisfy { c in
            (c.properties.isAlphabetic || ("0"..."9").contains(c) || "-_./:@".unicodeScalars.contains(c))
        }
        guard ok else {
            sink.report(path, at: node.mark, "found '\(s)'; expected a name of letters, digits and - _ . / : @ (no spaces)")
            return nil
        }
        return s
    }

    public static func number(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> Double? {
        guard case .scalar(let s, let quoted, _) = node, !quoted, let value = Double(s) else {
            sink.report(path, at: node.mark, "found \(node.shortDescription); expected a number")
            return nil
        }
        guard value.isFinite else {
            sink.report(path, at: node.mark, "found \(s); expected a finite number")
            return nil
        }
        return value
    }

    /// A number within `range`, described for the message as `allowed`.
    public static func number(in range: ClosedRange<Double>, _ allowed: String) -> (DocumentNode, String, DiagnosticSink) -> Double? {
        { node, path, sink in
            guard let v = number(node, path, sink) else { return nil }
            guard range.contains(v) else {
                sink.report(path, at: node.mark, "found \(formatShort(v)); expected \(allowed)")
                return nil
            }
            return v
        }
    }

    public static func positive(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> Double? {
        guard let v = number(node, path, sink) else { return nil }
        guard v > 0 else {
            sink.report(path, at: node.mark, "found \(formatShort(v)); expected a number greater than 0")
            return nil
        }
        return v
    }

    public static func nonNegative(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> Double? {
        number(in: 0...Double.greatestFiniteMagnitude, "a number of 0 or more")(node, path, sink)
    }

    public static func integer(in range: ClosedRange<Int>) -> (DocumentNode, String, DiagnosticSink) -> Int? {
        { node, path, sink in
            guard case .scalar(let s, let quoted, _) = node, !quoted, let v = Int(s) else {
                sink.report(path, at: node.mark, "found \(node.shortDescription); expected a whole number")
                return nil
            }
            guard range.contains(v) else {
                let upper = range.upperBound == Int.max ? "" : " and at most \(range.upperBound)"
                sink.report(path, at: node.mark, "found \(v); expected a whole number of at least \(range.lowerBound)\(upper)")
                return nil
            }
            return v
        }
    }

    public static func bool(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> Bool? {
        if case .scalar(let s, false, _) = node {
            if s == "true" { return true }
            if s == "false" { return false }
        }
        sink.report(path, at: node.mark, "found \(node.shortDescription); expected true or false")
        return nil
    }

    public static func instant(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> Instant? {
        guard let s = string(node, path, sink) else { return nil }
        do {
            return try Instant.parse(s)
        } catch {
            sink.report(path, at: node.mark, error.description)
            return nil
        }
    }

    /// A duration such as `36h`, `90m`, `1h30m`, `2d` or `PT36H`, returned in hours; must be positive.
    public static func hours(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> Double? {
        guard case .scalar(let s, _, _) = node, let seconds = parseDurationSeconds(s) else {
            sink.report(path, at: node.mark, "found \(node.shortDescription); expected a duration like 36h, 90m, 1h30m, 2d or PT36H")
            return nil
        }
        guard seconds > 0 else {
            sink.report(path, at: node.mark, "found '\(s)'; expected a duration greater than zero")
            return nil
        }
        guard seconds <= PlanningHorizon.maximumHours * 3600 else {
            sink.report(path, at: node.mark, "found '\(s)'; expected at most \(Int(PlanningHorizon.maximumHours)) h (a year)")
            return nil
        }
        return seconds / 3600
    }

    /// A duration that may be zero (an overhead, say), in hours.
    public static func hoursOrZero(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> Double? {
        if case .scalar(let s, false, _) = node, s == "0" { return 0 }
        guard case .scalar(let s, _, _) = node, let seconds = parseDurationSeconds(s), seconds <= 24 * 3600 else {
            sink.report(path, at: node.mark, "found \(node.shortDescription); expected a duration of at most a day like 10m, 1h or 0")
            return nil
        }
        return seconds / 3600
    }

    public static func oneOf(_ allowed: [String]) -> (DocumentNode, String, DiagnosticSink) -> String? {
        { node, path, sink in
            guard case .scalar(let s, _, _) = node, allowed.contains(s) else {
                sink.report(path, at: node.mark, "found \(node.shortDescription); expected one of: \(allowed.joined(separator: ", "))")
                return nil
            }
            return s
        }
    }

    /// A list of names; a single name is read as a list of one.
    public static func identifierList(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> [String]? {
        if case .scalar = node { return identifier(node, path, sink).map { [$0] } }
        return list(identifier)(node, path, sink)
    }

    public static func list<T>(_ element: @escaping (DocumentNode, String, DiagnosticSink) -> T?) -> (DocumentNode, String, DiagnosticSink) -> [T]? {
        { node, path, sink in
            guard case .list(let items, _) = node else {
                sink.report(path, at: node.mark, "found \(node.shortDescription); expected a list")
                return nil
            }
            var out: [T] = []
            var ok = true
            for (i, item) in items.enumerated() {
                if let v = element(item, "\(path)[\(i)]", sink) { out.append(v) } else { ok = false }
            }
            return ok ? out : nil
        }
    }

    /// A map of names to numbers, such as `latency_ms: {eu-users: 12, us-users: 80}`.
    public static func numberMap(_ valueParser: @escaping (DocumentNode, String, DiagnosticSink) -> Double?) -> (DocumentNode, String, DiagnosticSink) -> [String: Double]? {
        { node, path, sink in
            guard case .map(let pairs, _) = node else {
                sink.report(path, at: node.mark, "found \(node.shortDescription); expected a map of names to numbers")
                return nil
            }
            var out: [String: Double] = [:]
            for pair in pairs {
                if let v = valueParser(pair.value, "\(path).\(pair.key)", sink) { out[pair.key] = v }
            }
            return out
        }
    }

    /// Checks `apiVersion` and `kind` at the top of a file.
    public static func header(_ reader: MapReader, kind: String) {
        if let version = reader.required("apiVersion", string), version != GridwiseFormat.apiVersion {
            reader.sink.report("apiVersion", at: reader.mark, "found '\(version)'; expected '\(GridwiseFormat.apiVersion)'")
        }
        if let found = reader.required("kind", string), found != kind {
            reader.sink.report("kind", at: reader.mark, "found '\(found)'; expected '\(kind)' in this file")
        }
    }
}

public enum GridwiseFormat {
    /// The version of every Gridwise file format; bumped when a field changes meaning.
    public static let apiVersion = "gridwise/v1"

    /// Parses `text` and reads it with `read`, throwing every problem the reader reported.
    static func decode<T>(_ text: String, file: String, _ read: (DocumentNode, DiagnosticSink) -> T?) throws(GridwiseError) -> T {
        let root = try DocumentNode.parse(text, file: file)
        let sink = DiagnosticSink(file: file)
        let value = read(root, sink)
        guard sink.isEmpty, let value else {
            throw .invalidInput(sink.isEmpty ? [Diagnostic(file: file, path: "", message: "cannot be read")] : sink.diagnostics)
        }
        return value
    }
}

public func formatShort(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
}

/// Levenshtein distance, for "did you mean" hints on unknown fields.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[y.count]
}
