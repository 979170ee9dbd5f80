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

    /// The earliest start from `first` through `last` whose `length` hours in a row all have `devices` free
    /// on region `r`'s pool `p` (one pass over the hours: a run of free hours long enough ends there); nil
    /// where none does.
    func earliestStart(region r: Int, pool p: Int, from first: Int, through last: Int, length: Int, devices: Int) -> Int? {
        guard last >= first else { return nil }
        guard length > 0 else { return first }
        let d = Int32(devices)
        return used[r][p].withUnsafeBufferPointer { use in
            capacity[r][p].withUnsafeBufferPointer { cap in
                var run = 0
                for t in first..<min(last + length, use.count) {
                    guard use[t] + d <= cap[t] else { run = 0; continue }
                    run += 1
                    if run == length { return t - length + 1 }
                }
                return nil
            }
        }
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
