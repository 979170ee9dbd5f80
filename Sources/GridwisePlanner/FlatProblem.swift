import Dispatch
import GridwiseCore

/// The problem in flat arrays for the large-scale path: per region an objective rate per kWh and hour,
/// per (region, pool) "resource" the devices free in each hour, per job its options.
///
/// The objective of running option `o` of job `j` contiguously from slot `s` for `L` slots (the last one
/// used for a fraction `f`) is
///
///     e x (R[s+L-1] - R[s]) + e x f x rate[s+L-1] + water x (L - 1 + f) + latency x running + delay
///
/// where `R` is the prefix sum of the region's rate (the carbon and cost weights, divided by their
/// normalisers, per kWh); it is the same sum `CostModel.objective` computes term by term.
///
/// A class, immutable once made: plans (`Placer`) and the searches' closures hold it by reference, as
/// copying some twenty arrays' references at each copy of a plan took a third of the search's time.
final class FlatProblem: Sendable {
    struct Option {
        /// Index into `CompiledProblem.options[j]`.
        var index: Int32
        var resource: Int32
        var region: Int32
        /// Facility kWh per full hour.
        var energy: Double
        /// Water objective per full hour.
        var water: Double
        /// Latency objective per running hour.
        var latency: Double
        /// Running hours in one piece, and the slots they occupy.
        var running: Double
        var slots: Int32
        /// A lower bound on any schedule of this option, whatever the prices: every running hour at the
        /// window's lowest rate (at the better end of one piece or the most pieces).
        var floor: Double
    }

    let compiled: CompiledProblem
    let model: CostModel
    let hours: Int
    /// Resource id -> (region, pool).
    let resources: [(region: Int, pool: Int)]
    let resourceIndex: [[Int]]
    /// Devices available per resource and hour.
    let capacity: [[Int32]]
    /// Objective per facility kWh, per region and hour, and its prefix sums (hours + 1 entries).
    let rate: [[Double]]
    /// The same, flat: region r's hour t at `r * hours + t`, its prefix at `r * (hours + 1) + t`.
    let rateFlat: [Double]
    let prefixFlat: [Double]
    let delayWeight: Double
    /// Per job.
    let devices: [Int32]
    let windowStart: [Int32]
    let windowEnd: [Int32]
    let releaseHour: [Double]
    let maxChunks: [Int32]
    let overhead: [Double]
    /// Options of job j are `options[optionStart[j] ..< optionStart[j + 1]]`.
    let optionStart: [Int]
    let options: [Option]
    /// Per flat option: a lower bound on any schedule of it in 2 or more pieces, whatever the prices and
    /// capacity (`lastHourBounds` with no prices, the least over the piece counts); infinite for jobs that
    /// run in one piece.
    let chunkedFloor: [Double]

    /// `excluding`: per job, resources its options may not use; `holding`: per job, the one resource and
    /// first slot it must run on and from, in one piece (its window cut to those hours). Restricted
    /// problems: see `Planner.restrictedRestarts`.
    init(model: CostModel, allowSplitting: Bool, excluding: [Int: Set<Int>] = [:], holding: [Int: (resource: Int, start: Int)] = [:]) {
        let compiled = model.compiled
        self.compiled = compiled
        self.model = model
        hours = compiled.hours
        let regions = compiled.problem.catalog.regions
        var resources: [(region: Int, pool: Int)] = []
        var resourceIndex: [[Int]] = []
        for (r, region) in regions.enumerated() {
            resourceIndex.append(region.pools.indices.map { p in
                resources.append((r, p))
                return resources.count - 1
            })
        }
        self.resources = resources
        self.resourceIndex = resourceIndex
        capacity = resources.map { compiled.capacity[$0.region][$0.pool] }
        let weights = model.weights, n = model.normalisers
        let carbonFactor = weights.carbon / 1000 / n.carbonKilograms, costFactor = weights.cost / 1000 / n.cost
        let rate = regions.indices.map { r in (0..<compiled.hours).map { t in carbonFactor * compiled.carbon[r][t] + costFactor * compiled.price[r][t] } }
        self.rate = rate
        rateFlat = rate.flatMap { $0 }
        prefixFlat = rate.flatMap(prefixSums)
        delayWeight = weights.delay / n.delayHours
        let jobs = compiled.problem.jobs
        devices = jobs.map { Int32($0.deviceCount) }
        var windowStart = compiled.windows.map { Int32($0.lowerBound) }, windowEnd = compiled.windows.map { Int32($0.upperBound) }
        for (j, held) in holding {
            // The held option's hours, inside the job's own window (else no hours: the job cannot be placed).
            let job = compiled.problem.jobs[j]
            let option = compiled.options[j].first { resourceIndex[$0.region][$0.pool] == held.resource }
            let slots = option.map { Int32((job.runningHours(speed: $0.speed) - 1e-9).rounded(.up)) } ?? 0
            let from = Int32(held.start), to = from + slots
            let fits = option != nil && from >= windowStart[j] && to <= windowEnd[j]
            windowStart[j] = fits ? from : windowStart[j]
            windowEnd[j] = fits ? to : windowStart[j]
        }
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        let start = compiled.problem.horizon.start
        releaseHour = jobs.map { $0.release.hours(since: start) }
        let maxChunks = jobs.indices.map { j in Int32(jobs[j].interruptible && allowSplitting && holding[j] == nil ? jobs[j].maxChunks : 1) }
        let overhead = jobs.map(\.checkpointOverheadHours)
        self.maxChunks = maxChunks
        self.overhead = overhead
        // Lowest rate over any span of hours, per region: a sparse table for window minima.
        let minima = rate.map { RangeMinimum($0) }
        // Each job's options, found on both cores in fixed blocks of jobs, then laid end to end in job order.
        let wue = regions.map(\.waterLitresPerKilowattHour)
        let blocks = min(2, max(1, jobs.count))
        let starts = windowStart, ends = windowEnd, resourceOf = resourceIndex
        let lists = concurrentMap(jobs.count) { j in
            let job = jobs[j]
            let window = Int(starts[j])..<Int(ends[j])
            let held = holding[j]
            let chunks = job.interruptible && allowSplitting && held == nil ? job.maxChunks : 1
            var list: [Option] = []
            let excluded = excluding[j] ?? []
            for (i, o) in compiled.options[j].enumerated() where !excluded.contains(resourceOf[o.region][o.pool]) && (held.map { $0.resource == resourceOf[o.region][o.pool] } ?? true) {
                let running = job.runningHours(speed: o.speed)
                let water = weights.water * o.itKilowattHoursPerHour * wue[o.region] / n.waterLitres
                let latency = weights.latency * (o.latencyMilliseconds ?? 0) / n.latencyMillisecondHours
                let perHour = o.facilityKilowattHoursPerHour * (window.isEmpty ? 0 : minima[o.region].minimum(window)) + water + latency
                let most = job.runningHours(speed: o.speed, chunks: chunks)
                list.append(Option(
                    index: Int32(i), resource: Int32(resourceOf[o.region][o.pool]), region: Int32(o.region), energy: o.facilityKilowattHoursPerHour,
                    water: water, latency: latency, running: running, slots: Int32((running - 1e-9).rounded(.up)),
                    floor: min(running * perHour, most * perHour)))
            }
            // Cheapest floor first, so scans can stop once the floor passes the best found.
            list.sort { $0.floor != $1.floor ? $0.floor < $1.floor : $0.index < $1.index }
            return list
        }
        var optionStart = [0]
        optionStart.reserveCapacity(jobs.count + 1)
        var options: [Option] = []
        options.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        for list in lists {
            options.append(contentsOf: list)
            optionStart.append(options.count)
        }
        self.optionStart = optionStart
        self.options = options
        // Chunked schedules' floors, per option of the jobs that may run in pieces (each job's own entries,
        // so the blocks write apart).
        var floor = [Double](repeating: .infinity, count: options.count)
        let delayWeight = self.delayWeight, releaseHour = self.releaseHour, firstOption = optionStart, flatOptions = options
        floor.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: blocks) { b in
                var scratch = LastHour()
                for j in (jobs.count * b / blocks)..<(jobs.count * (b + 1) / blocks) where maxChunks[j] > 1 {
                    for oi in firstOption[j]..<firstOption[j + 1] {
                        let o = flatOptions[oi]
                        Self.lastHourBounds(o, window: Int(starts[j]), Int(ends[j]), maxChunks: Int(maxChunks[j]), overhead: overhead[j], rate: rate[Int(o.region)],
                                            release: releaseHour[j], delayWeight: delayWeight, price: { _ in 0 }, scratch: &scratch) { _, bound, _ in out[oi] = min(out[oi], bound) }
                    }
                }
            }
        }
        chunkedFloor = floor
    }

    var jobCount: Int { devices.count }

    /// The flat option of job `j` that is option `index` of the compiled problem (nil: excluded here).
    func option(job j: Int, index: Int) -> Int? {
        (optionStart[j]..<optionStart[j + 1]).first { Int(options[$0].index) == index }
    }

    /// Devices x the fewest slots any option of job `j` holds: the order large jobs go first by.
    func footprint(_ j: Int) -> Int {
        Int(devices[j]) * ((optionStart[j]..<optionStart[j + 1]).map { Int(options[$0].slots) }.min() ?? 0)
    }

    /// Running hours and slots of option `o` in `k` pieces.
    @inline(__always)
    func shape(_ o: Option, job j: Int, chunks k: Int) -> (running: Double, slots: Int, fraction: Double) {
        Self.shape(o, overhead: overhead[j], chunks: k)
    }

    /// The same, for a job whose checkpoint overhead is `overhead` hours.
    @inline(__always)
    static func shape(_ o: Option, overhead: Double, chunks k: Int) -> (running: Double, slots: Int, fraction: Double) {
        let running = o.running + Double(k - 1) * overhead
        let slots = Int((running - 1e-9).rounded(.up))
        return (running, slots, running - Double(slots - 1))
    }

    /// The objective of running option `o` of job `j` in one piece from slot `s` (see the type's comment).
    /// The delay is the start's lateness: finish - release - running = s - release.
    @inline(__always)
    func contiguousObjective(_ o: Option, job j: Int, start s: Int) -> Double {
        let r = Int(o.region)
        precondition(s >= 0 && s + Int(o.slots) <= hours, "start outside the horizon")
        return prefixFlat.withUnsafeBufferPointer { prefix in
            rateFlat.withUnsafeBufferPointer { rate in
                Self.contiguousObjective(o, start: s, release: releaseHour[j], prefix: prefix.baseAddress! + r * (hours + 1),
                                         rate: rate.baseAddress! + r * hours, delayWeight: delayWeight)
            }
        }
    }

    /// The same on raw pointers: `prefix` and `rate` point at the option's region's prefix sums and rates
    /// (in `prefixFlat` and `rateFlat`); the start must leave the option's slots inside the horizon.
    @inline(__always)
    static func contiguousObjective(_ o: Option, start s: Int, release: Double, prefix p: UnsafePointer<Double>, rate rt: UnsafePointer<Double>,
                                    delayWeight dw: Double) -> Double {
        let L = Int(o.slots)
        let fraction = o.running - Double(L - 1)
        let last = s + L - 1
        let energyTerm = o.energy * (p[last] - p[s] + fraction * rt[last])
        return energyTerm + o.water * o.running + o.latency * o.running + dw * max(0, Double(s) - release)
    }

    /// The least of `objective(s) + devices x (prices[s + L] - prices[s])` over starts `a...b-L` on a
    /// contiguous option, where `pricePrefix` is the prefix sum of the resource's prices (nil: none).
    /// Returns the value and the start (-1: none); ties go to the earliest start.
    func bestStart(_ o: Option, job j: Int, window a: Int, _ b: Int, pricePrefix: UnsafeBufferPointer<Double>?, devices: Double) -> (Double, Int) {
        prefixFlat.withUnsafeBufferPointer { prefix in
            rateFlat.withUnsafeBufferPointer { rates in
                Self.bestStart(o, release: releaseHour[j], window: a, b, prefix: prefix.baseAddress!, rate: rates.baseAddress!, hours: hours,
                               delayWeight: delayWeight, pricePrefix: pricePrefix?.baseAddress, devices: devices)
            }
        }
    }

    /// The arrays the bound's inner loops read, as pointers: valid only inside `withRaw`.
    struct Raw {
        let options: UnsafePointer<Option>
        let optionStart: UnsafePointer<Int>
        let windowStart: UnsafePointer<Int32>
        let windowEnd: UnsafePointer<Int32>
        let devices: UnsafePointer<Int32>
        let maxChunks: UnsafePointer<Int32>
        let release: UnsafePointer<Double>
        let prefix: UnsafePointer<Double>
        let rate: UnsafePointer<Double>
        let hours: Int
        let delayWeight: Double
    }

    func withRaw<R>(_ body: (Raw) -> R) -> R {
        options.withUnsafeBufferPointer { options in
            optionStart.withUnsafeBufferPointer { optionStart in
                windowStart.withUnsafeBufferPointer { windowStart in
                    windowEnd.withUnsafeBufferPointer { windowEnd in
                        devices.withUnsafeBufferPointer { devices in
                            maxChunks.withUnsafeBufferPointer { maxChunks in
                                releaseHour.withUnsafeBufferPointer { release in
                                    prefixFlat.withUnsafeBufferPointer { prefix in
                                        rateFlat.withUnsafeBufferPointer { rate in
                                            body(Raw(
                                                options: options.baseAddress!, optionStart: optionStart.baseAddress!, windowStart: windowStart.baseAddress!,
                                                windowEnd: windowEnd.baseAddress!, devices: devices.baseAddress!, maxChunks: maxChunks.baseAddress!,
                                                release: release.baseAddress!, prefix: prefix.baseAddress!, rate: rate.baseAddress!, hours: hours,
                                                delayWeight: delayWeight))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `bestStart` on raw pointers: `prefix` and `rate` are `prefixFlat` and `rateFlat`; `pricePrefix`
    /// points at the resource's price prefix sums.
    @inline(__always)
    static func bestStart(_ o: Option, release: Double, window a: Int, _ b: Int, prefix: UnsafePointer<Double>, rate: UnsafePointer<Double>, hours: Int,
                          delayWeight dw: Double, pricePrefix lp: UnsafePointer<Double>?, devices: Double) -> (Double, Int) {
        let L = Int(o.slots)
        guard L <= b - a else { return (.infinity, -1) }
        let fraction = o.running - Double(L - 1)
        let r = Int(o.region)
        let constant = (o.water + o.latency) * o.running
        let e = o.energy
        var best = Double.infinity, bestS = -1
        let p = prefix + r * (hours + 1)
        let rt = rate + r * hours
        // Four starts at a time, each lane keeping its first least value; the same sums in the same order
        // as one at a time, so the same value and, ties going to the earliest, the same start.
        let lane = SIMD4<Double>(0, 1, 2, 3)
        var bestV = SIMD4<Double>(repeating: .infinity)
        var bestI = SIMD4<Double>(repeating: -1)
        var s = a
        let end = b - L  // the last start
        while s + 3 <= end {
            let last = s + L - 1
            let ps = UnsafeRawPointer(p + s).loadUnaligned(as: SIMD4<Double>.self)
            let pl = UnsafeRawPointer(p + last).loadUnaligned(as: SIMD4<Double>.self)
            let rl = UnsafeRawPointer(rt + last).loadUnaligned(as: SIMD4<Double>.self)
            let starts = SIMD4<Double>(repeating: Double(s)) + lane
            var late = starts - release
            late.replace(with: 0, where: late .< 0)
            var v = e * (pl - ps + fraction * rl) + dw * late
            if let lp {
                let ls = UnsafeRawPointer(lp + s).loadUnaligned(as: SIMD4<Double>.self)
                let le = UnsafeRawPointer(lp + s + L).loadUnaligned(as: SIMD4<Double>.self)
                v = v + devices * (le - ls)
            }
            let better = v .< bestV
            bestV.replace(with: v, where: better)
            bestI.replace(with: starts, where: better)
            s += 4
        }
        for i in 0..<4 where bestV[i] < best || (bestV[i] == best && bestI[i] >= 0 && Int(bestI[i]) < bestS) {
            best = bestV[i]
            bestS = Int(bestI[i])
        }
        while s <= end {
            let last = s + L - 1
            var v = e * (p[last] - p[s] + fraction * rt[last]) + dw * max(0, Double(s) - release)
            if let lp { v += devices * (lp[s + L] - lp[s]) }
            if v < best { best = v; bestS = s }
            s += 1
        }
        return (best + constant, bestS)
    }

    /// Scratch space for `lastHourBounds`, reused across calls.
    struct LastHour {
        var costs: [Double] = []
        var heap: [Double] = []
    }

    /// Lower bounds on option `o`'s schedules in k = 2...maxChunks pieces of job `j`, with `price(t)` added to
    /// every hour held (infinite where the hour cannot be held): for the slots of k pieces, the least over
    /// the last hour of its fraction of an hour's objective, its price and the delay of finishing there,
    /// plus the cheapest full hours before it (objective and price), plus latency. A schedule in pieces
    /// holds its last hour and that many hours before it, however they run, so it costs at least this.
    /// Unlike the cheapest hours of the window (the bound before session 11) it counts the delay, which
    /// makes it much the tighter where cheap hours come late: on the benchmark's 10,000 jobs, 30 % interruptible, the placer's programmes fall from
    /// about 480,000 to 50,000 (BENCHMARKS.md). Calls `body(k, bound, last)`, where `last` is the last hour
    /// of the least (the earliest of equal ones; -1 where there is none), from which `lastHourSlots` gives
    /// its hours.
    func lastHourBounds(_ o: Option, job j: Int, price: (Int) -> Double, scratch: inout LastHour, _ body: (Int, Double, Int) -> Void) {
        Self.lastHourBounds(o, window: Int(windowStart[j]), Int(windowEnd[j]), maxChunks: Int(maxChunks[j]), overhead: overhead[j], rate: rate[Int(o.region)],
                            release: releaseHour[j], delayWeight: delayWeight, price: price, scratch: &scratch, body)
    }

    /// The same for an option whose job has the window `a..<b`, at most `kMax` pieces, `overhead` hours per
    /// extra piece and its release at hour `release`; `rate` is the option's region's objective per kWh by
    /// hour, and `dw` the objective per hour of delay.
    @inline(__always)
    static func lastHourBounds(_ o: Option, window a: Int, _ b: Int, maxChunks kMax: Int, overhead: Double, rate: [Double], release: Double, delayWeight dw: Double,
                               price: (Int) -> Double, scratch: inout LastHour, _ body: (Int, Double, Int) -> Void) {
        let w = b - a
        guard kMax > 1, w >= 2 else { return }
        if scratch.costs.count < w { scratch.costs = [Double](repeating: 0, count: w) }
        if scratch.heap.count < w { scratch.heap = [Double](repeating: 0, count: w) }
        precondition(a >= 0 && b <= rate.count, "window outside the horizon")
        scratch.costs.withUnsafeMutableBufferPointer { costs in
            scratch.heap.withUnsafeMutableBufferPointer { heap in
                for i in 0..<w { costs[i] = Self.hourly(o, rate: rate[a + i]) + price(a + i) }
                var k = 2
                while k <= kMax {
                    let shape = shape(o, overhead: overhead, chunks: k)
                    guard shape.slots <= w, shape.slots >= 1 else { break }
                    // The piece counts from k on (up to four) that need as many slots share one pass over
                    // the hours (most often 2 and 3 pieces, where the overhead fits in the last hour's spare
                    // part): the same hours kept, each count's own last part, delay and latency.
                    var group = k
                    while group < kMax, group - k < 3, Self.shape(o, overhead: overhead, chunks: group + 1).slots == shape.slots { group += 1 }
                    var fraction = (shape.fraction, 0.0, 0.0, 0.0), running = (shape.running, 0.0, 0.0, 0.0)
                    if group > k {
                        for g in (k + 1)...group {
                            let other = Self.shape(o, overhead: overhead, chunks: g)
                            switch g - k {
                            case 1: (fraction.1, running.1) = (other.fraction, other.running)
                            case 2: (fraction.2, running.2) = (other.fraction, other.running)
                            default: (fraction.3, running.3) = (other.fraction, other.running)
                            }
                        }
                    }
                    var least = (Double.infinity, Double.infinity, Double.infinity, Double.infinity), last = (-1, -1, -1, -1)
                    // The (slots - 1) cheapest usable hours before each hour: a max-heap of their costs, and
                    // their sum. An hour no cheaper than the dearest kept changes neither.
                    let keep = shape.slots - 1
                    var count = 0, sum = 0.0
                    for i in 0..<w where costs[i] < .infinity {
                        let c = costs[i]
                        if count == keep {
                            let t = a + i
                            let h = Self.hourly(o, rate: rate[t])
                            func value(_ f: Double, _ r: Double) -> Double { sum + (c - (1 - f) * h) + dw * max(0, Double(t) + f - release - r) }
                            let v0 = value(fraction.0, running.0)
                            if v0 < least.0 { least.0 = v0; last.0 = t }
                            if group > k {
                                let v1 = value(fraction.1, running.1)
                                if v1 < least.1 { least.1 = v1; last.1 = t }
                                if group > k + 1 {
                                    let v2 = value(fraction.2, running.2)
                                    if v2 < least.2 { least.2 = v2; last.2 = t }
                                    if group > k + 2 {
                                        let v3 = value(fraction.3, running.3)
                                        if v3 < least.3 { least.3 = v3; last.3 = t }
                                    }
                                }
                            }
                            guard keep > 0, c < heap[0] else { continue }
                            // In place of the dearest: down from the top.
                            sum += c - heap[0]
                            var x = 0
                            while true {
                                let l = 2 * x + 1, r = l + 1
                                var m = x
                                var top = c
                                if l < count, heap[l] > top { m = l; top = heap[l] }
                                if r < count, heap[r] > top { m = r }
                                if m == x { break }
                                heap[x] = heap[m]
                                x = m
                            }
                            heap[x] = c
                        } else {
                            // Added: up from the bottom.
                            sum += c
                            var x = count
                            count += 1
                            while x > 0, heap[(x - 1) / 2] < c {
                                heap[x] = heap[(x - 1) / 2]
                                x = (x - 1) / 2
                            }
                            heap[x] = c
                        }
                    }
                    body(k, least.0 + o.latency * running.0, last.0)
                    if group > k { body(k + 1, least.1 + o.latency * running.1, last.1) }
                    if group > k + 1 { body(k + 2, least.2 + o.latency * running.2, last.2) }
                    if group > k + 2 { body(k + 3, least.3 + o.latency * running.3, last.3) }
                    k = group + 1
                }
            }
        }
    }

    /// The hours of `lastHourBounds`' least for k pieces ending at `last`: the slots - 1 cheapest usable
    /// hours before it (objective and price; ties: the earlier), and `last`, in time order.
    func lastHourSlots(_ o: Option, job j: Int, chunks k: Int, last: Int, price: (Int) -> Double) -> [Int] {
        let a = Int(windowStart[j])
        let rate = self.rate[Int(o.region)]
        var before: [(cost: Double, t: Int)] = []
        before.reserveCapacity(last - a)
        for t in a..<last {
            let c = Self.hourly(o, rate: rate[t]) + price(t)
            if c < .infinity { before.append((c, t)) }
        }
        before.sort { $0.cost != $1.cost ? $0.cost < $1.cost : $0.t < $1.t }
        return (before.prefix(shape(o, job: j, chunks: k).slots - 1).map(\.t) + [last]).sorted()
    }

    /// The objective of one full hour at slot `t` on option `o`, without latency and delay.
    @inline(__always)
    func hourly(_ o: Option, slot t: Int) -> Double {
        Self.hourly(o, rate: rate[Int(o.region)][t])
    }

    /// The same at an hour whose objective per kWh is `rate`.
    @inline(__always)
    static func hourly(_ o: Option, rate: Double) -> Double {
        o.energy * rate + o.water
    }
}

/// Running sums: `values.count + 1` entries, the first 0, so a range sums to `p[end] - p[start]`.
func prefixSums(_ values: [Double]) -> [Double] {
    var prefix = [Double](repeating: 0, count: values.count + 1)
    for (t, v) in values.enumerated() { prefix[t + 1] = prefix[t] + v }
    return prefix
}

/// Minimum of a fixed array over any range in O(1), after O(n log n) preparation.
struct RangeMinimum {
    private var levels: [[Double]]

    init(_ values: [Double]) {
        levels = [values]
        var width = 1
        while width * 2 <= values.count {
            let previous = levels[levels.count - 1]
            levels.append((0...(values.count - width * 2)).map { min(previous[$0], previous[$0 + width]) })
            width *= 2
        }
    }

    /// The least value in a non-empty range.
    func minimum(_ range: Range<Int>) -> Double {
        var level = 0
        while (2 << level) <= range.count { level += 1 }
        return min(levels[level][range.lowerBound], levels[level][range.upperBound - (1 << level)])
    }
}
