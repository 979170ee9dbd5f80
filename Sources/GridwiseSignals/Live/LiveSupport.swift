import Foundation
import GridwiseCore

/// What live sources share: the time now (given, not read inside the sources), the environment for
/// secrets, and the HTTP client.
public struct LiveContext: Sendable {
    public var now: Instant
    public var environment: [String: String]
    public var http: HTTPClient
    /// Where fetched values are kept; nil to fetch every time.
    public var cache: SignalCache?
    public var mode: LiveMode

    public init(now: Instant, environment: [String: String] = ProcessInfo.processInfo.environment, http: HTTPClient = HTTPClient(),
                cache: SignalCache? = nil, mode: LiveMode = .online) {
        self.now = now
        self.environment = environment
        self.http = http
        self.cache = cache
        self.mode = mode
    }

    /// Reads a secret from its reference. A file must be readable by its owner only.
    func secret(_ reference: SecretReference, for source: String, zone: String) throws(GridwiseError) -> String {
        switch reference {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw .sourceUnavailable(source: source, zone: zone, reason: "the environment variable \(name) is not set")
            }
            return value
        case .file(let path):
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let data = FileManager.default.contents(atPath: path) else {
                throw .sourceUnavailable(source: source, zone: zone, reason: "cannot read the secret file \(path)")
            }
            if let mode = attributes[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0 {
                throw .sourceUnavailable(source: source, zone: zone, reason: "the secret file \(path) is readable by others (mode \(String(mode.intValue, radix: 8))); run chmod 600 \(path)")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

/// Parsing helpers for provider answers; every failure names what was expected.
enum ProviderJSON {
    static func parse(_ body: Data) throws(ProviderProblem) -> Any {
        guard !body.isEmpty else { throw ProviderProblem("an empty body; expected JSON") }
        do {
            return try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            let preview = String(decoding: body.prefix(60), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            throw ProviderProblem("a body that is not JSON (starts '\(preview)')")
        }
    }

    /// Numbers, or nil for JSON null; anything else is a shape problem.
    static func number(_ value: Any?) -> Double?? {
        if value == nil || value is NSNull { return .some(nil) }
        if value is Bool || value is String { return nil }
        if let d = value as? Double { return .some(d) }
        if let i = value as? Int { return .some(Double(i)) }
        if let n = value as? NSNumber { return .some(n.doubleValue) }
        return nil
    }

    /// Provider timestamps: ISO 8601 with or without an offset (read as UTC), with or without seconds
    /// and fractions (`2023-01-23T17:00:00.000Z`, `2018-01-20T12:00Z`).
    static func instant(_ value: Any?) -> Instant? {
        guard var text = value as? String else { return nil }
        if let dot = text.firstIndex(of: ".") {
            var end = text.index(after: dot)
            while end < text.endIndex, text[end].isNumber { end = text.index(after: end) }
            text.removeSubrange(dot..<end)
        }
        return try? Instant.parse(text, defaultOffsetSeconds: 0)
    }

    /// `2023-06-01T00:00:00Z`, as providers expect in queries.
    static func query(_ instant: Instant) -> String { instant.iso8601 }
}

/// Something wrong with what a provider answered, before it is named with source and zone.
struct ProviderProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Collects provider points: converts, rejects what cannot be trusted, drops duplicates, sorts,
/// and remembers each rejection so the plan can say why hours went to a fallback.
struct PointCollector {
    let signal: SignalKind
    let factor: Double
    var points: [SignalPoint] = []
    var notes: [String] = []
    private var seen: [Int64: Double] = [:]
    private var conflicting: Set<Int64> = []

    init(signal: SignalKind, factor: Double) {
        self.signal = signal
        self.factor = factor
    }

    mutating func add(time: Instant, seconds: Int64, raw: Double?) {
        guard let raw else {
            notes.append("no value for \(time)")
            return
        }
        let value = raw * factor
        if let expected = SignalValueCheck.expectation(value, signal: signal) {
            notes.append("rejected \(raw) at \(time) (\(expected))")
            return
        }
        if let earlier = seen[time.secondsSinceEpoch] {
            if earlier != value { conflicting.insert(time.secondsSinceEpoch) }
            return
        }
        seen[time.secondsSinceEpoch] = value
        points.append(SignalPoint(time: time, seconds: seconds, value: value))
    }

    /// The points in time order; a time given twice with different values is dropped (and noted).
    func finished() -> (points: [SignalPoint], notes: [String]) {
        var notes = self.notes
        for t in conflicting.sorted() { notes.append("two different values for \(Instant(secondsSinceEpoch: t)); both rejected") }
        let kept = points.filter { !conflicting.contains($0.time.secondsSinceEpoch) }.sorted { $0.time < $1.time }
        return (kept, notes)
    }
}

extension HTTPClient {
    /// GET, turning transport failures and unexpected statuses into `sourceUnavailable` for source and zone.
    func fetchJSON(_ url: URL, headers: [String: String] = [:], source: String, zone: String, statusMessages: [Int: String] = [:]) throws(GridwiseError) -> Any? {
        let response: HTTPResponse
        do {
            response = try get(url, headers: headers)
        } catch {
            throw .sourceUnavailable(source: source, zone: zone, reason: "\(Self.redacted(url)): \(error.description)")
        }
        if let message = statusMessages[response.status] {
            throw .sourceUnavailable(source: source, zone: zone, reason: "HTTP \(response.status) from \(Self.redacted(url)): \(message)")
        }
        if response.status == 501 {
            return nil  // Not Implemented: the endpoint has no such data (the SDK without forecasts); those hours go to the next source.
        }
        guard (200...299).contains(response.status) else {
            let detail = String(decoding: response.body.prefix(200), as: UTF8.self)
            throw .sourceUnavailable(source: source, zone: zone, reason: "HTTP \(response.status) from \(Self.redacted(url)): \(detail)")
        }
        do {
            return try ProviderJSON.parse(response.body)
        } catch {
            throw .sourceUnavailable(source: source, zone: zone, reason: "\(Self.redacted(url)) answered \(error.message)")
        }
    }

    /// The URL without its query's secrets (none are sent in queries, but keep logs clean of them anyway).
    static func redacted(_ url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.user = nil
        components?.password = nil
        return components?.string ?? url.absoluteString
    }
}

/// Splits `[start, end)` into pieces of at most `hours`.
func pieces(from start: Instant, to end: Instant, hours: Int) -> [(Instant, Instant)] {
    var out: [(Instant, Instant)] = []
    var s = start
    while s < end {
        let e = min(end, s.adding(hours: hours))
        out.append((s, e))
        s = e
    }
    return out
}
