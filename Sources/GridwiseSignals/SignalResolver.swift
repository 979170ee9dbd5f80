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
    /// Reads the text of a file referred to by a signal set; replaced in tests.
    public typealias FileReader = (String) throws(GridwiseError) -> String

    public static func resolve(
        _ spec: SignalSetSpec, specFile: String, catalog: RegionCatalog, horizon: PlanningHorizon,
        readFile: FileReader = InputFiles.readText
    ) throws(GridwiseError) -> GridSignals {
        var problems: [Diagnostic] = []
        var carbon: [String: HourlySeries] = [:]
        var price: [String: HourlySeries] = [:]
        let baseDirectory = (specFile as NSString).deletingLastPathComponent

        func need(_ zone: String, _ signal: SignalKind, regions: [String]) {
            guard let entry = spec.entry(zone: zone, signal: signal) else {
                problems.append(Diagnostic(file: specFile, path: "series", message: "no \(signal.rawValue) series for zone \(zone), which region \(regions.joined(separator: ", ")) uses; add one"))
                return
            }
            do {
                let series = try resolveEntry(entry, specFile: specFile, baseDirectory: baseDirectory, horizon: horizon, readFile: readFile)
                if signal == .carbonIntensity { carbon[zone] = series } else { price[zone] = series }
            } catch {
                if case .invalidInput(let d) = error { problems += d } else { problems.append(Diagnostic(file: specFile, path: entry.path, message: error.description)) }
            }
        }

        let carbonZones = Dictionary(grouping: catalog.regions, by: \.carbonZone)
        for zone in carbonZones.keys.sorted() { need(zone, .carbonIntensity, regions: carbonZones[zone]!.map(\.name)) }
        let priceZones = Dictionary(grouping: catalog.regions, by: \.priceZone)
        for zone in priceZones.keys.sorted() { need(zone, .price, regions: priceZones[zone]!.map(\.name)) }

        let currencies = Set(price.values.compactMap(\.currency))
        if currencies.count > 1 {
            let detail = price.keys.sorted().map { "\($0): \(price[$0]!.currency ?? "?")" }.joined(separator: ", ")
            problems.append(Diagnostic(file: specFile, path: "series", message: "prices are in several currencies (\(detail)); a plan compares costs in one currency, so convert them first"))
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        return GridSignals(horizon: horizon, carbon: carbon, price: price, currency: currencies.first ?? "USD")
    }

    static func resolveEntry(
        _ entry: SignalEntry, specFile: String, baseDirectory: String, horizon: PlanningHorizon, readFile: FileReader
    ) throws(GridwiseError) -> HourlySeries {
        let factor: Double
        var currency: String? = nil
        switch entry.signal {
        case .carbonIntensity:
            factor = SignalUnits.carbonFactor(entry.unit) ?? 1
        case .price:
            let unit = SignalUnits.priceUnit(entry.unit)
            factor = unit?.factorToPerMegawattHour ?? 1
            currency = unit?.currency
        }
        var values = [Double?](repeating: nil, count: horizon.hours)
        var origin: String
        var problems: [Diagnostic] = []

        func check(_ v: Double, file: String, line: Int?, path: String) -> Double? {
            let converted = v * factor
            guard converted.isFinite else {
                problems.append(Diagnostic(file: file, line: line, path: path, message: "found \(v); expected a finite number"))
                return nil
            }
            switch entry.signal {
            case .carbonIntensity where converted < 0 || converted > SignalUnits.maximumCarbonIntensity:
                problems.append(Diagnostic(file: file, line: line, path: path, message: "found \(v) \(entry.unit) (\(formatNumber(converted, decimals: 1)) gCO2e/kWh); expected 0 to \(Int(SignalUnits.maximumCarbonIntensity)) gCO2e/kWh"))
                return nil
            case .price where abs(converted) > SignalUnits.maximumAbsolutePricePerMegawattHour:
                problems.append(Diagnostic(file: file, line: line, path: path, message: "found \(v) \(entry.unit); expected a price within ±\(Int(SignalUnits.maximumAbsolutePricePerMegawattHour)) per MWh"))
                return nil
            default:
                return converted
            }
        }

        switch entry.data {
        case .constant(let v):
            origin = "constant \(formatShort(v)) \(entry.unit) in \(specFile)"
            if let c = check(v, file: specFile, line: entry.mark.line, path: "\(entry.path).constant") {
                for h in 0..<horizon.hours { values[h] = c }
            }
        case .hourly(let start, let list):
            origin = "hourly values in \(specFile)"
            let offset = Int((start.secondsSinceEpoch - horizon.start.secondsSinceEpoch) / 3600)
            for (i, v) in list.enumerated() {
                let h = offset + i
                guard h >= 0, h < horizon.hours else { continue }
                values[h] = check(v, file: specFile, line: entry.mark.line, path: "\(entry.path).hourly.values[\(i)]")
            }
        case .timeOfUse(let tariff):
            origin = "time-of-use tariff in \(specFile)"
            for h in 0..<horizon.hours {
                if let p = tariff.price(at: horizon.slotStart(h)) { values[h] = check(p, file: specFile, line: entry.mark.line, path: "\(entry.path).time_of_use") }
            }
        case .csv(let file, let timeColumn, let valueColumn, let defaultOffset):
            let path = file.hasPrefix("/") ? file : (baseDirectory.isEmpty ? file : baseDirectory + "/" + file)
            origin = path
            let table = CSVTable(text: try readFile(path))
            guard let ti = table.header.firstIndex(of: timeColumn), let vi = table.header.firstIndex(of: valueColumn) else {
                let missing = [timeColumn, valueColumn].filter { !table.header.contains($0) }
                throw .invalidInput([Diagnostic(file: path, line: 1, path: "", message: "no column \(missing.map { "'\($0)'" }.joined(separator: " or ")) (named in \(specFile) \(entry.path)); the columns are: \(table.header.joined(separator: ", "))")])
            }
            var sums = [Double](repeating: 0, count: horizon.hours)
            var counts = [Int](repeating: 0, count: horizon.hours)
            var seen: [Int64: Int] = [:]
            for row in table.rows {
                guard row.fields.count > max(ti, vi) else {
                    problems.append(Diagnostic(file: path, line: row.line, path: "", message: "found \(row.fields.count) fields; expected at least \(max(ti, vi) + 1)"))
                    continue
                }
                let instant: Instant
                do {
                    instant = try Instant.parse(row.fields[ti], defaultOffsetSeconds: defaultOffset)
                } catch {
                    problems.append(Diagnostic(file: path, line: row.line, path: timeColumn, message: error.description))
                    continue
                }
                guard instant >= horizon.start, instant < horizon.end else { continue }
                if let first = seen[instant.secondsSinceEpoch] {
                    problems.append(Diagnostic(file: path, line: row.line, path: timeColumn, message: "duplicate timestamp \(instant) (first on line \(first)); each time may appear once"))
                    continue
                }
                seen[instant.secondsSinceEpoch] = row.line
                let text = row.fields[vi].trimmedSpaces()
                guard let raw = Double(text) else {
                    problems.append(Diagnostic(file: path, line: row.line, path: valueColumn, message: "found '\(text)'; expected a number"))
                    continue
                }
                guard let v = check(raw, file: path, line: row.line, path: valueColumn) else { continue }
                let h = Int((instant.secondsSinceEpoch - horizon.start.secondsSinceEpoch) / 3600)
                sums[h] += v
                counts[h] += 1
            }
            for h in 0..<horizon.hours where counts[h] > 0 { values[h] = sums[h] / Double(counts[h]) }
        }
        if !problems.isEmpty { throw .invalidInput(problems) }

        let missing = (0..<horizon.hours).filter { values[$0] == nil }
        if let first = missing.first {
            let file: String
            if case .csv = entry.data { file = origin } else { file = specFile }
            throw .invalidInput([Diagnostic(file: file, path: entry.path.isEmpty ? "" : entry.path, message: "gap: \(entry.signal.rawValue) for zone \(entry.zone) has no value for \(missing.count) of the \(horizon.hours) horizon hours, first \(horizon.slotStart(first)) (the horizon is \(horizon.start) to \(horizon.end)); supply those hours or shorten the horizon")])
        }
        let provenance = SeriesProvenance(
            zone: entry.zone, signal: entry.signal, source: entry.source, origin: origin, declaredUnit: entry.unit, basis: entry.basis,
            scope: entry.scope, illustrative: entry.illustrative, forecast: false, filledHours: 0, note: entry.note)
        return HourlySeries(values: values.map { $0! }, provenance: provenance, currency: currency)
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
