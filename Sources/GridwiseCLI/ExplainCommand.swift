import ArgumentParser
import Foundation
import GridwiseCore
import GridwisePlanner
import GridwiseSignals

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Why a job was placed where and when it was, and what the next-best alternatives would cost.",
        discussion: """
            Example:
              gridwise plan examples/global --format json --output plan.json
              gridwise explain llm-13b-pretrain --plan plan.json
            """)

    @Argument(help: ArgumentHelp("The job id.", valueName: "JOB")) var job: String
    @Option(help: ArgumentHelp("A plan written by 'gridwise plan --format json'.", valueName: "PLAN")) var plan: String
    @OptionGroup var read: PlanReadOptions

    func run() throws {
        let (planValue, paths, loaded) = try read.load(plan)
        guard loaded.jobs.plan.jobs.contains(where: { $0.id == job }) else {
            throw GridwiseError.usage("no job '\(job)' in \(paths.jobs)")
        }
        if let u = planValue.unplaced.first(where: { $0.job == job }) {
            say("\(job) is not placed: \(u.reason)")
            return
        }
        guard let e = Explainer.explain(job, plan: planValue, problem: loaded.problem) else {
            throw GridwiseError.invalidInput([Diagnostic(file: plan, path: "placements", message: "the plan's placement of '\(job)' does not match the inputs; run gridwise check \(plan)")])
        }
        let cur = planValue.currency
        let c = e.chosen
        say("\(job): \(c.region) (\(c.pool)), start \(c.start.shortUTC) UTC, \(c.runs) run(s), policy \(planValue.policy)")
        say("  carbon \(formatNumber(c.carbonKg, decimals: 1)) kgCO2e, cost \(formatNumber(c.cost, decimals: 2)) \(cur), water \(formatNumber(c.waterL, decimals: 0)) L, latency \(c.latencyMs.map { formatNumber($0, decimals: 0) + " ms" } ?? "n/a"), delay \(formatNumber(c.delayHours, decimals: 1)) h")
        say("  objective \(formatNumber(c.objective, decimals: 5)) = " + e.terms.filter { $0.value != 0 }.map { "\($0.name) \(formatNumber($0.value, decimals: 5))" }.joined(separator: " + "))
        say("  (each term: weight x value / the baseline plan's total of that value; see docs/policies.md)")
        say("")
        var t = TextTable([("alternative", .left), ("pool", .left), ("start UTC", .left), ("runs", .right), ("carbon kgCO2e", .right), ("vs chosen", .right),
                           ("cost \(cur)", .right), ("vs chosen", .right), ("latency ms", .right), ("objective", .right), ("free now", .left)])
        for a in e.alternatives.prefix(10) {
            t.add([a.region, a.pool, a.start.shortUTC, "\(a.runs)", formatNumber(a.carbonKg, decimals: 1), delta(a.carbonKg - c.carbonKg, 1),
                   formatNumber(a.cost, decimals: 2), delta(a.cost - c.cost, 2), a.latencyMs.map { formatNumber($0, decimals: 0) } ?? "-",
                   formatNumber(a.objective, decimals: 5), a.fitsBesideOtherJobs ? "yes" : "no: devices held by other jobs"])
        }
        say(t.render())
        if let better = e.alternatives.first(where: { $0.objective < c.objective - 1e-12 }) {
            say("")
            say("\(better.region) at \(better.start.shortUTC) scores better alone but " + (better.fitsBesideOtherJobs ? "the plan's other jobs are better served this way (moving it would raise the plan's total objective)" : "its devices are held by other jobs in those hours"))
        } else {
            say("")
            say("no alternative scores better: this is the job's best placement under the policy.")
        }
        if !e.excluded.isEmpty {
            say("")
            say("regions closed to this job:")
            for (region, reasons) in e.excluded { say("  \(region): \(reasons.joined(separator: "; "))") }
        }
    }

    private func delta(_ v: Double, _ decimals: Int) -> String { (v >= 0 ? "+" : "") + formatNumber(v, decimals: decimals) }
}
