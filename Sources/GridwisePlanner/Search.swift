import GridwiseCore

/// Small instances: every schedule listed; local search by re-insertion from the planner's best plan, then
/// branch and bound over the listed schedules, which proves optimality when it finishes within its node limit.
struct Search {
    let compiled: CompiledProblem
    let generator: CandidateGenerator
    var sets: [CandidateSet]
    var ledger: CapacityLedger
    var assignment: [Candidate?]
    let order: [Int]
    /// What leaving a job unplaced costs in the search: far above any objective, scaled by priority,
    /// so the search first places as much priority as it can, then minimises the objective.
    let unplacedPenalty: [Double]

    init(compiled: CompiledProblem, generator: CandidateGenerator) {
        self.compiled = compiled
        self.generator = generator
        let sets = compiled.problem.jobs.indices.map { generator.generate(job: $0) }
        self.sets = sets
        ledger = CapacityLedger(compiled)
        assignment = Array(repeating: nil, count: compiled.problem.jobs.count)
        let jobs = compiled.problem.jobs
        order = jobs.indices.sorted { a, b in
            if jobs[a].priority != jobs[b].priority { return jobs[a].priority > jobs[b].priority }
            if sets[a].list.count != sets[b].list.count { return sets[a].list.count < sets[b].list.count }
            let ea = sets[a].list.first?.metrics.energyKilowattHours ?? 0, eb = sets[b].list.first?.metrics.energyKilowattHours ?? 0
            if ea != eb { return ea > eb }
            return a < b
        }
        // Larger than any difference two assignments' objectives can have, negative prices included.
        let scale = 1_000 * (sets.map { max(abs($0.list.first?.objective ?? 0), abs($0.list.last?.objective ?? 0)) }.reduce(0, +) + 1)
        unplacedPenalty = jobs.map { scale * Double($0.priority) }
    }

    func option(_ c: Candidate) -> PoolOption { compiled.options[c.job][c.option] }

    func fits(_ c: Candidate) -> Bool {
        let o = option(c)
        return ledger.fits(region: o.region, pool: o.pool, slots: c.slots, devices: compiled.problem.jobs[c.job].deviceCount)
    }

    mutating func assign(_ c: Candidate) {
        let o = option(c)
        ledger.add(region: o.region, pool: o.pool, slots: c.slots, devices: compiled.problem.jobs[c.job].deviceCount)
        assignment[c.job] = c
    }

    mutating func unassign(_ j: Int) {
        guard let c = assignment[j] else { return }
        let o = option(c)
        ledger.remove(region: o.region, pool: o.pool, slots: c.slots, devices: compiled.problem.jobs[j].deviceCount)
        assignment[j] = nil
    }

    /// The best schedule for job `j` that fits the capacity left by the others.
    func bestFeasible(_ j: Int) -> Candidate? {
        var best = sets[j].list.first(where: fits)
        guard !sets[j].complete else { return best }
        // Chunked schedules were not all listed: where the capacity-free best of a (pool, chunk count) is
        // blocked but would beat `best`, search that pair again around the capacity in use.
        let devices = compiled.problem.jobs[j].deviceCount
        for c in sets[j].list where c.chunks > 1 {
            if let b = best, c.objective >= b.objective { break }
            if fits(c) { continue }
            let o = option(c)
            let ledger = self.ledger
            if let alt = generator.bestChunked(job: j, option: c.option, chunks: c.chunks, available: { ledger.isFree(region: o.region, pool: o.pool, slot: $0, devices: devices) }),
                alt.objective < best?.objective ?? .infinity
            {
                best = alt
            }
        }
        return best
    }

    /// Re-inserts each job at its best place given the others until no move improves (or `maxPasses`).
    mutating func improve(maxPasses: Int) {
        for _ in 0..<maxPasses {
            var improved = false
            for j in order {
                let current = assignment[j]
                unassign(j)
                if let c = bestFeasible(j), c.objective < (current?.objective ?? .infinity) - 1e-12 {
                    assign(c)
                    improved = true
                } else if let current {
                    assign(current)
                }
            }
            if !improved { break }
        }
    }

    func total(_ a: [Candidate?]) -> Double {
        a.indices.reduce(0) { $0 + (a[$1]?.objective ?? unplacedPenalty[$1]) }
    }

    /// Depth-first branch and bound from the current assignment as incumbent. Returns true when the
    /// search finished (the result is optimal over the candidate lists), false when it hit `nodeLimit` or was stopped.
    mutating func branchAndBound(nodeLimit: Int, shouldStop: () -> Bool = { false }) -> Bool {
        let order = self.order
        let penalty = self.unplacedPenalty
        let n = order.count
        var lists = order.map { sets[$0].list }
        for (d, j) in order.enumerated() {
            if let c = assignment[j], !lists[d].contains(where: { $0.option == c.option && $0.slots == c.slots }) {
                lists[d].append(c)
                lists[d].sort { $0.objective < $1.objective }
            }
        }
        var suffix = [Double](repeating: 0, count: n + 1)
        for d in stride(from: n - 1, through: 0, by: -1) {
            let j = order[d]
            suffix[d] = suffix[d + 1] + min(lists[d].first?.objective ?? .infinity, penalty[j])
        }
        var best = total(assignment)
        var bestAssignment = assignment
        for j in order { unassign(j) }
        var nodes = 0
        var aborted = false
        let eps = 1e-12

        func dfs(_ d: Int, _ current: Double, _ s: inout Search) {
            nodes += 1
            if nodes > nodeLimit || (nodes & 1023 == 0 && shouldStop()) { aborted = true; return }
            if d == n {
                if current < best - eps {
                    best = current
                    bestAssignment = s.assignment
                }
                return
            }
            if current + suffix[d] >= best - eps { return }
            let j = order[d]
            for c in lists[d] {
                if current + c.objective + suffix[d + 1] >= best - eps { break }
                if !s.fits(c) { continue }
                s.assign(c)
                dfs(d + 1, current + c.objective, &s)
                s.unassign(j)
                if aborted { return }
            }
            if current + penalty[j] + suffix[d + 1] < best - eps {
                dfs(d + 1, current + penalty[j], &s)
            }
        }
        dfs(0, 0, &self)
        for j in order { unassign(j) }
        for c in bestAssignment.compactMap({ $0 }) { assign(c) }
        return !aborted
    }
}
