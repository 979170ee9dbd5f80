import GridwiseCore

/// Sources tried in order: the first supplies what it can, each next one fills the hours still missing.
///
/// A source that is unavailable (exit-69 errors: network, provider faults, untrustworthy answers) or
/// that lacks hours hands over to the next; the hand-over is recorded in the provenance of the hours
/// the fallback supplied, so a plan says which source each hour came from and why. An input error in
/// a file (exit 65) is not a hand-over: it stops the chain so the user can fix the file.
public struct SignalChain: Sendable {
    public var sources: [any SignalSource]

    public init(_ sources: [any SignalSource]) { self.sources = sources }

    public func resolve(_ request: SignalRequest) throws(GridwiseError) -> HourlySeries {
        let horizon = request.horizon
        var values = [Double?](repeating: nil, count: horizon.hours)
        var provenance: [SeriesProvenance] = []
        var handovers: [String] = []
        var currency: String? = nil
        for (rank, source) in sources.enumerated() {
            if !values.contains(where: { $0 == nil }) { break }
            let answer: SourceAnswer
            do {
                answer = try source.fetch(request)
            } catch {
                guard case .sourceUnavailable = error else { throw error }
                handovers.append("\(source.name) unavailable: \(error.shortReason)")
                continue
            }
            if let c = answer.currency {
                if let existing = currency, existing != c {
                    throw .invalidInput([Diagnostic(file: answer.provenance.origin, path: "", message: "\(source.name) gives \(request.zone) prices in \(c), an earlier source in its chain in \(existing); keep a chain in one currency")])
                }
                currency = c
            }
            let hourly = HourlyAggregation.hourly(answer.points, horizon: horizon)
            var supplied: [Int] = []
            for h in 0..<horizon.hours where values[h] == nil {
                if let v = hourly[h] {
                    values[h] = v
                    supplied.append(h)
                }
            }
            let missingAfter = values.filter { $0 == nil }.count
            if !supplied.isEmpty {
                var record = answer.provenance
                record.fallbackRank = rank
                record.hours = horizon.timeRanges(supplied)
                if rank > 0 { record.note = ([record.note].compactMap { $0 } + ["fallback for \(handovers.joined(separator: "; "))"]).joined(separator: "; ") }
                provenance.append(record)
            }
            if missingAfter > 0 {
                handovers.append("\(source.name) has no value for \(missingAfter) of \(horizon.hours) hours")
            }
        }
        let missing = (0..<horizon.hours).filter { values[$0] == nil }
        if let first = missing.first {
            let detail = "\(request.signal.rawValue) for zone \(request.zone) has no value for \(missing.count) of the \(horizon.hours) horizon hours, first \(horizon.slotStart(first)) (the horizon is \(horizon.start) to \(horizon.end)): \(handovers.joined(separator: "; "))"
            if provenance.isEmpty, !handovers.isEmpty, handovers.allSatisfy({ $0.contains(" unavailable: ") }) {
                throw .sourceUnavailable(source: sources.map(\.name).joined(separator: " -> "), zone: request.zone, reason: detail)
            }
            throw .invalidInput([Diagnostic(file: provenance.first?.origin ?? sources.first?.name ?? "signals", path: "", message: "gap: \(detail); supply those hours, add a fallback, or shorten the horizon")])
        }
        return HourlySeries(values: values.map { $0! }, provenance: provenance, currency: currency)
    }
}

extension GridwiseError {
    /// The reason without the "error:" prefix, for hand-over notes.
    var shortReason: String {
        switch self {
        case .sourceUnavailable(_, _, let reason): return reason
        default: return description
        }
    }
}
