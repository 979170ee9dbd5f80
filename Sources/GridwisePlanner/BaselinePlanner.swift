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
        for j in order {
            let job = problem.jobs[j]
            let earliest = max(0, problem.horizon.firstSlot(atOrAfter: job.release))
            let regions = problem.catalog.regions.indices.filter {
                Eligibility.regionExclusions(job: job, region: problem.catalog.regions[$0], policy: neutral).isEmpty
            }.sorted { a, b in
                let la = job.population.flatMap { problem.catalog.regions[a].latencyMilliseconds[$0] } ?? 0
                let lb = job.population.flatMap { problem.catalog.regions[b].latencyMilliseconds[$0] } ?? 0
                return la != lb ? la < lb : a < b
            }
            var best: (start: Int, option: PoolOption, length: Int)? = nil
            for r in regions {
                let region = problem.catalog.regions[r]
                guard let p = region.pools.indices.first(where: { job.accepts(poolType: region.pools[$0].type) && region.pools[$0].count >= job.deviceCount }) else { continue }
                let option = makeOption(job: job, region: region, r: r, p: p)
                let length = Int((job.runningHours(speed: option.speed) - 1e-9).rounded(.up))
                let lastStart = job.servesWholeWindow ? earliest : compiled.hours - length
                guard lastStart >= earliest else { continue }
                for s in earliest...lastStart {
                    if let b = best, s >= b.start { break }
                    if ledger.fits(region: r, pool: p, slots: Array(s..<(s + length)), devices: job.deviceCount) {
                        best = (s, option, length)
                        break
                    }
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
