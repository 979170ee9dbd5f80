import ArgumentParser
import GridwiseCore
import GridwisePlanner

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Place every job in a region and hours; print the plan, its totals, the baseline and the savings.",
        discussion: """
            Examples:
              gridwise plan examples/global
              gridwise plan examples/china-hubs --policy policies/east-data-west-compute.yaml
              gridwise plan examples/global/jobs.yaml --policy policies/carbon-first.yaml --format json --output plan.json
              gridwise plan big/jobs.yaml --time-limit 5 --target-gap 0.5%

            Every plan states its lower bound and its gap to it. --time-limit returns the best plan found
            so far; --target-gap stops once the gap is small enough.

            Exits 0 when every job is placed, 1 when some are not or a carbon budget is exceeded (the plan is
            still printed), 65 on bad input, 66 on a missing file.
            """)

    @OptionGroup var inputs: InputOptions
    @OptionGroup var live: LiveOptions

    @Option(help: "Output format: table (for people), json (the plan file that check, explain and submit read), csv.")
    var format: OutputFormat = .table

    @Option(help: ArgumentHelp("Write the plan to FILE instead of standard output (never over an input file).", valueName: "FILE"))
    var output: String?

    @OptionGroup var solver: SolverOptions

    func run() throws {
        let paths = try inputs.resolvedPaths()
        let loaded = try LoadedInputs.load(paths, live: try live.context())
        let plan = Planner.plan(loaded.problem, inputs: paths, generatedBy: GridwiseVersion.generatedBy, options: solver.plannerOptions)
        let text: String
        switch format {
        case .table: text = PlanReport.table(plan)
        case .json: text = PlanReport.json(plan)
        case .csv: text = PlanReport.csv(plan)
        }
        if let output {
            try OutputFile.write(text + "\n", to: output, protecting: [paths.jobs, paths.regions, paths.policy, paths.signals])
            warn("wrote \(output): \(plan.placements.count) placed, \(plan.unplaced.count) unplaced, carbon saved \(formatPercent(plan.savings.carbonFraction)), gap \(PlanReport.gapText(plan.optimality.gap))")
        } else {
            say(text)
        }
        if plan.exitStatus != ExitStatus.ok {
            if !plan.unplaced.isEmpty { warn("\(plan.unplaced.count) job(s) could not be placed; see 'unplaced' in the plan") }
            if plan.carbonBudget?.exceeded == true { warn("the plan exceeds the policy's carbon budget") }
            throw CommandExit(status: plan.exitStatus)
        }
    }
}
