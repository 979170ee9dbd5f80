import GridwiseCheck
import GridwiseCore
@testable import GridwisePlanner
import GridwiseTestSupport
import XCTest

/// Where no search follows, two guided plans run side by side: one from the bound's best prices, one from
/// the mean of the last steps' prices (`LagrangianRelaxation.Result.averaged`), and the better stays.
final class GuidedPlanTests: XCTestCase {
    let inputs = PlanInputs(jobs: "jobs.yaml", regions: "regions.yaml", policy: "policy.yaml", signals: "signals.yaml")

    /// The steps start from zero prices, so after one step the mean is zero, and after two (the second
    /// raising the bound, so its prices are the best) it is half the best prices. Any prices give a valid
    /// bound, the mean's too.
    func testAveragedPricesAreTheMeanOfTheLastSteps() {
        let seed: UInt64 = 8803
        print("GuidedPlanTests averaged prices seed: \(seed)")
        let (_, flat, first) = firstPlan(seed: seed)
        let relaxation = LagrangianRelaxation(flat: flat, included: first.placedMask)
        let one = relaxation.ascend(upperBound: first.objective, iterations: 1, targetGap: 0, shouldStop: { false })
        XCTAssertEqual(one.iterations, 1)
        XCTAssertTrue(one.averaged.allSatisfy { $0.allSatisfy { $0 == 0 } })
        let two = relaxation.ascend(upperBound: first.objective, iterations: 2, targetGap: 0, shouldStop: { false })
        XCTAssertEqual(two.iterations, 2)
        XCTAssertGreaterThan(two.bound, one.bound, "the instance is contended, so the first priced step raises the bound")
        XCTAssertGreaterThan(two.lambda.joined().max() ?? 0, 0)
        for (q, row) in two.averaged.enumerated() {
            for (t, value) in row.enumerated() { XCTAssertEqual(value, two.lambda[q][t] / 2, accuracy: 1e-12) }
        }
        let many = relaxation.ascend(upperBound: first.objective, iterations: 160, targetGap: 0, deflection: 0.5, shouldStop: { false })
        XCTAssertGreaterThan(many.iterations, LagrangianRelaxation.averagedSteps)
        XCTAssertNotEqual(many.averaged, many.lambda)
        XCTAssertTrue(many.averaged.allSatisfy { $0.allSatisfy { $0 >= 0 } })
        // A bound for the jobs the first plan places, so never above that plan.
        XCTAssertLessThanOrEqual(relaxation.evaluate(many.averaged).value, first.objective + 1e-9)
    }

    /// 20 seeded instances (40 jobs, 24 hours, pools of 2-4 devices, more work than capacity) planned without
    /// the search or branch and bound: the planner's plan is the better of the first plan and the two guided
    /// plans, rebuilt here step by step; each of the two guided plans is strictly the better one on several
    /// instances, so both matter; every plan passes the checker, and the same input gives the same plan.
    func testWithoutTheSearchThePlanIsTheBetterOfTwoGuidedPlans() {
        let base: UInt64 = 8800
        print("GuidedPlanTests seed base: \(base)")
        var meanWins = 0, bestWins = 0
        for seed in base..<(base + 20) {
            let (instance, flat, first) = firstPlan(seed: seed)
            let settings = Planner.ascentSettings(jobs: flat.jobCount, searches: false)
            let relaxation = LagrangianRelaxation(flat: flat, included: first.placedMask)
            let ascent = relaxation.ascend(upperBound: first.objective, iterations: settings.iterations, targetGap: 0, deflection: settings.deflection, shouldStop: { false })
            func guided(_ prices: [[Double]]) -> Placer {
                Planner.guidedPlan(flat: flat, generator: first.generator, order: first.order, prices: prices, pricedMoves: true, maxPasses: 50, shouldStop: { false })
            }
            let byBest = guided(ascent.lambda), byMean = guided(ascent.averaged)
            if Planner.isBetter(byMean, than: byBest) { meanWins += 1 }
            if Planner.isBetter(byBest, than: byMean) { bestWins += 1 }
            var expected = first
            for plan in [byBest, byMean] where Planner.isBetter(plan, than: expected) { expected = plan }

            let (jobs, catalog, policy, signals) = instance
            let options = PlannerOptions(exactSearchLimit: 0, neighbourhoodMoves: 0)
            let plan = Planner.plan(PlanningProblem(jobs: jobs, catalog: catalog, policy: policy, signals: signals), inputs: inputs, generatedBy: "test", options: options)
            XCTAssertEqual(PlanChecker.check(plan, jobs: jobs, catalog: catalog, policy: policy, signals: signals), [], "seed \(seed)")
            XCTAssertEqual(Set(plan.placements.map(\.job)), Set(jobs.indices.filter { expected.placedMask[$0] }.map { jobs[$0].id }), "seed \(seed)")
            XCTAssertEqual(plan.optimality.objective, expected.objective, accuracy: 1e-9, "seed \(seed)")
            if seed % 10 == 0 {
                let again = Planner.plan(PlanningProblem(jobs: jobs, catalog: catalog, policy: policy, signals: signals), inputs: inputs, generatedBy: "test", options: options)
                XCTAssertEqual(plan.jsonData(), again.jsonData(), "seed \(seed): the same input must give the same plan")
            }
        }
        print("GuidedPlanTests: the mean's plan better on \(meanWins) of 20, the best prices' on \(bestWins)")
        XCTAssertGreaterThanOrEqual(meanWins, 5)
        XCTAssertGreaterThanOrEqual(bestWins, 5)
    }

    /// A seeded instance, its flat form, and the planner's first plan (greedy, then single-job moves).
    private func firstPlan(seed: UInt64) -> (instance: (jobs: [Job], catalog: RegionCatalog, policy: Policy, signals: GridSignals), flat: FlatProblem, first: Placer) {
        let instance = Fixtures.randomInstance(seed: seed, jobs: 40, hours: 24)
        let problem = PlanningProblem(jobs: instance.jobs, catalog: instance.catalog, policy: instance.policy, signals: instance.signals)
        let (_, _, _, model) = Planner.prepare(problem)
        let flat = FlatProblem(model: model, allowSplitting: instance.policy.allowSplitting)
        var first = Placer(flat: flat, generator: CandidateGenerator(model: model))
        first.greedy(order: first.order, prices: nil)
        first.improve(order: first.order, maxPasses: PlannerOptions().maxPasses, shouldStop: { false })
        return (instance, flat, first)
    }
}
