/// Devices in use per region, pool and hour, against what each hour has free.
struct CapacityLedger {
    private var used: [[[Int32]]]
    private let capacity: [[[Int32]]]

    init(_ compiled: CompiledProblem) {
        capacity = compiled.capacity
        used = capacity.map { $0.map { [Int32](repeating: 0, count: $0.count) } }
    }

    func fits(region r: Int, pool p: Int, slots: [Int], devices: Int) -> Bool {
        let d = Int32(devices)
        for t in slots where used[r][p][t] + d > capacity[r][p][t] { return false }
        return true
    }

    func isFree(region r: Int, pool p: Int, slot t: Int, devices: Int) -> Bool {
        used[r][p][t] + Int32(devices) <= capacity[r][p][t]
    }

    mutating func add(region r: Int, pool p: Int, slots: [Int], devices: Int) {
        for t in slots { used[r][p][t] += Int32(devices) }
    }

    mutating func remove(region r: Int, pool p: Int, slots: [Int], devices: Int) {
        for t in slots { used[r][p][t] -= Int32(devices) }
    }
}
