import Foundation
import GridwiseCore

/// UK Carbon Intensity API (NESO): no authentication; half-hour periods in gCO2/kWh; national
/// `/intensity/{from}/{to}` or regional `/regional/intensity/{from}/{to}/regionid/{id}`, at most 14
/// days a request. A period's `actual` is used where published, else its `forecast`.
struct UKCarbonIntensityClient {
    static let defaultBase = "https://api.carbonintensity.org.uk"
    let spec: ProviderSpec, context: LiveContext, source: String, zone: String

    func fetch(_ request: SignalRequest) throws(GridwiseError) -> ProviderSource.Fetched {
        let base = spec.baseURL ?? Self.defaultBase
        var collector = PointCollector(signal: .carbonIntensity, factor: 1)
        var usedForecast = false
        for (a, b) in pieces(from: request.horizon.start, to: request.horizon.end, hours: 14 * 24) {
            let range = "/\(Self.format(a))/\(Self.format(b))"
            let path = spec.regionID.map { "/regional/intensity\(range)/regionid/\($0)" } ?? "/intensity\(range)"
            let u = url(base, path, [])
            guard let json = try context.http.fetchJSON(u, source: source, zone: request.zone, statusMessages: [400: "the API refused the request (bad date range or region id)"]) else { continue }
            for period in try periods(json, url: u, request: request) {
                guard let from = ProviderJSON.instant(period["from"]), let to = ProviderJSON.instant(period["to"]), to > from,
                    let intensity = period["intensity"] as? [String: Any]
                else {
                    throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered a period without from, to and intensity")
                }
                let actual = ProviderJSON.number(intensity["actual"]) ?? nil
                let forecast = ProviderJSON.number(intensity["forecast"]) ?? nil
                if actual == nil, forecast != nil { usedForecast = true }
                collector.add(time: from, seconds: to.secondsSinceEpoch - from.secondsSinceEpoch, raw: actual ?? forecast)
            }
        }
        let (points, notes) = collector.finished()
        return .init(points: points, notes: notes, forecast: usedForecast, origin: base)
    }

    /// National answers are `{"data": [period]}`; regional ones nest `{"data": {"data": [period]}}`
    /// or `{"data": [{"regionid": .., "data": [period]}]}`.
    func periods(_ json: Any, url u: URL, request: SignalRequest) throws(GridwiseError) -> [[String: Any]] {
        guard let top = (json as? [String: Any])?["data"] else {
            throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered JSON without 'data'")
        }
        if let object = top as? [String: Any], let inner = object["data"] as? [[String: Any]] { return inner }
        if let list = top as? [[String: Any]] {
            if let first = list.first, let inner = first["data"] as? [[String: Any]] { return inner }
            return list
        }
        throw .sourceUnavailable(source: source, zone: request.zone, reason: "\(u.path) answered 'data' of an unexpected shape")
    }

    /// `YYYY-MM-DDThh:mmZ`, the API's time format.
    static func format(_ instant: Instant) -> String { String(instant.iso8601.prefix(16)) + "Z" }
}
