import GridwiseCore

/// The reference optimum by brute force: every job, every region and pool, every subset of its window's
/// hours (as whole runs, with checkpoint overhead per resume), every combination under capacity.
/// Written apart from the planner so that the two can be compared. Only for tiny instances.
public enum ExhaustiveSolver {
    public struct Result: Sendable {
        /// Sum of priorities of placed jobs (the search maximises this first).
        public var placedPriority: Int
        /// The least objective among assignments that place that much priority.
        public var objective: Double
    }

    struct Option {
        var region: Int
        var pool: Int
        var slots: [Int]
        var objective: Double
    }

    public static func solve(jobs: [Job], catalog: RegionCatalog, policy: Policy, signals: GridSignals, normalisers n: [String: Double]) -> Result {
        let horizon = signals.horizon
        let w = policy.weights
        var options: [[Option]] = []
        for job in jobs {
            var list: [Option] = []
            let first = max(0, Int(((job.release.secondsSinceEpoch - horizon.start.secondsSinceEpoch) + 3599) / 3600))
            let last = min(horizon.hours, Int((job.deadline.secondsSinceEpoch - horizon.start.secondsSinceEpoch) / 3600))
            let window = Array(first..<max(first, last))
            for (r, region) in catalog.regions.enumerated() {
                if let allow = job.allowedRegions, !allow.contains(region.name) { continue }
                if job.forbiddenRegions.contains(region.name) { continue }
                for (p, pool) in region.pools.enumerated() where (job.deviceTypes.isEmpty || job.deviceTypes.contains(pool.type)) && pool.count >= job.deviceCount {
                    guard window.count <= 16 else { fatalError("window too large for exhaustive search") }
                    for mask in 1..<(1 << window.count) {
                        let slots = window.indices.filter { mask & (1 << $0) != 0 }.map { window[$0] }
                        var runs = 0
                        for (i, t) in slots.enumerated() where i == 0 || slots[i - 1] != t - 1 { runs += 1 }
                        let maxRuns = job.interruptible && policy.allowSplitting ? job.maxChunks : 1
                        guard runs <= maxRuns else { continue }
                        var hours: Double
                        switch job.work {
                        case .referenceHours(let h): hours = h / pool.relativeSpeed
                        case .fixedHours(let h): hours = h
                        }
                        hours += Double(runs - 1) * job.checkpointOverheadHours
                        guard slots.count == Int((hours - 1e-9).rounded(.up)) else { continue }
                        let fraction = hours - Double(slots.count - 1)
                        var carbon = 0.0, cost = 0.0, water = 0.0
                        for (i, t) in slots.enumerated() {
                            let f = i == slots.count - 1 ? fraction : 1
                            let it = Double(job.deviceCount) * pool.powerKilowattsPerDevice * f
                            carbon += it * region.powerUsageEffectiveness * signals.carbon[region.carbonZone]!.values[t] / 1000
                            cost += it * region.powerUsageEffectiveness * signals.price[region.priceZone]!.values[t] / 1000
                            water += it * region.waterLitresPerKilowattHour
                        }
                        let latency = job.population.flatMap { region.latencyMilliseconds[$0] } ?? 0
                        let finish = Double(slots.last!) + fraction
                        let delay = max(0, finish - job.release.hours(since: horizon.start) - hours)
                        let objective = w.carbon * carbon / n["carbon_kg"]! + w.cost * cost / n["cost"]! + w.water * water / n["water_l"]!
                            + w.latency * latency * hours / n["latency_ms_h"]! + w.delay * delay / n["delay_h"]!
                        list.append(Option(region: r, pool: p, slots: slots, objective: objective))
                    }
                }
            }
            options.append(list)
        }

        var used = catalog.regions.map { $0.pools.map { _ in [Int](repeating: 0, count: horizon.hours) } }
        // Devices free per hour: the pool less every reservation overlapping the hour.
        let free = catalog.regions.map { region in
            region.pools.map { pool in
                (0..<horizon.hours).map { t -> Int in
                    let from = horizon.start.adding(hours: t), to = horizon.start.adding(hours: t + 1)
                    return pool.count - pool.reservations.filter { $0.start < to && $0.end > from }.reduce(0) { $0 + $1.devices }
                }
            }
        }
        var best = Result(placedPriority: -1, objective: .infinity)
        func dfs(_ j: Int, _ priority: Int, _ objective: Double) {
            if j == jobs.count {
                if priority > best.placedPriority || (priority == best.placedPriority && objective < best.objective) {
                    best = Result(placedPriority: priority, objective: objective)
                }
                return
            }
            let job = jobs[j]
            for o in options[j] {
                guard o.slots.allSatisfy({ used[o.region][o.pool][$0] + job.deviceCount <= free[o.region][o.pool][$0] }) else { continue }
                for t in o.slots { used[o.region][o.pool][t] += job.deviceCount }
                dfs(j + 1, priority + job.priority, objective + o.objective)
                for t in o.slots { used[o.region][o.pool][t] -= job.deviceCount }
            }
            dfs(j + 1, priority, objective)
        }
        dfs(0, 0, 0)
        return best
    }
}
