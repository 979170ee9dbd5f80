import GridwiseCore

/// One way to run one job: a pool option and the slots it holds.
struct Candidate {
    var job: Int
    var option: Int
    /// Hourly slots in time order.
    var slots: [Int]
    var chunks: Int
    var metrics: Metrics
    var objective: Double
}

/// Every way to run a job, or, where there are too many, the best for each pool and chunk count.
struct CandidateSet {
    /// Sorted by objective, then by option and first slot, so the order is deterministic.
    var list: [Candidate]
    /// True when `list` holds every feasible schedule (so search over it is exhaustive).
    var complete: Bool
    /// The least objective of any schedule when capacity is ignored: a valid lower bound for this job.
    var relaxedMinimum: Double
}

struct CandidateGenerator {
    let model: CostModel
    /// Above this many subsets per pool option, chunked schedules come from dynamic programming instead.
    var enumerationLimit = 4096

    var compiled: CompiledProblem { model.compiled }

    func slotsNeeded(_ job: Job, _ option: PoolOption, chunks: Int) -> Int {
        Int((job.runningHours(speed: option.speed, chunks: chunks) - 1e-9).rounded(.up))
    }

    func maxChunks(_ job: Job) -> Int {
        job.interruptible && compiled.problem.policy.allowSplitting ? job.maxChunks : 1
    }

    func make(_ j: Int, option o: Int, slots: [Int], chunks: Int) -> Candidate {
        let m = model.metrics(job: j, option: compiled.options[j][o], slots: slots, chunks: chunks)
        return Candidate(job: j, option: o, slots: slots, chunks: chunks, metrics: m, objective: model.objective(m))
    }

    func generate(job j: Int) -> CandidateSet {
        let job = compiled.problem.jobs[j]
        let window = compiled.windows[j]
        var list: [Candidate] = []
        var complete = true
        var relaxed = Double.infinity  // also lowered by bounds on schedules too many to search
        for (o, option) in compiled.options[j].enumerated() {
            let s1 = slotsNeeded(job, option, chunks: 1)
            if s1 <= window.count {
                for start in window.lowerBound...(window.upperBound - s1) {
                    list.append(make(j, option: o, slots: Array(start..<(start + s1)), chunks: 1))
                }
            }
            let kMax = maxChunks(job)
            guard kMax > 1 else { continue }
            // Where the subsets are too many to list, the best of them (exact when overhead is zero).
            if binomial(window.count, s1, cap: enumerationLimit + 1) > enumerationLimit,
                let free = bestFreeSplit(job: j, option: o, available: nil, price: nil) {
                complete = false
                list.append(free.candidate)
                continue
            }
            for k in 2...kMax {
                let s = slotsNeeded(job, option, chunks: k)
                guard s <= window.count - (k - 1) else { break }
                if binomial(window.count, s, cap: enumerationLimit + 1) <= enumerationLimit {
                    forEachSubset(of: window, size: s, runs: k) { slots in list.append(make(j, option: o, slots: slots, chunks: k)) }
                } else if dynamicProgrammingStates(window: window.count, slots: s, chunks: k) <= Self.maximumDynamicProgrammingStates {
                    complete = false
                    if let best = bestChunked(job: j, option: o, chunks: k, available: nil) { list.append(best) }
                } else {
                    // Too large to search exactly: this (pool, chunk count) is not offered, and the bound
                    // takes the weaker but still valid cheapest-hours estimate instead.
                    complete = false
                    relaxed = min(relaxed, chunkedLowerBound(job: j, option: o, chunks: k))
                }
            }
        }
        for c in list { relaxed = min(relaxed, c.objective) }
        list.sort { a, b in
            if a.objective != b.objective { return a.objective < b.objective }
            if a.option != b.option { return a.option < b.option }
            return a.slots.lexicographicallyPrecedes(b.slots)
        }
        return CandidateSet(list: list, complete: complete, relaxedMinimum: relaxed)
    }

    /// Interruptible jobs with no checkpoint overhead: every set of n slots in the window takes the same
    /// running time however it splits, so the cheapest schedule is the best last slot plus the n - 1
    /// cheapest slots before it (prices, when given, added per slot taken). Exact over every chunk count,
    /// in O(window x log n); nil when the overhead is not zero, the window is too short, or the best set
    /// splits into more runs than the job allows (the per-chunk-count search then decides).
    func bestFreeSplit(job j: Int, option o: Int, available: ((Int) -> Bool)?, price: ((Int) -> Double)?) -> (candidate: Candidate, value: Double)? {
        let job = compiled.problem.jobs[j]
        guard job.checkpointOverheadHours == 0, maxChunks(job) > 1 else { return nil }
        let option = compiled.options[j][o]
        let window = compiled.windows[j]
        let n = slotsNeeded(job, option, chunks: 1)
        guard n >= 1, n <= window.count else { return nil }
        let running = job.runningHours(speed: option.speed, chunks: 1)
        let lastFraction = running - Double(n - 1)
        let releaseHour = job.release.hours(since: compiled.problem.horizon.start)
        var heap = MaxHeap()  // the n - 1 cheapest (value, slot) seen so far
        var sum = 0.0
        var bestValue = Double.infinity
        var bestLast = -1
        for t in window where available?(t) ?? true {
            let hourly = model.hourlyObjective(option, slot: t)
            let extra = price?(t) ?? 0
            if heap.count == n - 1 {
                let finish = Double(t) + lastFraction
                let v = sum + hourly * lastFraction + extra + model.delayObjective(delayHours: max(0, finish - releaseHour - running))
                if v < bestValue {
                    bestValue = v
                    bestLast = t
                }
            }
            guard n > 1 else { continue }
            heap.push((hourly + extra, t))
            sum += hourly + extra
            if heap.count > n - 1 { sum -= heap.popMax().0 }
        }
        guard bestLast >= 0 else { return nil }
        var before: [(Double, Int)] = []
        for t in window.lowerBound..<bestLast where available?(t) ?? true {
            before.append((model.hourlyObjective(option, slot: t) + (price?(t) ?? 0), t))
        }
        before.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        let slots = (before.prefix(n - 1).map(\.1) + [bestLast]).sorted()
        let runs = PlanningHorizon.runs(slots).count
        guard runs <= maxChunks(job) else { return nil }
        let candidate = make(j, option: o, slots: slots, chunks: runs)
        return (candidate, price == nil ? candidate.objective : bestValue + model.fixedObjective(option, runningHours: running))
    }

    /// Above this many (slot x state) cells the chunking search is not run (about 20 MB of tables).
    static let maximumDynamicProgrammingStates = 4_000_000

    func dynamicProgrammingStates(window: Int, slots: Int, chunks: Int) -> Int {
        (window + 1) * (slots + 1) * (chunks + 1) * 2
    }

    /// A lower bound on any schedule of `chunks` runs: the cheapest hours of the window, the last one
    /// partly used, plus latency; delay is left out (it is never negative).
    func chunkedLowerBound(job j: Int, option o: Int, chunks k: Int) -> Double {
        let job = compiled.problem.jobs[j]
        let option = compiled.options[j][o]
        let s = slotsNeeded(job, option, chunks: k)
        let running = job.runningHours(speed: option.speed, chunks: k)
        let costs = compiled.windows[j].map { model.hourlyObjective(option, slot: $0) }.sorted()
        guard s >= 1, s <= costs.count else { return .infinity }
        return costs.prefix(s - 1).reduce(0, +) + (running - Double(s - 1)) * costs[0] + model.fixedObjective(option, runningHours: running)
    }

    /// The cheapest schedule of exactly `chunks` runs for job `j` on option `o`, using only slots where
    /// `available` is true (all when nil). Exact: dynamic programming over (slot, slots taken, runs, last taken).
    func bestChunked(job j: Int, option o: Int, chunks k: Int, available: ((Int) -> Bool)?) -> Candidate? {
        bestChunkedValue(job: j, option: o, chunks: k, available: available, price: nil)?.candidate
    }

    /// The same with a price added for every slot taken (the relaxation's device-hour prices); returns the
    /// schedule and its objective plus prices.
    ///
    /// The table runs forward over the window's slots; a state is (slots taken n, runs m, last slot taken),
    /// kept only where n can still reach the slots needed in the slots left, and only its cheapest cost for
    /// the slot at hand (two rows). Per slot and state one byte says how it was reached (taken or not, and
    /// whether the slot before was taken), which is enough to walk the schedule back. Among equal costs the
    /// state reached first in the order (n, m, last taken), not taking before taking, wins, so the schedule
    /// is the same on every run.
    func bestChunkedValue(job j: Int, option o: Int, chunks k: Int, available: ((Int) -> Bool)?, price: ((Int) -> Double)?) -> (candidate: Candidate, value: Double)? {
        let job = compiled.problem.jobs[j]
        let option = compiled.options[j][o]
        let window = compiled.windows[j]
        let s = slotsNeeded(job, option, chunks: k)
        let running = job.runningHours(speed: option.speed, chunks: k)
        let lastFraction = running - Double(s - 1)
        let releaseHour = job.release.hours(since: compiled.problem.horizon.start)
        let w = window.count
        guard s >= 1, s <= w, k >= 1, dynamicProgrammingStates(window: w, slots: s, chunks: k) <= Self.maximumDynamicProgrammingStates else { return nil }
        // Each run lies within one stretch of free hours, so k runs hold at most the k longest stretches:
        // where those are too short, there is no schedule (and no need to run the programme to find so).
        if let available, !Self.stretchesCanHold(window: window, slots: s, runs: k, available) { return nil }
        // State (n, m, last) at n * stride + m * 2 + last.
        let stride = (k + 1) * 2
        let states = (s + 1) * stride
        // How each state of each slot was reached: 0 not at all, 1 skipped from last 0, 2 skipped from last 1,
        // 3 taken from last 0 (a new run), 4 taken from last 1.
        var how = [UInt8](repeating: 0, count: (w + 1) * states)
        var cost = [Double](repeating: .infinity, count: states)
        var next = [Double](repeating: .infinity, count: states)
        cost[0] = 0
        var lowest = 0  // the least n still live: below it, the slots left cannot make up the slots needed
        how.withUnsafeMutableBufferPointer { how in
            cost.withUnsafeMutableBufferPointer { cost in
                next.withUnsafeMutableBufferPointer { next in
                    var current = cost.baseAddress!, following = next.baseAddress!
                    for i in 0..<w {
                        let t = window.lowerBound + i
                        let canTake = available?(t) ?? true
                        let full = model.hourlyObjective(option, slot: t)
                        let extra = price?(t) ?? 0
                        let add = full + extra
                        // Taking the last slot needed: its fraction, and the delay of finishing there.
                        let finishing = full * lastFraction + extra + model.delayObjective(delayHours: max(0, Double(t) + lastFraction - releaseHour - running))
                        // Live n after this slot: from max(0, s - (w - i - 1)) to min(i + 1, s).
                        let nLow = max(0, s - (w - i - 1)), nHigh = min(i + 1, s)
                        let row = how.baseAddress! + (i + 1) * states
                        for n in nLow...nHigh {
                            let mHigh = min(n, k)
                            for m in 0...mHigh {
                                // Not taken: from (n, m, 0), then (n, m, 1) (n >= nLow >= lowest: live).
                                do {
                                    let a = current[n * stride + m * 2], b = current[n * stride + m * 2 + 1]
                                    var v = Double.infinity, h: UInt8 = 0
                                    if a < v { v = a; h = 1 }
                                    if b < v { v = b; h = 2 }
                                    following[n * stride + m * 2] = v
                                    row[n * stride + m * 2] = h
                                }
                                // Taken: from (n - 1, m - 1, 0) (a new run), then (n - 1, m, 1).
                                var v = Double.infinity, h: UInt8 = 0
                                if canTake, n >= 1, n - 1 >= lowest {
                                    let paid = n == s ? finishing : add
                                    if m >= 1 {
                                        let a = current[(n - 1) * stride + (m - 1) * 2]
                                        if a + paid < v { v = a + paid; h = 3 }
                                    }
                                    let b = current[(n - 1) * stride + m * 2 + 1]
                                    if b + paid < v { v = b + paid; h = 4 }
                                }
                                following[n * stride + m * 2 + 1] = v
                                row[n * stride + m * 2 + 1] = h
                            }
                            // Runs above n (or k) are never live: keep them infinite.
                            if mHigh < k {
                                for m in (mHigh + 1)...k {
                                    following[n * stride + m * 2] = .infinity
                                    following[n * stride + m * 2 + 1] = .infinity
                                }
                            }
                        }
                        // Rows below the band are never read again; the row above it is read (not taken)
                        // at the next slot, and must be infinite.
                        if nHigh < s {
                            for x in ((nHigh + 1) * stride)..<states { following[x] = .infinity }
                        }
                        lowest = nLow
                        swap(&current, &following)
                    }
                    if current != cost.baseAddress! {
                        for x in 0..<states { cost[x] = current[x] }
                    }
                }
            }
        }
        let ends = [s * stride + k * 2, s * stride + k * 2 + 1]
        guard let end = ends.min(by: { cost[$0] < cost[$1] }), cost[end] < .infinity else { return nil }
        var slots: [Int] = []
        slots.reserveCapacity(s)
        var idx = end
        var i = w
        while i > 0 {
            let n = idx / stride, m = (idx % stride) / 2
            switch how[i * states + idx] {
            case 1: idx = n * stride + m * 2
            case 2: idx = n * stride + m * 2 + 1
            case 3:
                slots.append(window.lowerBound + i - 1)
                idx = (n - 1) * stride + (m - 1) * 2
            default:
                slots.append(window.lowerBound + i - 1)
                idx = (n - 1) * stride + m * 2 + 1
            }
            i -= 1
        }
        slots.reverse()
        let candidate = make(j, option: o, slots: slots, chunks: k)
        return (candidate, price == nil ? candidate.objective : cost[end] + model.fixedObjective(option, runningHours: running))
    }
}

extension CandidateGenerator {
    /// Whether the `runs` longest stretches of consecutive hours where `available` holds, in `window`, have
    /// `slots` hours between them: a schedule of `slots` hours in `runs` runs needs that (each run lies
    /// within one stretch).
    static func stretchesCanHold(window: Range<Int>, slots: Int, runs: Int, _ available: (Int) -> Bool) -> Bool {
        // The longest stretches so far, longest first (runs is small: a few pieces).
        var longest = [Int](repeating: 0, count: runs)
        func keep(_ length: Int) {
            guard length > longest[runs - 1] else { return }
            var i = runs - 1
            while i > 0, longest[i - 1] < length { longest[i] = longest[i - 1]; i -= 1 }
            longest[i] = length
        }
        var length = 0
        for t in window {
            if available(t) { length += 1 } else { keep(length); length = 0 }
        }
        keep(length)
        return longest.reduce(0, +) >= slots
    }
}

/// A binary max-heap of (value, slot), larger slot first among equal values, so the earliest slots of
/// equal value stay.
struct MaxHeap {
    private var items: [(Double, Int)] = []
    var count: Int { items.count }

    private static func above(_ a: (Double, Int), _ b: (Double, Int)) -> Bool { a.0 != b.0 ? a.0 > b.0 : a.1 > b.1 }

    mutating func push(_ item: (Double, Int)) {
        items.append(item)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.above(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func popMax() -> (Double, Int) {
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, Self.above(items[l], items[m]) { m = l }
                if r < items.count, Self.above(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}

/// C(n, r), or `cap` once it passes `cap`.
func binomial(_ n: Int, _ r: Int, cap: Int) -> Int {
    guard r >= 0, r <= n else { return 0 }
    let r = min(r, n - r)
    var value = 1
    for i in 0..<r {
        value = value * (n - i) / (i + 1)
        if value > cap { return cap }
    }
    return value
}

/// Calls `body` with every `size`-slot subset of `window` that forms exactly `runs` maximal runs.
func forEachSubset(of window: Range<Int>, size: Int, runs: Int, _ body: ([Int]) -> Void) {
    var chosen: [Int] = []
    func recurse(_ next: Int, _ runCount: Int) {
        if chosen.count == size {
            if runCount == runs { body(chosen) }
            return
        }
        let remaining = size - chosen.count
        guard next + remaining <= window.upperBound else { return }
        for t in next...(window.upperBound - remaining) {
            let newRun = chosen.last.map { $0 != t - 1 } ?? true
            let count = runCount + (newRun ? 1 : 0)
            if count > runs { continue }
            chosen.append(t)
            recurse(t + 1, count)
            chosen.removeLast()
        }
    }
    recurse(window.lowerBound, 0)
}
