import Foundation
import GridwiseCore

/// The values a signal-set entry writes down or points to: a CSV trace file, a constant factor,
/// hourly values, or a time-of-use tariff. A broken file is the user's to fix, so its problems are
/// input errors (exit 65) with file and line, never a reason to fall back.
public struct DeclaredSource: SignalSource {
    public typealias FileReader = @Sendable (String) throws(GridwiseError) -> String

    public let entry: SignalEntry
    public let specFile: String
    let readFile: FileReader

    public init(entry: SignalEntry, specFile: String, readFile: @escaping FileReader = { (path: String) throws(GridwiseError) -> String in try InputFiles.readText(path) }) {
        self.entry = entry
        self.specFile = specFile
        self.readFile = readFile
    }

    public var name: String { entry.source }

    var factor: Double {
        entry.signal == .carbonIntensity ? SignalUnits.carbonFactor(entry.unit) ?? 1 : SignalUnits.priceUnit(entry.unit)?.factorToPerMegawattHour ?? 1
    }

    func resolved(_ file: String) -> String {
        if file.hasPrefix("/") { return file }
        let base = (specFile as NSString).deletingLastPathComponent
        return base.isEmpty ? file : base + "/" + file
    }

    public func fetch(_ request: SignalRequest) throws(GridwiseError) -> SourceAnswer {
        let horizon = request.horizon
        var points: [SignalPoint] = []
        var problems: [Diagnostic] = []
        let factor = self.factor  // once per fetch: reading the unit text per value dominated large files
        func checked(_ raw: Double, file: String, line: Int?, path: String) -> Double? {
            let v = raw * factor
            if let expected = SignalValueCheck.expectation(v, signal: entry.signal) {
                var shown = raw.isFinite ? "\(raw) \(entry.unit)" : "\(raw)"
                if raw.isFinite, factor != 1 || entry.signal == .carbonIntensity {
                    shown += " (\(formatNumber(v, decimals: 1)) \(entry.signal == .carbonIntensity ? "gCO2e/kWh" : "per MWh"))"
                }
                problems.append(Diagnostic(file: file, line: line, path: path, message: "found \(shown); \(expected)"))
                return nil
            }
            return v
        }
        let origin: String
        switch entry.data {
        case .constant(let raw):
            origin = "constant \(formatShort(raw)) \(entry.unit) in \(specFile)"
            if let v = checked(raw, file: specFile, line: entry.mark.line, path: "\(entry.path).constant") {
                points = [SignalPoint(time: horizon.start, seconds: Int64(horizon.hours) * 3600, value: v)]
            }
        case .hourly(let start, let values):
            origin = "hourly values in \(specFile)"
            for (i, raw) in values.enumerated() {
                if let v = checked(raw, file: specFile, line: entry.mark.line, path: "\(entry.path).hourly.values[\(i)]") {
                    points.append(SignalPoint(time: start.adding(hours: i), seconds: 3600, value: v))
                }
            }
        case .timeOfUse(let tariff):
            origin = "time-of-use tariff in \(specFile)"
            for h in 0..<horizon.hours {
                guard let raw = tariff.price(at: horizon.slotStart(h)) else { continue }
                if let v = checked(raw, file: specFile, line: entry.mark.line, path: "\(entry.path).time_of_use") {
                    points.append(SignalPoint(time: horizon.slotStart(h), seconds: 3600, value: v))
                }
            }
        case .provider:
            throw .invalidInput([Diagnostic(file: specFile, path: entry.path, message: "a provider series is fetched by its provider source, not read as a file")])
        case .json(let file, let timeKey, let valueKey):
            let path = resolved(file)
            origin = path
            let text = try readFile(path)
            guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
                throw .invalidInput([Diagnostic(file: path, path: "", message: "not JSON; expected a list of {\"\(timeKey)\": ..., \"\(valueKey)\": ...} points")])
            }
            guard let items = (json as? [Any]) ?? ((json as? [String: Any])?["points"] as? [Any]) else {
                throw .invalidInput([Diagnostic(file: path, path: "", message: "expected a list of points, or an object with a 'points' list")])
            }
            var rows: [(time: Instant, value: Double)] = []
            var seen: Set<Int64> = []
            for (i, item) in items.enumerated() {
                let object = item as? [String: Any]
                guard let time = ProviderJSON.instant(object?[timeKey]) else {
                    problems.append(Diagnostic(file: path, path: "[\(i)].\(timeKey)", message: "found \(object?[timeKey].map { "\($0)" } ?? "nothing"); expected an ISO 8601 time"))
                    continue
                }
                guard case .some(.some(let raw)) = ProviderJSON.number(object?[valueKey]) else {
                    problems.append(Diagnostic(file: path, path: "[\(i)].\(valueKey)", message: "found \(object?[valueKey].map { "\($0)" } ?? "nothing"); expected a number"))
                    continue
                }
                guard seen.insert(time.secondsSinceEpoch).inserted else {
                    problems.append(Diagnostic(file: path, path: "[\(i)].\(timeKey)", message: "duplicate time \(time); each time may appear once"))
                    continue
                }
                if let v = checked(raw, file: path, line: nil, path: "[\(i)].\(valueKey)") { rows.append((time, v)) }
            }
            let lengths = HourlyAggregation.inferLengths(rows.map(\.time))
            points = zip(rows, lengths).map { SignalPoint(time: $0.0.time, seconds: $0.1, value: $0.0.value) }
        case .csv(let file, let timeColumn, let valueColumn, let defaultOffset):
            let path = resolved(file)
            origin = path
            let table = CSVTable(text: try readFile(path))
            guard let ti = table.header.firstIndex(of: timeColumn), let vi = table.header.firstIndex(of: valueColumn) else {
                let missing = [timeColumn, valueColumn].filter { !table.header.contains($0) }
                throw .invalidInput([Diagnostic(file: path, line: 1, path: "", message: "no column \(missing.map { "'\($0)'" }.joined(separator: " or ")) (named in \(specFile) \(entry.path)); the columns are: \(table.header.joined(separator: ", "))")])
            }
            var rows: [(time: Instant, value: Double)] = []
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
                guard instant >= horizon.start.adding(hours: -1), instant < horizon.end else { continue }
                if let first = seen[instant.secondsSinceEpoch] {
                    problems.append(Diagnostic(file: path, line: row.line, path: timeColumn, message: "duplicate timestamp \(instant) (first on line \(first)); each time may appear once"))
                    continue
                }
                seen[instant.secondsSinceEpoch] = row.line
                let text = row.fields[vi].trimmingSpaces
                guard let raw = Double(text) else {
                    problems.append(Diagnostic(file: path, line: row.line, path: valueColumn, message: "found '\(text)'; expected a number"))
                    continue
                }
                if let v = checked(raw, file: path, line: row.line, path: valueColumn) { rows.append((instant, v)) }
            }
            let lengths = HourlyAggregation.inferLengths(rows.map(\.time))
            points = zip(rows, lengths).map { SignalPoint(time: $0.0.time, seconds: $0.1, value: $0.0.value) }
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        let provenance = SeriesProvenance(
            zone: entry.zone, signal: entry.signal, source: entry.source, origin: origin, declaredUnit: entry.unit, basis: entry.basis,
            scope: entry.scope, illustrative: entry.illustrative, forecast: false, note: entry.note)
        return SourceAnswer(points: points, provenance: provenance, currency: entry.signal == .price ? SignalUnits.priceUnit(entry.unit)?.currency : nil)
    }
}
