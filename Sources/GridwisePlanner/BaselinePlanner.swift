import GridwiseCore

/// The carbon-agnostic baseline every plan is compared with.
///
/// Jobs in order of release (then priority, then file order) start as early as devices allow, on one
/// contiguous run; among the regions where a job can start earliest, it goes to the one nearest its users
/// (lowest latency), else the first in catalog order; the first pool there that can take it. Job rules
/// (allowed regions, device types) and latency SLOs hold; policy region rules and deadlines do not, so
/// the baseline may finish late, which the plan reports.
enum BaselinePlanner {
    static let rule = "each job starts as soon as devices are free, on one contiguous run, in the allowed region nearest its users (else the first in catalog order); job rules and latency SLOs hold, policy region rules and deadlines do not"

    struct Result {
        var placements: [(job: Int, option: PoolOption, slots: [Int])]
        var unplaced: [(job: Int, reason: String)]
    }

    static func plan(_ compiled: CompiledProblem) -> Result {
        let problem = compiled.problem
        let neutral = Policy(name: "baseline", weights: ObjectiveWeights(carbon: 1), enforceLatencySLO: true)
        var ledger = CapacityLedger(compiled)
        var result = Result(placements: [], unplaced: [])
        let order = problem.jobs.indices.sorted { a, b in
            let x = problem.jobs[a], y = problem.jobs[b]
            if x.release != y.release { return x.release < y.release }
            if x.priority != y.priority { return x.priority > y.priority }
            return a < b
        }
        let catalog = problem.catalog.regions
        // Which regions each job may use (job j, region r at j x regions + r); the regions' rules are asked
        // only of jobs they could close a region to.
        var eligible = [Bool](repeating: true, count: problem.jobs.count * catalog.count)
        for (j, job) in problem.jobs.enumerated() where Eligibility.regionsMayExclude(job: job, policy: neutral) {
            for r in catalog.indices { eligible[j * catalog.count + r] = Eligibility.regionIsOpen(job: job, region: catalog[r], policy: neutral) }
        }
        // Each region's latency to a population's users, per population (none: 0 everywhere).
        var latencies: [String: [Double]] = [:]
        let noLatency = [Double](repeating: 0, count: catalog.count)
        for j in order {
            let job = problem.jobs[j]
            let earliest = max(0, problem.horizon.firstSlot(atOrAfter: job.release))
            let latency = job.population.map { population in
                if let known = latencies[population] { return known }
                let found = catalog.map { $0.latencyMilliseconds[population] ?? 0 }
                latencies[population] = found
                return found
            } ?? noLatency
            let regions = catalog.indices.filter { eligible[j * catalog.count + $0] }
                .sorted { a, b in latency[a] != latency[b] ? latency[a] < latency[b] : a < b }
            var best: (start: Int, option: PoolOption, length: Int)? = nil
            for r in regions {
                let pools = catalog[r].pools
                guard let p = pools.indices.first(where: { job.accepts(poolType: pools[$0].type) && pools[$0].count >= job.deviceCount }) else { continue }
                let option = makeOption(job: job, region: catalog[r], r: r, p: p)
                let length = Int((job.runningHours(speed: option.speed) - 1e-9).rounded(.up))
                let lastStart = job.servesWholeWindow ? earliest : compiled.hours - length
                // Only a start before the best region's so far can win.
                let last = min(lastStart, (best?.start ?? Int.max) - 1)
                if let s = ledger.earliestStart(region: r, pool: p, from: earliest, through: last, length: length, devices: job.deviceCount) {
                    best = (s, option, length)
                }
            }
            if let best {
                let slots = Array(best.start..<(best.start + best.length))
                ledger.add(region: best.option.region, pool: best.option.pool, slots: slots, devices: job.deviceCount)
                result.placements.append((j, best.option, slots))
            } else {
                let reason = regions.isEmpty ? "no region satisfies the job's own rules and latency SLO" : "no free devices in any allowed region before the horizon ends"
                result.unplaced.append((j, reason))
            }
        }
        return result
    }

    static func makeOption(job: Job, region: Region, r: Int, p: Int) -> PoolOption {
        let pool = region.pools[p]
        let it = Double(job.deviceCount) * pool.powerKilowattsPerDevice
        return PoolOption(
            region: r, pool: p, facilityKilowattHoursPerHour: it * region.powerUsageEffectiveness, itKilowattHoursPerHour: it,
            speed: pool.relativeSpeed, latencyMilliseconds: job.population.flatMap { region.latencyMilliseconds[$0] })
    }
}
