import Dispatch
import GridwiseCore

/// Options that bound the planner's effort. The same options and input give the same plan, except that
/// a `timeLimit` that is reached stops the search wherever it has got to.
public struct PlannerOptions: Sendable {
    /// Branch-and-bound nodes before the planner settles for its best plan so far (small instances only).
    public var nodeLimit: Int
    /// Local-search passes over all jobs.
    public var maxPasses: Int
    /// Above this many chunked schedules per pool, interruptible jobs use dynamic programming instead of listing them all.
    public var enumerationLimit: Int
    /// Subgradient steps of the Lagrangian bound (nil: the planner's choice for the instance, see
    /// `Planner.ascentSettings`).
    public var boundIterations: Int?
    /// Stop once the gap to the bound is at most this fraction (0: search to the other limits).
    public var targetGap: Double
    /// Wall-clock seconds after which the planner returns its best plan so far, with its bound and gap.
    public var timeLimit: Double?
    /// Up to this many schedules in all (jobs x options x starts), the planner also lists every schedule
    /// and runs branch and bound, which proves optimality when it finishes.
    public var exactSearchLimit: Int
    /// Moves of each large-neighbourhood search, in one round (nil: the planner's default for the instance's
    /// size, in rounds while they improve the plan; 0: no search).
    public var neighbourhoodMoves: Int?
    /// On instances of 51 to 250 jobs, restarts with each of this many of the largest jobs kept off the
    /// resource it holds (see `Planner.restrictedRestarts`), then with each of this many held where the
    /// relaxation's prices put it, twice, by the best bound's prices and by the search's (see
    /// `Planner.heldRestarts`); 0: none. They multiply the planning time by about twenty there (two to three
    /// times the time of the chains that keep jobs off resources alone; BENCHMARKS.md, session 9), so
    /// simulations, which re-plan at every arrival, leave them out.
    public var restarts: Int
    /// Where each restart's search sets out from (see `RestartStart`).
    public var restartFrom: RestartStart

    public init(nodeLimit: Int = 200_000, maxPasses: Int = 50, enumerationLimit: Int = 4096, boundIterations: Int? = nil,
                targetGap: Double = 0, timeLimit: Double? = nil, exactSearchLimit: Int = 250_000, neighbourhoodMoves: Int? = nil, restarts: Int = 6,
                restartFrom: RestartStart = .both) {
        self.nodeLimit = nodeLimit
        self.maxPasses = maxPasses
        self.enumerationLimit = enumerationLimit
        self.boundIterations = boundIterations
        self.targetGap = targetGap
        self.timeLimit = timeLimit
        self.exactSearchLimit = exactSearchLimit
        self.neighbourhoodMoves = neighbourhoodMoves
        self.restarts = restarts
        self.restartFrom = restartFrom
    }
}

/// Where a restart (`Planner.restrictedRestarts`) plans the problem without the large job's resource from.
/// Neither is better on every instance, and the one that wins is better by up to 0.9 % (BENCHMARKS.md,
/// "restarts from the plan"), so `both` (the default) runs the two chains of restarts one after the other
/// and keeps the better plan, in twice the time of one.
public enum RestartStart: String, Sendable, CaseIterable {
    /// From scratch: a first plan, plain steps, the guided plan, the search (on thirteen of the
    /// benchmark's 100-200-job instances, 0.03 % from the better of the two on average, against 0.11 %).
    case scratch
    /// From the best plan so far, with the large job placed again off its resource: closer to where the
    /// search has been (on the three 100-job instances with a proven optimum, within 0.01 % of it).
    case plan
    /// Both chains, the better plan kept (ties: from scratch). The default: the three 100-job instances
    /// with a proven optimum end within 0.01 % of it, in about the time one chain took before the search
    /// held its problem by reference (BENCHMARKS.md, "restarts from both starts by default").
    case both
}

/// Places every job in a region, a pool and hours, minimising the policy's objective under capacity,
/// windows, SLOs and region rules, and states how close the plan is to optimal.
///
/// The steps: a greedy plan and local search give a first plan; the Lagrangian relaxation of the
/// capacity constraints gives a lower bound and prices per device-hour; a greedy plan guided by those
/// prices, improved again, competes with the first (from deflected steps, two side by side: one by the
/// best prices, above 2,000 jobs placing the jobs by regret, one by the mean of the last steps'); up to
/// 2,000 jobs, a large-neighbourhood search (two seeded searches side by side, see `Neighbourhood`)
/// improves the better one; on small instances branch and bound over every schedule then proves
/// optimality or improves the plan; up to 2,000 jobs, conflict cliques priced beside the capacity raise the
/// bound, and a plan guided by both prices, searched again, competes with the plan; from 51 to 250 jobs,
/// restarts with a large job kept off the resource it holds, or held where the relaxation's prices put it,
/// compete last. The bound and gap are those of the final plan.
///
/// ```swift
/// let plan = Planner.plan(problem, inputs: inputs, generatedBy: "gridwise 0.1.0")
/// print(plan.savings.carbonFraction, plan.optimality.gap)
/// ```
public enum Planner {
    public static func plan(_ problem: PlanningProblem, inputs: PlanInputs, generatedBy: String, options: PlannerOptions = PlannerOptions()) -> Plan {
        let clock = ContinuousClock()
        let started = clock.now
        let stop: @Sendable () -> Bool = {
            guard let limit = options.timeLimit else { return false }
            let d = clock.now - started
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 >= limit
        }
        let (compiled, baseline, baselineMetrics, model) = prepare(problem)
        let normalisers = model.normalisers
        let generator = {
            var generator = CandidateGenerator(model: model)
            generator.enumerationLimit = options.enumerationLimit
            return generator
        }()
        let flat = FlatProblem(model: model, allowSplitting: problem.policy.allowSplitting)

        // 1. A first plan: greedy by the objective. Single-job moves by the objective could not improve it
        // (see `Placer.greedy`), so none are tried.
        var first = Placer(flat: flat, generator: generator)
        let order = first.order
        first.greedy(order: order, prices: nil)
        first.remembered = ChunkedMemo()  // its placing is done: the memory goes back
        var best = first

        // 4's effort: the search runs where it has moves to make and a job has something to make room for
        // (one job alone: single-job moves have already found its best place).
        let effort = options.neighbourhoodMoves.map { (moves: $0, rounds: 1) } ?? Self.neighbourhoodEffort(jobs: flat.jobCount)
        let searches = effort.moves > 0 && flat.jobCount > 1

        // 2. The bound, and prices that say which hours are contended.
        var relaxation = LagrangianRelaxation(flat: flat, included: best.placedMask)
        let settings = Self.ascentSettings(flat, searches: searches)
        var ascent = relaxation.ascend(upperBound: first.objective, iterations: options.boundIterations ?? settings.iterations, targetGap: options.targetGap,
                                       deflection: settings.deflection, shouldStop: stop)

        // The bound speaks only for the jobs a plan places: with any left out, the steps below run whatever
        // the gap says (a job left out by the greedy order may fit after a move).
        func open(_ plan: Placer) -> Bool {
            gap(objective: plan.objective, bound: ascent.bound) > options.targetGap || plan.placedMask.contains(false)
        }

        // 3. A plan guided by the prices, improved by single-job moves (see `guidedPlan`); the better of it
        // and the first stays. A guided plan depends on its prices more than they differ (BENCHMARKS.md), so
        // where it comes from deflected steps, a second one, from the mean of their last prices, runs beside
        // it on the other core, and the better of the two is kept (ties: the best-bound prices'). Where no
        // search follows (above 2,000 jobs), the best-bound prices' plan places the jobs by regret (see
        // `regretOrder`; below that, where the pair only competes with the search's plan, by size was better
        // on the 1,000-job benchmark, seed 3).
        func guidedPair(_ steps: LagrangianRelaxation.Result) -> Placer {
            var guided = [Placer?](repeating: nil, count: 2)
            let prices = [steps.lambda, steps.averaged]
            let byRegret = searches ? nil : Self.regretOrder(flat: flat, generator: generator, priced: Self.priced(steps.lambda, share: 1))
            guided.withUnsafeMutableBufferPointer { buffer in
                nonisolated(unsafe) let out = buffer
                DispatchQueue.concurrentPerform(iterations: 2) { i in
                    out[i] = Self.guidedPlan(flat: flat, generator: generator, order: order, greedyOrder: i == 0 ? byRegret : nil, prices: prices[i], pricedMoves: true,
                                             maxPasses: options.maxPasses, shouldStop: stop)
                }
            }
            return isBetter(guided[1]!, than: guided[0]!) ? guided[1]! : guided[0]!
        }
        if open(best), !stop() {
            // Where the search follows, it starts from the plan guided by the plain steps' prices, without
            // priced moves (measured better).
            let guided = searches
                ? Self.guidedPlan(flat: flat, generator: generator, order: order, prices: ascent.lambda, pricedMoves: false, maxPasses: options.maxPasses, shouldStop: stop)
                : guidedPair(ascent)
            if isBetter(guided, than: best) { best = guided }
        }
        // 3b. Asked for a gap the plan has not reached, where no search follows (above 2,000 jobs): the steps
        // go on from where they stopped and guide another pair, while the gap is open, the steps still move
        // and time is left. Better-settled prices guide better plans (BENCHMARKS.md: at 10,000 jobs, 320
        // steps against 160 gave a better plan on all eight seeds).
        if !searches, options.targetGap > 0 {
            var rounds = 0
            while open(best), !ascent.state.finished, rounds < Self.targetGapRounds, !stop() {
                ascent = relaxation.ascend(upperBound: first.objective, iterations: options.boundIterations ?? settings.iterations, targetGap: options.targetGap,
                                           deflection: settings.deflection, resuming: ascent, shouldStop: stop)
                let guided = guidedPair(ascent)
                if isBetter(guided, than: best) { best = guided }
                rounds += 1
            }
        }
        // 3c. Still open: ruin and recreate by regret at the mean prices (see `recreated`).
        if !searches, options.targetGap > 0, open(best), !stop() {
            best = Self.recreated(best, prices: ascent.averaged, order: order, maxPasses: options.maxPasses, open: open, shouldStop: stop)
        }
        // Where the search follows (up to 2,000 jobs), the bound's steps above are plain ones, whose prices
        // the search was measured best with; deflected steps, cheap at this size, then give the guided pair
        // above, which competes with the search's plan, and often a higher bound, which is kept. So the plan
        // is never worse than the same input's without the search.
        let searchPrices = ascent.lambda
        var alternative: Placer? = nil
        var steps = "\(ascent.iterations) \(settings.deflection > 0 ? "deflected " : "")subgradient steps"
        if searches, open(best), !stop() {
            let deflected = relaxation.ascend(upperBound: first.objective, iterations: options.boundIterations ?? Self.deflectedSteps, targetGap: options.targetGap,
                                              deflection: Self.deflection, shouldStop: stop)
            alternative = guidedPair(deflected)
            steps = "\(ascent.iterations) plain and \(deflected.iterations) deflected subgradient steps"
            if deflected.bound > ascent.bound { ascent = deflected }
        }

        // 4. Large-neighbourhood search from the best plan so far, two seeded searches side by side.
        if searches, open(best), !stop() {
            let found = Neighbourhood(placer: best, prices: searchPrices).search(from: best, moves: effort.moves, rounds: effort.rounds, seeds: [1, 2], shouldStop: stop)
            if isBetter(found.plan, than: best) { best = found.plan }
        }
        if let alternative, isBetter(alternative, than: best) { best = alternative }

        // 5. Small instances: every schedule listed, branch and bound from the best plan so far.
        func candidates(_ plan: Placer) -> [Candidate?] {
            plan.assignment.enumerated().map { j, a in
                a.option < 0 ? nil : generator.make(j, option: Int(flat.options[a.option].index), slots: a.slots, chunks: a.chunks)
            }
        }
        var assignment = candidates(best)
        var exact: (finished: Bool, complete: Bool, relaxed: [Double])? = nil
        // The bound speaks only for the jobs placed, so with any left out the search runs regardless.
        var closed = gap(objective: best.objective, bound: ascent.bound) <= options.targetGap && best.placedMask.allSatisfy { $0 }
        let searchable = schedulesCount(flat, enumerationLimit: options.enumerationLimit) <= options.exactSearchLimit
        // The ascent bounds chunked schedules by their last-hour bound; solved exactly (where few), the bound
        // may already meet the plan, and then listing every schedule cannot improve it (one job: `place`).
        // Step 6 reuses the value when the plan places the same jobs.
        var sharpened: (mask: [Bool], value: Double)? = nil
        if searchable, !closed, best.placedMask.allSatisfy({ $0 }), (1...Self.exactChunkLimit).contains(Self.chunkedOptions(flat, best.placedMask)), !stop() {
            var sharper = LagrangianRelaxation(flat: flat, included: best.placedMask)
            sharper.exactChunks = generator
            let value = sharper.evaluate(ascent.lambda).value
            sharpened = (best.placedMask, value)
            if gap(objective: best.objective, bound: max(ascent.bound, value)) <= options.targetGap {
                ascent.bound = max(ascent.bound, value)
                closed = true
            }
        }
        if searchable, !closed, !stop() {
            var search = Search(compiled: compiled, generator: generator)
            for c in assignment.compactMap({ $0 }) { search.assign(c) }
            search.improve(maxPasses: options.maxPasses)
            let finished = search.branchAndBound(nodeLimit: options.nodeLimit, shouldStop: stop)
            if isBetter(search.assignment, than: assignment, compiled.problem.jobs) { assignment = search.assignment }
            exact = (finished, search.sets.allSatisfy(\.complete), search.sets.map(\.relaxedMinimum))
        }

        // 6. The bound for the jobs the final plan places.
        let placedMask = assignment.map { $0 != nil }
        // Interruptible jobs: their chunked schedules solved exactly at the final prices, where few enough.
        let chunkedOptions = Self.chunkedOptions(flat, placedMask)
        let exactChunks = chunkedOptions > 0 && chunkedOptions <= Self.exactChunkLimit && !stop()
        let ascentMask = relaxation.included
        // The capacity relaxation for the jobs of `mask`, their chunked schedules solved exactly where asked.
        func capacityRelaxation(for mask: [Bool], exactly: Bool) -> LagrangianRelaxation {
            var r = LagrangianRelaxation(flat: flat, included: mask)
            if exactly { r.exactChunks = generator }
            return r
        }
        if placedMask != ascentMask || exactChunks {
            relaxation = capacityRelaxation(for: placedMask, exactly: exactChunks)
            let zero = relaxation.evaluate(ascent.lambda.map { $0.map { _ in 0 } }).value
            let again = exactChunks && sharpened?.mask == placedMask ? sharpened!.value : relaxation.evaluate(ascent.lambda).value
            ascent.bound = max(placedMask == ascentMask ? ascent.bound : -.infinity, zero, again)
        }
        var placed = assignment.compactMap { $0 }
        var objective = placed.reduce(0) { $0 + $1.objective }
        var bound = ascent.bound
        // Steps 8 and 9: a plan found after the bound replaces the plan where it is better: more priority
        // placed (a restart may fit a job the plan leaves out), or the same at a lower objective. Where it
        // places other jobs, the bound is made again for them below (the bound so far speaks for the jobs
        // the plan placed).
        let boundMask = placedMask
        func adopt(_ plan: Placer) {
            let next = candidates(plan)
            guard isBetter(next, than: assignment, compiled.problem.jobs) else { return }
            assignment = next
            placed = assignment.compactMap { $0 }
            objective = placed.reduce(0) { $0 + $1.objective }
        }
        func chunkNote(exact: Bool) -> String {
            exact ? "; interruptible jobs' chunked schedules solved exactly at the final prices" : chunkedOptions > 0 ? "; interruptible jobs bounded by their last hour and the cheapest hours before it" : ""
        }
        var boundMethod = "Lagrangian relaxation of the capacity constraints (\(steps)\(chunkNote(exact: exactChunks)))"
        // With every schedule listed: each placed job's best with capacity ignored, where that is higher.
        func capacityIgnored() {
            guard let exact else { return }
            let relaxed = placed.reduce(0) { $0 + exact.relaxed[$1.job] }
            if relaxed > bound {
                bound = relaxed
                boundMethod = "each placed job's best schedule with capacity ignored (capacity relaxation)"
            }
        }
        capacityIgnored()
        // 7. Up to 2,000 jobs: the conflict cliques, priced beside the capacity, sharpen the bound (see
        // `cliqueAscent`).
        let provedBySearch = exact.map { $0.finished && $0.complete } ?? false
        if flat.jobCount > 1, flat.jobCount <= Self.cliqueJobLimit, gap(objective: objective, bound: bound) > options.targetGap, !stop() {
            let cut = relaxation.cliqueAscent(from: ascent.lambda, upperBound: objective, iterations: Self.cliqueSteps, targetGap: options.targetGap, shouldStop: stop)
            // 8. Where the search ran: a plan guided by the capacity and clique prices together, then a
            // search from it with a quarter of the moves (`cliqueSearchDivisor`), competes with the plan when
            // it places the same jobs (the bound above speaks for them). The clique prices say where large
            // jobs block others, which the capacity prices cannot (BENCHMARKS.md: 100 jobs, seed 3, +0.59 %
            // to +0.01 % of the optimum).
            if searches, cut.cliques > 0, !provedBySearch, gap(objective: objective, bound: max(bound, cut.bound)) > options.targetGap, !stop() {
                let plan = Self.cliqueGuidedPlan(relaxation, cut, generator: generator, order: order, maxPasses: options.maxPasses, shouldStop: stop)
                let found = Neighbourhood(placer: plan, prices: searchPrices).search(from: plan, moves: max(1, effort.moves / Self.cliqueSearchDivisor), rounds: effort.rounds, seeds: [1, 2], shouldStop: stop)
                adopt(found.plan)
            }
            if cut.bound > bound {
                bound = cut.bound
                let chunks = chunkNote(exact: cut.chunksSolvedExactly)
                boundMethod = cut.cliques > 0
                    ? "Lagrangian relaxation of the capacity constraints and of \(cut.cliques) conflict clique\(cut.cliques == 1 ? "" : "s") (\(steps), then \(cut.iterations) steps pricing both; relax and cut\(chunks))"
                    : "Lagrangian relaxation of the capacity constraints (\(steps), then \(cut.iterations) more\(chunks))"
            }
        }
        // 9. From 51 to 250 jobs, while the gap is open: restarts with a large job kept off the resource it
        // holds (see `restrictedRestarts`), then with a large job held where the relaxation's prices put it,
        // by the best bound's prices and then the search's (see `heldRestarts`). The bound above stays: it is
        // the whole problem's, for the same jobs.
        if searches, options.restarts > 0, Self.restartJobs.contains(flat.jobCount), !provedBySearch, gap(objective: objective, bound: bound) > options.targetGap, !stop() {
            let start = Self.placer(assignment, flat: flat, generator: generator)
            var restarted = start
            for fromPlan in options.restartFrom == .both ? [false, true] : [options.restartFrom == .plan] where !stop() {
                let chain = Self.restrictedRestarts(from: start, model: model, allowSplitting: problem.policy.allowSplitting, generator: generator,
                                                    effort: effort, options: options, fromPlan: fromPlan, shouldStop: stop)
                if isBetter(chain, than: restarted) { restarted = chain }
            }
            for prices in [ascent.lambda, searchPrices] where !stop() {
                let held = Self.heldRestarts(from: restarted, prices: prices, model: model, allowSplitting: problem.policy.allowSplitting, generator: generator,
                                             effort: effort, options: options, shouldStop: stop)
                if isBetter(held, than: restarted) { restarted = held }
            }
            adopt(restarted)
        }
        // A plan adopted above that places other jobs: the capacity relaxation for its jobs, at the ascent's
        // best prices and at none (the cliques were priced for the jobs before; with listed schedules, their
        // best with capacity ignored too).
        if assignment.map({ $0 != nil }) != boundMask {
            let mask = assignment.map { $0 != nil }
            let chunked = Self.chunkedOptions(flat, mask)
            let exactly = chunked > 0 && chunked <= Self.exactChunkLimit
            let again = capacityRelaxation(for: mask, exactly: exactly)
            bound = max(again.evaluate(ascent.lambda.map { $0.map { _ in 0 } }).value, again.evaluate(ascent.lambda).value)
            boundMethod = "Lagrangian relaxation of the capacity constraints (\(steps)\(chunkNote(exact: exactly)); made again for the final plan's jobs)"
            capacityIgnored()
        }
        let optimal = provedBySearch || bound >= objective - 1e-12 * max(1, abs(objective))
        if optimal { bound = objective }
        let stopped = stop() ? "; stopped at the time limit of \(formatShort(options.timeLimit ?? 0)) s" : ""
        let optimality = Optimality(
            objective: objective, lowerBound: bound, gap: gap(objective: objective, bound: bound),
            status: optimal ? "optimal" : "heuristic",
            method: provedBySearch
                ? "branch and bound over every feasible schedule finished: the plan is optimal for the jobs it places"
                : optimal ? "the lower bound (\(boundMethod)) meets the plan, so no plan of these jobs can do better" : "lower bound: \(boundMethod)" + (exact.map { $0.finished ? "; branch and bound finished over the listed schedules" : "; branch and bound stopped at \(options.nodeLimit) nodes" } ?? "") + stopped,
            normalisers: normalisers.asDictionary)

        let builder = PlanBuilder(compiled: compiled)
        // The plan's records and the baseline's, side by side on the two cores (each the same either way).
        let placedByJob = placed.sorted { $0.job < $1.job }
        let records = concurrentMap(2) { i in
            i == 0
                ? placedByJob.map { builder.placement(job: $0.job, option: compiled.options[$0.job][$0.option], slots: $0.slots, metrics: $0.metrics) }
                : zip(baseline.placements, baselineMetrics).sorted { $0.0.job < $1.0.job }.map { builder.placement(job: $0.0.job, option: $0.0.option, slots: $0.0.slots, metrics: $0.1) }
        }
        let planPlacements = records[0], baselinePlacements = records[1]
        let unplaced = problem.jobs.indices.filter { assignment[$0] == nil }.map { j in
            UnplacedJob(job: problem.jobs[j].id, reason: builder.unplacedReason(job: j, hasCandidates: !compiled.options[j].isEmpty))
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

    /// The bound's subgradient steps and deflection (see `LagrangianRelaxation.ascend`). Where the
    /// large-neighbourhood search follows, 120 plain steps: the search's plans, from the guided plan those
    /// prices give, were measured best so (BENCHMARKS.md: from plans guided by deflected prices it ended
    /// worse at 100 and 1,000 jobs); the deflected steps then run as well. Without the search, the guided
    /// plan is the plan, and it is better the better the prices: deflected steps only, 120 above 20,000 jobs
    /// (100,000 jobs within 10 s), and up to that 320 where every job runs in one piece, else 160. At 10,000
    /// jobs, seeds 1-8, 320 steps gave a better plan than 160 on every seed, in less time than 160 took
    /// before steps priced again only the options that could win (further steps change little: the step
    /// scale reaches its floor); with 30 % of the jobs interruptible, whose schedules of several pieces are
    /// priced whole every step, 320 took longer and gave worse plans on seeds 1 and 2 (BENCHMARKS.md).
    static func ascentSettings(_ flat: FlatProblem, searches: Bool) -> (iterations: Int, deflection: Double) {
        if searches { return (120, 0) }
        let chunked = flat.maxChunks.contains { $0 > 1 }
        return (flat.jobCount > 20_000 ? 120 : chunked ? deflectedSteps : settledSteps, deflection)
    }

    /// Restarts in which a large job may not use the resource it holds. The search settles in one deep
    /// local optimum whatever its seeds (100 jobs, seed 1: 0.70162 from seed pairs 1-2, 3-4, 5-6 and 7-8),
    /// while a better plan often has a large job on a dearer resource so that several smaller ones fit on
    /// the cheap one (there, 65 of the 100 jobs sit elsewhere in the optimum HiGHS proves, and two
    /// 64-device jobs are off the cheap resource they hold in Gridwise's plan). So, for each of the
    /// `options.restarts` largest jobs (devices x slots) placed in one piece, in turn: the problem without
    /// that job's options on the resource it holds in the best plan so far (nor those excluded by earlier
    /// restarts that were kept) is planned again by steps 1-4 (a first plan, plain steps, the guided plan,
    /// the search); the plan, feasible for the whole problem, is kept with its exclusion when it is better.
    /// The bound is not touched. Measured in BENCHMARKS.md ("restarts with a large job kept off its resource").
    /// With `fromPlan`, each restart sets out instead from the best plan so far on the restricted problem,
    /// the large job placed again at its best place left, then single-job moves and the search (no guided
    /// plan: the plan is already settled); its prices come from plain steps on that plan's jobs.
    static func restrictedRestarts(from start: Placer, model: CostModel, allowSplitting: Bool, generator: CandidateGenerator,
                                   effort: (moves: Int, rounds: Int), options: PlannerOptions, fromPlan: Bool = false,
                                   shouldStop: @escaping @Sendable () -> Bool) -> Placer {
        let flat = start.flat
        let large = largestInOnePiece(flat).prefix(options.restarts)
        var best = start
        var excluded: [Int: Set<Int>] = [:]
        for j in large where !shouldStop() {
            let held = best.assignment[j]
            guard held.option >= 0 else { continue }
            var trial = excluded
            trial[j, default: []].insert(Int(flat.options[held.option].resource))
            let restricted = FlatProblem(model: model, allowSplitting: allowSplitting, excluding: trial)
            guard restricted.optionStart[j + 1] > restricted.optionStart[j] else { continue }
            // The plan moved to the restricted problem leaves job j out: its option there is excluded.
            var first = fromPlan ? best.transferred(to: restricted) : Placer(flat: restricted, generator: generator)
            if fromPlan, let a = first.best(j) { first.assign(j, a) }
            let plan = replan(first, fromPlan: fromPlan, generator: generator, effort: effort, options: options, shouldStop: shouldStop).transferred(to: flat)
            if isBetter(plan, than: best) {
                best = plan
                excluded = trial
            }
        }
        return best
    }

    /// Steps 1-4 on a restricted problem: from scratch (`first` empty), a first plan, plain steps, the
    /// guided plan and the search; from a plan, single-job moves, plain steps for the search's prices and
    /// the search.
    private static func replan(_ first: Placer, fromPlan: Bool, generator: CandidateGenerator, effort: (moves: Int, rounds: Int), options: PlannerOptions,
                               shouldStop: @escaping @Sendable () -> Bool) -> Placer {
        var first = first
        let restricted = first.flat
        let order = first.order
        if fromPlan {
            first.improve(order: order, maxPasses: options.maxPasses, shouldStop: shouldStop)
        } else {
            first.greedy(order: order, prices: nil)  // settled for single-job moves (see `Placer.greedy`)
        }
        let relaxation = LagrangianRelaxation(flat: restricted, included: first.placedMask)
        let ascent = relaxation.ascend(upperBound: first.objective, iterations: options.boundIterations ?? ascentSettings(restricted, searches: true).iterations,
                                       targetGap: 0, deflection: 0, shouldStop: shouldStop)
        var from = first
        if !fromPlan {
            let guided = guidedPlan(flat: restricted, generator: generator, order: order, prices: ascent.lambda, pricedMoves: false, maxPasses: options.maxPasses, shouldStop: shouldStop)
            if isBetter(guided, than: first) { from = guided }
        }
        return Neighbourhood(placer: from, prices: ascent.lambda).search(from: from, moves: effort.moves, rounds: effort.rounds, seeds: [1, 2], shouldStop: shouldStop).plan
    }

    /// Restarts with a large job held where the relaxation puts it: for the largest jobs in one piece
    /// (devices x slots) whose best place under `prices` (resource and first slot, with capacity priced,
    /// not enforced) is not where the best plan so far has them, up to `options.restarts` of them in turn,
    /// the problem with that job held there (and those held by earlier restarts that were kept) is planned
    /// again from scratch by steps 1-4; the plan is kept with its hold when it is better. Where
    /// `restrictedRestarts` keeps a job off a resource, this also chooses its hours: the proven optimum of
    /// 200 jobs, seed 1 runs its largest job where the relaxation puts it (BENCHMARKS.md, session 9).
    static func heldRestarts(from start: Placer, prices: [[Double]], model: CostModel, allowSplitting: Bool, generator: CandidateGenerator,
                             effort: (moves: Int, rounds: Int), options: PlannerOptions, shouldStop: @escaping @Sendable () -> Bool) -> Placer {
        let flat = start.flat
        // Each job alone, capacity ignored, by its objective plus the prices: where the relaxation puts it.
        let alone = Placer(flat: flat, generator: generator, ignoresCapacity: true)
        let pricePrefix = prices.map(prefixSums)
        var best = start
        var holding: [Int: (resource: Int, start: Int)] = [:]
        var tried = 0
        for j in largestInOnePiece(flat) where tried < options.restarts && !shouldStop() {
            guard let priced = alone.best(j, prices: prices, pricePrefix: pricePrefix) else { continue }
            let place = (resource: Int(flat.options[priced.option].resource), start: priced.slots[0])
            let current = best.assignment[j]
            if current.option >= 0, Int(flat.options[current.option].resource) == place.resource, current.slots.first == place.start { continue }
            tried += 1
            var trial = holding
            trial[j] = place
            let restricted = FlatProblem(model: model, allowSplitting: allowSplitting, holding: trial)
            let plan = replan(Placer(flat: restricted, generator: generator), fromPlan: false, generator: generator, effort: effort, options: options, shouldStop: shouldStop)
                .transferred(to: flat)
            if isBetter(plan, than: best) {
                best = plan
                holding = trial
            }
        }
        return best
    }

    /// The jobs that run in one piece, largest first (devices x slots; ties: file order): those the restarts
    /// move.
    static func largestInOnePiece(_ flat: FlatProblem) -> [Int] {
        let footprint = (0..<flat.jobCount).map(flat.footprint)
        return (0..<flat.jobCount).filter { flat.maxChunks[$0] == 1 }.sorted { footprint[$0] != footprint[$1] ? footprint[$0] > footprint[$1] : $0 < $1 }
    }

    /// The listed schedules of `assignment` as the placer's plan on `flat`.
    static func placer(_ assignment: [Candidate?], flat: FlatProblem, generator: CandidateGenerator) -> Placer {
        var plan = Placer(flat: flat, generator: generator)
        for case let c? in assignment {
            guard let oi = flat.option(job: c.job, index: c.option) else { continue }
            plan.assign(c.job, Placer.Assigned(option: oi, chunks: c.chunks, slots: c.slots, objective: c.objective))
        }
        return plan
    }

    /// A greedy plan guided by `prices`, improved by single-job moves. With `pricedMoves`, the moves first
    /// go by the objective plus a share of the prices that fades out in steps, one pass over the jobs at each
    /// share (none where `maxPasses` is 0): the prices keep the contended hours for the jobs that need them
    /// most while the plan settles. Moves by the objective alone come last, until none improves, as a lower
    /// priced sum can still mean a higher objective.
    /// The greedy places the jobs by `greedyOrder` where given (`regretOrder`), else by `order`; the moves go by `order`.
    static func guidedPlan(flat: FlatProblem, generator: CandidateGenerator, order: [Int], greedyOrder: [Int]? = nil, prices: [[Double]], pricedMoves: Bool,
                           maxPasses: Int, shouldStop: () -> Bool) -> Placer {
        guidedPlan(flat: flat, generator: generator, order: order, greedyOrder: greedyOrder, pricedMoves: pricedMoves, maxPasses: maxPasses,
                   shouldStop: shouldStop) { share in
            let priced = Self.priced(prices, share: share)
            return { _ in priced }
        }
    }

    /// Jobs by priority (highest first), then by regret at `priced` with capacity ignored (largest first: the
    /// jobs that lose most on any other resource than their best; see `Placer.regret`), then file order. At the
    /// relaxation's prices many jobs are nearly indifferent between resources; placed first, by size, they
    /// fill the resources that others need. By regret, at 10,000 jobs, the plan guided by the best-bound
    /// prices is better on each of the benchmark's eight seeds (BENCHMARKS.md). The regrets are found on
    /// both cores, in fixed blocks of jobs (each job's alone, so the order is the same on any machine).
    static func regretOrder(flat: FlatProblem, generator: CandidateGenerator, priced: Placer.Priced) -> [Int] {
        let alone = Placer(flat: flat, generator: generator, ignoresCapacity: true)
        let regret = concurrentMap(flat.jobCount, blocks: LagrangianRelaxation.blocks) { alone.regret($0, priced: priced) }
        let jobs = flat.compiled.problem.jobs
        return (0..<flat.jobCount).sorted { a, b in
            if jobs[a].priority != jobs[b].priority { return jobs[a].priority > jobs[b].priority }
            return regret[a] != regret[b] ? regret[a] > regret[b] : a < b
        }
    }

    /// The same guided by the clique relaxation's prices (`cut`): each job pays its own prices (see
    /// `LagrangianRelaxation.ownPrices`); those in no priced clique share the capacity prices.
    static func cliqueGuidedPlan(_ relaxation: LagrangianRelaxation, _ cut: LagrangianRelaxation.CliqueResult, generator: CandidateGenerator, order: [Int],
                                 maxPasses: Int, shouldStop: () -> Bool) -> Placer {
        let flat = relaxation.flat
        let own = (0..<flat.jobCount).map { relaxation.ownPrices($0, lambda: cut.lambda, state: cut.state, share: 1) }
        return guidedPlan(flat: flat, generator: generator, order: order, pricedMoves: true, maxPasses: maxPasses, shouldStop: shouldStop) { share in
            let common = Self.priced(cut.lambda, share: share)
            return { j in own[j].map { Self.priced($0, share: share) } ?? common }
        }
    }

    /// `share` of `prices`, with their prefix sums, as the guided plan's moves read them.
    private static func priced(_ prices: [[Double]], share: Double) -> Placer.Priced {
        let scaled = share == 1 ? prices : prices.map { $0.map { $0 * share } }
        return Placer.Priced(scaled, scaled.map(prefixSums))
    }

    /// Shares of the jobs that `recreated` takes out (at 10,000 jobs: 5,000, 3,000, 1,000 and 300), each
    /// again while its round improves the plan, up to `recreatedRepeats` rounds (BENCHMARKS.md).
    static let recreatedShares = [0.5, 0.3, 0.1, 0.03]
    static let recreatedRepeats = 4

    /// Ruin and recreate by regret: each round takes out the jobs whose schedule costs most above their
    /// cheapest schedule at `prices` (capacity ignored), puts them back by priority and then most regret
    /// first, each at its cheapest priced place left, then makes the guided plan's moves (priced at fading
    /// shares, then by the objective alone). A round's plan is kept where it is better, and the next round
    /// starts from the best, with the regrets found again. Rounds stop once `open` says the gap is closed.
    static func recreated(_ start: Placer, prices: [[Double]], order: [Int], maxPasses: Int, open: (Placer) -> Bool, shouldStop: () -> Bool) -> Placer {
        let flat = start.flat
        let jobs = flat.compiled.problem.jobs
        let priced = Self.priced(prices, share: 1)
        func value(_ j: Int, _ a: Placer.Assigned) -> Double { start.pricedValue(j, a, prefix: priced.prefix) }
        let alone = Placer(flat: flat, generator: start.generator, ignoresCapacity: true)
        let cheapest = (0..<flat.jobCount).map { j in alone.best(j, prices: priced.prices, pricePrefix: priced.prefix).map { value(j, $0) } ?? .infinity }
        var best = start
        for share in recreatedShares {
            var improved = true
            for _ in 0..<recreatedRepeats where improved && open(best) && !shouldStop() {
                improved = false
                var plan = best
                // The jobs of most regret (a job left out has the most of all), put back by priority, then regret.
                let regret = (0..<flat.jobCount).map { j in plan.assignment[j].option >= 0 ? value(j, plan.assignment[j]) - cheapest[j] : .infinity }
                let byRegret = (0..<flat.jobCount).sorted { regret[$0] != regret[$1] ? regret[$0] > regret[$1] : $0 < $1 }
                let out = byRegret.prefix(max(1, Int(share * Double(flat.jobCount)))).sorted { a, b in
                    if jobs[a].priority != jobs[b].priority { return jobs[a].priority > jobs[b].priority }
                    return regret[a] != regret[b] ? regret[a] > regret[b] : a < b
                }
                for j in out { plan.unassign(j) }
                // Stopped part-way, the jobs not yet back stay out (a move may still place them); a plan
                // that places less is not kept.
                for j in out where !shouldStop() {
                    if let a = plan.bestRemembered(j, prices: priced.prices, pricePrefix: priced.prefix) { plan.assign(j, a) }
                }
                guidedMoves(&plan, order: order, pricedMoves: true, maxPasses: maxPasses, shouldStop: shouldStop) { share in
                    let p = Self.priced(prices, share: share)
                    return { _ in p }
                }
                if isBetter(plan, than: best) {
                    best = plan
                    improved = true
                }
            }
        }
        return best
    }

    /// The steps of both: `pricesAt(share)` gives each job's prices at that share of them.
    private static func guidedPlan(flat: FlatProblem, generator: CandidateGenerator, order: [Int], greedyOrder: [Int]? = nil, pricedMoves: Bool,
                                   maxPasses: Int, shouldStop: () -> Bool, pricesAt: (Double) -> (Int) -> Placer.Priced?) -> Placer {
        var guided = Placer(flat: flat, generator: generator)
        guided.greedy(order: greedyOrder ?? order, pricesFor: pricesAt(1))
        guidedMoves(&guided, order: order, pricedMoves: pricedMoves, maxPasses: maxPasses, shouldStop: shouldStop, pricesAt: pricesAt)
        return guided
    }

    /// The guided plan's moves: with `pricedMoves`, one pass at each share of the prices, fading; then moves
    /// by the objective alone.
    private static func guidedMoves(_ plan: inout Placer, order: [Int], pricedMoves: Bool, maxPasses: Int, shouldStop: () -> Bool,
                                    pricesAt: (Double) -> (Int) -> Placer.Priced?) {
        if pricedMoves {
            for share in priceShares where !shouldStop() {
                plan.improve(order: order, maxPasses: min(1, maxPasses), pricesFor: pricesAt(share), shouldStop: shouldStop)
            }
        }
        plan.improve(order: order, maxPasses: maxPasses, shouldStop: shouldStop)
        plan.remembered = ChunkedMemo()  // its moves are done: the memory goes back
    }

    /// Restarts (step 9, `restrictedRestarts`) run on instances of this many jobs. On the benchmark's 30-job
    /// (seeds 1-2) and 50-job (seeds 1-3) instances they changed no plan, for 5-10 s more; at 100-200 jobs
    /// they take 20-45 s (BENCHMARKS.md).
    static let restartJobs = 51...250

    /// Deflected steps beside the search (up to 2,000 jobs), and without it where jobs may be split.
    static let deflectedSteps = 160
    /// Deflected steps where no search follows, up to 20,000 jobs (see `ascentSettings`).
    static let settledSteps = 320
    /// Rounds of further steps (each as many as the first) that a target gap may ask for (step 3b).
    static let targetGapRounds = 8
    static let deflection = 0.5

    /// The shares of the relaxation's prices the guided plan's priced moves go through, one pass at each,
    /// before moves by the objective alone (BENCHMARKS.md: on the 10,000-job benchmark, seeds 1 to 8, the
    /// mean gap falls from 1.23 % with moves at half the prices until none improves to 1.17 %, lower on
    /// every seed, for 0.05 s more at the median).
    static let priceShares = [0.9, 0.75, 0.6, 0.45, 0.3, 0.15]

    /// More priority placed, or the same with a lower objective.
    static func isBetter(_ a: Placer, than b: Placer) -> Bool {
        let pa = a.placedPriority, pb = b.placedPriority
        if pa != pb { return pa > pb }
        return a.objective < b.objective - 1e-12 * max(1, abs(b.objective))
    }

    /// The same comparison for listed schedules.
    static func isBetter(_ a: [Candidate?], than b: [Candidate?], _ jobs: [Job]) -> Bool {
        func priority(_ x: [Candidate?]) -> Int { x.reduce(0) { $0 + ($1.map { jobs[$0.job].priority } ?? 0) } }
        func objective(_ x: [Candidate?]) -> Double { x.reduce(0) { $0 + ($1?.objective ?? 0) } }
        let pa = priority(a), pb = priority(b)
        if pa != pb { return pa > pb }
        return objective(a) < objective(b) - 1e-12 * max(1, abs(objective(b)))
    }

    /// The large-neighbourhood search's effort when the options leave it to the planner: rounds of 200
    /// moves per job (at most 10^8 / jobs: a move costs more the more jobs share a resource), doubling
    /// while a round improves the plan, up to 5 rounds, and starting again while moves are left: at most
    /// 2 x 10^8 / jobs moves in all, which each search spends above 24 jobs (see `Neighbourhood.search`);
    /// on instances of up to 2,000 jobs. Above that, on the benchmark's instances, a search of a second
    /// brought less than 0.3 %, and the time goes to the bound instead (BENCHMARKS.md).
    static func neighbourhoodEffort(jobs: Int) -> (moves: Int, rounds: Int) {
        guard jobs <= 2_000 else { return (0, 0) }
        let n = max(1, jobs)
        let moves = min(200 * n, 100_000_000 / n)
        // Rounds double: r rounds make (2^r - 1) x moves in all.
        var rounds = 1
        while rounds < 5, ((1 << (rounds + 1)) - 1) * moves <= 200_000_000 / n { rounds += 1 }
        return (moves, rounds)
    }

    /// Up to this many jobs the bound also prices conflict cliques, in this many steps at most: on the
    /// benchmark's 100- and 200-job instances the gap falls by an eighth to two thirds for 0.06-0.2 s
    /// (BENCHMARKS.md); at 2,000 jobs 300 steps take about 0.3 s.
    static let cliqueJobLimit = 2_000
    static let cliqueSteps = 300

    /// The search from the clique-guided plan (step 8) makes this fraction of the main search's moves, 1/4:
    /// on 100 jobs, seed 3, a quarter reached the same plan as all of them (within 0.01 % of the optimum),
    /// for about 1 s at 100-200 jobs (BENCHMARKS.md).
    static let cliqueSearchDivisor = 4

    /// The most chunked options whose schedules the bound solves exactly (dynamic programming per option).
    /// Solving them once costs about as much as 5 to 8 of the bound's steps, which evaluate the same options
    /// by a weaker bound 120 to 160 times: on 10,000 jobs, 30 % interruptible, 0.2 s of 9 s, and the gap
    /// fell from 4.08 % to 3.38 % when the steps' bound was the cheapest hours (BENCHMARKS.md, session 2).
    /// The limit only keeps memory and time in proportion on inputs far beyond the benchmark's.
    static let exactChunkLimit = 1_000_000

    /// Options of placed interruptible jobs: how many chunked schedules an exact bound solves.
    static func chunkedOptions(_ flat: FlatProblem, _ placed: [Bool]) -> Int {
        (0..<flat.jobCount).reduce(0) { $0 + (flat.maxChunks[$1] > 1 && placed[$1] ? flat.optionStart[$1 + 1] - flat.optionStart[$1] : 0) }
    }

    /// Schedules listing every one would hold: contiguous starts, and for interruptible jobs the chunked
    /// subsets the generator would list (at most `enumerationLimit` per pool and chunk count).
    static func schedulesCount(_ flat: FlatProblem, enumerationLimit: Int) -> Int {
        var n = 0
        for j in 0..<flat.jobCount {
            let w = Int(flat.windowEnd[j] - flat.windowStart[j])
            for oi in flat.optionStart[j]..<flat.optionStart[j + 1] {
                let o = flat.options[oi]
                n += max(0, w - Int(o.slots) + 1)
                for k in stride(from: 2, through: Int(flat.maxChunks[j]), by: 1) {
                    let slots = flat.shape(o, job: j, chunks: k).slots
                    n += min(binomial(w, slots, cap: enumerationLimit + 1), enumerationLimit)
                }
            }
        }
        return n
    }

    /// The compiled problem, the baseline with its metrics, and the cost model normalised by the baseline.
    static func prepare(_ problem: PlanningProblem) -> (CompiledProblem, BaselinePlanner.Result, [Metrics], CostModel) {
        let compiled = CompiledProblem(problem, policy: problem.policy)
        let unit = CostModel(compiled: compiled, weights: problem.policy.weights, normalisers: .init())
        let baseline = BaselinePlanner.plan(compiled)
        let baselineMetrics = baseline.placements.map { unit.metrics(job: $0.job, option: $0.option, slots: $0.slots, chunks: 1) }
        let model = CostModel(compiled: compiled, weights: problem.policy.weights, normalisers: normalisers(from: baselineMetrics))
        return (compiled, baseline, baselineMetrics, model)
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
