import Foundation
import GridwiseCore

/// WattTime API v3: Basic-auth `/login` gives a bearer token valid 30 minutes, renewed before it
/// expires and again on a 401; `/v3/historical` before now, `/v3/forecast` after; MOER in lbs CO2/MWh
/// at 5-minute resolution, converted to g/kWh and averaged into hours.
struct WattTimeClient {
    static let defaultBase = "https://api.watttime.org"
    static let tokenLifetimeSeconds = 30.0 * 60
    static let tokens = TokenStore()
    let spec: ProviderSpec, context: LiveContext, source: String, zone: String

    func fetch(_ request: SignalRequest) throws(GridwiseError) -> ProviderSource.Fetched {
        let base = spec.baseURL ?? Self.defaultBase
        let (past, future) = split(request.horizon, now: context.now)
        var collector = PointCollector(signal: .carbonIntensity, factor: SignalUnits.carbonFactor("lbsCO2/MWh")!)
        var forecast = false
        if let (s, e) = past {
            for (a, b) in pieces(from: s, to: e, hours: 24 * 30) {
                let u = url(base, "/v3/historical", [("region", zone), ("start", a.iso8601), ("end", b.iso8601), ("signal_type", spec.signalType)])
                if let json = try authorisedJSON(u, base: base, request: request) { try read(json, into: &collector, url: u, request: request) }
            }
        }
        if let (s, e) = future {
            let hours = min(72, max(1, Int((e.secondsSinceEpoch - s.secondsSinceEpoch + 3599) / 3600)))
            let u = url(base, "/v3/forecast", [("region", zone), ("signal_type", spec.signalType), ("horizon_hours", "\(hours)")])
            if let json = try authorisedJSON(u, base: base, request: request) {
                try read(json, into: &collector, url: u, request: request)
                forecast = true
            }
        }
        let (points, notes) = collector.finished()
        return .init(points: points, notes: notes, forecast: forecast, origin: base)
    }

    /// A data call with the bearer token; on 401 the token is renewed once and the call repeated.
    func authorisedJSON(_ u: URL, base: String, request: SignalRequest) throws(GridwiseError) -> Any? {
        let user = try context.secret(spec.username!, for: source, zone: request.zone)
        for attempt in 0..<2 {
            let token = try self.token(base: base, user: user, request: request, renew: attempt > 0)
            let response: HTTPResponse
            do {
                response = try context.http.get(u, headers: ["Authorization": "Bearer \(token)"])
            } catch {
                throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path): \(error.description)")
            }
            switch response.status {
            case 401 where attempt == 0:
                Self.tokens.forget(key: base + "\u{1}" + user)
                continue
            case 401, 403:
                throw .sourceUnavailable(source: source, zone: request.zone, reason: "HTTP \(response.status) from \(u.path): the account may not read region '\(zone)' (historical and forecast data need a subscription)")
            case 404:
                throw .sourceUnavailable(source: source, zone: request.zone, reason: "HTTP 404 from \(u.path): unknown region '\(zone)'")
            case 200...299:
                do { return try ProviderJSON.parse(response.body) } catch {
                    throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered \(error.message)")
                }
            default:
                throw .sourceUnavailable(source: source, zone: request.zone, reason: "HTTP \(response.status) from \(u.path)")
            }
        }
        return nil
    }

    func token(base: String, user: String, request: SignalRequest, renew: Bool) throws(GridwiseError) -> String {
        let key = base + "\u{1}" + user
        if !renew, let cached = Self.tokens.valid(key: key) { return cached }
        let password = try context.secret(spec.password!, for: source, zone: request.zone)
        let basic = Data("\(user):\(password)".utf8).base64EncodedString()
        let u = url(base, "/login", [])
        let response: HTTPResponse
        do {
            response = try context.http.get(u, headers: ["Authorization": "Basic \(basic)"])
        } catch {
            throw .sourceUnavailable(source: source, zone: request.zone, reason: "login: \(error.description)")
        }
        guard response.status == 200 else {
            let why = response.status == 401 || response.status == 403 ? "the username or password was refused" : "unexpected status"
            throw .sourceUnavailable(source: source, zone: request.zone, reason: "login: HTTP \(response.status): \(why)")
        }
        guard let object = try? ProviderJSON.parse(response.body) as? [String: Any], let token = object["token"] as? String, !token.isEmpty else {
            throw .sourceUnavailable(source: source, zone: request.zone, reason: "login answered no token")
        }
        Self.tokens.store(key: key, token: token, expires: Date().addingTimeInterval(Self.tokenLifetimeSeconds - 60))
        return token
    }

    func read(_ json: Any, into collector: inout PointCollector, url u: URL, request: SignalRequest) throws(GridwiseError) {
        guard let object = json as? [String: Any], let data = object["data"] as? [Any] else {
            throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered JSON without a 'data' list")
        }
        let meta = object["meta"] as? [String: Any]
        if let units = meta?["units"] as? String, units != "lbs_co2_per_mwh" {
            throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered units '\(units)'; expected lbs_co2_per_mwh")
        }
        let period = (ProviderJSON.number(meta?["data_point_period_seconds"]) ?? nil).map { Int64($0) } ?? 300
        for item in data {
            guard let point = item as? [String: Any], let time = ProviderJSON.instant(point["point_time"]), let value = ProviderJSON.number(point["value"]) else {
                throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered a point without point_time and value")
            }
            collector.add(time: time, seconds: period, raw: value)
        }
    }
}

/// Bearer tokens by account, shared across requests in one process.
final class TokenStore: @unchecked Sendable {
    private let lock = NSLock()
    private var tokens: [String: (token: String, expires: Date)] = [:]

    func valid(key: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = tokens[key], entry.expires > Date() else { return nil }
        return entry.token
    }

    func store(key: String, token: String, expires: Date) {
        lock.lock()
        tokens[key] = (token, expires)
        lock.unlock()
    }

    func forget(key: String) {
        lock.lock()
        tokens[key] = nil
        lock.unlock()
    }
}
