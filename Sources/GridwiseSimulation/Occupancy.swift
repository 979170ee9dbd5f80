import GridwiseCore

/// Devices held per region, pool and step, against what each pool has (its size less reservations).
struct Occupancy {
    var used: [[[Int32]]]
    let capacity: [[[Int32]]]

    init(scenario: Scenario) {
        let steps = scenario.steps
        capacity = scenario.catalog.regions.map { region in
            region.pools.map { pool in
                var free = [Int32](repeating: Int32(clamping: pool.count), count: steps)
                for reservation in pool.reservations {
                    let a = max(0, scenario.step(containing: reservation.start))
                    let b = min(steps, scenario.step(atOrAfter: reservation.end))
                    if a < b { for s in a..<b { free[s] = max(0, free[s] - Int32(clamping: reservation.devices)) } }
                }
                return free
            }
        }
        used = capacity.map { $0.map { [Int32](repeating: 0, count: $0.count) } }
    }

    func free(_ r: Int, _ p: Int, _ s: Int) -> Int32 { capacity[r][p][s] - used[r][p][s] }

    func fits(_ r: Int, _ p: Int, steps: some Sequence<Int>, devices: Int) -> Bool {
        let d = Int32(clamping: devices)
        for s in steps where s < 0 || s >= used[r][p].count || used[r][p][s] + d > capacity[r][p][s] { return false }
        return true
    }

    mutating func hold(_ run: JobRun, devices: Int) { for s in run.steps { used[run.region][run.pool][s] += Int32(clamping: devices) } }

    mutating func release(_ run: JobRun, devices: Int, from step: Int = 0) {
        for s in run.steps where s >= step { used[run.region][run.pool][s] -= Int32(clamping: devices) }
    }
}
