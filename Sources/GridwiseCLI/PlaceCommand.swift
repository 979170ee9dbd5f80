import ArgumentParser
import Foundation
import GridwiseCore
import GridwisePlanner
import GridwiseSignals

enum PlaceFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

struct PlaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "place",
        abstract: "Place one job (for CI scripts): print its region and start, or JSON.",
        discussion: """
            The job comes from a job plan (--job ID picks it when the file has several) or from the options
            below; it is placed alone, with every device free.

            Examples:
              gridwise place examples/global --job ft-support-bot
              gridwise place examples/global --kind fine_tuning --devices 16 --device-type A100 --work 12h \\
                  --release 2023-06-06T00:00:00Z --deadline 2023-06-08T00:00:00Z --max-carbon 150 --format json

            Prints 'REGION START' (start in UTC). Exits 0 when placed, 1 when the placement's carbon is over
            --max-carbon, 65 when no region and hours can take the job (every region's reason is printed).
            """)

    @OptionGroup var inputs: InputOptions
    @OptionGroup var live: LiveOptions
    @OptionGroup var solver: SolverOptions

    @Option(help: ArgumentHelp("Which job of the job plan to place.", valueName: "ID")) var job: String?
    @Option(help: ArgumentHelp("Job kind, to describe the job here instead: \(JobKind.names.joined(separator: ", ")).", valueName: "KIND")) var kind: String?
    @Option(help: "Device count.") var devices: Int?
    @Option(help: ArgumentHelp("Accelerator type(s), comma-separated.", valueName: "TYPES")) var deviceType: String?
    @Option(help: ArgumentHelp("Hours on the reference accelerator, e.g. 12h.", valueName: "DURATION")) var work: String?
    @Option(help: ArgumentHelp("Wall time on any accelerator, e.g. 90m.", valueName: "DURATION")) var duration: String?
    @Option(help: ArgumentHelp("Earliest start, ISO 8601 with a timezone.", valueName: "TIME")) var release: String?
    @Option(help: ArgumentHelp("Latest finish, ISO 8601 with a timezone.", valueName: "TIME")) var deadline: String?
    @Flag(help: "The job can be stopped at checkpoints and resumed.") var interruptible = false
    @Option(help: ArgumentHelp("The user population the job serves.", valueName: "NAME")) var population: String?
    @Option(help: ArgumentHelp("Latency SLO to that population, ms.", valueName: "MS")) var sloMs: Double?
    @Option(help: ArgumentHelp("Regions the job may use, comma-separated.", valueName: "REGIONS")) var allowRegions: String?
    @Option(help: ArgumentHelp("Fail (exit 1) when the placement's carbon is above this, kg CO2e.", valueName: "KG")) var maxCarbon: Double?
    @Option(help: "Output: text ('REGION START') or json.") var format: PlaceFormat = .text

    func run() throws {
        let paths = try inputs.resolvedPaths()
        let isInline = kind != nil
        if isInline && job != nil { throw GridwiseError.usage("give either --job ID or a job described by --kind and the other options, not both") }
        let jobsPaths = isInline ? PlanInputs(jobs: "(command line)", regions: paths.regions, policy: paths.policy, signals: paths.signals) : paths
        let loadedJobs: JobPlanFormat.Loaded = isInline ? try inlineJob() : try selectJob(from: paths)

        let catalog = try RegionCatalogFormat.parse(try InputFiles.readText(paths.regions), file: paths.regions)
        let policy = try LoadedInputs.loadPolicy(paths.policy)
        try InputValidation.crossCheck(jobs: loadedJobs, catalog: catalog, policy: policy, policyFile: paths.policy)
        let spec = try SignalSetFormat.parse(try InputFiles.readText(paths.signals), file: paths.signals)
        let signals = try SignalResolver.resolve(spec, specFile: paths.signals, catalog: catalog, horizon: loadedJobs.plan.horizon, live: try live.context())
        let problem = PlanningProblem(jobs: loadedJobs.plan.jobs, catalog: catalog, policy: policy, signals: signals)
        let plan = Planner.plan(problem, inputs: jobsPaths, generatedBy: GridwiseVersion.generatedBy, options: solver.plannerOptions)
        guard let p = plan.placements.first else {
            warn("error: no placement for job '\(loadedJobs.plan.jobs[0].id)': \(plan.unplaced.first?.reason ?? "unknown")")
            throw CommandExit(status: ExitStatus.partial)
        }
        let overBudget = maxCarbon.map { p.carbonKg > $0 } ?? false
        switch format {
        case .text:
            say("\(p.region) \(p.start)")
        case .json:
            let b = plan.baseline.placements.first
            var object: [String: Any] = [
                "job": p.job, "region": p.region, "pool": p.pool, "devices": p.devices, "start": p.start, "finish": p.finish,
                "chunks": p.chunks.map { ["start": $0.start, "end": $0.end] }, "energy_kwh": p.energyKwh, "carbon_kg": p.carbonKg,
                "cost": p.cost, "currency": plan.currency, "water_l": p.waterL, "within_max_carbon": !overBudget,
                "gap": plan.optimality.gap, "policy": plan.policy,
            ]
            if let l = p.latencyMs { object["latency_ms"] = l }
            if let b {
                object["baseline"] = ["region": b.region, "start": b.start, "carbon_kg": b.carbonKg, "cost": b.cost]
                object["carbon_saved_fraction"] = plan.savings.carbonFraction
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            say(String(decoding: data, as: UTF8.self))
        }
        if overBudget {
            warn("the placement emits \(formatNumber(p.carbonKg, decimals: 1)) kgCO2e, over --max-carbon \(formatNumber(maxCarbon!, decimals: 1))")
            throw CommandExit(status: ExitStatus.partial)
        }
    }

    func selectJob(from paths: PlanInputs) throws(GridwiseError) -> JobPlanFormat.Loaded {
        var loaded = try JobPlanFormat.parse(try InputFiles.readText(paths.jobs), file: paths.jobs)
        if let job {
            guard let i = loaded.plan.jobs.firstIndex(where: { $0.id == job }) else {
                throw .usage("no job '\(job)' in \(paths.jobs); its jobs are: \(loaded.plan.jobs.map(\.id).joined(separator: ", "))")
            }
            loaded.plan.jobs = [loaded.plan.jobs[i]]
            loaded.jobMarks = [loaded.jobMarks[i]]
        } else if loaded.plan.jobs.count != 1 {
            throw .usage("\(paths.jobs) has \(loaded.plan.jobs.count) jobs; pick one with --job ID")
        }
        return loaded
    }

    /// Builds a one-job plan from the options, through the same parser and checks as a file.
    func inlineJob() throws(GridwiseError) -> JobPlanFormat.Loaded {
        var lines = ["apiVersion: gridwise/v1", "kind: JobPlan", "jobs:", "  - id: \(quoted(job ?? "cli-job"))", "    kind: \(quoted(kind ?? ""))"]
        var deviceLine = "    devices: {count: \(devices.map(String.init) ?? "null")"
        if let deviceType { deviceLine += ", type: [\(deviceType.split(separator: ",").map { quoted(String($0)) }.joined(separator: ", "))]" }
        lines.append(deviceLine + "}")
        if let work { lines.append("    work: \(quoted(work))") }
        if let duration { lines.append("    duration: \(quoted(duration))") }
        if let release { lines.append("    release: \(quoted(release))") }
        if let deadline { lines.append("    deadline: \(quoted(deadline))") }
        if interruptible { lines.append("    interruptible: true") }
        if population != nil || sloMs != nil {
            var l = "    latency: {"
            if let population { l += "population: \(quoted(population))" }
            if let sloMs { l += (population == nil ? "" : ", ") + "slo_ms: \(sloMs)" }
            lines.append(l + "}")
        }
        if let allowRegions { lines.append("    regions: {allow: [\(allowRegions.split(separator: ",").map { quoted(String($0)) }.joined(separator: ", "))]}") }
        return try JobPlanFormat.parse(lines.joined(separator: "\n"), file: "(command line)")
    }

    private func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
