import GridwiseCore

/// One job under one policy, accounted on the actual series.
public struct JobOutcome: Sendable, Equatable {
    public var job: String
    public var region: String?
    public var pool: String?
    public var devices: Int
    public var submit: Instant
    public var deadline: Instant
    /// Start of the first step run and end of the last (the used part of it); nil when it never ran.
    public var start: Instant?
    public var finish: Instant?
    public var runs: Int
    /// Facility energy, kWh (devices x kW x PUE x hours run).
    public var energyKwh: Double
    /// kg CO2e: each step's energy x that step's actual intensity.
    public var carbonKg: Double
    /// Currency: each step's energy x that step's actual price per MWh / 1000.
    public var cost: Double
    /// Litres: IT energy (facility / PUE) x the region's WUE.
    public var waterL: Double
    /// Hours between the earliest possible finish (submit + running time on the pool used) and the finish.
    public var delayHours: Double
    public var missedDeadline: Bool
    /// The job names a latency SLO that the region used does not meet (or has no latency for).
    public var sloViolated: Bool
}

/// Totals of a policy's outcomes.
public struct PolicyTotals: Sendable, Equatable {
    public var jobs: Int
    public var ran: Int
    public var energyKwh: Double
    public var carbonKg: Double
    public var cost: Double
    public var waterL: Double
    public var meanDelayHours: Double
    public var p95DelayHours: Double
    public var maxDelayHours: Double
    public var deadlineMisses: Int
    public var sloViolations: Int
    /// Jobs that never ran (no room before the data ends).
    public var neverRan: Int
    /// g CO2e per kWh of the energy used.
    public var carbonIntensity: Double
}

public struct PolicyResult: Sendable {
    public var policy: SimulationPolicy
    public var outcomes: [JobOutcome]
    public var runs: [JobRun?]
    public var totals: PolicyTotals
    /// Devices in use per region and step.
    public var devicesUsed: [[Int32]]
    public var replans: Int
    public var seconds: Double
}

/// Everything a simulation produced, with what it was run on.
public struct SimulationResult: Sendable {
    public var scenario: Scenario
    public var options: SimulationOptions
    public var policies: [PolicyResult]

    /// Fraction saved against the carbon-agnostic policy (first of its name), per total; nil without one.
    public func savings(_ r: PolicyResult, _ metric: KeyPath<PolicyTotals, Double>) -> Double? {
        guard let base = policies.first(where: { $0.policy == .carbonAgnostic }) else { return nil }
        let b = base.totals[keyPath: metric]
        return b == 0 ? nil : 1 - r.totals[keyPath: metric] / b
    }

    /// Devices each region has per step (pool sizes less reservations).
    public var devicesAvailable: [[Int32]] {
        let occupancy = Occupancy(scenario: scenario)
        return occupancy.capacity.map { pools in
            (0..<scenario.steps).map { s in pools.reduce(Int32(0)) { $0 + $1[s] } }
        }
    }
}

struct Accounting {
    let scenario: Scenario

    func outcome(_ job: Job, run: JobRun?) -> JobOutcome {
        guard let run, !run.steps.isEmpty else {
            return JobOutcome(job: job.id, region: nil, pool: nil, devices: job.deviceCount, submit: job.release, deadline: job.deadline, start: nil, finish: nil,
                              runs: 0, energyKwh: 0, carbonKg: 0, cost: 0, waterL: 0, delayHours: 0, missedDeadline: true, sloViolated: false)
        }
        let region = scenario.catalog.regions[run.region]
        let pool = region.pools[run.pool]
        let kw = Double(job.deviceCount) * pool.powerKilowattsPerDevice * region.powerUsageEffectiveness
        var energy = 0.0, carbon = 0.0, cost = 0.0
        for (i, s) in run.steps.enumerated() {
            let e = kw * scenario.stepHours * run.use(at: i)
            energy += e
            carbon += e * scenario.carbon[run.region][s] / 1000
            cost += e * scenario.price[run.region][s] / 1000
        }
        let water = energy / region.powerUsageEffectiveness * region.waterLitresPerKilowattHour
        let start = scenario.instant(ofStep: run.steps[0])
        let finish = scenario.instant(ofStep: run.steps.last!).adding(seconds: Int64((run.lastFraction * Double(scenario.stepSeconds)).rounded()))
        let delay: Double
        if job.servesWholeWindow {
            delay = 0
        } else {
            let earliest = job.release.adding(seconds: Int64((job.runningHours(speed: pool.relativeSpeed) * 3600).rounded()))
            delay = max(0, finish.hours(since: earliest))
        }
        var slo = false
        if let limit = job.latencySLOMilliseconds, let population = job.population {
            slo = (region.latencyMilliseconds[population] ?? .infinity) > limit
        }
        return JobOutcome(job: job.id, region: region.name, pool: pool.type, devices: job.deviceCount, submit: job.release, deadline: job.deadline,
                          start: start, finish: finish, runs: run.runs, energyKwh: energy, carbonKg: carbon, cost: cost, waterL: water,
                          delayHours: delay, missedDeadline: finish > job.deadline, sloViolated: slo)
    }

    func result(policy: SimulationPolicy, runs: [JobRun?], replans: Int, seconds: Double) -> PolicyResult {
        let outcomes = zip(scenario.jobs, runs).map { outcome($0, run: $1) }
        var used = scenario.catalog.regions.map { _ in [Int32](repeating: 0, count: scenario.steps) }
        for (job, run) in zip(scenario.jobs, runs) {
            guard let run else { continue }
            for s in run.steps where s < scenario.steps { used[run.region][s] += Int32(clamping: job.deviceCount) }
        }
        return PolicyResult(policy: policy, outcomes: outcomes, runs: runs, totals: Self.totals(outcomes), devicesUsed: used, replans: replans, seconds: seconds)
    }

    static func totals(_ outcomes: [JobOutcome]) -> PolicyTotals {
        let ran = outcomes.filter { $0.start != nil }
        let delays = ran.map(\.delayHours).sorted()
        let energy = ran.reduce(0) { $0 + $1.energyKwh }
        let carbon = ran.reduce(0) { $0 + $1.carbonKg }
        return PolicyTotals(
            jobs: outcomes.count, ran: ran.count, energyKwh: energy, carbonKg: carbon, cost: ran.reduce(0) { $0 + $1.cost },
            waterL: ran.reduce(0) { $0 + $1.waterL }, meanDelayHours: delays.isEmpty ? 0 : delays.reduce(0, +) / Double(delays.count),
            p95DelayHours: percentile(delays, 0.95), maxDelayHours: delays.last ?? 0,
            deadlineMisses: outcomes.filter(\.missedDeadline).count, sloViolations: outcomes.filter(\.sloViolated).count,
            neverRan: outcomes.count - ran.count, carbonIntensity: energy > 0 ? carbon * 1000 / energy : 0)
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
