import GridwiseCore

/// Options that bound the planner's effort; the same options and input always give the same plan.
public struct PlannerOptions: Sendable {
    /// Branch-and-bound nodes before the planner settles for its best plan so far.
    public var nodeLimit: Int
    /// Local-search passes over all jobs.
    public var maxPasses: Int
    /// Above this many chunked schedules per pool, interruptible jobs use dynamic programming instead of listing them all.
    public var enumerationLimit: Int

    public init(nodeLimit: Int = 200_000, maxPasses: Int = 50, enumerationLimit: Int = 4096) {
        self.nodeLimit = nodeLimit
        self.maxPasses = maxPasses
        self.enumerationLimit = enumerationLimit
    }
}

/// Places every job in a region, a pool and hours, minimising the policy's objective under capacity,
/// windows, SLOs and region rules, and states how close the plan is to optimal.
///
/// ```swift
/// let plan = Planner.plan(problem, inputs: inputs, generatedBy: "gridwise 0.1.0")
/// print(plan.savings.carbonFraction, plan.optimality.gap)
/// ```
public enum Planner {
    public static func plan(_ problem: PlanningProblem, inputs: PlanInputs, generatedBy: String, options: PlannerOptions = PlannerOptions()) -> Plan {
        let compiled = CompiledProblem(problem, policy: problem.policy)
        let unit = CostModel(compiled: compiled, weights: problem.policy.weights, normalisers: .init())
        let baseline = BaselinePlanner.plan(compiled)
        let baselineMetrics = baseline.placements.map { unit.metrics(job: $0.job, option: $0.option, slots: $0.slots, chunks: 1) }
        let normalisers = normalisers(from: baselineMetrics)
        let model = CostModel(compiled: compiled, weights: problem.policy.weights, normalisers: normalisers)
        var generator = CandidateGenerator(model: model)
        generator.enumerationLimit = options.enumerationLimit

        var search = Search(compiled: compiled, generator: generator)
        search.greedy()
        search.improve(maxPasses: options.maxPasses)
        let finished = search.branchAndBound(nodeLimit: options.nodeLimit)
        let complete = search.sets.allSatisfy(\.complete)

        let builder = PlanBuilder(compiled: compiled)
        let placed = search.assignment.compactMap { $0 }
        let objective = placed.reduce(0) { $0 + $1.objective }
        let relaxed = placed.reduce(0) { $0 + search.sets[$1.job].relaxedMinimum }
        // Optimal when branch and bound searched every schedule, or when the relaxation bound meets the plan.
        let optimal = (finished && complete) || relaxed >= objective - 1e-12 * max(1, abs(objective))
        let bound = optimal ? objective : min(relaxed, objective)
        let optimality = Optimality(
            objective: objective, lowerBound: bound, gap: gap(objective: objective, bound: bound),
            status: optimal ? "optimal" : "heuristic",
            method: finished && complete
                ? "branch and bound over every feasible schedule finished: the plan is optimal for the jobs it places"
                : optimal ? "every placed job has its best schedule with capacity ignored (the capacity relaxation), so no plan of these jobs can do better" : "lower bound: each placed job's best schedule with capacity ignored (capacity relaxation); branch and bound \(finished ? "finished over the listed schedules" : "stopped at \(options.nodeLimit) nodes")",
            normalisers: normalisers.asDictionary)

        let planPlacements = placed.sorted { $0.job < $1.job }.map { builder.placement(job: $0.job, option: search.option($0), slots: $0.slots, metrics: $0.metrics) }
        let unplaced = problem.jobs.indices.filter { search.assignment[$0] == nil }.map { j in
            UnplacedJob(job: problem.jobs[j].id, reason: builder.unplacedReason(job: j, hasCandidates: !search.sets[j].list.isEmpty))
        }
        let baselinePlacements = zip(baseline.placements, baselineMetrics).sorted { $0.0.job < $1.0.job }.map {
            builder.placement(job: $0.0.job, option: $0.0.option, slots: $0.0.slots, metrics: $0.1)
        }
        let baselineUnplaced = baseline.unplaced.map { UnplacedJob(job: problem.jobs[$0.job].id, reason: $0.reason) }
        let totals = PlanBuilder.totals(planPlacements)
        return Plan(
            generatedBy: generatedBy, policy: problem.policy.name, inputs: inputs, horizon: HorizonRecord(problem.horizon),
            currency: problem.signals.currency, placements: planPlacements, unplaced: unplaced, totals: totals,
            baseline: Baseline(rule: BaselinePlanner.rule, placements: baselinePlacements, unplaced: baselineUnplaced, totals: PlanBuilder.totals(baselinePlacements)),
            savings: PlanBuilder.savings(plan: planPlacements, baseline: baselinePlacements), optimality: optimality,
            carbonBudget: problem.policy.carbonBudgetKilograms.map { CarbonBudget(limitKg: $0, usedKg: totals.carbonKg) },
            signals: problem.signals.provenance)
    }

    static func normalisers(from metrics: [Metrics]) -> CostModel.Normalisers {
        func positive(_ v: Double) -> Double { v > 1e-9 ? v : 1 }
        return CostModel.Normalisers(
            carbonKilograms: positive(metrics.reduce(0) { $0 + $1.carbonKilograms }),
            cost: positive(abs(metrics.reduce(0) { $0 + $1.cost })),
            waterLitres: positive(metrics.reduce(0) { $0 + $1.waterLitres }),
            latencyMillisecondHours: positive(metrics.reduce(0) { $0 + $1.latencyMillisecondHours }),
            delayHours: positive(metrics.reduce(0) { $0 + $1.runningHours }))
    }

    static func gap(objective: Double, bound: Double) -> Double {
        let difference = max(0, objective - bound)
        return difference == 0 ? 0 : difference / max(abs(objective), 1e-12)
    }
}
