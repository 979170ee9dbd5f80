import GridwiseCore
@testable import GridwisePlanner
import GridwiseTestSupport
import XCTest

/// Interruptible jobs' schedules: the dynamic programme that finds the cheapest schedule of k runs
/// (`CandidateGenerator.bestChunkedValue`) and the cheapest-hours bound (`FlatProblem.cheapestHoursBounds`),
/// each against listing or sorting everything.
final class ChunkedScheduleTests: XCTestCase {
    /// The cost model of one job in one region (zone "Z", hourly carbon and price as given) with these pools.
    static func model(_ job: Job, carbon: [Double], price: [Double], pools: [AcceleratorPool] = [AcceleratorPool(type: "X", count: 8, powerKilowattsPerDevice: 0.4)],
                      weights: ObjectiveWeights = ObjectiveWeights(carbon: 1, cost: 0.5, delay: 0.05)) -> CostModel {
        let signals = Fixtures.signals(hours: carbon.count, carbon: ["Z": carbon], price: ["Z": price])
        let catalog = RegionCatalog(regions: [Region(name: "r", carbonZone: "Z", pools: pools)])
        let policy = Policy(name: "c", weights: weights)
        return Planner.prepare(PlanningProblem(jobs: [job], catalog: catalog, policy: policy, signals: signals)).3
    }

    /// One job on one pool, a random window, random hours blocked (capacity in use) and random prices per
    /// hour: for 1, 2 and 3 runs, the programme's schedule is the cheapest of every schedule listed, it
    /// holds the slots needed in exactly that many runs and no blocked hour, and its value is its own
    /// objective plus its prices.
    func testDynamicProgrammeFindsTheCheapestOfEveryListedSchedule() {
        let seed: UInt64 = 5150
        print("ChunkedScheduleTests dynamic programme seed: \(seed)")
        var rng = SeededGenerator(seed: seed)
        var compared = 0, none = 0, priced = 0
        for round in 0..<60 {
            let hours = Int.random(in: 6...14, using: &rng)
            // Few distinct carbon values, so equal costs (ties) are common.
            let carbon = (0..<hours).map { _ in Double([100, 200, 200, 350, 600].randomElement(using: &rng)!) }
            let price = (0..<hours).map { _ in Double(Int.random(in: 20...90, using: &rng)) }
            // 1 to 6 hours of work, in quarter hours, at most the window less 2 hours.
            let work = Double(Int.random(in: 4...min(24, 4 * (hours - 3)), using: &rng)) / 4
            let overhead = [0, 0.1, 0.25, 0.5].randomElement(using: &rng)!
            let release = Int.random(in: 0...1, using: &rng)
            let job = Job(id: "j", kind: .batchInference, deviceCount: 2, work: .referenceHours(work), release: Fixtures.at(release), deadline: Fixtures.at(hours),
                          interruptible: true, checkpointOverheadHours: overhead, maxChunks: 3)
            let model = Self.model(job, carbon: carbon, price: price)
            let generator = CandidateGenerator(model: model)
            guard let option = model.compiled.options[0].first else { XCTFail("round \(round): the job has no option"); continue }
            let window = model.compiled.windows[0]
            let blocked = Set(window.filter { _ in Double.random(in: 0..<1, using: &rng) < 0.25 })
            let prices: [Double]? = round % 2 == 0 ? nil : (0..<hours).map { _ in [0, 0, 0.002, 0.005].randomElement(using: &rng)! }
            func value(_ slots: [Int], chunks k: Int) -> Double {
                generator.make(0, option: 0, slots: slots, chunks: k).objective + (prices.map { p in slots.reduce(0) { $0 + p[$1] } } ?? 0)
            }
            for k in 1...3 {
                let s = generator.slotsNeeded(job, option, chunks: k)
                var listed = Double.infinity
                forEachSubset(of: window, size: s, runs: k) { slots in
                    if slots.allSatisfy({ !blocked.contains($0) }) { listed = min(listed, value(slots, chunks: k)) }
                }
                let found = generator.bestChunkedValue(job: 0, option: 0, chunks: k, available: { !blocked.contains($0) }, price: prices.map { p in { p[$0] } })
                guard let found else {
                    XCTAssertEqual(listed, .infinity, "round \(round), \(k) runs: the programme found nothing, but a schedule exists")
                    none += 1
                    continue
                }
                compared += 1
                if prices != nil { priced += 1 }
                let slots = found.candidate.slots
                XCTAssertEqual(found.value, listed, accuracy: 1e-12 * max(1, abs(listed)), "round \(round), \(k) runs")
                XCTAssertEqual(found.value, value(slots, chunks: k), accuracy: 1e-12 * max(1, abs(listed)), "round \(round), \(k) runs: value of its own schedule")
                XCTAssertEqual(slots.count, s, "round \(round), \(k) runs")
                XCTAssertEqual(slots, slots.sorted(), "round \(round), \(k) runs")
                XCTAssertEqual(1 + zip(slots, slots.dropFirst()).filter { $1 != $0 + 1 }.count, k, "round \(round): runs")
                XCTAssertTrue(slots.allSatisfy { window.contains($0) && !blocked.contains($0) }, "round \(round), \(k) runs: \(slots) blocked \(blocked.sorted())")
                XCTAssertEqual(found.candidate.chunks, k)
            }
        }
        // Both kinds of case occur: schedules found (with and without prices) and none possible.
        XCTAssertGreaterThan(compared, 100)
        XCTAssertGreaterThan(priced, 40)
        XCTAssertGreaterThan(none, 5)
        print("ChunkedScheduleTests: \(compared) schedules compared (\(priced) priced), \(none) cases with none")
    }

    /// The placer's best schedule for an interruptible job on two pools, with random hours of each pool
    /// taken by others: without prices it is the cheapest of every schedule listed in the hours left; with
    /// prices (where each piece count's schedule is the cheapest by objective, its prices added after) it
    /// is the least of the contiguous schedules' and those schedules' priced values. So the bounds that
    /// skip a piece count's programme never skip the one that wins.
    func testPlacerFindsTheBestScheduleInTheHoursLeft() {
        let seed: UInt64 = 5153
        print("ChunkedScheduleTests placer seed: \(seed)")
        var rng = SeededGenerator(seed: seed)
        var plain = 0, priced = 0, chunkedWins = 0
        for round in 0..<60 {
            let hours = Int.random(in: 6...13, using: &rng)
            let carbon = (0..<hours).map { _ in Double([100, 200, 200, 350, 600].randomElement(using: &rng)!) }
            let price = (0..<hours).map { _ in Double(Int.random(in: 20...90, using: &rng)) }
            let work = Double(Int.random(in: 4...min(20, 3 * (hours - 3)), using: &rng)) / 4
            let overhead = [0, 0.1, 0.25, 0.5].randomElement(using: &rng)!
            let job = Job(id: "j", kind: .batchInference, deviceCount: 2, work: .referenceHours(work), release: Fixtures.at(0), deadline: Fixtures.at(hours),
                          interruptible: true, checkpointOverheadHours: overhead, maxChunks: 3)
            let model = Self.model(job, carbon: carbon, price: price, pools: [
                AcceleratorPool(type: "X", count: 8, powerKilowattsPerDevice: 0.4),
                AcceleratorPool(type: "Y", count: 8, powerKilowattsPerDevice: 0.3, relativeSpeed: 0.8),
            ])
            let generator = CandidateGenerator(model: model)
            let flat = FlatProblem(model: model, allowSplitting: true)
            var placer = Placer(flat: flat, generator: generator)
            let window = model.compiled.windows[0]
            // Another job's 7 of 8 devices in about a quarter of each pool's hours: 2 devices do not fit there.
            for q in placer.used.indices { for t in window where Double.random(in: 0..<1, using: &rng) < 0.25 { placer.used[q][t] = 7 } }
            let prices: [[Double]]? = round % 2 == 0 ? nil : placer.used.map { _ in (0..<hours).map { _ in [0, 0, 0.002, 0.005].randomElement(using: &rng)! } }
            let options = model.compiled.options[0]
            var expected = Double.infinity
            var expectedChunked = Double.infinity
            for (i, option) in options.enumerated() {
                let q = flat.resourceIndex[option.region][option.pool]
                let free = { (t: Int) in placer.used[q][t] + 2 <= 8 }
                let pay = { (slots: [Int]) in prices.map { p in slots.reduce(0) { $0 + 2 * p[q][$1] } } ?? 0 }
                // Every schedule of k runs in the hours left, by its objective (plus prices): all k without
                // prices, one piece with them.
                for k in 1...(prices == nil ? 3 : 1) {
                    let s = generator.slotsNeeded(job, option, chunks: k)
                    forEachSubset(of: window, size: s, runs: k) { slots in
                        guard slots.allSatisfy(free) else { return }
                        let v = generator.make(0, option: i, slots: slots, chunks: k).objective + pay(slots)
                        expected = min(expected, v)
                        if k > 1 { expectedChunked = min(expectedChunked, v) }
                    }
                }
                guard prices != nil else { continue }
                // With prices, in pieces: the cheapest hours with their prices where no overhead makes the
                // piece count matter and they form at most 3 runs, else each piece count's cheapest by objective.
                if overhead == 0, let c = generator.bestFreeSplit(job: 0, option: i, available: free, price: prices.map { p in { 2 * p[q][$0] } }) {
                    expected = min(expected, c.value)
                    expectedChunked = min(expectedChunked, c.value)
                    continue
                }
                for k in 2...3 {
                    guard let c = generator.bestChunked(job: 0, option: i, chunks: k, available: free) else { continue }
                    expected = min(expected, c.objective + pay(c.slots))
                    expectedChunked = min(expectedChunked, c.objective + pay(c.slots))
                }
            }
            let found = placer.best(0, prices: prices, pricePrefix: prices?.map(prefixSums))
            guard let found else {
                XCTAssertEqual(expected, .infinity, "round \(round): the placer found nothing, but a schedule exists")
                continue
            }
            let q = Int(flat.options[found.option].resource)
            let value = found.objective + (prices.map { p in found.slots.reduce(0) { $0 + 2 * p[q][$1] } } ?? 0)
            XCTAssertEqual(value, expected, accuracy: 1e-9 * max(1, abs(expected)), "round \(round), overhead \(overhead), prices \(prices != nil)")
            XCTAssertTrue(found.slots.allSatisfy { placer.used[q][$0] + 2 <= 8 }, "round \(round): \(found.slots) in hours taken")
            if prices == nil { plain += 1 } else { priced += 1 }
            if expectedChunked < expected + 1e-12, found.chunks > 1 { chunkedWins += 1 }
        }
        XCTAssertGreaterThan(plain, 20)
        XCTAssertGreaterThan(priced, 20)
        XCTAssertGreaterThan(chunkedWins, 10)
        print("ChunkedScheduleTests placer: \(plain) rounds without prices, \(priced) with, \(chunkedWins) won by a schedule in pieces")
    }

    /// The last-hour bound (`FlatProblem.lastHourBounds`) on schedules in k pieces (up to 3 to 5, several
    /// sharing one pass where they need as many slots), on random windows with random hours blocked, random
    /// prices and a release that is not always the window's start: it is the least, over every set of the
    /// slots k pieces need in the free hours however many runs they form, of that set's objective (with k
    /// pieces' running time) plus its prices, and the hours it names (`lastHourSlots`) are such a set, worth
    /// the bound; so it is at most the cheapest schedule in exactly k runs, listed. It is never below the
    /// cheapest-hours bound (the bound before), and above it in most cases here, where the delay of
    /// finishing late counts; the option's price-free floor (`chunkedFloor`) is never above it.
    func testLastHourBoundIsTheLeastOverEveryHoursSet() {
        let seed: UInt64 = 5158
        print("ChunkedScheduleTests last hour seed: \(seed)")
        var rng = SeededGenerator(seed: seed)
        var bounds = 0, tighter = 0, runsOnly = 0
        // One scratch for every round, as the bound's steps reuse one across jobs: windows grow and shrink,
        // and what a longer window left behind must not be read.
        var scratch = FlatProblem.LastHour()
        for round in 0..<40 {
            let hours = Int.random(in: 7...13, using: &rng)
            let carbon = (0..<hours).map { _ in Double([100, 200, 200, 350, 600].randomElement(using: &rng)!) }
            let price = (0..<hours).map { _ in Double(Int.random(in: 20...90, using: &rng)) }
            let work = Double(Int.random(in: 4...min(20, 3 * (hours - 3)), using: &rng)) / 4
            // Small overheads make several piece counts need the same slots, which share one pass.
            let overhead = [0.05, 0.1, 0.25, 0.5].randomElement(using: &rng)!
            let release = Int.random(in: 0...1, using: &rng)
            let pieces = 3 + round % 3
            let job = Job(id: "j", kind: .batchInference, deviceCount: 2, work: .referenceHours(work), release: Fixtures.at(release), deadline: Fixtures.at(hours),
                          interruptible: true, checkpointOverheadHours: overhead, maxChunks: pieces)
            let model = Self.model(job, carbon: carbon, price: price, weights: ObjectiveWeights(carbon: 1, cost: 0.5, delay: 0.5))
            let generator = CandidateGenerator(model: model)
            let flat = FlatProblem(model: model, allowSplitting: true)
            let o = flat.options[0]
            let window = model.compiled.windows[0]
            let blocked = Set(window.filter { _ in Double.random(in: 0..<1, using: &rng) < 0.2 })
            let prices = (0..<hours).map { _ in [0, 0, 0.002, 0.005].randomElement(using: &rng)! }
            let priceOf = { (t: Int) in blocked.contains(t) ? Double.infinity : prices[t] }
            var found = [Int: (bound: Double, last: Int)]()
            flat.lastHourBounds(o, job: 0, price: priceOf, scratch: &scratch) { k, bound, last in found[k] = (bound, last) }
            // The cheapest-hours bound (the bound before): the slots - 1 cheapest free hours, the cheapest
            // free hour for the last part, and latency; no delay.
            func cheapestHours(_ k: Int) -> Double {
                let shape = flat.shape(o, job: 0, chunks: k)
                let free = window.filter { !blocked.contains($0) }
                let full = free.map { flat.hourly(o, slot: $0) + prices[$0] }.sorted()
                guard free.count >= shape.slots else { return .infinity }
                let partial = free.map { shape.fraction * flat.hourly(o, slot: $0) + prices[$0] }.min()!
                return full.prefix(shape.slots - 1).reduce(0, +) + partial + o.latency * shape.running
            }
            for k in 2...pieces {
                let s = flat.shape(o, job: 0, chunks: k).slots
                guard s <= window.count else { XCTAssertNil(found[k], "round \(round), \(k) pieces"); continue }
                guard let (bound, last) = found[k] else { XCTFail("round \(round), \(k) pieces: no bound"); continue }
                func value(_ slots: [Int]) -> Double { generator.make(0, option: 0, slots: slots, chunks: k).objective + slots.reduce(0) { $0 + prices[$1] } }
                var anyRuns = Double.infinity, exactRuns = Double.infinity
                for runs in 1...s {
                    forEachSubset(of: window, size: s, runs: runs) { slots in
                        guard slots.allSatisfy({ !blocked.contains($0) }) else { return }
                        let v = value(slots)
                        anyRuns = min(anyRuns, v)
                        if runs == k { exactRuns = min(exactRuns, v) }
                    }
                }
                bounds += 1
                if anyRuns == .infinity {
                    XCTAssertEqual(bound, .infinity, "round \(round), \(k) pieces: fewer free hours than slots")
                    continue
                }
                XCTAssertEqual(bound, anyRuns, accuracy: 1e-12 * max(1, abs(anyRuns)), "round \(round), \(k) pieces")
                // Its hours: as many as the slots, free, ending at its last hour, and worth the bound.
                let slots = flat.lastHourSlots(o, job: 0, chunks: k, last: last, price: priceOf)
                XCTAssertEqual(slots.count, s, "round \(round), \(k) pieces")
                XCTAssertEqual(slots.last, last, "round \(round), \(k) pieces")
                XCTAssertEqual(slots, slots.sorted(), "round \(round), \(k) pieces")
                XCTAssertTrue(slots.allSatisfy { window.contains($0) && !blocked.contains($0) }, "round \(round), \(k) pieces: \(slots)")
                XCTAssertEqual(value(slots), bound, accuracy: 1e-12 * max(1, abs(bound)), "round \(round), \(k) pieces: its hours' value")
                XCTAssertLessThanOrEqual(bound, exactRuns + 1e-12 * max(1, abs(exactRuns)), "round \(round), \(k) pieces")
                // The option's price-free floor, which skips options before any pricing, is below it.
                XCTAssertLessThanOrEqual(flat.chunkedFloor[0], bound + 1e-12 * max(1, abs(bound)), "round \(round), \(k) pieces: the floor")
                XCTAssertGreaterThanOrEqual(bound, cheapestHours(k) - 1e-12 * max(1, abs(bound)), "round \(round), \(k) pieces")
                if bound > cheapestHours(k) + 1e-9 { tighter += 1 }
                if exactRuns > bound + 1e-9 { runsOnly += 1 }
            }
        }
        print("ChunkedScheduleTests last hour: \(bounds) bounds, \(tighter) above the cheapest hours, \(runsOnly) below the cheapest schedule in exactly k runs")
        XCTAssertGreaterThan(bounds, 100)
        XCTAssertGreaterThan(tighter, 30)
        XCTAssertGreaterThan(runsOnly, 5)
    }

    /// The schedules a plan remembers (`Placer.bestRemembered`, `ChunkedMemo`) along a random walk of the
    /// hours other jobs take from two pools, one hour taken or freed per step, with fresh prices at every
    /// other step: at every step the remembered answer has the value of the answer found afresh
    /// (`Placer.best`), and holds only free hours. The walk reuses schedules both with the same free hours
    /// and with fewer, and runs fewer programmes than asked for.
    func testRememberedSchedulesAreFoundAfreshOnes() {
        let seed: UInt64 = 5157
        print("ChunkedScheduleTests remembered seed: \(seed)")
        var rng = SeededGenerator(seed: seed)
        let hours = 30
        let carbon = (0..<hours).map { _ in Double([100, 200, 200, 350, 600].randomElement(using: &rng)!) }
        let price = (0..<hours).map { _ in Double(Int.random(in: 20...90, using: &rng)) }
        // 7 hours of work with an overhead per extra piece: the programme, not the cheapest hours alone.
        let job = Job(id: "j", kind: .batchInference, deviceCount: 2, work: .referenceHours(7), release: Fixtures.at(0), deadline: Fixtures.at(hours),
                      interruptible: true, checkpointOverheadHours: 0.25, maxChunks: 3)
        let model = Self.model(job, carbon: carbon, price: price, pools: [
            AcceleratorPool(type: "X", count: 8, powerKilowattsPerDevice: 0.4),
            AcceleratorPool(type: "Y", count: 8, powerKilowattsPerDevice: 0.3, relativeSpeed: 0.8),
        ])
        let flat = FlatProblem(model: model, allowSplitting: true)
        var placer = Placer(flat: flat, generator: CandidateGenerator(model: model))
        // Half the hours of each pool taken by another job's 7 of 8 devices: 2 devices do not fit there.
        for q in placer.used.indices { for t in 0..<hours where Bool.random(using: &rng) { placer.used[q][t] = 7 } }
        var prices: [[Double]]? = nil
        var chunked = 0
        for step in 0..<400 {
            let q = Int.random(in: 0..<placer.used.count, using: &rng), t = Int.random(in: 0..<hours, using: &rng)
            placer.used[q][t] = placer.used[q][t] == 0 ? 7 : 0
            if step % 2 == 0 { prices = step % 4 == 0 ? nil : placer.used.map { _ in (0..<hours).map { _ in [0, 0, 0.002, 0.005].randomElement(using: &rng)! } } }
            func value(_ a: Placer.Assigned) -> Double {
                let q = Int(flat.options[a.option].resource)
                return a.objective + (prices.map { p in a.slots.reduce(0) { $0 + 2 * p[q][$1] } } ?? 0)
            }
            let afresh = placer.best(0, prices: prices, pricePrefix: prices?.map(prefixSums))
            let remembered = placer.bestRemembered(0, prices: prices, pricePrefix: prices?.map(prefixSums))
            guard let afresh, let remembered else {
                XCTAssertNil(afresh, "step \(step): remembered nothing, found \(String(describing: afresh))")
                XCTAssertNil(remembered, "step \(step): found nothing, remembered \(String(describing: remembered))")
                continue
            }
            XCTAssertEqual(value(remembered), value(afresh), accuracy: 1e-12 * max(1, abs(value(afresh))), "step \(step)")
            let r = Int(flat.options[remembered.option].resource)
            XCTAssertTrue(remembered.slots.allSatisfy { placer.used[r][$0] + 2 <= 8 }, "step \(step): \(remembered.slots) in hours taken")
            if remembered.chunks > 1 { chunked += 1 }
        }
        let memo = placer.remembered
        print("ChunkedScheduleTests remembered: \(memo.ran) programmes run, \(memo.reusedSame) schedules reused with the same free hours, \(memo.reusedFewer) with fewer; \(chunked) of 400 answers in pieces")
        XCTAssertGreaterThan(chunked, 100)
        XCTAssertGreaterThan(memo.reusedSame, 100)
        XCTAssertGreaterThan(memo.reusedFewer, 50)
        XCTAssertLessThan(memo.ran, (memo.ran + memo.reusedSame + memo.reusedFewer) / 2)
    }
}
