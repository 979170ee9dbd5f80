import GridwiseCore

/// Why a job was placed where it was, and what the alternatives would cost.
public struct Explanation: Sendable {
    public struct Option: Sendable {
        public var region: String
        public var pool: String
        public var start: Instant
        public var runs: Int
        public var carbonKg: Double
        public var cost: Double
        public var waterL: Double
        public var latencyMs: Double?
        public var delayHours: Double
        public var objective: Double
        /// False when the devices are held by other jobs of the plan in some of its hours.
        public var fitsBesideOtherJobs: Bool
    }

    public var job: String
    public var chosen: Option
    /// The objective of the chosen placement, term by term (weight x value / baseline value).
    public var terms: [(name: String, value: Double)]
    /// The best option in every other (region, pool), and the next-best hours in the chosen one, by objective.
    public var alternatives: [Option]
    /// Regions closed to the job, each with the rules that close it.
    public var excluded: [(region: String, reasons: [String])]
}

public enum Explainer {
    /// Explains `jobID` in `plan`; nil when the plan does not place that job.
    public static func explain(_ jobID: String, plan: Plan, problem: PlanningProblem) -> Explanation? {
        guard let j = problem.jobs.firstIndex(where: { $0.id == jobID }), let placed = plan.placement(of: jobID) else { return nil }
        let compiled = CompiledProblem(problem, policy: problem.policy)
        let normalisers = CostModel.Normalisers(plan.optimality.normalisers)
        let model = CostModel(compiled: compiled, weights: problem.policy.weights, normalisers: normalisers)
        let generator = CandidateGenerator(model: model)
        let horizon = problem.horizon

        // Capacity held by every other placement of the plan.
        var ledger = CapacityLedger(compiled)
        for p in plan.placements where p.job != jobID {
            guard let k = problem.jobs.firstIndex(where: { $0.id == p.job }), let r = problem.catalog.regions.firstIndex(where: { $0.name == p.region }),
                let q = problem.catalog.regions[r].pools.firstIndex(where: { $0.type == p.pool })
            else { continue }
            ledger.add(region: r, pool: q, slots: slots(of: p, horizon: horizon), devices: problem.jobs[k].deviceCount)
        }
        let devices = problem.jobs[j].deviceCount
        func describe(_ c: Candidate) -> Explanation.Option {
            let o = compiled.options[j][c.option]
            let region = problem.catalog.regions[o.region]
            return Explanation.Option(
                region: region.name, pool: region.pools[o.pool].type, start: horizon.slotStart(c.slots.first ?? 0), runs: PlanningHorizon.runs(c.slots).count,
                carbonKg: c.metrics.carbonKilograms, cost: c.metrics.cost, waterL: c.metrics.waterLitres, latencyMs: o.latencyMilliseconds,
                delayHours: c.metrics.delayHours, objective: c.objective,
                fitsBesideOtherJobs: ledger.fits(region: o.region, pool: o.pool, slots: c.slots, devices: devices))
        }

        let chosenSlots = slots(of: placed, horizon: horizon)
        guard let chosenOption = compiled.options[j].firstIndex(where: {
            problem.catalog.regions[$0.region].name == placed.region && problem.catalog.regions[$0.region].pools[$0.pool].type == placed.pool
        }) else { return nil }
        let chosen = generator.make(j, option: chosenOption, slots: chosenSlots, chunks: PlanningHorizon.runs(chosenSlots).count)

        let set = generator.generate(job: j)
        var alternatives: [Candidate] = []
        for o in compiled.options[j].indices where o != chosenOption {
            if let best = set.list.first(where: { $0.option == o }) { alternatives.append(best) }
        }
        let sameRegion = set.list.filter { $0.option == chosenOption && $0.slots != chosenSlots }.prefix(2)
        alternatives += sameRegion
        alternatives.sort { $0.objective < $1.objective }

        let w = problem.policy.weights
        let m = chosen.metrics
        let terms: [(String, Double)] = [
            ("carbon", w.carbon * m.carbonKilograms / normalisers.carbonKilograms), ("cost", w.cost * m.cost / normalisers.cost),
            ("water", w.water * m.waterLitres / normalisers.waterLitres), ("latency", w.latency * m.latencyMillisecondHours / normalisers.latencyMillisecondHours),
            ("delay", w.delay * m.delayHours / normalisers.delayHours),
        ]
        let excluded = problem.catalog.regions.compactMap { region -> (String, [String])? in
            let reasons = Eligibility.exclusions(job: problem.jobs[j], region: region, policy: problem.policy, horizon: horizon)
            return reasons.isEmpty ? nil : (region.name, reasons)
        }
        return Explanation(job: jobID, chosen: describe(chosen), terms: terms, alternatives: alternatives.map(describe), excluded: excluded)
    }

    static func slots(of p: Placement, horizon: PlanningHorizon) -> [Int] {
        p.chunks.flatMap { c -> [Int] in
            guard let s = try? Instant.parse(c.start), let e = try? Instant.parse(c.end) else { return [] }
            let first = Int((s.secondsSinceEpoch - horizon.start.secondsSinceEpoch) / 3600)
            let last = Int((e.secondsSinceEpoch - horizon.start.secondsSinceEpoch) / 3600)
            return Array(first..<max(first, last))
        }
    }
}
