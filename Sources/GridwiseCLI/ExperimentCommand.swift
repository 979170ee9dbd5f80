import ArgumentParser
import Foundation
import GridwiseCore
import GridwisePlanner
import GridwiseSimulation

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Reproduce a published experiment with Gridwise's simulator and compare with its figures.",
        discussion: """
            Example:
              gridwise experiment lets-wait-awhile --data ../shared/data/carbon/entsoe-2020-letswaitawhile

            lets-wait-awhile: the ML-job scenario of Wiesner et al., "Let's Wait Awhile" (Middleware 2021),
            on the authors' carbon data for Germany, Great Britain and France (2020, 30-minute steps):
            3,387 jobs on workdays with "next workday" deadlines, forecasts with 5 % Gaussian noise, ten
            noise seeds. Prints wait-awhile's savings beside the published ones, under the authors' rule
            (their search window ends one step after the deadline; their baseline may start one step late)
            and under the strict one, with Gridwise's planner on the same forecasts beside each.
            docs/lets-wait-awhile.md holds a run's results.

            Exits 0 when every wait-awhile figure (authors' rule) lies within --tolerance of the published
            one and the planner saves at least as much as wait-awhile under each rule; 1 otherwise; 66 when
            the data folder is missing.
            """)

    @Argument(help: ArgumentHelp("The experiment: lets-wait-awhile.", valueName: "NAME"))
    var name: String

    @Option(help: ArgumentHelp("Folder holding ger_ci.csv, gb_ci.csv and fr_ci.csv.", valueName: "DIR"))
    var data: String = "../shared/data/carbon/entsoe-2020-letswaitawhile"

    @Option(help: "Noise seeds averaged (the study used 10).")
    var seeds: Int = 10

    @Option(help: "Seed of the job draw.")
    var jobSeed: UInt64 = 0

    @Option(help: ArgumentHelp("Largest difference from a published figure accepted, percentage points.", valueName: "POINTS"))
    var tolerance: Double = 0.5

    @Option(help: ArgumentHelp("Also write the results (Markdown) to FILE.", valueName: "FILE"))
    var output: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    func run() throws {
        guard name == "lets-wait-awhile" else { throw GridwiseError.usage("unknown experiment '\(name)'; expected lets-wait-awhile") }
        guard InputLocator.isDirectory(data) else {
            throw GridwiseError.missingInput(path: data, reason: "the Let's Wait Awhile data folder is missing (it is not bundled: it has no licence); give --data DIR")
        }
        guard seeds >= 1 else { throw GridwiseError.usage("--seeds: expected at least 1") }
        let bar = ProgressBar(enabled: !quiet)
        let started = Date()
        let cells = try LetsWaitAwhile.run(dataDirectory: data, seeds: seeds, jobSeed: jobSeed) { bar.update($0) }
        bar.finish()
        var text = LetsWaitAwhile.markdown(cells, seeds: seeds, jobSeed: jobSeed)
        var failures: [String] = []
        for country in LetsWaitAwhile.countries {
            for interruptible in [false, true] {
                let published = interruptible ? country.published.interruptible : country.published.nonInterruptible
                let kind = interruptible ? "interruptible" : "non-interruptible"
                func savings(_ rule: LetsWaitAwhile.Rule, _ policy: String) -> Double {
                    cells.first { $0.country == country.code && $0.interruptible == interruptible && $0.rule == rule && $0.policy == policy }!.savings
                }
                let wait = savings(.faithful, "wait-awhile")
                if abs(wait - published) * 100 > tolerance {
                    failures.append("\(country.name), \(kind): wait-awhile \(String(format: "%.2f", wait * 100)) % against published \(String(format: "%.2f", published * 100)) %")
                }
                for rule in LetsWaitAwhile.Rule.allCases where savings(rule, "gridwise:carbon-only") < savings(rule, "wait-awhile") - 1e-9 {
                    failures.append("\(country.name), \(kind), \(rule.rawValue) rule: the planner saves less than wait-awhile")
                }
            }
        }
        text += failures.isEmpty
            ? "Every wait-awhile figure (authors' rule) is within \(formatShort(tolerance)) points of the published one, and the planner saves at least as much as wait-awhile under both rules.\n"
            : "Outside the tolerance of \(formatShort(tolerance)) points or below wait-awhile:\n" + failures.map { "- \($0)" }.joined(separator: "\n") + "\n"
        text += "\n(\(String(format: "%.0f", Date().timeIntervalSince(started))) s on this machine)\n"
        say(text)
        if let output { try OutputFile.write(text, to: output, protecting: []) }
        if !failures.isEmpty { throw CommandExit(status: ExitStatus.partial) }
    }
}
