import Foundation
import GridwiseCore

/// A live provider as a signal source: history for the hours before `now`, forecast after.
///
/// ```yaml
/// - zone: DE-LU
///   signal: carbon_intensity
///   source: "Electricity Maps API"
///   provider: {name: electricity_maps, zone: DE, token: {env: ELECTRICITYMAPS_TOKEN}}
/// ```
public struct ProviderSource: SignalSource {
    public let entry: SignalEntry
    public let spec: ProviderSpec
    public let context: LiveContext

    public init(entry: SignalEntry, spec: ProviderSpec, context: LiveContext) {
        self.entry = entry
        self.spec = spec
        var context = context
        if context.http.limiter == nil { context.http.limiter = RateLimiter.shared(for: spec.kind) }
        self.context = context
    }

    public var name: String { entry.source }

    /// What a provider client answers.
    struct Fetched {
        var points: [SignalPoint]
        var notes: [String]
        var forecast: Bool
        var origin: String
    }

    public func fetch(_ request: SignalRequest) throws(GridwiseError) -> SourceAnswer {
        let zone = spec.zone ?? request.zone
        let fetched: Fetched
        switch spec.kind {
        case .electricityMaps: fetched = try ElectricityMapsClient(spec: spec, context: context, source: name, zone: zone).fetch(request)
        case .wattTime: fetched = try WattTimeClient(spec: spec, context: context, source: name, zone: zone).fetch(request)
        case .ukCarbonIntensity: fetched = try UKCarbonIntensityClient(spec: spec, context: context, source: name, zone: zone).fetch(request)
        case .carbonAwareSDK: fetched = try CarbonAwareSDKClient(spec: spec, context: context, source: name, zone: zone).fetch(request)
        }
        var note = entry.note.map { [$0] } ?? []
        if !fetched.notes.isEmpty {
            let shown = fetched.notes.prefix(5).joined(separator: "; ")
            note.append(fetched.notes.count > 5 ? "\(shown); and \(fetched.notes.count - 5) more" : shown)
        }
        let provenance = SeriesProvenance(
            zone: request.zone, signal: request.signal, source: name, origin: fetched.origin, declaredUnit: spec.kind.unit(signal: request.signal),
            basis: entry.basis ?? (spec.kind == .wattTime && spec.signalType == "co2_moer" ? "marginal" : nil), scope: entry.scope ?? spec.emissionFactor,
            illustrative: entry.illustrative, forecast: fetched.forecast, fetchedAt: context.now.iso8601, note: note.isEmpty ? nil : note.joined(separator: "; "))
        return SourceAnswer(points: fetched.points, provenance: provenance)
    }
}

/// The parts of a horizon before and after `now` (hours in the past are history, the rest forecast).
func split(_ horizon: PlanningHorizon, now: Instant) -> (past: (Instant, Instant)?, future: (Instant, Instant)?) {
    let cut = min(max(now.flooredToHour, horizon.start), horizon.end)
    return (cut > horizon.start ? (horizon.start, cut) : nil, cut < horizon.end ? (cut, horizon.end) : nil)
}

func url(_ base: String, _ path: String, _ query: [(String, String)]) -> URL {
    var components = URLComponents(string: base.hasSuffix("/") ? String(base.dropLast()) + path : base + path)!
    if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
    // '+' in offsets must not read as a space.
    components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
    return components.url!
}

/// Electricity Maps API v3: `auth-token` header; `history` for the last 24 hours, `past-range` for
/// older hours, `forecast` for the future. Points are timed by `datetime` (not `updatedAt`).
struct ElectricityMapsClient {
    static let defaultBase = "https://api.electricitymap.org/v3"
    let spec: ProviderSpec, context: LiveContext, source: String, zone: String

    func fetch(_ request: SignalRequest) throws(GridwiseError) -> ProviderSource.Fetched {
        let token = try context.secret(spec.token!, for: source, zone: request.zone)
        let base = spec.baseURL ?? Self.defaultBase
        let headers = ["auth-token": token]
        let refused = "the token was refused (for this zone, or at all); check \(Self.describe(spec.token!))"
        let messages = [401: refused, 403: refused, 404: "unknown zone '\(zone)'"]
        var collector = PointCollector(signal: .carbonIntensity, factor: 1)
        var extra: [(String, String)] = []
        if let factor = spec.emissionFactor { extra.append(("emissionFactorType", factor)) }
        let (past, future) = split(request.horizon, now: context.now)
        var forecast = false
        if let (s, e) = past {
            if context.now.hours(since: s) <= 24 {
                // The last 24 hours: `history`, which every plan (the free tier included) may read.
                let u = url(base, "/carbon-intensity/history", [("zone", zone)] + extra)
                if let json = try context.http.fetchJSON(u, headers: headers, source: source, zone: request.zone, statusMessages: messages) {
                    try read(json, key: "history", into: &collector, url: u, request: request)
                }
            } else {
                for (a, b) in pieces(from: s, to: e, hours: 240) {
                    let u = url(base, "/carbon-intensity/past-range", [("zone", zone), ("start", a.iso8601), ("end", b.iso8601)] + extra)
                    guard let json = try context.http.fetchJSON(u, headers: headers, source: source, zone: request.zone, statusMessages: messages) else { continue }
                    try read(json, key: "data", into: &collector, url: u, request: request)
                }
            }
        }
        if future != nil {
            let u = url(base, "/carbon-intensity/forecast", [("zone", zone)] + extra)
            if let json = try context.http.fetchJSON(u, headers: headers, source: source, zone: request.zone, statusMessages: messages) {
                try read(json, key: "forecast", into: &collector, url: u, request: request)
                forecast = true
            }
        }
        let (points, notes) = collector.finished()
        return .init(points: points, notes: notes, forecast: forecast, origin: base)
    }

    func read(_ json: Any, key: String, into collector: inout PointCollector, url u: URL, request: SignalRequest) throws(GridwiseError) {
        guard let object = json as? [String: Any], let items = object[key] as? [Any] else {
            throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered JSON without a '\(key)' list")
        }
        for item in items {
            // The point's time is `datetime`; `updatedAt` is when Electricity Maps last revised it.
            guard let point = item as? [String: Any], let time = ProviderJSON.instant(point["datetime"]), let value = ProviderJSON.number(point["carbonIntensity"]) else {
                throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered an item without datetime and carbonIntensity")
            }
            collector.add(time: time, seconds: 3600, raw: value)
        }
    }

    static func describe(_ reference: SecretReference) -> String {
        switch reference {
        case .environment(let name): return "the token in $\(name)"
        case .file(let path): return "the token in \(path)"
        }
    }
}
