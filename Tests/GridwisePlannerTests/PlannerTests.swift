import GridwiseCheck
import GridwiseCore
import GridwisePlanner
import GridwiseTestSupport
import XCTest

final class PlannerTests: XCTestCase {
    let inputs = PlanInputs(jobs: "jobs.yaml", regions: "regions.yaml", policy: "policy.yaml", signals: "signals.yaml")

    func plan(_ jobs: [Job], _ catalog: RegionCatalog, _ policy: Policy, _ signals: GridSignals, options: PlannerOptions = PlannerOptions()) -> Plan {
        Planner.plan(PlanningProblem(jobs: jobs, catalog: catalog, policy: policy, signals: signals), inputs: inputs, generatedBy: "test", options: options)
    }

    func assertChecks(_ plan: Plan, _ jobs: [Job], _ catalog: RegionCatalog, _ policy: Policy, _ signals: GridSignals, file: StaticString = #filePath, line: UInt = #line) {
        let violations = PlanChecker.check(plan, jobs: jobs, catalog: catalog, policy: policy, signals: signals)
        XCTAssertEqual(violations, [], "the checker rejects the planner's plan", file: file, line: line)
    }

    /// One job, two regions, three hours: every figure by hand.
    /// Region a: PUE 1.5, WUE 2 L/kWh, carbon 100/200/300 g/kWh, price 10/20/30 USD/MWh, speed 1.
    /// Region b: PUE 1.0, WUE 0, carbon 400/50/400, price 50/50/50, speed 2 (the job runs 1 h there).
    /// 2 devices x 0.5 kW: a draws 1.5 kWh per hour, b 1.0 kWh per hour.
    func testOneJobTwoRegionsThreeHoursMatchesHandComputation() {
        let catalog = RegionCatalog(regions: [
            Region(name: "a", carbonZone: "ZA", pools: [AcceleratorPool(type: "X", count: 4, powerKilowattsPerDevice: 0.5, relativeSpeed: 1)],
                   powerUsageEffectiveness: 1.5, waterLitresPerKilowattHour: 2),
            Region(name: "b", carbonZone: "ZB", pools: [AcceleratorPool(type: "X", count: 4, powerKilowattsPerDevice: 0.5, relativeSpeed: 2)],
                   powerUsageEffectiveness: 1.0, waterLitresPerKilowattHour: 0),
        ])
        let signals = Fixtures.signals(hours: 3, carbon: ["ZA": [100, 200, 300], "ZB": [400, 50, 400]], price: ["ZA": [10, 20, 30], "ZB": [50, 50, 50]])
        let job = Job(id: "j", kind: .training, deviceCount: 2, work: .referenceHours(2), release: Fixtures.at(0), deadline: Fixtures.at(3))
        let policy = Policy(name: "carbon-only", weights: ObjectiveWeights(carbon: 1))
        let p = plan([job], catalog, policy, signals)

        XCTAssertEqual(p.placements.count, 1)
        let placed = p.placements[0]
        XCTAssertEqual(placed.region, "b")
        XCTAssertEqual(placed.chunks, [Chunk(start: "2026-12-01T01:00:00Z", end: "2026-12-01T02:00:00Z")])
        XCTAssertEqual(placed.energyKwh, 1.0, accuracy: 1e-12)
        XCTAssertEqual(placed.carbonKg, 0.05, accuracy: 1e-12)  // 1.0 kWh x 50 g/kWh
        XCTAssertEqual(placed.cost, 0.05, accuracy: 1e-12)  // 1.0 kWh x 50 USD/MWh
        XCTAssertEqual(placed.waterL, 0, accuracy: 1e-12)
        XCTAssertEqual(placed.delayHours, 1, accuracy: 1e-12)

        // Baseline: no population, so the first region in catalog order, at once: a, hours 0-1.
        let base = p.baseline.placements[0]
        XCTAssertEqual(base.region, "a")
        XCTAssertEqual(base.energyKwh, 3.0, accuracy: 1e-12)  // 1.5 kWh x 2 h
        XCTAssertEqual(base.carbonKg, 0.45, accuracy: 1e-12)  // 1.5 x (100 + 200) / 1000
        XCTAssertEqual(base.cost, 0.045, accuracy: 1e-12)  // 1.5 x (10 + 20) / 1000
        XCTAssertEqual(base.waterL, 4.0, accuracy: 1e-12)  // 1.0 kWh IT x 2 h x 2 L/kWh

        XCTAssertEqual(p.savings.carbonKg, 0.40, accuracy: 1e-12)
        XCTAssertEqual(p.savings.carbonFraction, 0.4 / 0.45, accuracy: 1e-12)
        XCTAssertEqual(p.optimality.status, "optimal")
        XCTAssertEqual(p.optimality.objective, 0.05 / 0.45, accuracy: 1e-12)  // carbon over the baseline's carbon
        assertChecks(p, [job], catalog, policy, signals)
    }

    func testPlannerMatchesExhaustiveSearchOnSeededTinyInstances() {
        let seed: UInt64 = 20_261_121
        print("PlannerTests exhaustive comparison seed base: \(seed)")
        for i in 0..<40 {
            let s = seed + UInt64(i)
            let (jobs, catalog, policy, signals) = Fixtures.randomInstance(seed: s)
            let p = plan(jobs, catalog, policy, signals)
            assertChecks(p, jobs, catalog, policy, signals)
            let exact = ExhaustiveSolver.solve(jobs: jobs, catalog: catalog, policy: policy, signals: signals, normalisers: p.optimality.normalisers)
            let placedPriority = p.placements.reduce(0) { sum, placement in sum + jobs.first { $0.id == placement.job }!.priority }
            XCTAssertEqual(placedPriority, exact.placedPriority, "seed \(s): placed priority")
            XCTAssertEqual(p.optimality.objective, exact.objective, accuracy: 1e-9 * max(1, abs(exact.objective)), "seed \(s): objective")
            XCTAssertLessThanOrEqual(p.optimality.lowerBound, exact.objective + 1e-9, "seed \(s): the bound must not exceed the optimum")
            XCTAssertEqual(p.optimality.status, "optimal", "seed \(s)")
        }
    }

    func testRelaxationBoundIsValidWhenSearchIsCutShort() {
        let seed: UInt64 = 77
        print("PlannerTests bound seed base: \(seed)")
        for i in 0..<20 {
            let (jobs, catalog, policy, signals) = Fixtures.randomInstance(seed: seed + UInt64(i), jobs: 4, hours: 6)
            // One node of branch and bound and no local search: the bound must still hold.
            let p = plan(jobs, catalog, policy, signals, options: PlannerOptions(nodeLimit: 1, maxPasses: 0))
            assertChecks(p, jobs, catalog, policy, signals)
            let exact = ExhaustiveSolver.solve(jobs: jobs, catalog: catalog, policy: policy, signals: signals, normalisers: p.optimality.normalisers)
            XCTAssertLessThanOrEqual(p.optimality.lowerBound, exact.objective + 1e-9)
            XCTAssertGreaterThanOrEqual(p.optimality.gap, 0)
        }
    }

    func testChunkingByDynamicProgrammingEqualsFullEnumeration() {
        var rng = SeededGenerator(seed: 4242)
        print("PlannerTests chunking seed: 4242")
        for _ in 0..<10 {
            let hours = 12
            let carbon = (0..<hours).map { _ in Double(Int.random(in: 20...700, using: &rng)) }
            let signals = Fixtures.signals(hours: hours, carbon: ["Z": carbon], price: ["Z": Array(repeating: 40, count: hours)])
            let catalog = RegionCatalog(regions: [Region(name: "r", carbonZone: "Z", pools: [AcceleratorPool(type: "X", count: 8, powerKilowattsPerDevice: 0.4)])])
            let job = Job(id: "j", kind: .batchInference, deviceCount: 4, work: .referenceHours(Double(Int.random(in: 3...6, using: &rng)) - 0.5),
                          release: Fixtures.at(0), deadline: Fixtures.at(hours), interruptible: true, checkpointOverheadHours: 0.25, maxChunks: 3)
            let policy = Policy(name: "c", weights: ObjectiveWeights(carbon: 1, delay: 0.01))
            let byDP = plan([job], catalog, policy, signals, options: PlannerOptions(enumerationLimit: 0))
            let enumerated = plan([job], catalog, policy, signals, options: PlannerOptions(enumerationLimit: 1_000_000))
            XCTAssertEqual(byDP.optimality.objective, enumerated.optimality.objective, accuracy: 1e-12)
            XCTAssertEqual(byDP.placements[0].carbonKg, enumerated.placements[0].carbonKg, accuracy: 1e-12)
            assertChecks(byDP, [job], catalog, policy, signals)
        }
    }

    func testSamePlanForSameInput() {
        let (jobs, catalog, policy, signals) = Fixtures.randomInstance(seed: 9, jobs: 4, hours: 8)
        XCTAssertEqual(plan(jobs, catalog, policy, signals).jsonData(), plan(jobs, catalog, policy, signals).jsonData())
    }

    /// The carbon-agnostic baseline starts each job at the earliest run of free hours long enough for it, in
    /// the nearest region among those that start it earliest. Region near (10 ms) has 2 devices, one held
    /// for maintenance in hour 2; region far (50 ms) has 2, both held in hours 0-3. In file order:
    /// a (2 devices, 2 h) takes near 0-1; b (2 devices, 2 h) cannot use hour 2 there, so near 3-4 (far could
    /// only start at 4); c (1 device, 3 h) finds near's run at hour 2 broken by b at 3, so far 4-6, which
    /// starts before near's 5-7; d (2 devices, 1 h) finds far's hour 4 half taken, so near 5.
    func testBaselineStartsEachJobAtTheFirstRunOfFreeHoursLongEnough() {
        let catalog = RegionCatalog(regions: [
            Region(name: "near", carbonZone: "ZN", pools: [AcceleratorPool(type: "X", count: 2, powerKilowattsPerDevice: 0.5,
                                                                       reservations: [CapacityReservation(start: Fixtures.at(2), end: Fixtures.at(3), devices: 1)])],
                   latencyMilliseconds: ["users": 10]),
            Region(name: "far", carbonZone: "ZF", pools: [AcceleratorPool(type: "X", count: 2, powerKilowattsPerDevice: 0.5,
                                                                      reservations: [CapacityReservation(start: Fixtures.at(0), end: Fixtures.at(4), devices: 2)])],
                   latencyMilliseconds: ["users": 50]),
        ])
        let signals = Fixtures.signals(hours: 8, carbon: ["ZN": Array(repeating: 100, count: 8), "ZF": Array(repeating: 100, count: 8)],
                                       price: ["ZN": Array(repeating: 10, count: 8), "ZF": Array(repeating: 10, count: 8)])
        func job(_ id: String, devices: Int, hours: Double) -> Job {
            Job(id: id, kind: .training, deviceCount: devices, work: .fixedHours(hours), release: Fixtures.at(0), deadline: Fixtures.at(8), population: "users")
        }
        let jobs = [job("a", devices: 2, hours: 2), job("b", devices: 2, hours: 2), job("c", devices: 1, hours: 3), job("d", devices: 2, hours: 1)]
        let policy = Policy(name: "c", weights: ObjectiveWeights(carbon: 1))
        let p = plan(jobs, catalog, policy, signals)
        let baseline = Dictionary(uniqueKeysWithValues: p.baseline.placements.map { ($0.job, "\($0.region) \($0.chunks.map { "\($0.start)/\($0.end)" })") })
        XCTAssertEqual(baseline, [
            "a": "near [\"2026-12-01T00:00:00Z/2026-12-01T02:00:00Z\"]",
            "b": "near [\"2026-12-01T03:00:00Z/2026-12-01T05:00:00Z\"]",
            "c": "far [\"2026-12-01T04:00:00Z/2026-12-01T07:00:00Z\"]",
            "d": "near [\"2026-12-01T05:00:00Z/2026-12-01T06:00:00Z\"]",
        ])
        XCTAssertEqual(p.baseline.unplaced, [])
    }

    func testCapacityDropsLowerPriorityJobWithReason() {
        let catalog = RegionCatalog(regions: [Region(name: "only", carbonZone: "Z", pools: [AcceleratorPool(type: "X", count: 4, powerKilowattsPerDevice: 0.3)])])
        let signals = Fixtures.signals(hours: 2, carbon: ["Z": [100, 100]], price: ["Z": [10, 10]])
        let important = Job(id: "important", kind: .training, deviceCount: 4, work: .fixedHours(2), release: Fixtures.at(0), deadline: Fixtures.at(2), priority: 9)
        let minor = Job(id: "minor", kind: .training, deviceCount: 1, work: .fixedHours(1), release: Fixtures.at(0), deadline: Fixtures.at(2), priority: 2)
        let policy = Policy(name: "c", weights: ObjectiveWeights(carbon: 1))
        let p = plan([minor, important], catalog, policy, signals)
        XCTAssertEqual(p.placements.map(\.job), ["important"])
        XCTAssertEqual(p.unplaced.map(\.job), ["minor"])
        XCTAssertTrue(p.unplaced[0].reason.hasPrefix("capacity:"), p.unplaced[0].reason)
        XCTAssertEqual(p.exitStatus, 1)
        assertChecks(p, [minor, important], catalog, policy, signals)
    }

    func testInterruptibleJobSplitsAroundDirtyHoursAndPaysOverhead() {
        // Clean, dirty, clean, clean: 2.5 h of work with 0.25 h overhead per resume.
        let catalog = RegionCatalog(regions: [Region(name: "r", carbonZone: "Z", pools: [AcceleratorPool(type: "X", count: 1, powerKilowattsPerDevice: 1)])])
        let signals = Fixtures.signals(hours: 4, carbon: ["Z": [100, 900, 100, 100]], price: ["Z": [0, 0, 0, 0]])
        let job = Job(id: "j", kind: .training, deviceCount: 1, work: .referenceHours(2.5), release: Fixtures.at(0), deadline: Fixtures.at(4),
                      interruptible: true, checkpointOverheadHours: 0.25, maxChunks: 2)
        let policy = Policy(name: "c", weights: ObjectiveWeights(carbon: 1))
        let p = plan([job], catalog, policy, signals)
        let placed = p.placements[0]
        XCTAssertEqual(placed.chunks.map(\.start), ["2026-12-01T00:00:00Z", "2026-12-01T02:00:00Z"])
        XCTAssertEqual(placed.runningHours, 2.75, accuracy: 1e-12)
        XCTAssertEqual(placed.energyKwh, 2.75, accuracy: 1e-12)  // 1 kW x (2.5 h + 0.25 h overhead)
        XCTAssertEqual(placed.carbonKg, 0.275, accuracy: 1e-12)  // all of it at 100 g/kWh
        XCTAssertEqual(placed.finish, "2026-12-01T03:45:00Z")
        assertChecks(p, [job], catalog, policy, signals)
    }

    func testOnlineInferenceServesItsWholeWindowWithinSLO() {
        let catalog = RegionCatalog(regions: [
            Region(name: "far-clean", carbonZone: "A", pools: [AcceleratorPool(type: "X", count: 8, powerKilowattsPerDevice: 0.1)], latencyMilliseconds: ["u": 90]),
            Region(name: "near", carbonZone: "B", pools: [AcceleratorPool(type: "X", count: 8, powerKilowattsPerDevice: 0.1)], latencyMilliseconds: ["u": 10]),
        ])
        let signals = Fixtures.signals(hours: 4, carbon: ["A": [10, 10, 10, 10], "B": [500, 500, 500, 500]], price: ["A": [1, 1, 1, 1], "B": [1, 1, 1, 1]])
        let job = Job(id: "serve", kind: .onlineInference, deviceCount: 2, work: .fixedHours(3), release: Fixtures.at(1), deadline: Fixtures.at(4),
                      population: "u", latencySLOMilliseconds: 30)
        let policy = Policy(name: "c", weights: ObjectiveWeights(carbon: 1))
        let p = plan([job], catalog, policy, signals)
        XCTAssertEqual(p.placements[0].region, "near")
        XCTAssertEqual(p.placements[0].chunks, [Chunk(start: "2026-12-01T01:00:00Z", end: "2026-12-01T04:00:00Z")])
        assertChecks(p, [job], catalog, policy, signals)
    }

    func testCarbonBudgetExceededMakesExitStatusOne() {
        let catalog = RegionCatalog(regions: [Region(name: "r", carbonZone: "Z", pools: [AcceleratorPool(type: "X", count: 1, powerKilowattsPerDevice: 1)])])
        let signals = Fixtures.signals(hours: 2, carbon: ["Z": [400, 400]], price: ["Z": [0, 0]])
        let job = Job(id: "j", kind: .training, deviceCount: 1, work: .fixedHours(2), release: Fixtures.at(0), deadline: Fixtures.at(2))
        let policy = Policy(name: "c", weights: ObjectiveWeights(carbon: 1), carbonBudgetKilograms: 0.5)
        let p = plan([job], catalog, policy, signals)
        XCTAssertEqual(p.carbonBudget?.usedKg ?? 0, 0.8, accuracy: 1e-12)
        XCTAssertEqual(p.carbonBudget?.exceeded, true)
        XCTAssertEqual(p.exitStatus, 1)
    }

    func testWindowTooLargeForExactChunkingStillGivesAValidPlanAndBound() {
        // 8,000 hours and 100 h of work: too many chunked schedules to search; contiguous runs are offered
        // and the bound falls back to the cheapest hours of the window.
        let hours = 8_000
        let carbon = (0..<hours).map { Double(100 + ($0 * 37) % 400) }
        let signals = Fixtures.signals(hours: hours, carbon: ["Z": carbon], price: ["Z": Array(repeating: 10, count: hours)])
        let catalog = RegionCatalog(regions: [Region(name: "r", carbonZone: "Z", pools: [AcceleratorPool(type: "X", count: 2, powerKilowattsPerDevice: 1)])])
        let job = Job(id: "long", kind: .training, deviceCount: 1, work: .referenceHours(100), release: Fixtures.at(0), deadline: Fixtures.at(hours),
                      interruptible: true, checkpointOverheadHours: 0.1, maxChunks: 2)
        let policy = Policy(name: "c", weights: ObjectiveWeights(carbon: 1))
        let p = plan([job], catalog, policy, signals)
        XCTAssertEqual(p.placements.count, 1)
        XCTAssertEqual(p.optimality.status, "heuristic")
        XCTAssertLessThan(p.optimality.lowerBound, p.optimality.objective)
        // The bound is at least the 100 cheapest hours' carbon over the baseline's carbon (here all at 1 kWh per hour).
        let cheapest = carbon.sorted().prefix(100).reduce(0, +) / 1000
        XCTAssertGreaterThanOrEqual(p.optimality.lowerBound, cheapest / p.optimality.normalisers["carbon_kg"]! - 1e-9)
        assertChecks(p, [job], catalog, policy, signals)
    }
}
