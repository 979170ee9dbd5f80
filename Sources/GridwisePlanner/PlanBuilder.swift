import GridwiseCore

/// Turns schedules into the plan's records: chunks as times, metrics in their units, totals, savings.
struct PlanBuilder {
    let compiled: CompiledProblem

    func placement(job j: Int, option: PoolOption, slots: [Int], metrics m: Metrics) -> Placement {
        let problem = compiled.problem
        let job = problem.jobs[j]
        let region = problem.catalog.regions[option.region]
        let horizon = problem.horizon
        let finish = horizon.start.adding(seconds: Int64((m.finishHour * 3600).rounded()))
        return Placement(
            job: job.id, region: region.name, pool: region.pools[option.pool].type, devices: job.deviceCount,
            chunks: horizon.timeRanges(slots).map { Chunk(start: $0.start, end: $0.end) },
            finish: finish.iso8601, runningHours: m.runningHours, energyKwh: m.energyKilowattHours, carbonKg: m.carbonKilograms, cost: m.cost,
            waterL: m.waterLitres, latencyMs: option.latencyMilliseconds, delayHours: m.delayHours, missesDeadline: finish > job.deadline)
    }

    func unplacedReason(job j: Int, hasCandidates: Bool) -> String {
        let problem = compiled.problem
        let job = problem.jobs[j]
        if !hasCandidates {
            let reasons = problem.catalog.regions.map { "\($0.name): \(Eligibility.exclusions(job: job, region: $0, policy: problem.policy, horizon: problem.horizon).joined(separator: "; "))" }
            return "no region can take it: " + reasons.joined(separator: " | ")
        }
        let regions = Set(compiled.options[j].map { problem.catalog.regions[$0.region].name }).sorted()
        return "capacity: in every hour of its window (\(compiled.problem.horizon.slotStart(compiled.windows[j].lowerBound)) to \(job.deadline)) the matching pools in \(regions.joined(separator: ", ")) are held by jobs of equal or higher priority"
    }

    static func totals(_ placements: [Placement]) -> PlanTotals {
        let latencyHours = placements.filter { $0.latencyMs != nil }.reduce(0) { $0 + $1.runningHours }
        let latencyWeighted = placements.reduce(0) { $0 + ($1.latencyMs ?? 0) * $1.runningHours }
        return PlanTotals(
            jobsPlaced: placements.count, energyKwh: placements.reduce(0) { $0 + $1.energyKwh }, carbonKg: placements.reduce(0) { $0 + $1.carbonKg },
            cost: placements.reduce(0) { $0 + $1.cost }, waterL: placements.reduce(0) { $0 + $1.waterL },
            delayHours: placements.reduce(0) { $0 + $1.delayHours }, meanLatencyMs: latencyHours > 0 ? latencyWeighted / latencyHours : nil,
            deadlineMisses: placements.filter(\.missesDeadline).count)
    }

    /// Savings over the jobs placed in both plan and baseline.
    static func savings(plan: [Placement], baseline: [Placement]) -> Savings {
        let common = Set(plan.map(\.job)).intersection(baseline.map(\.job))
        let p = totals(plan.filter { common.contains($0.job) })
        let b = totals(baseline.filter { common.contains($0.job) })
        func fraction(_ saved: Double, _ of: Double) -> Double { of == 0 ? 0 : saved / abs(of) }
        return Savings(
            jobsCompared: common.count, carbonKg: b.carbonKg - p.carbonKg, carbonFraction: fraction(b.carbonKg - p.carbonKg, b.carbonKg),
            cost: b.cost - p.cost, costFraction: fraction(b.cost - p.cost, b.cost), waterL: b.waterL - p.waterL,
            waterFraction: fraction(b.waterL - p.waterL, b.waterL), energyKwh: b.energyKwh - p.energyKwh,
            energyFraction: fraction(b.energyKwh - p.energyKwh, b.energyKwh))
    }
}
