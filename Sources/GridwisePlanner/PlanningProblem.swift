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
        options = problem.jobs.map { job in
            var list: [PoolOption] = []
            for (r, region) in problem.catalog.regions.enumerated() where Eligibility.regionExclusions(job: job, region: region, policy: policy).isEmpty {
                for (p, pool) in region.pools.enumerated() where Eligibility.poolExclusion(job: job, pool: pool, horizon: problem.horizon) == nil {
                    let it = Double(job.deviceCount) * pool.powerKilowattsPerDevice
                    list.append(PoolOption(
                        region: r, pool: p, facilityKilowattHoursPerHour: it * region.powerUsageEffectiveness, itKilowattHoursPerHour: it,
                        speed: pool.relativeSpeed, latencyMilliseconds: job.population.flatMap { region.latencyMilliseconds[$0] }))
                }
            }
            return list
        }
    }
}
