import GridwiseCore
import GridwisePlanner
import XCTest

@testable import GridwiseSimulation

/// Small cases whose every figure can be worked out by hand.
final class SimulationAccountingTests: XCTestCase {
    let t0 = Instant(year: 2024, month: 3, day: 4)  // a Monday

    /// Regions A (near the users) and B (far), one 1 kW device each, PUE 1; water 1 L/kWh in A, 2 in B.
    func twoRegions(count: Int = 1) -> RegionCatalog {
        RegionCatalog(regions: [
            Region(name: "A", carbonZone: "A", pools: [AcceleratorPool(type: "X", count: count, powerKilowattsPerDevice: 1)], waterLitresPerKilowattHour: 1,
                   latencyMilliseconds: ["users": 10]),
            Region(name: "B", carbonZone: "B", pools: [AcceleratorPool(type: "X", count: count, powerKilowattsPerDevice: 1)], waterLitresPerKilowattHour: 2,
                   latencyMilliseconds: ["users": 50]),
        ])
    }

    func job(_ id: String, hours: Double, submitHour: Int = 0, deadlineHour: Int = 3, interruptible: Bool = false) -> Job {
        Job(id: id, kind: .training, deviceCount: 1, work: .fixedHours(hours), release: t0.adding(hours: submitHour), deadline: t0.adding(hours: deadlineHour),
            interruptible: interruptible, maxChunks: interruptible ? 10 : 1, population: "users")
    }

    func scenario(_ jobs: [Job], carbon: [[Double]] = [[300, 200, 100], [50, 400, 400]], count: Int = 1) -> Scenario {
        Scenario(start: t0, stepSeconds: 3600, steps: carbon[0].count, catalog: twoRegions(count: count), carbon: carbon,
                 price: [[100, 100, 100], [10, 10, 10]].map { Array($0.prefix(carbon[0].count)) + [Double](repeating: 100, count: max(0, carbon[0].count - 3)) },
                 currency: "EUR", jobs: jobs)
    }

    func outcome(_ s: Scenario, _ policy: SimulationPolicy, options: SimulationOptions = SimulationOptions()) -> JobOutcome {
        Simulator(scenario: s, options: options).run(policy).outcomes[0]
    }

    func testOneJobTwoRegionsThreeHoursUnderEveryPolicy() {
        let s = scenario([job("j", hours: 1)])
        // Carbon-agnostic: A (nearest) at once: 1 kWh x 300 g = 0.3 kg; 1 kWh x 100 EUR/MWh = 0.1 EUR; 1 L.
        let agnostic = outcome(s, .carbonAgnostic)
        XCTAssertEqual(agnostic.region, "A")
        XCTAssertEqual(agnostic.start, t0)
        XCTAssertEqual(agnostic.energyKwh, 1, accuracy: 1e-12)
        XCTAssertEqual(agnostic.carbonKg, 0.3, accuracy: 1e-12)
        XCTAssertEqual(agnostic.cost, 0.1, accuracy: 1e-12)
        XCTAssertEqual(agnostic.waterL, 1, accuracy: 1e-12)
        XCTAssertEqual(agnostic.delayHours, 0, accuracy: 1e-12)
        // Lowest window over both regions: B at hour 0 (50 g): 0.05 kg, 0.01 EUR, 2 L.
        let window = outcome(s, .lowestWindow)
        XCTAssertEqual(window.region, "B")
        XCTAssertEqual(window.carbonKg, 0.05, accuracy: 1e-12)
        XCTAssertEqual(window.cost, 0.01, accuracy: 1e-12)
        XCTAssertEqual(window.waterL, 2, accuracy: 1e-12)
        // Wait-awhile stays in A and waits for its cleanest hour (hour 2, 100 g): 0.1 kg, 2 h late.
        let wait = outcome(s, .waitAwhile)
        XCTAssertEqual(wait.region, "A")
        XCTAssertEqual(wait.start, t0.adding(hours: 2))
        XCTAssertEqual(wait.carbonKg, 0.1, accuracy: 1e-12)
        XCTAssertEqual(wait.delayHours, 2, accuracy: 1e-12)
        XCTAssertFalse(wait.missedDeadline)
        // The planner on carbon alone finds B at hour 0 as well.
        let planner = outcome(s, .planner(LetsWaitAwhile.carbonOnly))
        XCTAssertEqual(planner.region, "B")
        XCTAssertEqual(planner.start, t0)
        XCTAssertEqual(planner.carbonKg, 0.05, accuracy: 1e-12)
        // Savings: 1 - 0.05 / 0.3.
        let result = Simulator(scenario: s, options: SimulationOptions()).run([.carbonAgnostic, .lowestWindow])
        XCTAssertEqual(result.savings(result.policies[1], \.carbonKg)!, 1 - 0.05 / 0.3, accuracy: 1e-12)
    }

    func testPartLastHourAndInterruptibleSplitsAreAccountedPerStep() {
        // 1.5 h at once in A: 300 g for the first hour, 200 g for half of the second: 0.3 + 0.1 = 0.4 kg.
        let s = scenario([job("j", hours: 1.5)])
        let agnostic = outcome(s, .carbonAgnostic)
        XCTAssertEqual(agnostic.energyKwh, 1.5, accuracy: 1e-12)
        XCTAssertEqual(agnostic.carbonKg, 0.4, accuracy: 1e-12)
        XCTAssertEqual(agnostic.finish, t0.adding(seconds: 5400))
        // An interruptible 2 h job in A over carbon [100, 900, 50]: hours 0 and 2, two runs, 0.15 kg.
        let split = scenario([job("k", hours: 2, interruptible: true)], carbon: [[100, 900, 50], [500, 500, 500]])
        let wait = outcome(split, .waitAwhile)
        XCTAssertEqual(wait.runs, 2)
        XCTAssertEqual(wait.carbonKg, 0.15, accuracy: 1e-12)
        XCTAssertEqual(wait.finish, t0.adding(hours: 3))
        let planner = outcome(split, .planner(LetsWaitAwhile.carbonOnly))
        XCTAssertEqual(planner.carbonKg, 0.15, accuracy: 1e-12)
    }

    func testCapacityMakesTheSecondJobWait() {
        // One device per region: two 1 h jobs submitted together. The baseline puts the first in A at
        // hour 0 and the second in B (next by latency) at hour 0: 0.3 + 0.05 kg.
        let s = scenario([job("a", hours: 1), job("b", hours: 1)])
        let r = Simulator(scenario: s, options: SimulationOptions()).run(.carbonAgnostic)
        XCTAssertEqual(r.outcomes.map(\.region), ["A", "B"])
        XCTAssertEqual(r.totals.carbonKg, 0.35, accuracy: 1e-12)
        // Lowest window: B hour 0 for the first; for the second B is full at hour 0, so A hour 2 (100 g).
        let w = Simulator(scenario: s, options: SimulationOptions()).run(.lowestWindow)
        XCTAssertEqual(w.outcomes.map(\.region), ["B", "A"])
        XCTAssertEqual(w.outcomes[1].start, t0.adding(hours: 2))
        XCTAssertEqual(w.totals.carbonKg, 0.15, accuracy: 1e-12)
        XCTAssertEqual(w.devicesUsed[0], [0, 0, 1])
        XCTAssertEqual(w.devicesUsed[1], [1, 0, 0])
    }

    func testAJobWithNoRoomBeforeTheDataEndsNeverRunsAndIsCounted() {
        // One device per region, both busy for all three hours with jobs a and b: c never runs.
        var a = job("a", hours: 3), b = job("b", hours: 3)
        a.allowedRegions = ["A"]
        b.allowedRegions = ["B"]
        let s = scenario([a, b, job("c", hours: 1)])
        // Carbon-agnostic takes them in submit order: a in A (300 + 200 + 100 g) and b in B (50 + 400 + 400 g),
        // 1 kWh each hour; c finds no room. The planner, placing as many jobs, takes the cheaper pair:
        // a, and c in B at hour 0 (50 g); b finds no room.
        for (policy, cadence, never, carbon) in [(SimulationPolicy.carbonAgnostic, ReplanCadence.arrival, 2, 1.45), (.planner(LetsWaitAwhile.carbonOnly), .hourly, 1, 0.65)] {
            let r = Simulator(scenario: s, options: SimulationOptions(cadence: cadence)).run(policy)
            XCTAssertEqual(r.totals.neverRan, 1, policy.name)
            XCTAssertEqual(r.totals.ran, 2, policy.name)
            XCTAssertNil(r.outcomes[never].start, policy.name)
            XCTAssertTrue(r.outcomes[never].missedDeadline, policy.name)
            XCTAssertEqual(r.totals.carbonKg, carbon, accuracy: 1e-12, policy.name)
            XCTAssertTrue(r.devicesUsed.allSatisfy { $0.allSatisfy { $0 <= 1 } }, "no pool over its one device: \(r.devicesUsed)")
        }
    }

    func testHalfHourStepsThroughThePlanner() {
        // 30-minute steps, one region, carbon [5, 1, 1, 5] g/kWh; a 1 h job (2 steps) of 1 kW.
        let region = Region(name: "A", carbonZone: "A", pools: [AcceleratorPool(type: "X", count: 1, powerKilowattsPerDevice: 1)])
        let j = Job(id: "j", kind: .training, deviceCount: 1, work: .fixedHours(1), release: t0, deadline: t0.adding(hours: 2))
        let s = Scenario(start: t0, stepSeconds: 1800, steps: 4, catalog: RegionCatalog(regions: [region]), carbon: [[5, 1, 1, 5]], price: [[0, 0, 0, 0]],
                         currency: "EUR", jobs: [j])
        for policy in [SimulationPolicy.planner(LetsWaitAwhile.carbonOnly), .waitAwhile] {
            let o = Simulator(scenario: s, options: SimulationOptions()).run(policy).outcomes[0]
            XCTAssertEqual(o.start, t0.adding(seconds: 1800), policy.name)
            XCTAssertEqual(o.finish, t0.adding(seconds: 5400), policy.name)
            // 1 kW x 0.5 h x 1 g x 2 steps = 1 g.
            XCTAssertEqual(o.carbonKg, 0.001, accuracy: 1e-12, policy.name)
            XCTAssertEqual(o.energyKwh, 1, accuracy: 1e-12, policy.name)
        }
    }

    func testLongInterruptibleJobTakesTheCheapestHoursThroughThePlanner() {
        // 48 hours, a 12-hour interruptible job with no checkpoint overhead: C(48, 12) schedules, too many
        // to list; the planner's exact free-split search must take the 12 cheapest hours.
        let seed: UInt64 = 77
        print("seed \(seed)")
        var rng = SeededGenerator(seed: seed)
        let carbon = (0..<48).map { _ in Double(100 + Int(rng.next() % 400)) }
        let region = Region(name: "A", carbonZone: "A", pools: [AcceleratorPool(type: "X", count: 1, powerKilowattsPerDevice: 1)])
        let j = Job(id: "long", kind: .training, deviceCount: 1, work: .fixedHours(12), release: t0, deadline: t0.adding(hours: 48), interruptible: true, maxChunks: 12)
        let s = Scenario(start: t0, stepSeconds: 3600, steps: 48, catalog: RegionCatalog(regions: [region]), carbon: [carbon], price: [[Double](repeating: 1, count: 48)],
                         currency: "EUR", jobs: [j])
        let cheapest = carbon.sorted().prefix(12).reduce(0, +) / 1000
        for policy in [SimulationPolicy.planner(LetsWaitAwhile.carbonOnly), .waitAwhile] {
            let o = Simulator(scenario: s, options: SimulationOptions()).run(policy).outcomes[0]
            XCTAssertEqual(o.carbonKg, cheapest, accuracy: 1e-9, policy.name)
            XCTAssertLessThanOrEqual(o.runs, 12)
        }
    }

    func testAJobPastItsDeadlineStillRunsAndIsCountedLate() {
        // Deadline before the job can finish: every policy runs it at once and reports the miss.
        let s = scenario([job("late", hours: 2, deadlineHour: 1)])
        XCTAssertEqual(s.unmeetableDeadlines, 1)
        // Submitted at 00:30, 1 h: it can start at 01:00 and finish at 02:00, so a 02:00 deadline is
        // meetable and 01:45 is not.
        var early = job("mid", hours: 1, deadlineHour: 2)
        early.release = t0.adding(seconds: 1800)
        var tight = early
        tight.deadline = t0.adding(seconds: 6300)
        XCTAssertEqual(scenario([early]).unmeetableDeadlines, 0)
        XCTAssertEqual(scenario([tight]).unmeetableDeadlines, 1)
        XCTAssertEqual(outcome(scenario([early]), .carbonAgnostic).finish, t0.adding(hours: 2))
        for policy in [SimulationPolicy.carbonAgnostic, .lowestWindow, .waitAwhile, .planner(LetsWaitAwhile.carbonOnly)] {
            let o = outcome(s, policy)
            XCTAssertEqual(o.start, t0, policy.name)
            XCTAssertTrue(o.missedDeadline, policy.name)
        }
    }

    func testInterruptibleWorkLeftIsReplannedWhereItRuns() {
        // Hourly re-plans; 2 h interruptible job in A only (B excluded); over [100, 900, 50, 900].
        var j = job("k", hours: 2, deadlineHour: 4, interruptible: true)
        j.allowedRegions = ["A"]
        let s = scenario([j], carbon: [[100, 900, 50, 900], [1, 1, 1, 1]])
        let o = Simulator(scenario: s, options: SimulationOptions(cadence: .hourly)).run(.planner(LetsWaitAwhile.carbonOnly)).outcomes[0]
        XCTAssertEqual(o.region, "A")
        XCTAssertEqual(o.runs, 2)
        XCTAssertEqual(o.carbonKg, 0.15, accuracy: 1e-12)
    }
}

/// No policy may see an actual value it should only know as a forecast.
final class ForecastIsolationTests: XCTestCase {
    let t0 = Instant(year: 2024, month: 3, day: 4)

    func testPoliciesActOnTheForecastAndAreChargedTheActual() {
        // One region. Actual [300, 200, 900]; the archive forecast says hour 2 is the cleanest (10).
        // Every time-shifting policy must fall for it; the accounting charges the actual 900 g.
        let region = Region(name: "A", carbonZone: "A", pools: [AcceleratorPool(type: "X", count: 4, powerKilowattsPerDevice: 1)])
        let j = Job(id: "j", kind: .training, deviceCount: 1, work: .fixedHours(1), release: t0, deadline: t0.adding(hours: 3))
        let s = Scenario(start: t0, stepSeconds: 3600, steps: 3, catalog: RegionCatalog(regions: [region]), carbon: [[300, 200, 900]], price: [[1, 1, 1]],
                         currency: "EUR", jobs: [j])
        let audit = ForecastAudit()
        let options = SimulationOptions(forecast: .archive(carbon: [[300, 200, 10]], price: [[1, 1, 1]], source: "test"), audit: audit)
        for policy in [SimulationPolicy.lowestWindow, .waitAwhile, .planner(LetsWaitAwhile.carbonOnly)] {
            let o = Simulator(scenario: s, options: options).run(policy).outcomes[0]
            XCTAssertEqual(o.start, t0.adding(hours: 2), policy.name)
            XCTAssertEqual(o.carbonKg, 0.9, accuracy: 1e-12, policy.name)
        }
        XCTAssertGreaterThan(audit.forecastReads, 0)
        XCTAssertTrue(audit.futureActualReads.isEmpty, "\(audit.futureActualReads)")
    }

    func testNoActualValueAtOrAfterTheDecisionStepIsEverRead() {
        // A seeded random scenario: 3 regions, 72 hours, 40 jobs, half interruptible; every forecast model,
        // every policy, every cadence. The audit records each read of an actual value and when.
        let seed: UInt64 = 20_261_121
        print("seed \(seed)")
        var rng = SeededGenerator(seed: seed)
        func uniform() -> Double { rng.nextUnit() }
        let regions = (0..<3).map { r in
            Region(name: "R\(r)", carbonZone: "R\(r)", pools: [AcceleratorPool(type: "X", count: 6, powerKilowattsPerDevice: 0.5)], powerUsageEffectiveness: 1.2,
                   latencyMilliseconds: ["users": Double(10 + 20 * r)])
        }
        let hours = 72
        let carbon = (0..<3).map { _ in (0..<hours).map { _ in 50 + 400 * uniform() } }
        let price = (0..<3).map { _ in (0..<hours).map { _ in 20 + 80 * uniform() } }
        let jobs = (0..<40).map { i -> Job in
            let submit = t0.adding(hours: Int(uniform() * 40))
            let h = 1 + Double(Int(uniform() * 8))
            return Job(id: "j\(i)", kind: .training, deviceCount: 1 + Int(uniform() * 2), work: .fixedHours(h), release: submit,
                       deadline: submit.adding(hours: Int(h) + Int(uniform() * 20)), interruptible: i % 2 == 0, maxChunks: i % 2 == 0 ? 6 : 1, population: "users")
        }
        let s = Scenario(start: t0, stepSeconds: 3600, steps: hours, catalog: RegionCatalog(regions: regions), carbon: carbon, price: price, currency: "EUR", jobs: jobs)
        let models: [ForecastModel] = [.gaussian(fraction: 0.1, seed: 3), .persistence(periodSteps: 24), .perfect]
        for model in models {
            for cadence in ReplanCadence.allCases {
                let audit = ForecastAudit()
                let sim = Simulator(scenario: s, options: SimulationOptions(forecast: model, cadence: cadence, planner: PlannerOptions(nodeLimit: 2_000), audit: audit))
                let result = sim.run([.carbonAgnostic, .lowestWindow, .waitAwhile, .planner(LetsWaitAwhile.carbonOnly)])
                XCTAssertTrue(audit.futureActualReads.isEmpty, "\(model) \(cadence): \(audit.futureActualReads.prefix(5))")
                XCTAssertGreaterThan(audit.forecastReads + audit.actualReads, 0)
                let available = result.devicesAvailable
                for r in result.policies {
                    XCTAssertEqual(r.totals.ran, 40, "\(model) \(cadence) \(r.policy.name)")
                    for (g, used) in r.devicesUsed.enumerated() {
                        XCTAssertTrue(zip(used, available[g]).allSatisfy { $0 <= $1 }, "over capacity: \(model) \(cadence) \(r.policy.name) region \(g)")
                    }
                }
                if case .persistence = model { XCTAssertGreaterThan(audit.actualReads, 0, "persistence forecasts come from past actuals") }
            }
        }
    }

    func testPersistenceForecastIsTheLatestSamePhaseObservation() {
        let region = Region(name: "A", carbonZone: "A", pools: [AcceleratorPool(type: "X", count: 1, powerKilowattsPerDevice: 1)])
        let actual = (0..<10).map { Double($0) }
        let s = Scenario(start: t0, stepSeconds: 3600, steps: 10, catalog: RegionCatalog(regions: [region]), carbon: [actual], price: [actual], currency: "EUR", jobs: [])
        let table = ForecastTable(scenario: s, model: .persistence(periodSteps: 3))
        let view = table.view(at: 5)
        XCTAssertEqual(view.carbon(region: 0, step: 4), 4)  // past: actual
        XCTAssertEqual(view.carbon(region: 0, step: 5), 2)  // 5 - 3
        XCTAssertEqual(view.carbon(region: 0, step: 7), 4)  // 7 - 3
        XCTAssertEqual(view.carbon(region: 0, step: 8), 2)  // 8 - 6
        XCTAssertEqual(table.view(at: 0).carbon(region: 0, step: 2), 0)  // nothing observed yet
        let noisy = ForecastTable(scenario: s, model: .gaussian(fraction: 0.1, seed: 9))
        XCTAssertEqual(noisy.view(at: 0).carbon(region: 0, step: 6), noisy.view(at: 6).carbon(region: 0, step: 6), "drawn once per step")
        XCTAssertNotEqual(noisy.view(at: 0).carbon(region: 0, step: 6), 6)
        XCTAssertEqual(noisy.view(at: 7).carbon(region: 0, step: 6), 6, "the past is known")
    }
}
