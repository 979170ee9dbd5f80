import GridwiseCore
@testable import GridwisePlanner
import GridwiseTestSupport
import XCTest

/// Restarts with a large job kept off the resource it holds (`Planner.restrictedRestarts`).
final class RestartTests: XCTestCase {
    /// Two regions of 4 one-kW devices, carbon 100 and 300 g/kWh, one hour. A 3-device job in the cheap
    /// region leaves one device there, so the two 2-device jobs run in the dear one: 3 x 0.1 + 4 x 0.3 =
    /// 1.5 kg. No single job can move (the cheap region has one device free, the dear one none). With the
    /// large job kept off the cheap region, planning again puts it in the dear one and both small jobs in
    /// the cheap one: 4 x 0.1 + 3 x 0.3 = 1.3 kg, which is the plan returned, on the whole problem.
    func testRestartMovesTheLargeJobOffTheCheapResource() throws {
        let (model, generator, flat, stuck) = try stuckInstance(hours: 1)
        let kg = model.normalisers.carbonKilograms
        XCTAssertEqual(stuck.objective * kg, 1.5, accuracy: 1e-12)
        XCTAssertEqual(stuck.used, [[3], [4]])
        var moved = stuck
        moved.improve(order: [0, 1, 2], maxPasses: 5, shouldStop: { false })
        XCTAssertEqual(moved.assignment, stuck.assignment, "single-job moves are stuck")

        // The restricted problem lacks exactly the large job's option on the cheap resource.
        let restricted = FlatProblem(model: model, allowSplitting: true, excluding: [0: [0]])
        XCTAssertEqual((restricted.optionStart[0]..<restricted.optionStart[1]).map { restricted.options[$0].resource }, [1])
        XCTAssertEqual(restricted.options.count, flat.options.count - 1)

        let restarted = Planner.restrictedRestarts(from: stuck, model: model, allowSplitting: true, generator: generator, effort: (moves: 0, rounds: 1),
                                                   options: PlannerOptions(), shouldStop: { false })
        XCTAssertEqual(restarted.objective * kg, 1.3, accuracy: 1e-12)
        XCTAssertEqual(restarted.assignment.map { flat.options[$0.option].resource }, [1, 0, 0], "large in the dear region, both small ones in the cheap one")
        XCTAssertEqual(restarted.used, [[4], [3]], "usage counted on the whole problem's resources")
        XCTAssertEqual(restarted.flat.options.count, flat.options.count, "the plan is on the whole problem")

        // From the plan instead: the large job, out of the cheap region, finds the dear one full; single-job
        // moves then send both small jobs to the cheap region and the large one to the dear one.
        let fromPlan = Planner.restrictedRestarts(from: stuck, model: model, allowSplitting: true, generator: generator, effort: (moves: 0, rounds: 1),
                                                  options: PlannerOptions(), fromPlan: true, shouldStop: { false })
        XCTAssertEqual(fromPlan.objective * kg, 1.3, accuracy: 1e-12)
        XCTAssertEqual(fromPlan.assignment.map { flat.options[$0.option].resource }, [1, 0, 0])
        XCTAssertEqual(fromPlan.used, [[4], [3]])
    }

    /// Restarts with a large job held where the relaxation's prices put it (`Planner.heldRestarts`). The
    /// instance above over two hours of the same carbon: the large job may run in either, the small ones
    /// in the first only. As above it is stuck at 1.5 kg. Priced at 10 per device-hour on the cheap
    /// resource and in the dear one's first hour, the large job's best place is the dear resource's second
    /// hour: held there, planning again puts both small jobs in the cheap region, 1.3 kg, with the large
    /// job in that hour (without the hold, the tie between the hours goes to the first).
    func testHeldRestartPutsTheLargeJobWhereThePricesSay() throws {
        let (model, generator, flat, stuck) = try stuckInstance(hours: 2)
        let kg = model.normalisers.carbonKilograms
        XCTAssertEqual(stuck.objective * kg, 1.5, accuracy: 1e-12)

        // The held problem: the large job has the dear resource's option only, in the second hour only.
        let held = FlatProblem(model: model, allowSplitting: true, holding: [0: (resource: 1, start: 1)])
        XCTAssertEqual((held.optionStart[0]..<held.optionStart[1]).map { held.options[$0].resource }, [1])
        XCTAssertEqual([held.windowStart[0], held.windowEnd[0]], [1, 2])
        XCTAssertEqual([held.windowStart[1], held.windowEnd[1]], [0, 1], "the other jobs keep their windows")
        XCTAssertEqual(held.options.count, flat.options.count - 1)
        // A hold that runs past the job's window leaves it no hours.
        let outside = FlatProblem(model: model, allowSplitting: true, holding: [0: (resource: 1, start: 2)])
        XCTAssertEqual(outside.windowStart[0], outside.windowEnd[0])

        let priced = [[10.0, 10.0], [10.0, 0.0]]
        let restarted = Planner.heldRestarts(from: stuck, prices: priced, model: model, allowSplitting: true, generator: generator, effort: (moves: 0, rounds: 1),
                                             options: PlannerOptions(), shouldStop: { false })
        XCTAssertEqual(restarted.objective * kg, 1.3, accuracy: 1e-12)
        XCTAssertEqual(restarted.assignment.map { flat.options[$0.option].resource }, [1, 0, 0], "large in the dear region, both small ones in the cheap one")
        XCTAssertEqual(restarted.assignment.map(\.slots), [[1], [0], [0]], "the large job in the hour it was held to")
        XCTAssertEqual(restarted.used, [[4, 0], [0, 3]], "usage counted on the whole problem's resources")

        // Unpriced, the large job's best place is where it stands; the first small job's (the cheap region's
        // first hour) is not, and held there it is left out when the large job is placed first: that plan
        // places fewer jobs and is not kept.
        var one = PlannerOptions()
        one.restarts = 1
        let unpriced = Planner.heldRestarts(from: stuck, prices: [[0, 0], [0, 0]], model: model, allowSplitting: true, generator: generator, effort: (moves: 0, rounds: 1),
                                            options: one, shouldStop: { false })
        XCTAssertEqual(unpriced.assignment, stuck.assignment)
        var none = PlannerOptions()
        none.restarts = 0
        let zero = Planner.heldRestarts(from: stuck, prices: priced, model: model, allowSplitting: true, generator: generator, effort: (moves: 0, rounds: 1),
                                        options: none, shouldStop: { false })
        XCTAssertEqual(zero.assignment, stuck.assignment, "no restarts asked for")
    }

    /// A listed plan and the placer's plan convert both ways without change, and a plan moved to a
    /// restricted problem keeps its jobs where their options remain.
    func testPlansConvertBetweenListedSchedulesAndRestrictedProblems() throws {
        let seed: UInt64 = 4411
        print("RestartTests seed: \(seed)")
        let instance = Fixtures.randomInstance(seed: seed, jobs: 6)
        let problem = PlanningProblem(jobs: instance.jobs, catalog: instance.catalog, policy: instance.policy, signals: instance.signals)
        let (_, _, _, model) = Planner.prepare(problem)
        let generator = CandidateGenerator(model: model)
        let flat = FlatProblem(model: model, allowSplitting: problem.policy.allowSplitting)
        var plan = Placer(flat: flat, generator: generator)
        plan.greedy(order: plan.order, prices: nil)
        let placed = (0..<flat.jobCount).filter { plan.assignment[$0].option >= 0 }
        XCTAssertEqual(placed.count, 4, "seed \(seed): four of the six jobs fit")
        let listed = plan.assignment.enumerated().map { j, a in
            a.option < 0 ? nil : generator.make(j, option: Int(flat.options[a.option].index), slots: a.slots, chunks: a.chunks)
        }
        let back = Planner.placer(listed, flat: flat, generator: generator)
        XCTAssertEqual(back.assignment.map(\.option), plan.assignment.map(\.option))
        XCTAssertEqual(back.assignment.map(\.slots), plan.assignment.map(\.slots))
        XCTAssertEqual(back.assignment.map(\.chunks), plan.assignment.map(\.chunks))
        XCTAssertEqual(back.objective, plan.objective, accuracy: 1e-12 * max(1, plan.objective))
        XCTAssertEqual(back.used, plan.used)

        // The first placed job's option excluded: it is left out there; the others keep their places.
        let moved = placed[0]
        let held = Int(flat.options[plan.assignment[moved].option].resource)
        let restricted = FlatProblem(model: model, allowSplitting: problem.policy.allowSplitting, excluding: [moved: [held]])
        let there = plan.transferred(to: restricted)
        XCTAssertEqual(there.assignment[moved].option, -1)
        for j in placed.dropFirst() {
            XCTAssertEqual(restricted.options[there.assignment[j].option].index, flat.options[plan.assignment[j].option].index)
            XCTAssertEqual(there.assignment[j].slots, plan.assignment[j].slots)
        }
        XCTAssertEqual(there.objective, plan.objective - plan.assignment[moved].objective, accuracy: 1e-12 * max(1, plan.objective))
    }

    /// The instance of both tests above over `hours` hours of the same carbon (cheap region 100 g/kWh, dear
    /// 300; 4 one-kW devices each): the large job (3 devices) may run in any hour, the small ones (2 devices
    /// each) in the first only. Returns it with the stuck plan: the large job in the cheap region, both small
    /// ones in the dear one, all in hour 0.
    private func stuckInstance(hours: Int) throws -> (model: CostModel, generator: CandidateGenerator, flat: FlatProblem, stuck: Placer) {
        let pool = { AcceleratorPool(type: "X", count: 4, powerKilowattsPerDevice: 1) }
        let catalog = RegionCatalog(regions: [Region(name: "cheap", carbonZone: "A", pools: [pool()]), Region(name: "dear", carbonZone: "B", pools: [pool()])])
        let signals = Fixtures.signals(hours: hours, carbon: ["A": Array(repeating: 100, count: hours), "B": Array(repeating: 300, count: hours)],
                                       price: ["A": Array(repeating: 0, count: hours), "B": Array(repeating: 0, count: hours)])
        let job = { (id: String, devices: Int, deadline: Int) in
            Job(id: id, kind: .batchInference, deviceCount: devices, work: .fixedHours(1), release: Fixtures.at(0), deadline: Fixtures.at(deadline))
        }
        let problem = PlanningProblem(jobs: [job("large", 3, hours), job("small-1", 2, 1), job("small-2", 2, 1)], catalog: catalog,
                                      policy: Policy(name: "c", weights: ObjectiveWeights(carbon: 1)), signals: signals)
        let (_, _, _, model) = Planner.prepare(problem)
        let generator = CandidateGenerator(model: model)
        let flat = FlatProblem(model: model, allowSplitting: true)
        var stuck = Placer(flat: flat, generator: generator)
        for (j, resource) in [(0, 0), (1, 1), (2, 1)] {
            let oi = try XCTUnwrap((flat.optionStart[j]..<flat.optionStart[j + 1]).first { flat.options[$0].resource == resource })
            stuck.assign(j, Placer.Assigned(option: oi, chunks: 1, slots: [0], objective: flat.contiguousObjective(flat.options[oi], job: j, start: 0)))
        }
        return (model, generator, flat, stuck)
    }
}
