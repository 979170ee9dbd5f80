import GridwiseCore

/// Everything a plan is made from, already validated.
public struct PlanningProblem: Sendable {
    public var jobs: [Job]
    public var catalog: RegionCatalog
    public var policy: Policy
    public var signals: GridSignals

    public init(jobs: [Job], catalog: RegionCatalog, policy: Policy, signals: GridSignals) {
        self.jobs = jobs
        self.catalog = catalog
        self.policy = policy
        self.signals = signals
    }

    public var horizon: PlanningHorizon { signals.horizon }
}

/// A (region, pool) a job may use, with the hourly figures the cost model needs.
struct PoolOption {
    var region: Int
    var pool: Int
    /// Facility energy per full hour of running, kWh (devices x kW x PUE).
    var facilityKilowattHoursPerHour: Double
    /// IT energy per full hour, kWh (devices x kW), for water.
    var itKilowattHoursPerHour: Double
    var speed: Double
    /// Latency to the job's population in ms, nil when it names none.
    var latencyMilliseconds: Double?
}

/// The problem in arrays: per region, hourly carbon (g/kWh) and price (per MWh); per job, its options.
struct CompiledProblem {
    let problem: PlanningProblem
    let hours: Int
    let carbon: [[Double]]
    let price: [[Double]]
    let options: [[PoolOption]]
    let windows: [Range<Int>]
    /// Devices free per region, pool and hour (pool size less reservations).
    let capacity: [[[Int32]]]

    init(_ problem: PlanningProblem, policy: Policy) {
        self.problem = problem
        hours = problem.horizon.hours
        capacity = problem.catalog.regions.map { $0.pools.map { $0.capacity(over: problem.horizon).map(Int32.init) } }
        carbon = problem.catalog.regions.map { problem.signals.carbon[$0.carbonZone]!.values }
        price = problem.catalog.regions.map { problem.signals.price[$0.priceZone]!.values }
        windows = problem.jobs.map { Eligibility.windowSlots(job: $0, horizon: problem.horizon) }
        // Each job's options, found on both cores in fixed blocks of jobs (each job's alone, so the same on
        // any machine). A region's rules are asked only of jobs they could close it to, and a pool's fit
        // without the words that explain a misfit.
        let jobs = problem.jobs, regions = problem.catalog.regions, horizon = problem.horizon
        options = concurrentMap(jobs.count) { j in
            let job = jobs[j]
            let asks = Eligibility.regionsMayExclude(job: job, policy: policy)
            var list: [PoolOption] = []
            for r in regions.indices where !asks || Eligibility.regionIsOpen(job: job, region: regions[r], policy: policy) {
                let pools = regions[r].pools, pue = regions[r].powerUsageEffectiveness
                let latency = job.population.flatMap { regions[r].latencyMilliseconds[$0] }
                for (p, pool) in pools.enumerated() where Eligibility.poolMismatch(job: job, pool: pool, horizon: horizon) == nil {
                    let it = Double(job.deviceCount) * pool.powerKilowattsPerDevice
                    list.append(PoolOption(
                        region: r, pool: p, facilityKilowattHoursPerHour: it * pue, itKilowattHoursPerHour: it,
                        speed: pool.relativeSpeed, latencyMilliseconds: latency))
                }
            }
            return list
        }
    }
}
