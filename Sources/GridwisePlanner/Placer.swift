import GridwiseCore

/// The planner's primal side at any scale: places jobs one at a time against the devices left in each
/// hour (greedy, optionally guided by the relaxation's prices), then moves single jobs to better places
/// until no move improves (local search). Works on flat arrays; chunked schedules come from the exact
/// dynamic programme around the capacity in use.
struct Placer {
    struct Assigned: Equatable {
        /// Flat option index; -1 when the job is not placed.
        var option = -1
        var chunks = 0
        /// Slots in time order.
        var slots: [Int] = []
        /// The policy objective (exact, from the cost model for chunked schedules; from prefix sums otherwise).
        var objective = 0.0
    }

    let flat: FlatProblem
    let generator: CandidateGenerator
    var used: [[Int32]]
    var assignment: [Assigned]
    /// Each job alone: capacity is not looked at (the Carbon Aware SDK's answer, for comparison).
    let ignoresCapacity: Bool

    init(flat: FlatProblem, generator: CandidateGenerator, ignoresCapacity: Bool = false) {
        self.flat = flat
        self.ignoresCapacity = ignoresCapacity
        self.generator = generator
        used = flat.capacity.map { [Int32](repeating: 0, count: $0.count) }
        assignment = Array(repeating: Assigned(), count: flat.jobCount)
    }

    var placedMask: [Bool] { assignment.map { $0.option >= 0 } }

    var objective: Double { assignment.reduce(0) { $0 + ($1.option >= 0 ? $1.objective : 0) } }

    var placedPriority: Int {
        zip(assignment, flat.compiled.problem.jobs).reduce(0) { $0 + ($1.0.option >= 0 ? $1.1.priority : 0) }
    }

    mutating func assign(_ j: Int, _ a: Assigned) {
        let q = Int(flat.options[a.option].resource)
        let d = flat.devices[j]
        add(d, on: q, slots: a.slots)
        assignment[j] = a
    }

    mutating func unassign(_ j: Int) {
        let a = assignment[j]
        guard a.option >= 0 else { return }
        let q = Int(flat.options[a.option].resource)
        let d = flat.devices[j]
        add(-d, on: q, slots: a.slots)
        assignment[j] = Assigned()
    }

    /// Adds `delta` devices to resource `q`'s use in every one of `slots` (in time order), through one buffer.
    private mutating func add(_ delta: Int32, on q: Int, slots: [Int]) {
        used[q].withUnsafeMutableBufferPointer { use in
            // In time order: the first and last slot inside the horizon means every slot is.
            precondition((slots.first ?? 0) >= 0 && (slots.last ?? 0) < use.count, "slots outside the horizon")
            for t in slots { use[t] += delta }
        }
    }

    /// The best schedule for job `j` in the devices left, by objective plus, when `prices` are given,
    /// devices x the prices of the slots held, off resource `excluding` where given. Ties go to the lower
    /// option and the earlier start.
    func best(_ j: Int, prices: [[Double]]? = nil, pricePrefix: [[Double]]? = nil, excluding: Int = -1) -> Assigned? {
        // A job in one piece has no schedules in pieces to find. Otherwise the closure captures these, not the
        // placer (which would copy it where the caller is mutating).
        guard flat.maxChunks[j] > 1 else { return best(j, prices: prices, pricePrefix: pricePrefix, excluding: excluding) { _, _, _ in nil } }
        let generator = self.generator, flat = self.flat
        return best(j, prices: prices, pricePrefix: pricePrefix, excluding: excluding) { oi, k, available in
            generator.bestChunked(job: j, option: Int(flat.options[oi].index), chunks: k, available: available).map { ($0.slots, $0.objective) }
        }
    }

    /// The same, with the chunked schedules the dynamic programme found before for the same job, option and
    /// piece count taken from `remembered` instead of found again, where they are still the least (see
    /// `ChunkedMemo`): the same answer, up to ties.
    mutating func bestRemembered(_ j: Int, prices: [[Double]]? = nil, pricePrefix: [[Double]]? = nil) -> Assigned? {
        guard flat.maxChunks[j] > 1 else { return best(j, prices: prices, pricePrefix: pricePrefix) }
        var memo = ChunkedMemo()
        swap(&memo, &remembered)  // kept unique while it changes
        defer { swap(&memo, &remembered) }
        let a = Int(flat.windowStart[j]), b = Int(flat.windowEnd[j])
        let generator = self.generator, flat = self.flat
        return best(j, prices: prices, pricePrefix: pricePrefix) { oi, k, available in
            memo.free(window: a..<b) { available?($0) ?? true }
            return memo.found(job: j, key: oi * (Int(flat.maxChunks[j]) + 1) + k) {
                generator.bestChunked(job: j, option: Int(flat.options[oi].index), chunks: k, available: available).map { ($0.slots, $0.objective) }
            }
        }
    }

    /// How much more job `j` pays, by objective plus `priced`, on its best place on another resource than on
    /// its best place (in the devices left, or anywhere when the placer ignores capacity): what the job
    /// stands to lose if the others take its resource first. Infinite where it has no other resource (or no
    /// place at all).
    func regret(_ j: Int, priced: Priced) -> Double {
        guard let first = best(j, prices: priced.prices, pricePrefix: priced.prefix) else { return .infinity }
        let second = best(j, prices: priced.prices, pricePrefix: priced.prefix, excluding: Int(flat.options[first.option].resource))
        return second.map { pricedValue(j, $0, prefix: priced.prefix) - pricedValue(j, first, prefix: priced.prefix) } ?? .infinity
    }

    /// `best`, with `chunked(option, pieces, available)` giving the cheapest chunked schedule of a flat option
    /// in that many pieces by objective (its slots and objective), or nil where there is none; the options
    /// on resource `excluding` are not looked at.
    private func best(_ j: Int, prices: [[Double]]?, pricePrefix: [[Double]]?, excluding: Int = -1,
                      chunked: (Int, Int, ((Int) -> Bool)?) -> (slots: [Int], objective: Double)?) -> Assigned? {
        let a = Int(flat.windowStart[j]), b = Int(flat.windowEnd[j])
        let d = flat.devices[j]
        let dd = Double(d)
        var bestValue = Double.infinity
        var bestOption = -1, bestStart = -1
        // The arrays the scan reads, as pointers (no bounds or uniqueness checks in the inner loop).
        let hours = flat.hours, release = flat.releaseHour[j], dw = flat.delayWeight
        flat.prefixFlat.withUnsafeBufferPointer { prefixBuffer in
            flat.rateFlat.withUnsafeBufferPointer { rateBuffer in
                for oi in flat.optionStart[j]..<flat.optionStart[j + 1] {
                    let o = flat.options[oi]
                    if o.floor >= bestValue { break }  // cheapest floor first; prices only add
                    let q = Int(o.resource)
                    let L = Int(o.slots)
                    guard L <= b - a, q != excluding else { continue }
                    let r = Int(o.region)
                    let p = prefixBuffer.baseAddress! + r * (hours + 1), rt = rateBuffer.baseAddress! + r * hours
                    flat.capacity[q].withUnsafeBufferPointer { cap in
                        used[q].withUnsafeBufferPointer { use in
                            // The scan, with the resource's price prefix sums as a pointer where prices are given.
                            func scan(_ pp: UnsafePointer<Double>?) {
                                var run = 0
                                for t in a..<b {
                                    if ignoresCapacity || use[t] + d <= cap[t] { run += 1 } else { run = 0; continue }
                                    guard run >= L else { continue }
                                    let s = t - L + 1
                                    var v = FlatProblem.contiguousObjective(o, start: s, release: release, prefix: p, rate: rt, delayWeight: dw)
                                    if let pp { v += dd * (pp[s + L] - pp[s]) }
                                    if v < bestValue {
                                        bestValue = v
                                        bestOption = oi
                                        bestStart = s
                                    }
                                }
                            }
                            if let pricePrefix {
                                pricePrefix[q].withUnsafeBufferPointer { scan($0.baseAddress!) }
                            } else {
                                scan(nil)
                            }
                        }
                    }
                }
            }
        }
        var result: Assigned? = nil
        var resultValue = bestValue
        if bestOption >= 0 {
            let L = Int(flat.options[bestOption].slots)
            result = Assigned(option: bestOption, chunks: 1, slots: Array(bestStart..<(bestStart + L)),
                              objective: flat.contiguousObjective(flat.options[bestOption], job: j, start: bestStart))
        }
        guard flat.maxChunks[j] > 1 else { return result }
        // Chunked schedules, exactly, where their floor could beat the best so far (prices are only added
        // after: the floor has none, so with prices this is a heuristic choice).
        var scratch = FlatProblem.LastHour()
        for oi in flat.optionStart[j]..<flat.optionStart[j + 1] where flat.chunkedFloor[oi] < resultValue - 1e-12 && Int(flat.options[oi].resource) != excluding {
            let o = flat.options[oi]
            let q = Int(o.resource)
            let cap = flat.capacity[q]
            let use = used[q]
            let available: ((Int) -> Bool)? = ignoresCapacity ? nil : { use[$0] + d <= cap[$0] }
            if let free = generator.bestFreeSplit(job: j, option: Int(o.index), available: available, price: prices.map { p in { dd * p[q][$0] } }) {
                if free.value < resultValue - 1e-12 {
                    resultValue = free.value
                    result = Assigned(option: oi, chunks: free.candidate.chunks, slots: free.candidate.slots, objective: free.candidate.objective)
                }
                continue
            }
            // Each piece count's last hour and cheapest hours before it among those left (priced, where
            // prices are given) bound its schedules from below: the dynamic programme runs only where that
            // bound could beat the best so far.
            var floors = [Double](repeating: .infinity, count: Int(flat.maxChunks[j]) + 1)
            flat.lastHourBounds(o, job: j, price: { t in
                if let available, !available(t) { return .infinity }
                return prices.map { dd * $0[q][t] } ?? 0
            }, scratch: &scratch) { k, bound, _ in floors[k] = bound }
            for k in 2...Int(flat.maxChunks[j]) {
                guard floors[k] < resultValue - 1e-12 + 1e-9 * max(1, abs(resultValue)) else { continue }
                guard let c = chunked(oi, k, available) else { continue }
                var v = c.objective
                if let p = prices { v += c.slots.reduce(0) { $0 + dd * p[q][$1] } }
                if v < resultValue - 1e-12 {
                    resultValue = v
                    result = Assigned(option: oi, chunks: k, slots: c.slots, objective: c.objective)
                }
            }
        }
        return result
    }

    /// The chunked schedules `bestRemembered` has found, for the moves and greedy passes of this plan.
    var remembered = ChunkedMemo()

    /// Jobs by priority (highest first), then by device-hours held (largest first), then file order.
    var order: [Int] {
        let jobs = flat.compiled.problem.jobs
        let footprint = (0..<flat.jobCount).map(flat.footprint)
        return (0..<flat.jobCount).sorted { a, b in
            if jobs[a].priority != jobs[b].priority { return jobs[a].priority > jobs[b].priority }
            if footprint[a] != footprint[b] { return footprint[a] > footprint[b] }
            return a < b
        }
    }

    /// Prices per device-hour and their prefix sums per resource, as `best` takes them.
    typealias Priced = (prices: [[Double]], prefix: [[Double]])

    /// Places every job in `order`, each at its best place left (by objective plus prices when given).
    ///
    /// By the objective alone (no prices) on an empty plan, the result is settled: no single-job move (`improve`
    /// by the objective, in any order) lowers it. Each job took the least place left when it was placed; the
    /// jobs placed after it only took more of the devices, so every place it could move to was open then, and
    /// its objective does not depend on the others. (Chunked schedules too: `bestChunked` is exact for the
    /// hours left.) `GuidedPlanTests` checks this on seeded instances.
    mutating func greedy(order: [Int], prices: [[Double]]?) {
        let priced = prices.map { Priced($0, $0.map(prefixSums)) }
        greedy(order: order, pricesFor: { _ in priced })
    }

    /// The same, with each job's own prices (nil: by objective alone).
    mutating func greedy(order: [Int], pricesFor: (Int) -> Priced?) {
        for j in order {
            let priced = pricesFor(j)
            if let a = bestRemembered(j, prices: priced?.prices, pricePrefix: priced?.prefix) { assign(j, a) }
        }
    }

    /// Job `j`'s placement `a` at prices: its objective plus its devices x the prices of the slots it holds
    /// (`prefix`: the prices' prefix sums per resource).
    func pricedValue(_ j: Int, _ a: Assigned, prefix: [[Double]]) -> Double {
        let q = Int(flat.options[a.option].resource)
        return a.objective + Double(flat.devices[j]) * a.slots.reduce(0) { $0 + prefix[q][$1 + 1] - prefix[q][$1] }
    }

    /// Moves single jobs to their best place given the others until a pass improves nothing, `maxPasses`
    /// passes are done, or `shouldStop` says so. Returns the passes made. Best is by the objective, plus
    /// devices x `prices` of the slots held when prices are given (chunked schedules: see `best`).
    @discardableResult
    mutating func improve(order: [Int], maxPasses: Int, prices: [[Double]]? = nil, shouldStop: () -> Bool) -> Int {
        let priced = prices.map { Priced($0, $0.map(prefixSums)) }
        return improve(order: order, maxPasses: maxPasses, pricesFor: { _ in priced }, shouldStop: shouldStop)
    }

    /// The same, with each job's own prices (nil: by objective alone).
    @discardableResult
    mutating func improve(order: [Int], maxPasses: Int, pricesFor: (Int) -> Priced?, shouldStop: () -> Bool) -> Int {
        var passes = 0
        while passes < maxPasses {
            passes += 1
            var improved = false
            for j in order {
                let priced = pricesFor(j)
                func value(_ a: Assigned) -> Double { priced.map { pricedValue(j, a, prefix: $0.prefix) } ?? a.objective }
                let current = assignment[j]
                unassign(j)
                if let a = bestRemembered(j, prices: priced?.prices, pricePrefix: priced?.prefix), case let v = value(a),
                    v < (current.option >= 0 ? value(current) : .infinity) - 1e-12 * max(1, abs(v))
                {
                    assign(j, a)
                    improved = true
                } else if current.option >= 0 {
                    assign(j, current)
                }
            }
            if !improved || shouldStop() { break }
        }
        return passes
    }
}

extension Placer {
    /// The same plan on another flat problem of the same jobs (options matched by their index in the
    /// compiled problem; a job whose option `flat` lacks is left unplaced).
    func transferred(to target: FlatProblem) -> Placer {
        var plan = Placer(flat: target, generator: generator, ignoresCapacity: ignoresCapacity)
        for (j, a) in assignment.enumerated() where a.option >= 0 {
            guard let oi = target.option(job: j, index: Int(flat.options[a.option].index)) else { continue }
            var moved = a
            moved.option = oi
            plan.assign(j, moved)
        }
        return plan
    }
}

/// The chunked schedules a plan's dynamic programme has found, one per job, flat option and piece count,
/// each with the free hours of the job's window it was found among. The programme's schedule depends on
/// nothing else (it goes by the objective alone; prices are added after, see `Placer.best`), so it is
/// reused where the free hours are the same, and also where they are fewer but still hold all its hours:
/// the least over fewer hours that still include the least is the same least (among equal objectives the
/// programme over the fewer hours might pick another schedule; this one is kept). On the benchmark's
/// 10,000 jobs, 30 % interruptible, this halves the programmes the plans run (BENCHMARKS.md).
struct ChunkedMemo {
    private struct Entry {
        var key: Int
        var free: [UInt64]
        var found: (slots: [Int], objective: Double)?
    }

    /// Per job, its entries (few: one per option and piece count the programme ran for).
    private var entries: [[Entry]] = []
    /// The free hours of the window at hand, one bit per hour from `start`, set by `free(window:_:)`.
    private var current: [UInt64] = []
    private var start = 0
    /// Programmes run, and schedules reused with the same free hours and with fewer.
    private(set) var ran = 0, reusedSame = 0, reusedFewer = 0

    /// Sets the free hours that `found` looks up by.
    mutating func free(window: Range<Int>, _ isFree: (Int) -> Bool) {
        start = window.lowerBound
        let words = (window.count + 63) / 64
        if current.count != words { current = [UInt64](repeating: 0, count: words) }
        current.withUnsafeMutableBufferPointer { bits in
            for w in 0..<words { bits[w] = 0 }
            for (i, t) in window.enumerated() where isFree(t) { bits[i >> 6] |= 1 << UInt64(i & 63) }
        }
    }

    /// The schedule remembered for `job` and `key` that holds for the current free hours, or `find()`'s,
    /// remembered with them.
    mutating func found(job: Int, key: Int, _ find: () -> (slots: [Int], objective: Double)?) -> (slots: [Int], objective: Double)? {
        if entries.count <= job { entries.append(contentsOf: repeatElement([], count: job + 1 - entries.count)) }
        guard let i = entries[job].firstIndex(where: { $0.key == key }) else {
            ran += 1
            let found = find()
            entries[job].append(Entry(key: key, free: current, found: found))
            return found
        }
        let entry = entries[job][i]
        if entry.free == current {
            reusedSame += 1
            return entry.found
        }
        if holds(entry) {
            reusedFewer += 1
            return entry.found
        }
        ran += 1
        let found = find()
        entries[job][i].free = current
        entries[job][i].found = found
        return found
    }

    /// Whether `entry`'s schedule is the least for the current free hours: they are its free hours or fewer,
    /// and still hold every hour of its schedule (none: none among fewer either).
    private func holds(_ entry: Entry) -> Bool {
        for (was, now) in zip(entry.free, current) where now & ~was != 0 { return false }
        guard let slots = entry.found?.slots else { return true }
        return slots.allSatisfy { t in current[(t - start) >> 6] & (1 << UInt64((t - start) & 63)) != 0 }
    }
}
