import ArgumentParser
import GridwisePlanner

/// How long the planner may search and when it may stop early: shared by plan and place.
struct SolverOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Return the best plan found within this many seconds, with its bound and gap (default: no limit).", valueName: "SECONDS"))
    var timeLimit: Double?

    @Option(help: ArgumentHelp("Stop once the plan is within this gap of the lower bound: a percentage (0.5%) or a fraction (0.005). Above 2,000 jobs, a plan not yet within it makes the planner go on (more bound steps, more guided plans, then plans rebuilt around the jobs placed worst; bound the time with --time-limit). Default 0: search to the other limits.", valueName: "GAP"))
    var targetGap: String?

    @Option(help: "Branch-and-bound node limit on small plans; more can prove optimality, at the cost of time.")
    var nodeLimit: Int = 200_000

    @Option(help: ArgumentHelp("On plans of 51 to 250 jobs, restarts with each of this many of the largest jobs kept off the resource it holds, then held where the bound's prices put it; each costs about one whole search (0: none, for a plan in a few seconds).", valueName: "N"))
    var restarts: Int = PlannerOptions().restarts

    @Option(help: ArgumentHelp("Where each restart plans from: scratch, plan (the best plan so far) or both (the default: the two in turn, the better plan kept, in twice the time of one).", valueName: "START"))
    var restartFrom: String = PlannerOptions().restartFrom.rawValue

    func validate() throws {
        if let timeLimit, !(timeLimit > 0 && timeLimit.isFinite) {
            throw ValidationError("--time-limit: found \(timeLimit); expected a number of seconds greater than 0")
        }
        if let targetGap, Self.fraction(targetGap) == nil {
            throw ValidationError("--target-gap: found '\(targetGap)'; expected a percentage such as 0.5% or a fraction from 0 to 1 such as 0.005")
        }
        if nodeLimit < 0 { throw ValidationError("--node-limit: found \(nodeLimit); expected 0 or more") }
        if restarts < 0 { throw ValidationError("--restarts: found \(restarts); expected 0 or more") }
        if RestartStart(rawValue: restartFrom) == nil {
            throw ValidationError("--restart-from: found '\(restartFrom)'; expected one of \(RestartStart.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    static func fraction(_ text: String) -> Double? {
        let percent = text.hasSuffix("%")
        guard let v = Double(percent ? String(text.dropLast()) : text), v.isFinite else { return nil }
        let f = percent ? v / 100 : v
        return (0...1).contains(f) ? f : nil
    }

    var plannerOptions: PlannerOptions {
        PlannerOptions(nodeLimit: nodeLimit, targetGap: targetGap.flatMap(Self.fraction) ?? 0, timeLimit: timeLimit, restarts: restarts,
                       restartFrom: RestartStart(rawValue: restartFrom) ?? PlannerOptions().restartFrom)
    }
}
