import Foundation
import GridwiseCore

/// How the forecasts a policy sees are made from the actual series.
public enum ForecastModel: Sendable, Equatable, CustomStringConvertible {
    /// The forecast is the actual value (a perfect forecast: an upper limit on what any policy can do).
    case perfect
    /// Actual plus Gaussian noise with a standard deviation of `fraction` x the series' mean over the run,
    /// drawn once per step (the forecast of a step is the same whenever it is asked for), seeded.
    case gaussian(fraction: Double, seed: UInt64)
    /// The value one period earlier (24 h: "tomorrow looks like today"), from the latest period observed.
    case persistence(periodSteps: Int)
    /// Forecast series given as files (a provider's forecast archive), per region and step.
    case archive(carbon: [[Double]], price: [[Double]], source: String)

    public var description: String {
        switch self {
        case .perfect: return "none (forecast = actual)"
        case .gaussian(let f, let seed): return "actual + Gaussian noise, sd \(formatShort(f * 100)) % of the series mean, drawn once per step (seed \(seed))"
        case .persistence(let p): return "persistence: the value \(p) steps earlier, from the latest period observed"
        case .archive(_, _, let source): return "forecast archive \(source)"
        }
    }
}

/// The forecast tables of a run: per region and step, what a policy is told about that step before it
/// happens. Built once; a view at time `now` hands out forecasts for `now` and later and actual values
/// only for the past.
public struct ForecastTable: Sendable {
    let model: ForecastModel
    let actualCarbon: [[Double]]
    let actualPrice: [[Double]]
    /// Static forecasts (perfect, Gaussian, archive); nil for persistence.
    let carbon: [[Double]]?
    let price: [[Double]]?

    public init(scenario: Scenario, model: ForecastModel) {
        self.model = model
        actualCarbon = scenario.carbon
        actualPrice = scenario.price
        switch model {
        case .perfect:
            carbon = scenario.carbon
            price = scenario.price
        case .gaussian(let fraction, let seed):
            func noisy(_ series: [[Double]], salt: UInt64) -> [[Double]] {
                series.enumerated().map { r, values in
                    let span = values.prefix(scenario.steps)
                    let mean = span.isEmpty ? 0 : span.reduce(0, +) / Double(span.count)
                    var rng = SeededGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(r) &* 1_000_003 &+ salt)
                    return values.map { $0 + Gaussian.next(&rng) * fraction * mean }
                }
            }
            carbon = noisy(scenario.carbon, salt: 0)
            price = noisy(scenario.price, salt: 7_777)
        case .persistence:
            carbon = nil
            price = nil
        case .archive(let c, let p, _):
            carbon = c
            price = p
        }
    }

    /// What a live system knows at step `now`.
    public func view(at now: Int, audit: ForecastAudit? = nil) -> ForecastView { ForecastView(table: self, now: now, audit: audit) }
}

/// Standard normal draws (Box-Muller) from a seeded generator.
enum Gaussian {
    static func next(_ rng: inout SeededGenerator) -> Double {
        let u1 = max(rng.nextUnit(), 1e-300)
        let u2 = rng.nextUnit()
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// Records every read of an actual value and the step it was read at, so tests can show that no policy
/// saw the future. Off (nil) in normal runs.
public final class ForecastAudit: @unchecked Sendable {
    private let lock = NSLock()
    private var _actualReads = 0
    private var _futureActualReads: [(now: Int, step: Int)] = []
    private var _forecastReads = 0

    public init() {}

    func record(now: Int, step: Int, actual: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if actual {
            _actualReads += 1
            if step >= now { _futureActualReads.append((now, step)) }
        } else {
            _forecastReads += 1
        }
    }

    public var actualReads: Int { lock.lock(); defer { lock.unlock() }; return _actualReads }
    public var forecastReads: Int { lock.lock(); defer { lock.unlock() }; return _forecastReads }
    /// Reads of an actual value at or after the step the policy was deciding at: must stay empty.
    public var futureActualReads: [(now: Int, step: Int)] { lock.lock(); defer { lock.unlock() }; return _futureActualReads }
}

/// The signals as a live system sees them at step `now`: forecasts for `now` and later, actual values
/// before `now`. The only way a policy reads a signal.
public struct ForecastView: Sendable {
    let table: ForecastTable
    public let now: Int
    let audit: ForecastAudit?

    public func carbon(region r: Int, step s: Int) -> Double { value(s, actual: table.actualCarbon[r], forecast: table.carbon?[r]) }
    public func price(region r: Int, step s: Int) -> Double { value(s, actual: table.actualPrice[r], forecast: table.price?[r]) }

    private func value(_ s: Int, actual: [Double], forecast: [Double]?) -> Double {
        if s < now {
            audit?.record(now: now, step: s, actual: true)
            return actual[s]
        }
        if let forecast {
            audit?.record(now: now, step: s, actual: false)
            return forecast[s]
        }
        // Persistence: the same phase of the latest period observed (before `now`); before a whole period
        // has been seen, the latest value; before anything has been seen, nothing to go on (0 everywhere).
        let period: Int
        if case .persistence(let p) = table.model { period = max(1, p) } else { period = 1 }
        var source = s - ((s - now) / period + 1) * period
        if source < 0 { source = now - 1 }
        guard source >= 0 else { return 0 }
        audit?.record(now: now, step: source, actual: true)
        return actual[source]
    }
}
