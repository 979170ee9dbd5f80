import Dispatch
import GridwiseCore

/// Conflict cliques, dualised beside the capacity constraints (relax and cut), to sharpen the bound.
///
/// In an hour with C devices free on a resource, two jobs whose devices add up to more than C cannot
/// both run there. Jobs of more than C/2 devices conflict pairwise, so at most one of them runs in that
/// hour (the "large" clique); a smaller job i conflicts with each large job j with d_i + d_j > C, so at
/// most one of i and those runs (i's clique). Every plan within capacity meets these inequalities, and
/// the capacity constraints alone do not imply them once schedules are fractional: half of a 64-device
/// job in a 64-device pool leaves 32 devices that the relaxation fills with small jobs, which a whole
/// plan never can.
///
/// With a price mu >= 0 on each clique, a job pays, in every hour it holds, devices x lambda plus the
/// prices of the cliques it belongs to there; the cliques pay their prices back. As with the capacity
/// alone, every value is a lower bound on any plan of the included jobs (weak duality), whatever the
/// prices. The ascent starts from the capacity relaxation's prices and adds a clique whenever the
/// relaxed schedules break it (Lucena's relax and cut). Each clique is written in devices (both sides
/// times the devices free), so its price moves at the pace of the capacity prices; unscaled, the steps
/// barely moved them. Interruptible jobs take part through the capacity prices only: the cliques are
/// written over the jobs that run in one piece, which every plan still meets.
extension LagrangianRelaxation {
    /// A clique: on `resource` in `hour`, the jobs larger than half the devices free, and `job` (-1: no
    /// other job), which conflicts with each of them.
    struct Clique: Hashable {
        var resource: Int32
        var hour: Int32
        var job: Int32
    }

    struct CliqueResult {
        var bound: Double
        var cliques: Int
        var iterations: Int
        /// Whether the bound solves interruptible jobs' chunked schedules exactly (as the relaxation's
        /// `exactChunks` asks), rather than by their last-hour bound.
        var chunksSolvedExactly: Bool
        /// The prices at the highest value: capacity, and the cliques with theirs.
        var lambda: [[Double]]
        var state: CliqueState
    }

    /// Subgradient ascent over the capacity and clique prices together, from `lambda` and no cliques, with
    /// Polyak steps towards `upperBound`, the step scale halving after `patience` steps without a higher
    /// value; stops after `iterations`, when `shouldStop` says so, or when the gap to `upperBound` closes
    /// to `targetGap`. Returns the highest value found, a valid lower bound.
    func cliqueAscent(from lambda: [[Double]], upperBound: Double, iterations: Int, targetGap: Double = 0, patience: Int = 10, shouldStop: () -> Bool) -> CliqueResult {
        let hours = flat.hours
        let resources = flat.resources.count
        let jobs = flat.jobCount
        let cellCount = resources * hours
        var lambda = lambda
        var state = CliqueState(cells: [[Int32]](repeating: [], count: cellCount),
                                before: [[Int32]](repeating: [Int32](repeating: 0, count: hours + 1), count: resources))
        var known: [Clique: Int] = [:]
        var best = -Double.infinity
        var bestLambda = lambda, bestState = state
        // The steps bound chunked schedules by their last-hour bound; the best prices are evaluated again
        // with them solved exactly, where the relaxation does so.
        var plain = self
        plain.exactChunks = nil
        var theta = 1.0
        var stale = 0
        var done = 0
        var holders = [[Int32]](repeating: [], count: cellCount)
        var gLambda = [[Double]](repeating: [Double](repeating: 0, count: hours), count: resources)
        for _ in 0..<max(1, iterations) {
            let e = plain.relaxedWithCliques(lambda: lambda, state: state)
            let value = e.value
            done += 1
            if value > best + 1e-12 * max(1, abs(value)) {
                best = value
                bestLambda = lambda
                bestState = state
                stale = 0
            } else {
                stale += 1
                if stale >= patience {
                    theta /= 2
                    stale = 0
                }
            }
            if Planner.gap(objective: upperBound, bound: best) <= targetGap || theta < 1e-4 || shouldStop() { break }

            // Who holds each cell in the relaxed schedules, and the cliques they break (added at price 0).
            var touched: [Int] = []
            for block in e.chosen {
                for c in block {
                    for t in Int(c.start)..<Int(c.start + c.length) {
                        let cell = Int(c.resource) * hours + t
                        if holders[cell].isEmpty { touched.append(cell) }
                        holders[cell].append(c.job)
                    }
                }
            }
            touched.sort()
            var added = false
            for cell in touched {
                let list = holders[cell]
                let q = cell / hours, t = cell % hours
                let capacity = Int(flat.capacity[q][t])
                var large = 0, smallestLarge = Int.max
                for j in list where 2 * Int(flat.devices[Int(j)]) > capacity {
                    large += 1
                    smallestLarge = min(smallestLarge, Int(flat.devices[Int(j)]))
                }
                guard large > 0 else { continue }
                func add(_ c: Clique) {
                    guard known[c] == nil else { return }
                    known[c] = state.cliques.count
                    state.cells[cell].append(Int32(state.cliques.count))
                    state.cliques.append(c)
                    state.mu.append(0)
                    added = true
                }
                if large >= 2 { add(Clique(resource: Int32(q), hour: Int32(t), job: -1)) }
                for i in list where 2 * Int(flat.devices[Int(i)]) <= capacity && Int(flat.devices[Int(i)]) + smallestLarge > capacity {
                    add(Clique(resource: Int32(q), hour: Int32(t), job: i))
                }
            }
            if added {
                for q in 0..<resources {
                    for t in 0..<hours { state.before[q][t + 1] = state.before[q][t] + Int32(state.cells[q * hours + t].count) }
                }
            }
            // Subgradients: devices used minus free; per clique, (members held - 1) x devices free.
            var norm = 0.0
            for q in 0..<resources {
                var running: Int32 = 0
                for t in 0..<hours {
                    for diff in e.diffs { running += diff[q * (hours + 1) + t] }
                    var g = Double(running - flat.capacity[q][t])
                    if g < 0 && lambda[q][t] <= 0 { g = 0 }
                    gLambda[q][t] = g
                    norm += g * g
                }
            }
            var gMu = [Double](repeating: 0, count: state.cliques.count)
            for (k, c) in state.cliques.enumerated() {
                let q = Int(c.resource), t = Int(c.hour)
                let members = holders[q * hours + t].filter { isMember(Int($0), of: c) }.count
                var g = Double(members - 1) * weight(c)
                if g < 0 && state.mu[k] <= 0 { g = 0 }
                gMu[k] = g
                norm += g * g
            }
            for cell in touched { holders[cell].removeAll(keepingCapacity: true) }
            if norm == 0 { break }
            let step = theta * max(upperBound - value, 1e-9 * max(1, abs(upperBound))) / norm
            for q in 0..<resources {
                for t in 0..<hours where gLambda[q][t] != 0 { lambda[q][t] = max(0, lambda[q][t] + step * gLambda[q][t]) }
            }
            for k in state.cliques.indices where gMu[k] != 0 { state.mu[k] = max(0, state.mu[k] + step * gMu[k]) }
        }
        var exact = false
        if exactChunks != nil, (0..<jobs).contains(where: { included[$0] && flat.maxChunks[$0] > 1 }), !shouldStop() {
            // At the same prices, never below the last-hour bound's value.
            best = max(best, relaxedWithCliques(lambda: bestLambda, state: bestState).value)
            exact = true
        }
        return CliqueResult(bound: best, cliques: state.cliques.count, iterations: done, chunksSolvedExactly: exact, lambda: bestLambda, state: bestState)
    }

    /// The cliques found so far, their prices, and where they lie.
    struct CliqueState {
        /// Per cell (q * hours + t), the cliques there.
        var cells: [[Int32]]
        /// Per resource, the cliques in the hours before each hour (hours + 1 entries).
        var before: [[Int32]]
        var cliques: [Clique] = []
        var mu: [Double] = []
    }

    /// L(lambda, mu), in fixed blocks of jobs: each block's capacity used, and the schedules of its jobs
    /// that run in one piece.
    func relaxedWithCliques(lambda: [[Double]], state: CliqueState) -> (value: Double, diffs: [[Int32]], chosen: [[(job: Int32, resource: Int32, start: Int32, length: Int32)]]) {
        let hours = flat.hours
        let resources = flat.resources.count
        let lambdaPrefix = lambda.flatMap(prefixSums)
        let blocks = perBlock { range in
            var diff = [Int32](repeating: 0, count: resources * (hours + 1))
            var picks: [(job: Int32, resource: Int32, start: Int32, length: Int32)] = []
            var scratch = FlatProblem.LastHour()
            var combined = [Double](repeating: 0, count: hours + 1)
            var sum = 0.0
            var pricedInPieces = (options: 0, hours: 0)  // not reported here
            for j in range where included[j] {
                if flat.maxChunks[j] > 1 {
                    sum += solveJob(j, lambda: lambda, lambdaPrefix: lambdaPrefix, diff: &diff, scratch: &scratch, priced: &pricedInPieces)
                    continue
                }
                let pick = cheapestWithCliques(j, lambdaPrefix: lambdaPrefix, state: state, combined: &combined)
                guard pick.resource >= 0 else { continue }
                sum += pick.value
                let base = pick.resource * (hours + 1)
                diff[base + pick.start] += flat.devices[j]
                diff[base + pick.start + pick.length] -= flat.devices[j]
                picks.append((Int32(j), Int32(pick.resource), Int32(pick.start), Int32(pick.length)))
            }
            return (value: sum, diff: diff, picks: picks)
        }
        var value = blocks.reduce(0) { $0 + $1.value }
        for q in 0..<resources {
            for t in 0..<hours { value -= lambda[q][t] * Double(flat.capacity[q][t]) }
        }
        for (k, c) in state.cliques.enumerated() { value -= state.mu[k] * weight(c) }
        return (value, blocks.map(\.diff), blocks.map(\.picks))
    }

    /// Job j's own prices per device-hour: `share` x (lambda plus, in each hour of each resource, the prices
    /// of the cliques it belongs to there, times their weight, over its devices), which is what the job
    /// pays in `relaxedWithCliques`. Nil where it belongs to no priced clique (it pays `share` x lambda),
    /// and for interruptible jobs, which the cliques leave out.
    func ownPrices(_ j: Int, lambda: [[Double]], state: CliqueState, share: Double) -> [[Double]]? {
        guard flat.maxChunks[j] == 1 else { return nil }
        let hours = flat.hours
        let d = Double(flat.devices[j])
        var own: [[Double]]? = nil
        // Each resource once, however many of the job's options use it.
        for q in Set((flat.optionStart[j]..<flat.optionStart[j + 1]).map { Int(flat.options[$0].resource) }).sorted() {
            for t in Int(flat.windowStart[j])..<Int(flat.windowEnd[j]) {
                for k in state.cells[q * hours + t] where state.mu[Int(k)] > 0 && isMember(j, of: state.cliques[Int(k)]) {
                    if own == nil { own = lambda.map { $0.map { $0 * share } } }
                    own![q][t] += share * state.mu[Int(k)] * weight(state.cliques[Int(k)]) / d
                }
            }
        }
        return own
    }

    /// Whether job j belongs to clique c: a job of more than half the devices free in c's hour to the
    /// large clique and to the clique of each smaller job it conflicts with; a smaller job to its own.
    private func isMember(_ j: Int, of c: Clique) -> Bool {
        let capacity = Int(flat.capacity[Int(c.resource)][Int(c.hour)])
        let d = Int(flat.devices[j])
        return 2 * d > capacity ? (c.job < 0 || d + Int(flat.devices[Int(c.job)]) > capacity) : Int(c.job) == j
    }

    /// A clique's weight: it is written in devices (both sides times the devices free in its hour).
    private func weight(_ c: Clique) -> Double {
        Double(flat.capacity[Int(c.resource)][Int(c.hour)])
    }

    /// Job j's cheapest schedule in one piece, paying devices x lambda and its cliques' prices (each times
    /// the devices free) in every hour it holds.
    private func cheapestWithCliques(_ j: Int, lambdaPrefix: [Double], state: CliqueState, combined: inout [Double]) -> (value: Double, resource: Int, start: Int, length: Int) {
        let hours = flat.hours
        let a = Int(flat.windowStart[j]), b = Int(flat.windowEnd[j])
        let d = Int(flat.devices[j])
        var bestValue = Double.infinity
        var pick = (resource: -1, start: -1, length: 0)
        for oi in flat.optionStart[j]..<flat.optionStart[j + 1] {
            let o = flat.options[oi]
            if o.floor >= bestValue { break }  // cheapest floor first; every price is >= 0
            let q = Int(o.resource)
            let base = q * (hours + 1)
            let (v, s): (Double, Int)
            if state.before[q][b] > state.before[q][a] {
                // Cliques in the window: the job's own prices, as prefix sums by absolute hour.
                var running = 0.0
                for t in a...b {
                    combined[t] = Double(d) * lambdaPrefix[base + t] + running
                    guard t < b else { break }
                    for k in state.cells[q * hours + t] where isMember(j, of: state.cliques[Int(k)]) {
                        running += state.mu[Int(k)] * weight(state.cliques[Int(k)])
                    }
                }
                (v, s) = combined.withUnsafeBufferPointer { flat.bestStart(o, job: j, window: a, b, pricePrefix: $0, devices: 1) }
            } else {
                (v, s) = lambdaPrefix.withUnsafeBufferPointer { lp in
                    flat.bestStart(o, job: j, window: a, b, pricePrefix: UnsafeBufferPointer(rebasing: lp[base..<(base + hours + 1)]), devices: Double(d))
                }
            }
            if s >= 0, v < bestValue {
                bestValue = v
                pick = (q, s, Int(o.slots))
            }
        }
        return (bestValue, pick.resource, pick.start, pick.length)
    }
}
