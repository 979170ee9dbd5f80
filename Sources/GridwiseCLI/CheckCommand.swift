import ArgumentParser
import Foundation
import GridwiseCheck
import GridwiseCore
import GridwiseSignals

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify a plan against its inputs: recompute every figure and test every constraint.",
        discussion: """
            The checker shares no code with the planner: it re-derives energy, carbon, cost, water, latency and
            delay hour by hour from the inputs, tests windows, capacity in every hour, region rules, SLOs and
            chunking, and re-adds totals and savings.

            Examples:
              gridwise plan examples/global --format json --output plan.json
              gridwise check plan.json --against examples/global

            Exits 0 when the plan holds, 1 when it has violations (each is listed), 65 on unreadable input.
            """)

    @Argument(help: ArgumentHelp("A plan written by 'gridwise plan --format json'.", valueName: "PLAN"))
    var plan: String

    @OptionGroup var read: PlanReadOptions

    func run() throws {
        let (planValue, resolved, loaded) = try read.load(plan)
        let violations = PlanChecker.check(planValue, jobs: loaded.jobs.plan.jobs, catalog: loaded.catalog, policy: loaded.policy, signals: loaded.signals)
        if violations.isEmpty {
            say("\(plan): OK. \(planValue.placements.count) placements and \(planValue.baseline.placements.count) baseline placements recomputed from \(resolved.jobs), \(resolved.regions), \(resolved.policy), \(resolved.signals); every constraint holds and every total matches.")
            return
        }
        warn("\(plan): \(violations.count) violation(s):")
        for v in violations { warn("  " + v.description) }
        throw CommandExit(status: ExitStatus.partial)
    }
}

/// How `check` and `explain` find the inputs a plan was made from, and the signal values it used.
struct PlanReadOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The inputs' folder or job plan file (default: the inputs recorded in the plan).", valueName: "INPUTS"))
    var against: String?

    @Option(help: ArgumentHelp("Region catalog, when not beside the jobs.", valueName: "CATALOG")) var regions: String?
    @Option(help: ArgumentHelp("Policy file, when not the one recorded in the plan.", valueName: "POLICY")) var policy: String?
    @Option(help: ArgumentHelp("Signal set file, when not beside the jobs.", valueName: "SIGNALS")) var signals: String?

    @Flag(help: "Fetch live signals again instead of reading the values the plan was made on from the signal cache.")
    var refetch = false

    @Option(help: ArgumentHelp("The signal cache the plan filled (default: $XDG_CACHE_HOME/gridwise/signals.sqlite).", valueName: "PATH"))
    var cache: String?

    /// The plan at `path`, the input files it is read against, and those inputs loaded.
    func load(_ path: String) throws(GridwiseError) -> (Plan, PlanInputs, LoadedInputs) {
        let plan = try Plan.decode(Data(InputFiles.readText(path).utf8), file: path)
        let paths = try Self.inputs(for: plan, against: against, regions: regions, policy: policy, signals: signals)
        let loaded = try LoadedInputs.load(paths, live: try LiveOptions.context(offline: !refetch, cache: cache))
        return (plan, paths, loaded)
    }

    /// The inputs a plan is read against: the folder given, else the files the plan records; options override.
    /// Where the folder has no policy, the plan's own policy is used rather than the built-in default.
    static func inputs(for plan: Plan, against: String?, regions: String?, policy: String?, signals: String?) throws(GridwiseError) -> PlanInputs {
        let recorded = plan.inputs
        guard let against else {
            return PlanInputs(jobs: recorded.jobs, regions: regions ?? recorded.regions, policy: policy ?? recorded.policy, signals: signals ?? recorded.signals)
        }
        var paths = try InputLocator.paths(jobs: against, regions: regions, policy: policy, signals: signals)
        if policy == nil && paths.policy == InputLocator.builtInPolicyName { paths.policy = recorded.policy }
        return paths
    }
}
