import GridwiseCore

/// One way a plan breaks its inputs.
public struct Violation: Sendable, Equatable, CustomStringConvertible {
    /// The job concerned, or nil for the plan as a whole.
    public var job: String?
    /// A short name for the rule: capacity, window, region-rule, totals, ...
    public var rule: String
    public var message: String

    public var description: String { (job.map { "\($0): " } ?? "") + "[\(rule)] " + message }
}

/// Verifies a plan against its inputs without the planner's code: re-derives every placement's
/// energy, carbon, cost, water, latency and delay from the job, the region and the hourly signals,
/// checks every constraint (windows, capacity in every hour, region rules, SLOs, chunking), and
/// re-adds the totals and savings.
///
/// ```swift
/// let violations = PlanChecker.check(plan, jobs: jobs, catalog: catalog, policy: policy, signals: signals)
/// ```
public enum PlanChecker {
    /// Relative tolerance for recomputed figures (plans are written with full double precision).
    static let tolerance = 1e-6

    public static func check(_ plan: Plan, jobs: [Job], catalog: RegionCatalog, policy: Policy, signals: GridSignals) -> [Violation] {
        var v: [Violation] = []
        let horizon = signals.horizon
        if plan.policy != policy.name {
            v.append(Violation(job: nil, rule: "inputs", message: "the plan was made under policy '\(plan.policy)', the inputs give '\(policy.name)'"))
        }
        if plan.horizon.start != horizon.start.iso8601 || plan.horizon.hours != horizon.hours {
            v.append(Violation(job: nil, rule: "inputs", message: "the plan's horizon \(plan.horizon.start) + \(plan.horizon.hours) h differs from the inputs' \(horizon.start) + \(horizon.hours) h"))
        }
        if plan.currency != signals.currency {
            v.append(Violation(job: nil, rule: "inputs", message: "the plan's currency \(plan.currency) differs from the signals' \(signals.currency)"))
        }

        // Every job once: placed or listed unplaced.
        let jobsByID = Dictionary(jobs.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var seen: [String: Int] = [:]
        for id in plan.placements.map(\.job) + plan.unplaced.map(\.job) { seen[id, default: 0] += 1 }
        for (id, count) in seen.sorted(by: { $0.key < $1.key }) {
            if jobsByID[id] == nil { v.append(Violation(job: id, rule: "jobs", message: "the plan names a job the job plan does not have")) }
            if count > 1 { v.append(Violation(job: id, rule: "jobs", message: "the job appears \(count) times among placements and unplaced jobs; expected once")) }
        }
        for job in jobs where seen[job.id] == nil {
            v.append(Violation(job: job.id, rule: "jobs", message: "the job is neither placed nor listed as unplaced"))
        }

        var planUsage = Usage()
        for p in plan.placements {
            v += verify(p, jobsByID: jobsByID, catalog: catalog, policy: policy, signals: signals, usage: &planUsage, isBaseline: false)
        }
        v += planUsage.overloads(catalog: catalog, horizon: horizon, label: "plan")

        var baselineUsage = Usage()
        let neutral = Policy(name: "baseline", weights: ObjectiveWeights(carbon: 1), enforceLatencySLO: true)
        for p in plan.baseline.placements {
            v += verify(p, jobsByID: jobsByID, catalog: catalog, policy: neutral, signals: signals, usage: &baselineUsage, isBaseline: true)
        }
        v += baselineUsage.overloads(catalog: catalog, horizon: horizon, label: "baseline")

        v += compareTotals(plan.totals, sum(plan.placements), label: "totals")
        v += compareTotals(plan.baseline.totals, sum(plan.baseline.placements), label: "baseline totals")
        v += checkSavings(plan)

        if let budget = policy.carbonBudgetKilograms {
            let used = plan.placements.reduce(0) { $0 + $1.carbonKg }
            if plan.carbonBudget == nil || !close(plan.carbonBudget!.limitKg, budget) || plan.carbonBudget!.exceeded != (used > budget) {
                v.append(Violation(job: nil, rule: "budget", message: "the policy's carbon budget is \(budget) kg and the plan uses \(used) kg; the plan's budget record does not say so"))
            }
        }
        let o = plan.optimality
        if o.lowerBound > o.objective + tolerance * max(1, abs(o.objective)) {
            v.append(Violation(job: nil, rule: "bound", message: "lower bound \(o.lowerBound) is above the objective \(o.objective)"))
        }
        return v
    }

    /// Devices held per (region, pool type, hour index).
    struct Usage {
        var devices: [String: [Int: Int]] = [:]
        mutating func hold(region: String, pool: String, hour: Int, count: Int) { devices["\(region)\u{1}\(pool)", default: [:]][hour, default: 0] += count }

        func overloads(catalog: RegionCatalog, horizon: PlanningHorizon, label: String) -> [Violation] {
            var out: [Violation] = []
            for key in devices.keys.sorted() {
                let parts = key.split(separator: "\u{1}").map(String.init)
                guard let pool = catalog.region(named: parts[0])?.pools.first(where: { $0.type == parts[1] }) else { continue }
                for (hour, used) in devices[key]!.sorted(by: { $0.key < $1.key }) {
                    // Reserved devices: every reservation that overlaps this hour at all.
                    let from = horizon.start.adding(hours: hour), to = horizon.start.adding(hours: hour + 1)
                    let reserved = pool.reservations.filter { $0.start < to && $0.end > from }.reduce(0) { $0 + $1.devices }
                    let free = max(0, pool.count - reserved)
                    guard used > free else { continue }
                    let why = reserved > 0 ? "the pool has \(pool.count), \(reserved) of them reserved then" : "the pool has \(pool.count)"
                    out.append(Violation(job: nil, rule: "capacity", message: "\(label): \(parts[0]) \(parts[1]) holds \(used) devices at \(from); \(why)"))
                }
            }
            return out
        }
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= tolerance * max(1, abs(a), abs(b)) }

    static func verify(_ p: Placement, jobsByID: [String: Job], catalog: RegionCatalog, policy: Policy, signals: GridSignals, usage: inout Usage, isBaseline: Bool) -> [Violation] {
        var v: [Violation] = []
        func fail(_ rule: String, _ message: String) { v.append(Violation(job: p.job, rule: rule, message: (isBaseline ? "baseline: " : "") + message)) }
        guard let job = jobsByID[p.job] else { return v }
        guard let region = catalog.region(named: p.region) else {
            fail("region", "placed in unknown region '\(p.region)'")
            return v
        }
        guard let pool = region.pools.first(where: { $0.type == p.pool }) else {
            fail("pool", "placed on pool '\(p.pool)', which region \(region.name) does not have")
            return v
        }
        if !job.deviceTypes.isEmpty && !job.deviceTypes.contains(pool.type) { fail("pool", "pool \(pool.type) is not among the job's device types \(job.deviceTypes)") }
        if p.devices != job.deviceCount { fail("devices", "holds \(p.devices) devices; the job needs \(job.deviceCount)") }
        if job.deviceCount > pool.count { fail("capacity", "needs \(job.deviceCount) devices; pool \(pool.type) in \(region.name) has \(pool.count)") }

        // Region rules, written out again here rather than shared with the planner.
        if let allowed = job.allowedRegions, !allowed.contains(region.name) { fail("region-rule", "\(region.name) is not among the job's allowed regions") }
        if job.forbiddenRegions.contains(region.name) { fail("region-rule", "\(region.name) is a forbidden region for the job") }
        for rule in policy.regionRules where rule.kinds.isEmpty || rule.kinds.contains(job.kind) {
            if !rule.requireTags.allSatisfy(region.tags.contains) { fail("region-rule", "policy rule requires tags \(rule.requireTags) for \(job.kind.rawValue); \(region.name) has \(region.tags)") }
            if rule.denyTags.contains(where: region.tags.contains) { fail("region-rule", "policy rule denies tags \(rule.denyTags) for \(job.kind.rawValue); \(region.name) has \(region.tags)") }
            if let allow = rule.allowRegions, !allow.contains(region.name) { fail("region-rule", "policy rule allows only \(allow) for \(job.kind.rawValue)") }
            if rule.denyRegions.contains(region.name) { fail("region-rule", "policy rule denies \(region.name) for \(job.kind.rawValue)") }
        }
        let latency = job.population.flatMap { region.latencyMilliseconds[$0] }
        if policy.enforceLatencySLO, let slo = job.latencySLOMilliseconds {
            if let latency { if latency > slo { fail("slo", "latency \(latency) ms to \(job.population!) exceeds the SLO of \(slo) ms") } } else { fail("slo", "no latency figure from \(region.name) to \(job.population!); the SLO cannot hold") }
        }
        if !close(p.latencyMs ?? -1, latency ?? -1) { fail("latency", "states latency \(p.latencyMs.map { "\($0)" } ?? "none"); the catalog gives \(latency.map { "\($0)" } ?? "none")") }

        // Chunks: whole hours inside the horizon, in order, apart.
        let horizon = signals.horizon
        var hours: [Int] = []
        var runs = 0
        var previousEnd: Instant? = nil
        if p.chunks.isEmpty { fail("chunks", "the placement has no chunks") }
        for c in p.chunks {
            guard let start = try? Instant.parse(c.start), let end = try? Instant.parse(c.end) else {
                fail("chunks", "chunk \(c.start) to \(c.end) is not a pair of timestamps")
                return v
            }
            guard start.isOnTheHour, end.isOnTheHour, end > start, start >= horizon.start, end <= horizon.end else {
                fail("chunks", "chunk \(c.start) to \(c.end) is not whole hours inside the horizon \(horizon.start) to \(horizon.end)")
                return v
            }
            if let previousEnd, start < previousEnd { fail("chunks", "chunk starting \(c.start) overlaps or precedes the one before") }
            if previousEnd != start { runs += 1 }
            previousEnd = end
            let first = Int((start.secondsSinceEpoch - horizon.start.secondsSinceEpoch) / 3600)
            let count = Int((end.secondsSinceEpoch - start.secondsSinceEpoch) / 3600)
            hours += Array(first..<(first + count))
        }
        let splittable = job.interruptible && policy.allowSplitting && !isBaseline
        if runs > 1 && !splittable { fail("chunks", "split into \(runs) runs, but the job (or the policy) does not allow interruption") }
        if runs > job.maxChunks && splittable { fail("chunks", "split into \(runs) runs; the job allows at most \(job.maxChunks)") }

        // Running time: work over speed, plus the overhead of each resume, in whole hours.
        var needed: Double
        switch job.work {
        case .referenceHours(let h): needed = h / pool.relativeSpeed
        case .fixedHours(let h): needed = h
        }
        needed += Double(max(0, runs - 1)) * job.checkpointOverheadHours
        let slotsNeeded = Int((needed - 1e-9).rounded(.up))
        if hours.count != slotsNeeded { fail("runtime", "holds \(hours.count) hours; running \(formatNumber(needed, decimals: 3)) h in \(runs) run(s) needs \(slotsNeeded)") }
        if !close(p.runningHours, needed) { fail("runtime", "states \(p.runningHours) running hours; the inputs give \(needed)") }

        // Window.
        if let first = hours.first, horizon.start.adding(hours: first) < job.release { fail("window", "starts \(horizon.start.adding(hours: first)), before the release \(job.release)") }
        let partial = needed - Double(max(hours.count - 1, 0))
        let finish = horizon.start.adding(seconds: Int64(((Double(hours.last ?? 0) + partial) * 3600).rounded()))
        if p.finish != finish.iso8601 { fail("finish", "states finish \(p.finish); the chunks and running time give \(finish.iso8601)") }
        if finish > job.deadline && !isBaseline { fail("window", "finishes \(finish), after the deadline \(job.deadline)") }
        if p.missesDeadline != (finish > job.deadline) { fail("window", "misses_deadline is \(p.missesDeadline) but the finish \(finish) and deadline \(job.deadline) say otherwise") }
        if job.kind == .onlineInference, p.chunks.first?.start != job.release.iso8601 { fail("window", "online inference must serve from its release \(job.release)") }

        // Figures, hour by hour from the signals.
        guard let carbon = signals.carbon[region.carbonZone], let price = signals.price[region.priceZone] else {
            fail("signals", "no signals for zone \(region.carbonZone) or \(region.priceZone)")
            return v
        }
        var energy = 0.0, kg = 0.0, money = 0.0, water = 0.0
        for (i, hour) in hours.enumerated() {
            let used = i == hours.count - 1 ? partial : 1
            let itKwh = Double(job.deviceCount) * pool.powerKilowattsPerDevice * used
            let facilityKwh = itKwh * region.powerUsageEffectiveness
            energy += facilityKwh
            kg += facilityKwh * carbon.values[hour] / 1000
            money += facilityKwh / 1000 * price.values[hour]
            water += itKwh * region.waterLitresPerKilowattHour
            usage.hold(region: region.name, pool: pool.type, hour: hour, count: job.deviceCount)
        }
        let delay = max(0, finish.hours(since: job.release) - needed)
        for (name, stated, derived) in [("energy_kwh", p.energyKwh, energy), ("carbon_kg", p.carbonKg, kg), ("cost", p.cost, money), ("water_l", p.waterL, water), ("delay_hours", p.delayHours, delay)] where !close(stated, derived) {
            fail("figures", "states \(name) \(stated); the inputs give \(derived)")
        }
        return v
    }

    static func sum(_ placements: [Placement]) -> PlanTotals {
        let withLatency = placements.filter { $0.latencyMs != nil }
        let hours = withLatency.reduce(0) { $0 + $1.runningHours }
        return PlanTotals(
            jobsPlaced: placements.count, energyKwh: placements.reduce(0) { $0 + $1.energyKwh }, carbonKg: placements.reduce(0) { $0 + $1.carbonKg },
            cost: placements.reduce(0) { $0 + $1.cost }, waterL: placements.reduce(0) { $0 + $1.waterL }, delayHours: placements.reduce(0) { $0 + $1.delayHours },
            meanLatencyMs: hours > 0 ? withLatency.reduce(0) { $0 + $1.latencyMs! * $1.runningHours } / hours : nil,
            deadlineMisses: placements.filter(\.missesDeadline).count)
    }

    static func compareTotals(_ stated: PlanTotals, _ derived: PlanTotals, label: String) -> [Violation] {
        var v: [Violation] = []
        if stated.jobsPlaced != derived.jobsPlaced { v.append(Violation(job: nil, rule: "totals", message: "\(label): jobs_placed \(stated.jobsPlaced), but \(derived.jobsPlaced) placements")) }
        if stated.deadlineMisses != derived.deadlineMisses { v.append(Violation(job: nil, rule: "totals", message: "\(label): deadline_misses \(stated.deadlineMisses), but placements give \(derived.deadlineMisses)")) }
        for (name, a, b) in [("energy_kwh", stated.energyKwh, derived.energyKwh), ("carbon_kg", stated.carbonKg, derived.carbonKg), ("cost", stated.cost, derived.cost),
                             ("water_l", stated.waterL, derived.waterL), ("delay_hours", stated.delayHours, derived.delayHours), ("mean_latency_ms", stated.meanLatencyMs ?? -1, derived.meanLatencyMs ?? -1)]
        where !close(a, b) {
            v.append(Violation(job: nil, rule: "totals", message: "\(label): \(name) is \(a); the placements add up to \(b)"))
        }
        return v
    }

    static func checkSavings(_ plan: Plan) -> [Violation] {
        let common = Set(plan.placements.map(\.job)).intersection(plan.baseline.placements.map(\.job))
        let p = sum(plan.placements.filter { common.contains($0.job) })
        let b = sum(plan.baseline.placements.filter { common.contains($0.job) })
        let s = plan.savings
        var v: [Violation] = []
        if s.jobsCompared != common.count { v.append(Violation(job: nil, rule: "savings", message: "jobs_compared is \(s.jobsCompared); \(common.count) jobs are placed in both plan and baseline")) }
        func ratio(_ saved: Double, _ of: Double) -> Double { of == 0 ? 0 : saved / abs(of) }
        for (name, stated, derived) in [("carbon_kg", s.carbonKg, b.carbonKg - p.carbonKg), ("carbon_fraction", s.carbonFraction, ratio(b.carbonKg - p.carbonKg, b.carbonKg)),
                                        ("cost", s.cost, b.cost - p.cost), ("cost_fraction", s.costFraction, ratio(b.cost - p.cost, b.cost)),
                                        ("water_l", s.waterL, b.waterL - p.waterL), ("energy_kwh", s.energyKwh, b.energyKwh - p.energyKwh)]
        where !close(stated, derived) {
            v.append(Violation(job: nil, rule: "savings", message: "\(name) is \(stated); plan and baseline placements give \(derived)"))
        }
        return v
    }
}
