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
        let pool = { AcceleratorPool(type: "X", count: 4, powerKilowattsPerDevice: 1) }
        let catalog = RegionCatalog(regions: [Region(name: "cheap", carbonZone: "A", pools: [pool()]), Region(name: "dear", carbonZone: "B", pools: [pool()])])
        let signals = Fixtures.signals(hours: 1, carbon: ["A": [100], "B": [300]], price: ["A": [0], "B": [0]])
        let job = { (id: String, devices: Int) in
            Job(id: id, kind: .batchInference, deviceCount: devices, work: .fixedHours(1), release: Fixtures.at(0), deadline: Fixtures.at(1))
        }
        let problem = PlanningProblem(jobs: [job("large", 3), job("small-1", 2), job("small-2", 2)], catalog: catalog,
                                      policy: Policy(name: "c", weights: ObjectiveWeights(carbon: 1)), signals: signals)
        let (_, _, _, model) = Planner.prepare(problem)
        let generator = CandidateGenerator(model: model)
        let flat = FlatProblem(model: model, allowSplitting: true)
        let kg = model.normalisers.carbonKilograms
        func option(_ j: Int, resource: Int) throws -> Int {
            try XCTUnwrap((flat.optionStart[j]..<flat.optionStart[j + 1]).first { flat.options[$0].resource == resource })
        }
        var stuck = Placer(flat: flat, generator: generator)
        for (j, resource) in [(0, 0), (1, 1), (2, 1)] {
            let oi = try option(j, resource: resource)
            stuck.assign(j, Placer.Assigned(option: oi, chunks: 1, slots: [0], objective: flat.contiguousObjective(flat.options[oi], job: j, start: 0)))
        }
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
}
