/// Devices in use per region, pool and hour.
struct CapacityLedger {
    private var used: [[[Int32]]]
    private let capacity: [[Int32]]

    init(_ compiled: CompiledProblem) {
        capacity = compiled.problem.catalog.regions.map { $0.pools.map { Int32($0.count) } }
        used = capacity.map { $0.map { _ in [Int32](repeating: 0, count: compiled.hours) } }
    }

    func fits(region r: Int, pool p: Int, slots: [Int], devices: Int) -> Bool {
        let limit = capacity[r][p] - Int32(devices)
        for t in slots where used[r][p][t] > limit { return false }
        return true
    }

    func isFree(region r: Int, pool p: Int, slot t: Int, devices: Int) -> Bool {
        used[r][p][t] + Int32(devices) <= capacity[r][p]
    }

    mutating func add(region r: Int, pool p: Int, slots: [Int], devices: Int) {
        for t in slots { used[r][p][t] += Int32(devices) }
    }

    mutating func remove(region r: Int, pool p: Int, slots: [Int], devices: Int) {
        for t in slots { used[r][p][t] -= Int32(devices) }
    }
}
