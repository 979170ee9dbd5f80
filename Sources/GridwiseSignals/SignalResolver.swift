import Foundation
import GridwiseCore

/// Turns a signal set into hourly series over a horizon, for the zones a catalog names.
///
/// Every value is converted to the planning unit (gCO2e/kWh; currency per MWh), checked (finite, not
/// negative where that is absurd, within physical bounds), bucketed into hours (sub-hourly points are
/// averaged), and carries its provenance. A missing hour is an error, never silently filled.
///
/// ```swift
/// let signals = try SignalResolver.resolve(spec, specFile: "examples/global/signals.yaml",
///                                          catalog: catalog, horizon: plan.horizon)
/// ```
public enum SignalResolver {
    public typealias FileReader = DeclaredSource.FileReader

    public static func resolve(
        _ spec: SignalSetSpec, specFile: String, catalog: RegionCatalog, horizon: PlanningHorizon, live: LiveContext? = nil,
        readFile: @escaping FileReader = { (path: String) throws(GridwiseError) -> String in try InputFiles.readText(path) }
    ) throws(GridwiseError) -> GridSignals {
        var problems: [Diagnostic] = []
        var carbon: [String: HourlySeries] = [:]
        var price: [String: HourlySeries] = [:]

        func need(_ zone: String, _ signal: SignalKind, regions: [String]) throws(GridwiseError) {
            guard let entry = spec.entry(zone: zone, signal: signal) else {
                problems.append(Diagnostic(file: specFile, path: "series", message: "no \(signal.rawValue) series for zone \(zone), which region \(regions.joined(separator: ", ")) uses; add one"))
                return
            }
            let chain = SignalChain(([entry] + entry.fallbacks).map { source(for: $0, specFile: specFile, live: live, readFile: readFile) })
            do {
                let series = try chain.resolve(SignalRequest(zone: zone, signal: signal, horizon: horizon))
                if signal == .carbonIntensity { carbon[zone] = series } else { price[zone] = series }
            } catch {
                guard case .invalidInput(let d) = error else { throw error }
                problems += d
            }
        }

        let carbonZones = Dictionary(grouping: catalog.regions, by: \.carbonZone)
        for zone in carbonZones.keys.sorted() { try need(zone, .carbonIntensity, regions: carbonZones[zone]!.map(\.name)) }
        let priceZones = Dictionary(grouping: catalog.regions, by: \.priceZone)
        for zone in priceZones.keys.sorted() { try need(zone, .price, regions: priceZones[zone]!.map(\.name)) }

        let currencies = Set(price.values.compactMap(\.currency))
        if currencies.count > 1 {
            let detail = price.keys.sorted().map { "\($0): \(price[$0]!.currency ?? "?")" }.joined(separator: ", ")
            problems.append(Diagnostic(file: specFile, path: "series", message: "prices are in several currencies (\(detail)); a plan compares costs in one currency, so convert them first"))
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        return GridSignals(horizon: horizon, carbon: carbon, price: price, currency: currencies.first ?? "USD")
    }

    /// The source an entry describes: a provider when it names one (unavailable without a live context), else its declared values.
    static func source(for entry: SignalEntry, specFile: String, live: LiveContext?, readFile: @escaping FileReader) -> any SignalSource {
        guard case .provider(let spec) = entry.data else { return DeclaredSource(entry: entry, specFile: specFile, readFile: readFile) }
        guard let live else { return Unreachable(name: entry.source, reason: "no live sources in this run") }
        let provider = ProviderSource(entry: entry, spec: spec, context: live)
        if let cache = live.cache { return CachedSource(live: provider, cache: cache, mode: live.mode) }
        if live.mode == .offline { return Unreachable(name: entry.source, reason: "offline, and no signal cache is configured") }
        return provider
    }
}

/// A source that cannot be asked in this run; the chain falls back past it.
struct Unreachable: SignalSource {
    var name: String
    var reason: String
    func fetch(_ request: SignalRequest) throws(GridwiseError) -> SourceAnswer {
        throw .sourceUnavailable(source: name, zone: request.zone, reason: reason)
    }
}

/// Reading input files, with errors that name the file.
public enum InputFiles {
    public static func readText(_ path: String) throws(GridwiseError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .missingInput(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw .missingInput(path: path, reason: "it is a folder; expected a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .missingInput(path: path, reason: "permission denied or unreadable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidInput([Diagnostic(file: path, path: "", message: "the file is not UTF-8 text")])
        }
        return text
    }
}
