import GridwiseCore

/// What a replay is made of: jobs with their submit times, the regions they may use, and the actual
/// signal series on a grid of equal steps (one hour for `gridwise simulate`, 30 minutes for the Let's
/// Wait Awhile study). Actual values are only ever read for accounting and for the past; policies see
/// them through `ForecastView`.
public struct Scenario: Sendable {
    public var start: Instant
    public var stepSeconds: Int
    public var steps: Int
    public var catalog: RegionCatalog
    /// Actual carbon intensity per region and step, gCO2e/kWh.
    public var carbon: [[Double]]
    /// Actual price per region and step, currency per MWh.
    public var price: [[Double]]
    public var currency: String
    /// Jobs in submit order; `release` is the submit time.
    public var jobs: [Job]
    /// Where each signal came from, for the report.
    public var provenance: [String]

    public init(start: Instant, stepSeconds: Int, steps: Int, catalog: RegionCatalog, carbon: [[Double]], price: [[Double]], currency: String,
                jobs: [Job], provenance: [String] = []) {
        self.start = start
        self.stepSeconds = stepSeconds
        self.steps = steps
        self.catalog = catalog
        self.carbon = carbon
        self.price = price
        self.currency = currency
        self.jobs = jobs.enumerated().sorted { $0.element.release != $1.element.release ? $0.element.release < $1.element.release : $0.offset < $1.offset }.map(\.element)
        self.provenance = provenance
    }

    public var stepHours: Double { Double(stepSeconds) / 3600 }
    public var end: Instant { instant(ofStep: steps) }

    public func instant(ofStep step: Int) -> Instant { start.adding(seconds: Int64(step) * Int64(stepSeconds)) }

    /// The first step starting at or after `instant` (a job submitted mid-step can start at the next one).
    public func step(atOrAfter instant: Instant) -> Int {
        let d = instant.secondsSinceEpoch - start.secondsSinceEpoch
        let s = Int64(stepSeconds)
        return Int(d >= 0 ? (d + s - 1) / s : -((-d) / s))
    }

    /// Steps that end at or before `instant` (a deadline mid-step leaves that step out).
    public func steps(endingAtOrBefore instant: Instant) -> Int {
        let d = instant.secondsSinceEpoch - start.secondsSinceEpoch
        let s = Int64(stepSeconds)
        return Int(d >= 0 ? d / s : -((-d + s - 1) / s))
    }

    /// The step holding `instant`.
    public func step(containing instant: Instant) -> Int {
        let d = instant.secondsSinceEpoch - start.secondsSinceEpoch
        let s = Int64(stepSeconds)
        return Int(d >= 0 ? d / s : -((-d + s - 1) / s))
    }

    /// Jobs that cannot meet their deadline on this step grid even started at their first step (a job
    /// submitted mid-step starts at the next one; a deadline mid-step leaves that step out): every
    /// policy counts them as misses.
    public var unmeetableDeadlines: Int {
        jobs.filter { job in
            guard !job.servesWholeWindow else { return false }
            let shape = JobShape(job, scenario: self, policy: nil)
            guard let fastest = shape.options.map({ Double($0.steps - 1) + $0.lastFraction }).min() else { return true }
            let finish = instant(ofStep: shape.releaseStep).adding(seconds: Int64((fastest * Double(stepSeconds)).rounded()))
            return finish > job.deadline
        }.count
    }

    /// Checks the shapes: one series per region, each `steps` long, finite values.
    public func validate() throws(GridwiseError) {
        var problems: [String] = []
        if stepSeconds <= 0 || 3600 % stepSeconds != 0 && stepSeconds % 3600 != 0 { problems.append("step of \(stepSeconds) s: expected a divisor or multiple of an hour") }
        if carbon.count != catalog.regions.count || price.count != catalog.regions.count { problems.append("expected one carbon and one price series per region") }
        for (r, region) in catalog.regions.enumerated() where r < carbon.count && r < price.count {
            if carbon[r].count < steps { problems.append("region \(region.name): carbon series has \(carbon[r].count) steps, expected \(steps)") }
            if price[r].count < steps { problems.append("region \(region.name): price series has \(price[r].count) steps, expected \(steps)") }
            if carbon[r].contains(where: { !$0.isFinite }) || price[r].contains(where: { !$0.isFinite }) { problems.append("region \(region.name): a series holds a value that is not a number") }
        }
        guard problems.isEmpty else { throw .usage("the simulation's inputs do not fit together: " + problems.joined(separator: "; ")) }
    }
}

/// One job's way to run: the region and pool, and the steps it holds, in time order. The last step may
/// be used only in part (`lastFraction`).
public struct JobRun: Sendable, Equatable {
    public var region: Int
    public var pool: Int
    public var steps: [Int]
    public var lastFraction: Double

    public init(region: Int, pool: Int, steps: [Int], lastFraction: Double) {
        self.region = region
        self.pool = pool
        self.steps = steps
        self.lastFraction = lastFraction
    }

    public var runs: Int { PlanningHorizon.runs(steps).count }
    /// Fraction of step `i` (index into `steps`) used.
    public func use(at i: Int) -> Double { i == steps.count - 1 ? lastFraction : 1 }
}

/// A job's figures on the step grid, per (region, pool) option it may use.
struct JobShape {
    let job: Job
    let releaseStep: Int
    let deadlineStep: Int
    /// (region, pool) pairs the job may use, with steps needed for one run and the used part of the last.
    let options: [(region: Int, pool: Int, steps: Int, lastFraction: Double)]

    init(job: Job, releaseStep: Int, deadlineStep: Int, options: [(region: Int, pool: Int, steps: Int, lastFraction: Double)]) {
        self.job = job
        self.releaseStep = releaseStep
        self.deadlineStep = deadlineStep
        self.options = options
    }

    init(_ job: Job, scenario: Scenario, policy: GridwiseCore.Policy?) {
        self.job = job
        releaseStep = max(0, scenario.step(atOrAfter: job.release))
        deadlineStep = min(scenario.steps, scenario.steps(endingAtOrBefore: job.deadline))
        var list: [(Int, Int, Int, Double)] = []
        let rules = policy ?? GridwiseCore.Policy(name: "none", weights: ObjectiveWeights(), enforceLatencySLO: false)
        for (r, region) in scenario.catalog.regions.enumerated() where Eligibility.regionIsOpen(job: job, region: region, policy: rules) {
            for (p, pool) in region.pools.enumerated() where job.accepts(poolType: pool.type) && pool.count >= job.deviceCount {
                if job.servesWholeWindow {
                    let n = max(0, deadlineStep - releaseStep)
                    list.append((r, p, n, 1))
                } else {
                    let exact = job.runningHours(speed: pool.relativeSpeed) / scenario.stepHours
                    let n = max(1, Int((exact - 1e-9).rounded(.up)))
                    list.append((r, p, n, exact - Double(n - 1)))
                }
            }
        }
        options = list
    }
}
