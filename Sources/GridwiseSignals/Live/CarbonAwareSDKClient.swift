import Foundation
import GridwiseCore

/// The Green Software Foundation Carbon Aware SDK WebAPI, for teams that already run it:
/// `/emissions/bylocations` for history and `/emissions/forecasts/current` for the future (501 when
/// its data source has no forecasts: those hours go to the next source).
struct CarbonAwareSDKClient {
    static let defaultBase = "http://localhost:8080"
    let spec: ProviderSpec, context: LiveContext, source: String, zone: String

    func fetch(_ request: SignalRequest) throws(GridwiseError) -> ProviderSource.Fetched {
        let base = spec.baseURL ?? Self.defaultBase
        var collector = PointCollector(signal: .carbonIntensity, factor: 1)
        let (past, future) = split(request.horizon, now: context.now)
        var forecast = false
        let messages = [400: "the WebAPI refused the request (unknown location '\(zone)'?)"]
        if let (s, e) = past {
            let u = url(base, "/emissions/bylocations", [("location", zone), ("time", s.iso8601), ("toTime", e.iso8601)])
            if let json = try context.http.fetchJSON(u, source: source, zone: request.zone, statusMessages: messages) {
                guard let items = json as? [[String: Any]] else {
                    throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered JSON that is not a list of emissions data")
                }
                for item in items {
                    guard let time = ProviderJSON.instant(item["time"]), let value = ProviderJSON.number(item["rating"]) else {
                        throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered an item without time and rating")
                    }
                    collector.add(time: time, seconds: Self.seconds(timeSpan: item["duration"]) ?? 3600, raw: value)
                }
            }
        }
        if let (s, e) = future {
            let u = url(base, "/emissions/forecasts/current", [("location", zone), ("dataStartAt", s.iso8601), ("dataEndAt", e.iso8601)])
            if let json = try context.http.fetchJSON(u, source: source, zone: request.zone, statusMessages: messages) {
                guard let forecasts = json as? [[String: Any]] else {
                    throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered JSON that is not a list of forecasts")
                }
                for f in forecasts {
                    for item in f["forecastData"] as? [[String: Any]] ?? [] {
                        guard let time = ProviderJSON.instant(item["timestamp"]), let value = ProviderJSON.number(item["value"]) else {
                            throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered a forecast point without timestamp and value")
                        }
                        let minutes = (ProviderJSON.number(item["duration"]) ?? nil) ?? 60
                        collector.add(time: time, seconds: Int64(minutes * 60), raw: value)
                    }
                }
                forecast = true
            }
        }
        let (points, notes) = collector.finished()
        return .init(points: points, notes: notes, forecast: forecast, origin: base)
    }

    /// .NET TimeSpan text: `00:05:00`, `1.00:00:00`.
    static func seconds(timeSpan value: Any?) -> Int64? {
        guard let text = value as? String else { return nil }
        var days: Int64 = 0
        var clock = Substring(text)
        if let dot = clock.firstIndex(of: "."), let colon = clock.firstIndex(of: ":"), dot < colon {
            days = Int64(clock[..<dot]) ?? 0
            clock = clock[clock.index(after: dot)...]
        }
        let parts = clock.split(separator: ":").compactMap { Double($0) }
        guard parts.count == 3 else { return nil }
        return days * 86_400 + Int64(parts[0] * 3600 + parts[1] * 60 + parts[2])
    }
}
