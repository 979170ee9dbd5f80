import Foundation
import GridwiseCore
import GridwisePlanner

/// A policy compared in a simulation.
public enum SimulationPolicy: Sendable, Equatable {
    case carbonAgnostic
    case lowestWindow
    case waitAwhile
    /// Gridwise's planner under a policy file.
    case planner(GridwiseCore.Policy)

    public var name: String {
        switch self {
        case .carbonAgnostic: return "carbon-agnostic"
        case .lowestWindow: return "lowest-window"
        case .waitAwhile: return "wait-awhile"
        case .planner(let p): return "gridwise:\(p.name)"
        }
    }

    public var rule: String {
        switch self {
        case .carbonAgnostic: return "each job at its submit time in the lowest-latency region with room (the baseline)"
        case .lowestWindow: return "each job alone, at its submit time, in the window of least forecast carbon over its regions (the Carbon Aware SDK's answer), among windows with room"
        case .waitAwhile: return "in the baseline's region: interruptible jobs run in the cleanest forecast steps before the deadline, others in the cleanest window (Wiesner et al. 2021)"
        case .planner(let p): return "Gridwise's planner, policy '\(p.name)', re-planning the jobs not yet started (and interruptible jobs' remaining work) on forecasts"
        }
    }
}

/// When the planner policies re-plan.
public enum ReplanCadence: String, Sendable, CaseIterable {
    /// Each arriving batch of jobs is planned at once against what earlier plans hold; nothing is revised.
    case arrival
    /// Arrivals planned at once as above, and every hour on the hour every job not yet started (and the
    /// work left of interruptible jobs) is planned again together.
    case hourly
    /// The same, with the joint re-plan every day at 00:00 UTC.
    case daily
}

public struct SimulationOptions: Sendable {
    public var forecast: ForecastModel
    public var cadence: ReplanCadence
    public var planner: PlannerOptions
    /// Steps a search may run past a deadline: 1 reproduces the Let's Wait Awhile code, 0 keeps deadlines.
    public var pastDeadlineSteps: Int
    /// When set, every signal read by a policy is recorded (tests).
    public var audit: ForecastAudit?

    public init(forecast: ForecastModel = .perfect, cadence: ReplanCadence = .arrival, planner: PlannerOptions = PlannerOptions(nodeLimit: 20_000, restarts: 0),
                pastDeadlineSteps: Int = 0, audit: ForecastAudit? = nil) {
        self.forecast = forecast
        self.cadence = cadence
        self.planner = planner
        self.pastDeadlineSteps = pastDeadlineSteps
        self.audit = audit
    }
}

/// Replays a scenario under each policy and accounts every job on the actual series.
public struct Simulator: Sendable {
    public let scenario: Scenario
    public let options: SimulationOptions
    let table: ForecastTable

    public init(scenario: Scenario, options: SimulationOptions) {
        self.scenario = scenario
        self.options = options
        table = ForecastTable(scenario: scenario, model: options.forecast)
    }

    /// Runs every policy; `progress` is called with the fraction done (for a progress bar).
    public func run(_ policies: [SimulationPolicy], progress: (@Sendable (Double) -> Void)? = nil) -> SimulationResult {
        var results: [PolicyResult] = []
        for (i, policy) in policies.enumerated() {
            let r = run(policy) { f in progress?((Double(i) + f) / Double(policies.count)) }
            results.append(r)
        }
        progress?(1)
        return SimulationResult(scenario: scenario, options: options, policies: results)
    }

    /// The runs each job made under one policy (nil: it never ran), and how many re-plans it took.
    public func runs(_ policy: SimulationPolicy, progress: ((Double) -> Void)? = nil) -> (runs: [JobRun?], replans: Int) {
        let plannerPolicy: GridwiseCore.Policy?
        if case .planner(let p) = policy { plannerPolicy = p } else { plannerPolicy = nil }
        let shapes = scenario.jobs.map { JobShape($0, scenario: scenario, policy: plannerPolicy) }
        let rules = Rules(scenario: scenario, pastDeadline: options.pastDeadlineSteps)
        var occupancy = Occupancy(scenario: scenario)
        var runs = [JobRun?](repeating: nil, count: shapes.count)
        var replans = 0
        var next = 0  // next job to arrive
        var pending: [Int] = []  // arrived, planner policies: not finished and not locked
        let bridge = plannerPolicy.map { PlannerBridge(scenario: scenario, policy: $0, options: options.planner, pastDeadline: options.pastDeadlineSteps) }
        var lastReport = -1
        for t in 0..<scenario.steps {
            var arrivals: [Int] = []
            while next < shapes.count, shapes[next].releaseStep <= t {
                arrivals.append(next)
                next += 1
            }
            if let bridge {
                pending += arrivals
                let due: Bool
                switch options.cadence {
                case .arrival: due = !arrivals.isEmpty
                case .hourly: due = scenario.instant(ofStep: t).isOnTheHour && !pending.isEmpty
                case .daily: due = scenario.instant(ofStep: t).secondsSinceEpoch % 86_400 == 0 && !pending.isEmpty
                }
                if due && options.cadence != .arrival {
                    // Everything not yet started (and interruptible work left), arrivals included.
                    replans += 1
                    pending = replan(pending, at: t, shapes: shapes, runs: &runs, occupancy: &occupancy, bridge: bridge, rules: rules)
                } else if !arrivals.isEmpty {
                    // Arrivals are planned at once, against what earlier plans hold.
                    replans += 1
                    _ = replan(arrivals, at: t, shapes: shapes, runs: &runs, occupancy: &occupancy, bridge: bridge, rules: rules)
                    if options.cadence == .arrival { pending = [] }
                }
            } else {
                let view = table.view(at: t, audit: options.audit)
                for j in arrivals {
                    let shape = shapes[j]
                    var run: JobRun?
                    switch policy {
                    case .carbonAgnostic: run = rules.asSoonAsPossible(shape, from: t, occupancy: occupancy)
                    case .lowestWindow: run = rules.lowestWindow(shape, options: Array(shape.options.indices), now: t, view: view, occupancy: occupancy)
                    case .waitAwhile: run = rules.waitAwhile(shape, now: t, view: view, occupancy: occupancy)
                    case .planner: run = nil
                    }
                    if run == nil { run = rules.asSoonAsPossible(shape, from: t, occupancy: occupancy) }
                    if let run { occupancy.hold(run, devices: shape.job.deviceCount) }
                    runs[j] = run
                }
                if !arrivals.isEmpty { replans += 1 }
            }
            if let progress, t * 100 / max(1, scenario.steps) != lastReport {
                lastReport = t * 100 / max(1, scenario.steps)
                progress(Double(t) / Double(scenario.steps))
            }
            if next >= shapes.count && pending.isEmpty { break }
        }
        return (runs, replans)
    }

    /// Plans `batch` at step `t`: jobs not yet started are planned afresh, interruptible jobs under way
    /// for their remaining steps where they run, jobs under way that cannot be interrupted keep their run.
    /// Returns the jobs still to watch at the next re-plan (not finished, not locked).
    private func replan(_ batch: [Int], at t: Int, shapes: [JobShape], runs: inout [JobRun?], occupancy: inout Occupancy,
                        bridge: PlannerBridge, rules: Rules) -> [Int] {
        var requests: [PlannerBridge.Request] = []
        var keep: [Int] = []
        var previous: [Int: JobRun] = [:]  // what a job held before this re-plan
        for j in batch {
            let shape = shapes[j]
            guard let run = runs[j] else {
                requests.append(.init(index: j, shape: shape, remainder: nil))
                continue
            }
            let done = run.steps.filter { $0 < t }.count
            if done == run.steps.count { continue }  // finished
            previous[j] = run
            if done == 0 {
                occupancy.release(run, devices: shape.job.deviceCount)
                runs[j] = nil
                requests.append(.init(index: j, shape: shape, remainder: nil))
            } else if shape.job.interruptible && shape.job.maxChunks > 1 && !shape.job.servesWholeWindow {
                occupancy.release(run, devices: shape.job.deviceCount, from: t)
                let left = Double(run.steps.count - done - 1) + run.lastFraction
                runs[j] = JobRun(region: run.region, pool: run.pool, steps: Array(run.steps.prefix(done)), lastFraction: 1)
                requests.append(.init(index: j, shape: shape, remainder: (run.region, run.pool, left)))
            }  // else: under way and cannot be moved
        }
        let view = table.view(at: t, audit: options.audit)
        let planned = bridge.plan(requests, now: t, view: view, occupancy: occupancy)
        func commit(_ j: Int, _ run: JobRun, remainder: Bool, devices: Int) {
            occupancy.hold(run, devices: devices)
            if let done = runs[j], remainder {
                runs[j] = JobRun(region: done.region, pool: done.pool, steps: done.steps + run.steps, lastFraction: run.lastFraction)
            } else {
                runs[j] = run
            }
        }
        // What the planner placed holds its devices first; then the jobs it could not place run as soon
        // as there is room (and are late), or, with no room before the data ends, keep their earlier run.
        for (i, request) in requests.enumerated() {
            if let run = planned[i] { commit(request.index, run, remainder: request.remainder != nil, devices: request.shape.job.deviceCount) }
            keep.append(request.index)
        }
        for (i, request) in requests.enumerated() where planned[i] == nil {
            let j = request.index
            let devices = request.shape.job.deviceCount
            let shape = request.remainder.map { JobShape(remainderOf: request.shape, region: $0.region, pool: $0.pool, stepsExact: $0.stepsExact) } ?? request.shape
            if let run = rules.asSoonAsPossible(shape, from: t, occupancy: occupancy) {
                commit(j, run, remainder: request.remainder != nil, devices: devices)
            } else if let old = previous[j] {
                if let done = runs[j] { occupancy.release(done, devices: devices) }
                runs[j] = nil
                commit(j, old, remainder: false, devices: devices)
            }
        }
        return keep
    }

    /// One policy, accounted.
    public func run(_ policy: SimulationPolicy, progress: ((Double) -> Void)? = nil) -> PolicyResult {
        let clock = ContinuousClock()
        let started = clock.now
        let (runs, replans) = runs(policy, progress: progress)
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Accounting(scenario: scenario).result(policy: policy, runs: runs, replans: replans, seconds: seconds)
    }
}

extension JobShape {
    /// The rest of an interruptible job under way: `stepsExact` steps in one (region, pool).
    init(remainderOf shape: JobShape, region: Int, pool: Int, stepsExact: Double) {
        let n = max(1, Int((stepsExact - 1e-9).rounded(.up)))
        self.init(job: shape.job, releaseStep: shape.releaseStep, deadlineStep: shape.deadlineStep,
                  options: [(region, pool, n, stepsExact - Double(n - 1))])
    }
}
