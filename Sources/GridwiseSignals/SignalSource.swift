import GridwiseCore

/// What a planner asks a source for: one zone's signal over the horizon's hours.
public struct SignalRequest: Sendable, Equatable {
    public var zone: String
    public var signal: SignalKind
    public var horizon: PlanningHorizon

    public init(zone: String, signal: SignalKind, horizon: PlanningHorizon) {
        self.zone = zone
        self.signal = signal
        self.horizon = horizon
    }
}

/// One value a source reported, already in the planning unit (gCO2e/kWh, or currency per MWh),
/// standing for `[time, time + seconds)`.
public struct SignalPoint: Sendable, Equatable {
    public var time: Instant
    public var seconds: Int64
    public var value: Double

    public init(time: Instant, seconds: Int64, value: Double) {
        self.time = time
        self.seconds = seconds
        self.value = value
    }
}

/// What a source answered: its points and where they came from (the hours are filled in by the chain).
public struct SourceAnswer: Sendable {
    public var points: [SignalPoint]
    public var provenance: SeriesProvenance
    /// The currency of a price answer.
    public var currency: String?

    public init(points: [SignalPoint], provenance: SeriesProvenance, currency: String? = nil) {
        self.points = points
        self.provenance = provenance
        self.currency = currency
    }
}

/// A source of grid signals: a trace file, a tariff, a static factor, or a provider's API.
///
/// A source answers one request at a time, converts to the planning unit at its edge, rejects values
/// it cannot trust (non-finite, negative carbon, absurd magnitudes) with an error naming itself and the
/// zone, and never fills gaps: the chain decides what fills them. See docs/adding-a-signal-source.md.
///
/// ```swift
/// struct FlatFactor: SignalSource {
///     var name: String { "my annual factor" }
///     func fetch(_ request: SignalRequest) throws(GridwiseError) -> SourceAnswer { ... }
/// }
/// ```
public protocol SignalSource: Sendable {
    /// A short name for messages and provenance.
    var name: String { get }
    func fetch(_ request: SignalRequest) throws(GridwiseError) -> SourceAnswer
}

/// Averages points into horizon hours, weighting each by how much of the hour it covers.
/// An hour counts as supplied when points cover at least half of it.
public enum HourlyAggregation {
    public static func hourly(_ points: [SignalPoint], horizon: PlanningHorizon) -> [Double?] {
        var sums = [Double](repeating: 0, count: horizon.hours)
        var weights = [Double](repeating: 0, count: horizon.hours)
        let start = horizon.start.secondsSinceEpoch
        for p in points {
            let from = p.time.secondsSinceEpoch - start
            let to = from + p.seconds
            guard to > 0, from < Int64(horizon.hours) * 3600 else { continue }
            var hour = max(0, Int(Instant.floorDiv(from, 3600)))
            while hour < horizon.hours, Int64(hour) * 3600 < to {
                let overlap = min(to, Int64(hour + 1) * 3600) - max(from, Int64(hour) * 3600)
                if overlap > 0 {
                    sums[hour] += p.value * Double(overlap)
                    weights[hour] += Double(overlap)
                }
                hour += 1
            }
        }
        return (0..<horizon.hours).map { weights[$0] >= 1800 ? sums[$0] / weights[$0] : nil }
    }

    /// Gives each point without a stated length the spacing to the next point (capped at an hour);
    /// the last takes the median spacing.
    public static func inferLengths(_ times: [Instant]) -> [Int64] {
        guard times.count > 1 else { return times.map { _ in 3600 } }
        let sorted = times.sorted()
        var gaps = zip(sorted.dropFirst(), sorted).map { $0.secondsSinceEpoch - $1.secondsSinceEpoch }.filter { $0 > 0 }
        gaps.sort()
        let median = min(3600, gaps.isEmpty ? 3600 : gaps[gaps.count / 2])
        var next: [Int64: Int64] = [:]
        for (a, b) in zip(sorted, sorted.dropFirst()) where b > a { next[a.secondsSinceEpoch] = min(3600, b.secondsSinceEpoch - a.secondsSinceEpoch) }
        return times.map { next[$0.secondsSinceEpoch] ?? median }
    }
}

/// Checks a value in the planning unit: nil when it can be planned on, else what was expected instead.
public enum SignalValueCheck {
    public static func expectation(_ value: Double, signal: SignalKind) -> String? {
        guard value.isFinite else { return "expected a finite number" }
        switch signal {
        case .carbonIntensity where value < 0 || value > SignalUnits.maximumCarbonIntensity:
            return "expected 0 to \(Int(SignalUnits.maximumCarbonIntensity)) gCO2e/kWh"
        case .price where abs(value) > SignalUnits.maximumAbsolutePricePerMegawattHour:
            return "expected a price within ±\(Int(SignalUnits.maximumAbsolutePricePerMegawattHour)) per MWh"
        default:
            return nil
        }
    }
}
