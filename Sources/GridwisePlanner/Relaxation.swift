import GridwiseCore

/// The Lagrangian relaxation of the capacity constraints, the planner's lower bound.
///
/// With a price `lambda[q][t] >= 0` on each device-hour of resource q (a region's pool) at slot t, every
/// job is placed alone at its cheapest schedule, paying the objective plus devices x the prices of the
/// slots it holds; the capacity then pays back `sum lambda x capacity`. For any prices this is at most the
/// objective of any plan that places the same jobs within capacity (weak duality), so every value it
/// returns is a valid lower bound; subgradient steps raise it towards the best such bound.
///
/// Interruptible jobs are bounded, not solved: for each chunk count, the cheapest hours of the window
/// (any order, any runs; the last one partly used) are a schedule no real one can undercut.
struct LagrangianRelaxation {
    let flat: FlatProblem
    /// Jobs included (those the plan places).
    let included: [Bool]
    /// When given, chunked schedules are solved exactly (dynamic programming with the prices) wherever the
    /// cheapest-hours bound could win: slower, so only for the final bound.
    var exactChunks: CandidateGenerator? = nil

    /// Fixed split of the jobs into blocks, so sums are added in the same order on any machine.
    static let blocks = 32

    /// `body` over each block's range of jobs, the blocks in parallel; the results in block order.
    func perBlock<T>(_ body: @Sendable (Range<Int>) -> T) -> [T] {
        let jobs = flat.jobCount
        let count = min(Self.blocks, max(1, jobs))
        return concurrentMap(count, blocks: count) { b in body((jobs * b / count)..<(jobs * (b + 1) / count)) }
    }

    struct Evaluation {
        var value: Double
        /// Devices each resource would use in each hour if every job took its relaxed schedule.
        var usage: [[Int32]]
        /// Options of jobs that run in one piece whose starts were scanned at these prices.
        var priced: Int
        /// Options of jobs that may run in pieces priced at these prices (see `solveJob`), and those of them
        /// whose schedules in pieces were priced (by their last-hour bound) as well.
        var pricedInPieces: Int
        var hoursPricedInPieces: Int
    }

    /// What the ascent carries from one evaluation to the next, so that a step prices again only the options
    /// that could still win (see `solveContiguous` and `solveJob`): the prices last evaluated, each hour's
    /// price falls summed over the evaluations so far, and for each job the option that won and for each
    /// option (an entry of `flat.options`) its least relaxed cost when last priced plus its devices times the
    /// falls then summed over the job's window (the options of jobs that may run in pieces also keep a key
    /// for their schedules in pieces alone), so that the cost less the same product now bounds it from
    /// below.
    struct Carried {
        var prices: [[Double]]?
        var falls: [[Double]]
        var winner: [Int32]
        /// A copy of each job's winning option, in job order: read first in every step, and in that order
        /// (jobs that run in one piece only; `solveJob` reads the option by its index).
        var winnerOption: [FlatProblem.Option]
        var key: [Double]
        /// For options of jobs that may run in pieces, the same for their schedules in pieces alone.
        var keyInPieces: [Double]
        /// `flat.options`' floors and resources, apart, so that options passed over are not read whole.
        let floor: [Double]
        let resource: [Int32]

        init(_ flat: FlatProblem) {
            prices = nil
            falls = [[Double]](repeating: [Double](repeating: 0, count: flat.hours), count: flat.resources.count)
            winner = [Int32](repeating: -1, count: flat.jobCount)
            // Placeholders (a job's own first option, if any) until the job first wins.
            winnerOption = flat.options.isEmpty ? [] : flat.optionStart.dropLast().map { flat.options[min($0, flat.options.count - 1)] }
            floor = flat.options.map(\.floor)
            resource = flat.options.map(\.resource)
            key = floor
            keyInPieces = flat.maxChunks.contains { $0 > 1 } ? flat.chunkedFloor : []  // read for such jobs only
        }

        /// Adds the falls from the last prices to `lambda` to `falls`, then calls `body` with the arrays as
        /// pointers; `lambda` becomes the last prices.
        mutating func withRaw<R>(advancingTo lambda: [[Double]], _ body: (CarriedRaw) -> R) -> R {
            if let last = prices {
                for q in falls.indices {
                    for t in falls[q].indices { falls[q][t] += max(0, last[q][t] - lambda[q][t]) }
                }
            }
            prices = lambda
            let fallPrefix = falls.flatMap(prefixSums)
            return fallPrefix.withUnsafeBufferPointer { fp in
                floor.withUnsafeBufferPointer { floor in
                    resource.withUnsafeBufferPointer { resource in
                        key.withUnsafeMutableBufferPointer { key in
                            keyInPieces.withUnsafeMutableBufferPointer { keyInPieces in
                                winner.withUnsafeMutableBufferPointer { winner in
                                    winnerOption.withUnsafeMutableBufferPointer { winnerOption in
                                        body(CarriedRaw(falls: fp, floor: floor, resource: resource, key: key, keyInPieces: keyInPieces, winner: winner,
                                                        winnerOption: winnerOption))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// L(lambda) and its subgradient's usage term.
    func evaluate(_ lambda: [[Double]]) -> Evaluation {
        var none: Carried? = nil
        return evaluate(lambda, carried: &none)
    }

    /// The same, carrying `carried` (see `Carried`) from the last evaluation to this one: the same value and
    /// usage to the last digit, with fewer options priced.
    func evaluate(_ lambda: [[Double]], carried: inout Carried?) -> Evaluation {
        let hours = flat.hours
        let resources = flat.resources.count
        let lambdaPrefix = lambda.flatMap(prefixSums)
        func run(_ carry: CarriedRaw?) -> [(value: Double, priced: Int, pricedInPieces: (options: Int, hours: Int), diff: [Int32])] {
            nonisolated(unsafe) let carry = carry  // each block writes only its own jobs' entries
            return perBlock { range in
                var diff = [Int32](repeating: 0, count: resources * (hours + 1))
                var sum = 0.0
                var priced = 0, pricedInPieces = (options: 0, hours: 0)
                var scratch = FlatProblem.LastHour()
                flat.withRaw { raw in
                    lambdaPrefix.withUnsafeBufferPointer { lp in
                        for j in range where included[j] {
                            sum += raw.maxChunks[j] > 1
                                ? solveJob(j, lambda: lambda, lambdaPrefix: lambdaPrefix, diff: &diff, scratch: &scratch, priced: &pricedInPieces, carried: carry)
                                : Self.solveContiguous(j, raw: raw, lambdaPrefix: lp.baseAddress!, diff: &diff, priced: &priced, carried: carry)
                        }
                    }
                }
                return (sum, priced, pricedInPieces, diff)
            }
        }
        let blocks: [(value: Double, priced: Int, pricedInPieces: (options: Int, hours: Int), diff: [Int32])]
        if var state = carried {
            carried = nil  // so that `state`'s arrays are its own, written in place
            blocks = state.withRaw(advancingTo: lambda) { run($0) }
            carried = state
        } else {
            blocks = run(nil)
        }
        var value = blocks.reduce(0) { $0 + $1.value }
        // The blocks' differences summed entry by entry (whole numbers: any order gives the same sums), then
        // run up per resource into each hour's usage.
        var total = [Int32](repeating: 0, count: resources * (hours + 1))
        total.withUnsafeMutableBufferPointer { total in
            for block in blocks {
                block.diff.withUnsafeBufferPointer { diff in
                    for i in 0..<total.count { total[i] &+= diff[i] }
                }
            }
        }
        var usage = [[Int32]](repeating: [Int32](repeating: 0, count: hours), count: resources)
        for q in 0..<resources {
            var running: Int32 = 0
            for t in 0..<hours {
                running += total[q * (hours + 1) + t]
                usage[q][t] = running
                value -= lambda[q][t] * Double(flat.capacity[q][t])
            }
        }
        return Evaluation(value: value, usage: usage, priced: blocks.reduce(0) { $0 + $1.priced }, pricedInPieces: blocks.reduce(0) { $0 + $1.pricedInPieces.options },
                          hoursPricedInPieces: blocks.reduce(0) { $0 + $1.pricedInPieces.hours })
    }

    /// `Carried`'s arrays as pointers for `solveContiguous` and `solveJob`: valid only inside `evaluate`.
    struct CarriedRaw {
        /// Per resource, the running sums of the price falls summed so far (`hours + 1` entries each).
        let falls: UnsafeBufferPointer<Double>
        let floor: UnsafeBufferPointer<Double>
        let resource: UnsafeBufferPointer<Int32>
        let key: UnsafeMutableBufferPointer<Double>
        let keyInPieces: UnsafeMutableBufferPointer<Double>
        let winner: UnsafeMutableBufferPointer<Int32>
        let winnerOption: UnsafeMutableBufferPointer<FlatProblem.Option>
    }

    /// `solveJob` for a job that runs in one piece, on raw pointers (the bound's hot loop).
    ///
    /// With `carried`, the last winner is priced first; then, in the same order as without, an option whose
    /// lower bound (see `Carried`) stands above that value or the best so far is not priced, since it cannot
    /// win. Every option that could be the least, or tie with it, is priced, so the value and schedule are
    /// the same as without `carried`, with fewer options priced.
    @inline(__always)
    static func solveContiguous(_ j: Int, raw: FlatProblem.Raw, lambdaPrefix: UnsafePointer<Double>, diff: inout [Int32], priced: inout Int,
                                carried: CarriedRaw?) -> Double {
        let a = Int(raw.windowStart[j]), b = Int(raw.windowEnd[j])
        let d = Double(raw.devices[j])
        let stride = raw.hours + 1
        var best = Double.infinity
        var bestResource = -1, bestStart = -1, bestLength = 0
        @inline(__always) func price(_ o: FlatProblem.Option) -> (Double, Int) {
            FlatProblem.bestStart(o, release: raw.release[j], window: a, b, prefix: raw.prefix, rate: raw.rate, hours: raw.hours,
                                  delayWeight: raw.delayWeight, pricePrefix: lambdaPrefix + Int(o.resource) * stride, devices: d)
        }
        let options = raw.optionStart[j]..<raw.optionStart[j + 1]
        var scanned = 0  // options priced
        defer { priced += scanned }
        if let carried {
            // Falls over the job's window on resource q, times its devices.
            @inline(__always) func fallen(_ q: Int) -> Double { d * (carried.falls[q * stride + b] - carried.falls[q * stride + a]) }
            let w = Int(carried.winner[j])
            var known = (value: Double.infinity, start: -1)
            if w >= 0 {
                known = price(carried.winnerOption[j])
                scanned += 1
                carried.key[w] = known.value + fallen(Int(carried.resource[w]))
            }
            var winner = -1, winnerStart = -1
            for oi in options {
                let floor = carried.floor[oi]
                if floor >= best { break }  // cheapest floor first; prices are never negative
                let v: Double, s: Int
                if oi == w {
                    (v, s) = known
                } else {
                    let bar = min(best, known.value)
                    let q = Int(carried.resource[oi])
                    let down = fallen(q)
                    if max(floor, carried.key[oi] - down) > bar + 1e-9 * max(1, abs(bar)) { continue }
                    (v, s) = price(raw.options[oi])
                    scanned += 1
                    carried.key[oi] = v + down
                }
                if s >= 0, v < best {
                    winner = oi
                    winnerStart = s
                    best = v
                }
            }
            carried.winner[j] = Int32(winner)
            if winner >= 0 {
                let o = winner == w ? carried.winnerOption[j] : raw.options[winner]
                carried.winnerOption[j] = o
                bestResource = Int(o.resource)
                bestLength = Int(o.slots)
                bestStart = winnerStart
            }
        } else {
            for oi in options {
                let o = raw.options[oi]
                if o.floor >= best { break }  // cheapest floor first; prices are never negative
                let (v, s) = price(o)
                scanned += 1
                if s >= 0, v < best {
                    best = v
                    bestResource = Int(o.resource)
                    bestStart = s
                    bestLength = Int(o.slots)
                }
            }
        }
        guard bestResource >= 0 else { return 0 }
        let base = bestResource * stride
        let devices = raw.devices[j]
        diff[base + bestStart] += devices
        diff[base + bestStart + bestLength] -= devices
        return best
    }

    /// The job's least relaxed cost under `lambda`; adds the slots of that schedule to `diff` and counts in
    /// `priced` the options priced, and those whose schedules in pieces were priced as well.
    ///
    /// With `carried` (the ascent's steps, where chunked schedules are bounded by the last hour and the
    /// cheapest hours before it, `FlatProblem.lastHourBounds`), the last winner is priced first, and an
    /// option whose carried lower bound stands above that value is not priced: an option's cost falls by at
    /// most its devices times the price falls over the job's window, as each hour's price counts once,
    /// whether in one piece or in pieces. As in `solveContiguous`, every option that could be the least,
    /// or tie with it, is priced, so the value and schedule are the same as without `carried`. Within an
    /// option priced, its schedules in pieces (their last-hour bound, the costly part) are priced only where
    /// their own carried bound, kept the same way, does not rule them out (BENCHMARKS.md, sessions 10 and
    /// 11, for the counts).
    func solveJob(_ j: Int, lambda: [[Double]], lambdaPrefix: [Double], diff: inout [Int32], scratch: inout FlatProblem.LastHour,
                  priced: inout (options: Int, hours: Int), carried: CarriedRaw? = nil) -> Double {
        let a = Int(flat.windowStart[j]), b = Int(flat.windowEnd[j])
        let d = Double(flat.devices[j])
        let stride = flat.hours + 1
        var best = OptionCost()
        let options = flat.optionStart[j]..<flat.optionStart[j + 1]
        if let carried, exactChunks == nil {
            // Falls over the job's window on resource q, times its devices (see above).
            func fallen(_ q: Int) -> Double { d * (carried.falls[q * stride + b] - carried.falls[q * stride + a]) }
            let w = Int(carried.winner[j])
            var known = OptionCost()
            if w >= 0 {
                let down = fallen(Int(carried.resource[w]))
                var inPieces = Double.nan
                known = price(w, job: j, lambda: lambda, lambdaPrefix: lambdaPrefix, below: .infinity, piecesFloor: max(flat.chunkedFloor[w], carried.keyInPieces[w] - down),
                              piecesLeast: &inPieces, scratch: &scratch)
                priced.options += 1
                if !inPieces.isNaN { priced.hours += 1 }
                carried.key[w] = known.value + down
                if !inPieces.isNaN { carried.keyInPieces[w] = inPieces + down }
            }
            var winner = -1
            for oi in options {
                let floor = carried.floor[oi]
                if floor >= best.value { break }  // cheapest floor first; prices are never negative
                let cost: OptionCost
                if oi == w {
                    cost = known
                } else {
                    let bar = min(best.value, known.value)
                    let down = fallen(Int(carried.resource[oi]))
                    if max(floor, carried.key[oi] - down) > bar + 1e-9 * max(1, abs(bar)) { continue }
                    var inPieces = Double.nan
                    cost = price(oi, job: j, lambda: lambda, lambdaPrefix: lambdaPrefix, below: best.value, piecesFloor: max(flat.chunkedFloor[oi], carried.keyInPieces[oi] - down),
                                 piecesLeast: &inPieces, scratch: &scratch)
                    priced.options += 1
                    if !inPieces.isNaN { priced.hours += 1 }
                    // Priced only below the best so far: where nothing was, that best bounds the option.
                    carried.key[oi] = min(cost.value, best.value) + down
                    if !inPieces.isNaN { carried.keyInPieces[oi] = inPieces + down }
                }
                if cost.value < best.value {
                    best = cost
                    winner = oi
                }
            }
            carried.winner[j] = Int32(winner)
        } else {
            for oi in options {
                // Options come cheapest floor first and prices are never negative: none further can win.
                if flat.options[oi].floor >= best.value { break }
                var inPieces = Double.nan
                let cost = price(oi, job: j, lambda: lambda, lambdaPrefix: lambdaPrefix, below: best.value, piecesFloor: flat.chunkedFloor[oi], piecesLeast: &inPieces,
                                 scratch: &scratch)
                priced.options += 1
                if !inPieces.isNaN { priced.hours += 1 }
                if cost.value < best.value { best = cost }
            }
        }
        guard best.resource >= 0 else { return 0 }
        let devices = flat.devices[j]
        let base = best.resource * stride
        if let pieces = best.pieces {
            let prices = lambda[best.resource]
            let o = flat.options[pieces.option]
            best.slots = flat.lastHourSlots(o, job: j, chunks: pieces.count, last: pieces.last, price: { d * prices[$0] })
        }
        if let slots = best.slots {
            for t in slots {
                diff[base + t] += devices
                diff[base + t + 1] -= devices
            }
        } else {
            diff[base + best.start] += devices
            diff[base + best.start + best.length] -= devices
        }
        return best.value
    }

    /// One option's least relaxed cost and its schedule: from `start` for `length` slots, or `slots`.
    struct OptionCost {
        var value = Double.infinity
        var resource = -1
        var start = -1
        var length = 0
        var slots: [Int]? = nil
        /// Where `slots` is nil and this is set: the schedule in this many pieces ending at this hour that
        /// the last-hour bound prices (see `FlatProblem.lastHourSlots`), its hours found only for the
        /// job's least.
        var pieces: (count: Int, last: Int, option: Int)? = nil
    }

    /// Option `oi`'s least relaxed cost for job `j` where it is below `below` (else infinite): its best start
    /// in one piece, then its schedules in pieces, each kept where strictly lower (ties: fewer pieces).
    /// `piecesFloor` bounds the schedules in pieces from below (at least `flat.chunkedFloor[oi]`); where their
    /// last-hour bounds are priced, `piecesLeast` is set to the least of them.
    private func price(_ oi: Int, job j: Int, lambda: [[Double]], lambdaPrefix: [Double], below: Double, piecesFloor: Double, piecesLeast: inout Double,
                       scratch: inout FlatProblem.LastHour) -> OptionCost {
        let a = Int(flat.windowStart[j]), b = Int(flat.windowEnd[j])
        let d = Double(flat.devices[j])
        let stride = flat.hours + 1
        let o = flat.options[oi]
        let q = Int(o.resource)
        var best = OptionCost()
        func lower() -> Double { min(below, best.value) }
        let (v, s) = lambdaPrefix.withUnsafeBufferPointer { lp in
            flat.bestStart(o, job: j, window: a, b, pricePrefix: UnsafeBufferPointer(rebasing: lp[(q * stride)..<((q + 1) * stride)]), devices: d)
        }
        if s >= 0, v < lower() { best = OptionCost(value: v, resource: q, start: s, length: Int(o.slots)) }
        let prices = lambda[q]
        // With no checkpoint overhead, the best set of slots is exact over every chunk count at once.
        if let generator = exactChunks,
            let free = generator.bestFreeSplit(job: j, option: Int(o.index), available: nil, price: { d * prices[$0] })
        {
            if free.value < lower() { best = OptionCost(value: free.value, resource: q, slots: free.candidate.slots) }
            return best
        }
        // Prices only add to the price-free floor: where it (or the carried bound) cannot beat the best so
        // far, the pieces' last-hour bounds cannot either (the margin keeps rounding from deciding). The exact
        // programme below, on small instances, keeps its own path.
        if exactChunks == nil, piecesFloor - 1e-9 * max(1, abs(lower())) >= lower() { return best }
        var least = Double.infinity
        defer { if exactChunks == nil { piecesLeast = least } }
        flat.lastHourBounds(o, job: j, price: { d * prices[$0] }, scratch: &scratch) { k, bound, last in
            least = min(least, bound)
            var v = bound
            // Exactly, where the dynamic programme is small enough (else the last-hour bound stands).
            if v < lower(), let generator = exactChunks,
                let exact = generator.bestChunkedValue(job: j, option: Int(o.index), chunks: k, available: nil, price: { d * prices[$0] })
            {
                v = max(v, exact.value)
                if v < lower() { best = OptionCost(value: v, resource: q, slots: exact.candidate.slots) }
                return
            }
            if v < lower() { best = OptionCost(value: v, resource: q, pieces: (k, last, oi)) }
        }
        return best
    }

    struct Result {
        var bound: Double
        var lambda: [[Double]]
        var iterations: Int
        /// The mean of the prices of the last `averagedSteps` steps (or of all, if fewer), which guide a
        /// second plan (see `Planner.plan`, step 3).
        var averaged: [[Double]]
        /// Where the steps stopped, for `ascend(resuming:)`.
        var state: State
    }

    /// The ascent's working state after its last step: the prices the next step evaluates, the step scale
    /// and its count of steps that did not raise the bound, the last direction and the last steps' prices.
    struct State {
        var next: [[Double]]
        var theta: Double
        var stale: Int
        var direction: [[Double]]
        var recent: [[[Double]]]
        /// The steps ended on their own (the step scale ran out, the relaxed schedules fit, or the gap
        /// closed): more from here would change nothing.
        var finished: Bool
    }

    /// Steps whose prices `Result.averaged` takes the mean of. On the 10,000-job benchmark (seeds 1-8) the
    /// plan those prices guide was better than the best-bound prices' on 7 seeds, by up to 0.28 %; means
    /// of the last 5 or 20 steps did about as well, of the last 40 a little worse, of the last 80 worse
    /// (BENCHMARKS.md).
    static let averagedSteps = 10

    /// Subgradient ascent with Polyak steps towards `upperBound` (the best plan's objective), from zero
    /// prices; stops after `iterations`, when `shouldStop` says so, or when the gap closes to `targetGap`.
    ///
    /// With `deflection` β > 0 each step goes along the subgradient plus β times the previous direction
    /// (Camerini, Fratta and Maffioli's deflected subgradient), which damps the zig-zag between steps: on
    /// the 10,000-job benchmark, 160 such steps give prices whose guided plan is 0.6 % better than 120
    /// plain ones, and a slightly higher bound (BENCHMARKS.md). Every value is still L(lambda) at
    /// some prices >= 0, so a valid bound.
    ///
    /// With `resuming`, a result of this relaxation's own steps (same `upperBound` and `deflection`), the
    /// steps go on from where those stopped: n steps and then m more resuming give the same prices, bound
    /// and result as n + m steps at once. `iterations` counts the new steps only. (Steps that `shouldStop`
    /// ended are not for resuming: their last prices would be evaluated twice. The planner stops too.)
    ///
    /// Each step carries its options' lower bounds to the next (`Carried`), so it prices again only the
    /// options that could still win; the steps are the same as with every option priced. A resumed run
    /// starts carrying afresh, which changes nothing but the count of options priced.
    func ascend(upperBound: Double, iterations: Int, targetGap: Double, deflection: Double = 0, resuming previous: Result? = nil,
                shouldStop: () -> Bool) -> Result {
        let hours = flat.hours
        let zero = [[Double]](repeating: [Double](repeating: 0, count: hours), count: flat.resources.count)
        var lambda = previous?.state.next ?? zero
        var best = previous?.bound ?? -Double.infinity
        var bestLambda = previous?.lambda ?? lambda
        var theta = previous?.state.theta ?? 1.0
        var stale = previous?.state.stale ?? 0
        var done = previous?.iterations ?? 0
        var g = previous?.state.direction ?? zero
        var recent = previous?.state.recent ?? []
        var finished = previous?.state.finished ?? false
        var carried: Carried? = Carried(flat)
        for _ in 0..<(finished ? 0 : max(1, iterations)) {
            let e = evaluate(lambda, carried: &carried)
            done += 1
            recent.append(lambda)
            if recent.count > Self.averagedSteps { recent.removeFirst() }
            if e.value > best + 1e-12 * max(1, abs(e.value)) {
                best = e.value
                bestLambda = lambda
                stale = 0
            } else {
                stale += 1
                if stale >= 4 {
                    theta /= 2
                    stale = 0
                }
            }
            if Planner.gap(objective: upperBound, bound: best) <= targetGap || theta < 1e-4 {
                finished = true
                break
            }
            if shouldStop() { break }
            var norm = 0.0
            for q in 0..<flat.resources.count {
                for t in 0..<hours {
                    // `g` still holds the previous direction.
                    var v = Double(e.usage[q][t] - flat.capacity[q][t]) + deflection * g[q][t]
                    if v < 0 && lambda[q][t] <= 0 { v = 0 }
                    g[q][t] = v
                    norm += v * v
                }
            }
            if norm == 0 {  // the relaxed schedules fit: the relaxation is solved
                finished = true
                break
            }
            // Polyak's step towards the best plan's objective, scaled by theta, which halves whenever
            // four steps in a row fail to raise the bound.
            let step = theta * max(upperBound - e.value, 1e-9 * max(1, abs(upperBound))) / norm
            for q in 0..<flat.resources.count {
                for t in 0..<hours where g[q][t] != 0 { lambda[q][t] = max(0, lambda[q][t] + step * g[q][t]) }
            }
        }
        var averaged = recent[0]
        for l in recent.dropFirst() {
            for q in averaged.indices { for t in 0..<hours { averaged[q][t] += l[q][t] } }
        }
        let share = 1 / Double(recent.count)
        for q in averaged.indices { for t in 0..<hours { averaged[q][t] *= share } }
        return Result(bound: best, lambda: bestLambda, iterations: done, averaged: averaged,
                      state: State(next: lambda, theta: theta, stale: stale, direction: g, recent: recent, finished: finished))
    }
}
