import Dispatch
import Foundation
import GridwiseCore

/// Large-neighbourhood search on the placer's plan (ruin and recreate). Each move takes some jobs out
/// and places them again, one at a time, each at its best place left:
/// - a job above its best schedule is sent where it would rather be (its best schedule with capacity
///   ignored, with or without the relaxation's prices, or the best start of another option), and the
///   jobs in the way there go out with it, with a few neighbours;
/// - or every job in a stretch of hours on one resource goes out, to be packed again.
/// Jobs go back in one of three orders (the moved job first then largest first, largest first, random),
/// some moves placing by the relaxation's prices. A move that improves the plan stays; a worse one stays
/// with a probability that falls as the search goes on (simulated annealing), and the best plan seen is
/// kept. Single-job moves cannot do this: a large job in a bad hour stays there while small jobs fill the
/// hours it would need.
///
/// Interruptible jobs with a checkpoint overhead are not moved (see `movable`).
///
/// Draws come from seeded generators and every search runs a fixed number of moves, so the same input
/// gives the same plan, however many cores run the searches.
struct Neighbourhood {
    /// Where each job would rather be, best first: its best schedule with capacity ignored (without, then
    /// with prices), then the best start of its other options.
    let targets: [[Placer.Assigned]]
    /// The least objective any schedule of the job can have (capacity ignored).
    let ideal: [Double]
    /// The relaxation's prices per device-hour, which some moves place by, and their prefix sums.
    let prices: [[Double]]?
    let pricePrefix: [[Double]]?

    /// Most jobs taken out in one move.
    static let size = 24
    /// Places per job, beside its best ones, a move may make room at.
    static let alternatives = 6
    /// The annealing's starting temperature, in average objective per job; it falls linearly to zero.
    static let temperature = 0.3

    init(placer: Placer, prices: [[Double]]?) {
        let flat = placer.flat
        let free = Placer(flat: flat, generator: placer.generator, ignoresCapacity: true)
        let prefix = prices.map { $0.map(prefixSums) }
        var targets: [[Placer.Assigned]] = []
        var ideal: [Double] = []
        targets.reserveCapacity(flat.jobCount)
        for j in 0..<flat.jobCount {
            var list: [Placer.Assigned] = []
            if let a = free.best(j) { list.append(a) }
            if prices != nil, let a = free.best(j, prices: prices, pricePrefix: prefix), !list.contains(a) { list.append(a) }
            let a = Int(flat.windowStart[j]), b = Int(flat.windowEnd[j])
            var others: [Placer.Assigned] = []
            for oi in flat.optionStart[j]..<flat.optionStart[j + 1] {
                let o = flat.options[oi]
                let (v, s) = flat.bestStart(o, job: j, window: a, b, pricePrefix: nil, devices: 0)
                guard s >= 0 else { continue }
                let candidate = Placer.Assigned(option: oi, chunks: 1, slots: Array(s..<(s + Int(o.slots))), objective: v)
                if !list.contains(candidate) { others.append(candidate) }
            }
            others.sort { $0.objective != $1.objective ? $0.objective < $1.objective : $0.option < $1.option }
            list.append(contentsOf: others.prefix(Self.alternatives))
            ideal.append(list.first?.objective ?? 0)
            targets.append(list)
        }
        self.targets = targets
        self.ideal = ideal
        self.prices = prices
        pricePrefix = prefix
    }

    /// Searches from `start`, one search per seed in `seeds` (in parallel), and returns the best plan
    /// found (ties: the earlier seed) and the moves that stayed in its search. Each search may make
    /// (2^`rounds` - 1) x `moves` moves: rounds of `moves`, then twice, four times... as many (slower
    /// cooling), each from the best plan so far, while a round improves the plan by at least 0.01 % and up
    /// to `rounds` rounds; then the rounds start again at `moves`, from the best plan with a fresh seed
    /// (the temperature high again), until the next round would overrun the moves. Not on instances of at
    /// most `size` jobs, which one move can take out whole, nor with `restarts` false: there the search
    /// stops at the first round that does not improve. The plans searches end in depend on their seeds
    /// (by 4 % on one 100-job instance), and restarts give a search that set out badly more tries
    /// (BENCHMARKS.md).
    func search(from start: Placer, moves: Int, rounds: Int = 1, seeds: [UInt64], restarts: Bool = true, shouldStop: @Sendable () -> Bool) -> (plan: Placer, accepted: Int) {
        let rounds = min(max(1, rounds), 20)
        let budget = ((1 << rounds) - 1) * moves
        // Where one move can take every job out, starting again adds nothing a move cannot do.
        let restarts = restarts && start.flat.jobCount > Self.size
        var results = [(plan: Placer, accepted: Int)?](repeating: nil, count: seeds.count)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: seeds.count) { i in
                var plan = start
                var accepted = 0
                var spent = 0, round = 0
                var restart: UInt64 = 0
                while true {
                    let before = plan
                    let length = moves << round
                    let seed = seeds[i] &+ UInt64(round) &* 0x9E37_79B9_7F4A_7C15 &+ restart &* 0xD1B5_4A32_D192_ED03
                    accepted += run(&plan, moves: length, seed: seed, shouldStop: shouldStop)
                    spent += length
                    round += 1
                    let priority = plan.placedPriority, priorityBefore = before.placedPriority
                    let enough = priority > priorityBefore || (priority == priorityBefore && plan.objective < before.objective - 1e-4 * max(abs(before.objective), 1e-12))
                    if !enough || round == rounds {
                        if !restarts { break }
                        round = 0
                        restart += 1
                    }
                    if shouldStop() || moves <= 0 || spent + (moves << round) > budget { break }
                }
                out[i] = (plan, accepted)
            }
        }
        var best = results[0]!
        for r in results.dropFirst() where Planner.isBetter(r!.plan, than: best.plan) { best = r! }
        return best
    }

    /// One search: `moves` moves on `placer`, which ends as the best plan seen. Returns the moves that stayed.
    func run(_ placer: inout Placer, moves: Int, seed: UInt64, shouldStop: () -> Bool) -> Int {
        let flat = placer.flat
        let jobs = flat.compiled.problem.jobs
        var rng = SeededGenerator(seed: seed)
        var members = [[Int]](repeating: [], count: flat.resources.count)
        for (j, a) in placer.assignment.enumerated() where a.option >= 0 && movable(j, flat) {
            members[Int(flat.options[a.option].resource)].append(j)
        }
        var best = placer
        var current = placer.objective, bestObjective = current
        var currentPriority = placer.placedPriority, bestPriority = currentPriority
        let temperature = Self.temperature * max(abs(current), 1e-9) / Double(max(1, flat.jobCount))
        var accepted = 0
        // Jobs above their best schedule (or not placed), listed again now and then.
        var candidates: [Int] = []
        func refresh(_ placer: Placer) {
            candidates = (0..<flat.jobCount).filter { j in
                let a = placer.assignment[j]
                return movable(j, flat) && !targets[j].isEmpty && (a.option < 0 || a.objective > ideal[j] + 1e-12 * max(1, abs(ideal[j])))
            }
        }
        refresh(placer)
        let refreshEvery = max(64, flat.jobCount / 8)
        var removed: [Int] = []
        var old: [Placer.Assigned] = []
        for move in 0..<moves {
            if move > 0, move % refreshEvery == 0 { refresh(placer) }
            // No job that may move sits above its best schedule with capacity ignored.
            if candidates.isEmpty { break }
            if move & 63 == 0, shouldStop() { break }
            removed.removeAll(keepingCapacity: true)
            old.removeAll(keepingCapacity: true)
            func takeOut(_ b: Int) {
                removed.append(b)
                old.append(placer.assignment[b])
                placer.unassign(b)
            }
            let j0: Int
            if rng.next() % 3 == 0 {
                // A stretch of hours on one resource: every job there out (up to `size`), to be packed again.
                let q = Int(rng.next() % UInt64(members.count))
                guard !members[q].isEmpty else { continue }
                let b0 = members[q][Int(rng.next() % UInt64(members[q].count))]
                let slots = placer.assignment[b0].slots
                let span = [slots[0] - Int(rng.next() % 12), slots[slots.count - 1] + Int(rng.next() % 12)]
                var inSpan = members[q].filter { b in b != b0 && Self.near(placer.assignment[b].slots, span, slack: 0) }
                inSpan.shuffle(using: &rng)
                takeOut(b0)
                for b in inSpan.prefix(Self.size - 1) { takeOut(b) }
                j0 = b0
            } else {
                j0 = candidates[Int(rng.next() % UInt64(candidates.count))]
                var pick = 0
                while pick + 1 < targets[j0].count, rng.next() & 1 == 1 { pick += 1 }
                let target = targets[j0][pick]
                let q = Int(flat.options[target.option].resource)
                let d0 = flat.devices[j0]
                // The job, then the jobs in the way at its target, in random order until it fits.
                var inWay = members[q].filter { b in b != j0 && Self.overlaps(placer.assignment[b].slots, target.slots) }
                inWay.shuffle(using: &rng)
                takeOut(j0)
                func fits() -> Bool { target.slots.allSatisfy { placer.used[q][$0] + d0 <= flat.capacity[q][$0] } }
                var k = 0
                while k < inWay.count, removed.count < Self.size, !fits() {
                    takeOut(inWay[k])
                    k += 1
                }
                // A few neighbours on that resource near the target, so the rest can rearrange.
                var extra = members[q].filter { b in !removed.contains(b) && Self.near(placer.assignment[b].slots, target.slots, slack: 24) }
                extra.shuffle(using: &rng)
                for b in extra.prefix(max(0, min(Self.size - removed.count, Int(rng.next() % 4)))) { takeOut(b) }
            }
            var order = removed
            switch rng.next() % 3 {
            case 0:
                order.removeFirst()
                order.sort { footprint($0, flat) > footprint($1, flat) }
                order.insert(j0, at: 0)
            case 1:
                order.sort { footprint($0, flat) > footprint($1, flat) }
            default:
                order.shuffle(using: &rng)
            }
            var before = 0.0, after = 0.0
            var priorityBefore = 0, priorityAfter = 0
            for (i, b) in removed.enumerated() where old[i].option >= 0 {
                before += old[i].objective
                priorityBefore += jobs[b].priority
            }
            let guided = prices != nil && rng.next() % 3 == 0
            for b in order {
                if let a = guided ? placer.best(b, prices: prices, pricePrefix: pricePrefix) : placer.best(b) {
                    placer.assign(b, a)
                    after += a.objective
                    priorityAfter += jobs[b].priority
                }
            }
            let t = temperature * Double(moves - move) / Double(moves)
            let allowance = -t * log(max(1e-300, rng.nextUnit()))
            if priorityAfter > priorityBefore || (priorityAfter == priorityBefore && after < before + allowance - 1e-12 * max(1, abs(before))) {
                accepted += 1
                current += after - before
                currentPriority += priorityAfter - priorityBefore
                if currentPriority > bestPriority || (currentPriority == bestPriority && current < bestObjective - 1e-12 * max(1, abs(bestObjective))) {
                    best = placer
                    bestObjective = current
                    bestPriority = currentPriority
                }
                for (i, b) in removed.enumerated() {
                    if old[i].option >= 0 {
                        let oq = Int(flat.options[old[i].option].resource)
                        if let at = members[oq].firstIndex(of: b) { members[oq].remove(at: at) }
                    }
                    let a = placer.assignment[b]
                    if a.option >= 0 { members[Int(flat.options[a.option].resource)].append(b) }
                }
            } else {
                for b in removed { placer.unassign(b) }
                for (i, b) in removed.enumerated() where old[i].option >= 0 { placer.assign(b, old[i]) }
            }
        }
        placer = best
        return accepted
    }

    /// Whether moves may take the job out. Interruptible jobs with a checkpoint overhead stay where the
    /// earlier steps put them: their exact search (dynamic programming per chunk count) is too slow to
    /// repeat thousands of times.
    private func movable(_ j: Int, _ flat: FlatProblem) -> Bool {
        flat.maxChunks[j] == 1 || flat.overhead[j] == 0
    }

    private func footprint(_ j: Int, _ flat: FlatProblem) -> Int {
        Int(flat.devices[j]) * (targets[j].first?.slots.count ?? 0)
    }

    /// Whether two sorted slot lists share a slot.
    private static func overlaps(_ a: [Int], _ b: [Int]) -> Bool {
        guard let a0 = a.first, let a1 = a.last, let b0 = b.first, let b1 = b.last, a0 <= b1, b0 <= a1 else { return false }
        var i = 0, k = 0
        while i < a.count, k < b.count {
            if a[i] == b[k] { return true }
            if a[i] < b[k] { i += 1 } else { k += 1 }
        }
        return false
    }

    /// Whether two sorted slot lists' spans come within `slack` slots of each other.
    private static func near(_ a: [Int], _ b: [Int], slack: Int) -> Bool {
        guard let a0 = a.first, let a1 = a.last, let b0 = b.first, let b1 = b.last else { return false }
        return a0 <= b1 + slack && b0 <= a1 + slack
    }
}
