import ArgumentParser
import Foundation
import GridwiseCore
import GridwiseDispatch
import GridwisePlanner
import GridwiseSignals

enum Engine: String, ExpressibleByArgument, CaseIterable {
    case slurm
}

/// Where submissions are recorded: one folder per plan id.
struct StateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The folder where submissions are recorded (default: $GRIDWISE_STATE_DIR, else .gridwise in the current folder).", valueName: "DIR"))
    var state: String?

    var folder: String { state ?? ProcessInfo.processInfo.environment["GRIDWISE_STATE_DIR"] ?? ".gridwise" }
}

/// A plan named on the command line: a plan file, or the id of a plan submitted before.
struct PlanReference {
    var plan: Plan
    var id: String
    var file: String
    var text: String

    static func resolve(_ reference: String, state: String) throws(GridwiseError) -> PlanReference {
        var file = reference
        if !FileManager.default.fileExists(atPath: reference) {
            let kept = SubmissionLedger.folder(state: state, planID: reference) + "/plan.json"
            guard FileManager.default.fileExists(atPath: kept) else {
                throw .missingInput(path: reference, reason: "no such plan file, and no plan with that id submitted under \(state) (give --state DIR if it was recorded elsewhere)")
            }
            file = kept
        }
        let text = try InputFiles.readText(file)
        let plan = try Plan.decode(Data(text.utf8), file: file)
        return PlanReference(plan: plan, id: PlanIdentity.id(of: plan), file: file, text: text)
    }
}

/// The job plan and catalog a plan's placements are dispatched with.
struct DispatchInputs {
    var paths: PlanInputs
    var jobs: [String: Job]
    var catalog: RegionCatalog

    static func load(_ paths: PlanInputs) throws(GridwiseError) -> DispatchInputs {
        let jobs = try JobPlanFormat.parse(try InputFiles.readText(paths.jobs), file: paths.jobs)
        let catalog = try RegionCatalogFormat.parse(try InputFiles.readText(paths.regions), file: paths.regions)
        return DispatchInputs(paths: paths, jobs: Dictionary(uniqueKeysWithValues: jobs.plan.jobs.map { ($0.id, $0) }), catalog: catalog)
    }
}

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Plan jobs (or take a plan) and hand each placement to Slurm with sbatch, held until its start.",
        discussion: """
            Each placement (each chunk of an interruptible job) becomes one Slurm job: --begin at its start (UTC),
            --time its planned slots, --partition/--clusters/--account/--qos and --gres/--gpus from the region's
            dispatch map in the catalog, its command (--wrap) or script from the job plan, named gw-<plan>-<job>
            with the comment 'gridwise plan=<plan> job=<job> chunk=k/n'. Later chunks wait for the one before
            (--dependency=afterany).

            Safe to run again: units already submitted (recorded in the state folder's ledger, or found queued
            under the plan's comment) are not submitted twice, so an interrupted submission is resumed by
            running the same command. A placement whose start has passed by more than --late-tolerance is
            re-planned from now (holding the capacity of the rest of the plan), never submitted late.

            Examples:
              gridwise submit examples/china-hubs --to slurm --dry-run
              gridwise submit examples/china-hubs --to slurm
              gridwise submit --plan plan.json --to slurm --shift-to now+1m
              gridwise status --plan plan.json

            --shift-to rehearses a plan on a test cluster: every time moves so the first placement begins at
            the given time (fixed at the first submission of the plan; later runs reuse it).

            Exits 0 when every unit is submitted (or already was), 1 when some job was refused or could not be
            placed again (each is listed with Slurm's message), 2 on usage, 65/66 on bad or missing input,
            69 when the Slurm controller cannot be reached, 73 when the ledger cannot be written.
            """)

    @Argument(help: ArgumentHelp("A folder or job plan file to plan and submit (with --plan: the inputs to read it against).", valueName: "JOBS"))
    var jobs: String?

    @Option(help: ArgumentHelp("Submit this plan (from 'gridwise plan --format json') instead of planning.", valueName: "PLAN"))
    var plan: String?

    @Option(help: "The engine: slurm. (For Kubernetes, write manifests with 'gridwise export k8s'.)")
    var to: Engine

    @Option(help: ArgumentHelp("Region catalog file (default: regions.yaml beside the jobs, or the plan's).", valueName: "CATALOG")) var regions: String?
    @Option(help: ArgumentHelp("Policy file.", valueName: "POLICY")) var policy: String?
    @Option(help: ArgumentHelp("Signal set file.", valueName: "SIGNALS")) var signals: String?

    @Flag(help: "Print the exact sbatch commands and submit nothing (nothing is recorded).")
    var dryRun = false

    @Option(help: ArgumentHelp("Shift the plan so its first placement begins at TIME: now, now+30s, now+5m, or 2026-12-07T09:00:00Z.", valueName: "TIME"))
    var shiftTo: String?

    @Option(help: ArgumentHelp("How late a placement may still be submitted as planned (it then starts at once), e.g. 10m.", valueName: "DURATION"))
    var lateTolerance: String = "10m"

    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var live: LiveOptions
    @OptionGroup var solver: SolverOptions

    func run() throws {
        let now = Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        guard let tolerance = parseDurationSeconds(lateTolerance), tolerance >= 0 else {
            throw GridwiseError.usage("--late-tolerance: found '\(lateTolerance)'; expected a duration such as 10m, 90s or 1h")
        }
        // The plan and the inputs it is dispatched with.
        let reference: PlanReference
        let paths: PlanInputs
        if let planPath = plan {
            reference = try PlanReference.resolve(planPath, state: stateOptions.folder)
            paths = try PlanReadOptions.inputs(for: reference.plan, against: jobs, regions: regions, policy: policy, signals: signals)
        } else {
            guard let jobs else { throw GridwiseError.usage("give the jobs to plan (a folder or job plan file), or --plan PLAN") }
            paths = try InputLocator.paths(jobs: jobs, regions: regions, policy: policy, signals: signals)
            let loaded = try LoadedInputs.load(paths, live: try live.context())
            let made = Planner.plan(loaded.problem, inputs: paths, generatedBy: GridwiseVersion.generatedBy, options: solver.plannerOptions)
            let text = PlanReport.json(made) + "\n"
            reference = PlanReference(plan: made, id: PlanIdentity.id(of: made), file: "", text: text)
            warn("planned \(made.placements.count) job(s), \(made.unplaced.count) unplaced, carbon saved \(formatPercent(made.savings.carbonFraction)), gap \(PlanReport.gapText(made.optimality.gap)); plan \(reference.id)")
            for u in made.unplaced { warn("  not placed, not submitted: \(u.job): \(u.reason)") }
        }
        let inputs = try DispatchInputs.load(paths)
        let folder = SubmissionLedger.folder(state: stateOptions.folder, planID: reference.id)
        let ledger = dryRun ? nil : try SubmissionLedger(folder: folder)
        if let ledger { try ledger.keepPlan(reference.text) }
        let planFile = reference.file.isEmpty ? "\(folder)/plan.json" : reference.file

        // The shift: recorded at the first submission; asked for here; else none.
        var shift: Int64 = 0
        if let shiftTo {
            let target = try Self.parseTime(shiftTo, now: now)
            let first = reference.plan.placements.compactMap { try? Instant.parse($0.start) }.min() ?? now
            shift = target.secondsSinceEpoch - first.secondsSinceEpoch
        }
        if let recorded = ledger?.shiftSeconds, shiftTo != nil, recorded != shift {
            warn("note: keeping the shift of the first submission of plan \(reference.id) (\(Self.describeShift(recorded))), not \(shiftTo!)")
        }

        let dispatcher = SlurmDispatcher(slurm: SlurmCLI(), lateTolerance: Int64(tolerance))
        let liveContext = try live.context()
        let options = solver.plannerOptions
        let report = try dispatcher.submit(
            plan: reference.plan, planID: reference.id, planFile: planFile, jobs: inputs.jobs, catalog: inputs.catalog, jobPlanFile: paths.jobs,
            ledger: ledger, shiftSeconds: shift, now: now
        ) { (ids: [String], planNow: Instant, held: [Placement]) throws(GridwiseError) -> [String: Replacement] in
            try Replanner.replan(ids, from: planNow, holding: held, paths: paths, live: liveContext, options: options)
        }
        SubmitReportText.print(report, dryRun: dryRun, planFile: planFile)
        if report.controllerDown != nil && !dryRun { throw CommandExit(status: ExitStatus.sourceUnavailable) }
        if report.failures > 0 || !reference.plan.unplaced.isEmpty { throw CommandExit(status: ExitStatus.partial) }
    }

    /// `now`, `now+90s`, `now-2h`, or an ISO 8601 time.
    static func parseTime(_ text: String, now: Instant) throws(GridwiseError) -> Instant {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "now" { return now }
        if t.hasPrefix("now+") || t.hasPrefix("now-") {
            guard let seconds = parseDurationSeconds(String(t.dropFirst(4))) else {
                throw .usage("--shift-to: found '\(text)'; expected now, now+DURATION (e.g. now+5m) or an ISO 8601 time")
            }
            return now.adding(seconds: Int64(t.hasPrefix("now+") ? seconds : -seconds))
        }
        do { return try Instant.parse(t) } catch {
            throw .usage("--shift-to: found '\(text)'; expected now, now+DURATION (e.g. now+5m) or an ISO 8601 time like 2026-12-07T09:00:00Z")
        }
    }

    /// `none`, `+15d 8h 34m 10s`, `-2h`.
    static func describeShift(_ seconds: Int64) -> String {
        guard seconds != 0 else { return "none" }
        var rest = abs(seconds)
        var parts: [String] = []
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        return (seconds > 0 ? "+" : "-") + parts.joined(separator: " ")
    }
}

/// Places passed jobs again from a later time, holding the devices the rest of the plan uses.
enum Replanner {
    static func replan(_ ids: [String], from planNow: Instant, holding held: [Placement], paths: PlanInputs, live: LiveContext,
                       options: PlannerOptions) throws(GridwiseError) -> [String: Replacement] {
        var out: [String: Replacement] = [:]
        let loaded: LoadedInputs
        do {
            loaded = try LoadedInputs.load(paths, live: live)
        } catch {
            for id in ids { out[id] = .unplaceable(reason: "its inputs could not be read again: \(error.description.replacingOccurrences(of: "error: ", with: ""))") }
            return out
        }
        let release = planNow.ceiledToHour
        let horizon = loaded.jobs.plan.horizon
        var jobs: [Job] = []
        for id in ids {
            guard var job = loaded.jobs.plan.jobs.first(where: { $0.id == id }) else {
                out[id] = .unplaceable(reason: "it is no longer in \(paths.jobs)")
                continue
            }
            if job.deadline <= release {
                out[id] = .unplaceable(reason: "its deadline \(job.deadline) is not after \(release), the next hour it could start")
                continue
            }
            if release >= horizon.end {
                out[id] = .unplaceable(reason: "the plan's horizon (and its signals) end at \(horizon.end)")
                continue
            }
            if job.release < release {
                job.release = release
                if job.servesWholeWindow { job.work = .fixedHours(job.deadline.hours(since: release)) }
            }
            jobs.append(job)
        }
        guard !jobs.isEmpty else { return out }
        var catalog = loaded.catalog
        // Held placements were read into units once already; unshifted, they are in plan time.
        for u in (try? DispatchUnit.expand(held, planID: "", shiftSeconds: 0, file: paths.jobs)) ?? [] {
            guard let r = catalog.regions.firstIndex(where: { $0.name == u.region }), let k = catalog.regions[r].pools.firstIndex(where: { $0.type == u.pool }) else { continue }
            catalog.regions[r].pools[k].reservations.append(CapacityReservation(start: u.begin, end: u.end, devices: u.devices, reason: "held by \(u.job)"))
        }
        let problem = PlanningProblem(jobs: jobs, catalog: catalog, policy: loaded.policy, signals: loaded.signals)
        let plan = Planner.plan(problem, inputs: paths, generatedBy: GridwiseVersion.generatedBy, options: options)
        for p in plan.placements { out[p.job] = .placed(region: p.region, pool: p.pool, chunks: p.chunks) }
        for u in plan.unplaced { out[u.job] = .unplaceable(reason: u.reason) }
        return out
    }
}

enum SubmitReportText {
    static func print(_ report: SubmitReport, dryRun: Bool, planFile: String) {
        if dryRun {
            say("# plan \(report.planID) (\(FileManager.default.fileExists(atPath: planFile) ? planFile : "planned now, not saved in a dry run")), shift \(SubmitCommand.describeShift(report.shiftSeconds)); dry run: nothing is submitted")
            if let down = report.controllerDown { say("# " + down.replacingOccurrences(of: "\n", with: "\n# ")) }
            for u in report.units {
                let head = "# \(u.unit.job)" + (u.unit.chunks > 1 ? " chunk \(u.unit.chunk)/\(u.unit.chunks)" : "") + ": \(u.unit.region)/\(u.unit.pool), \(u.unit.devices) device(s)"
                    + (u.replannedFrom.map { ", re-planned (planned begin \($0) had passed)" } ?? "")
                switch u.outcome {
                case .wouldSubmit(let command): say(head); say(command)
                case .alreadySubmitted(let id, _): say(head + ": already submitted as Slurm job \(id)")
                case .failed(let message): say(head + ": NOT SUBMITTABLE: \(message)")
                case .submitted(let id): say(head + ": submitted as \(id)")
                case .notAttempted(let reason): say(head + ": not attempted: \(reason)")
                }
            }
            for p in report.jobProblems { say("# \(p.job): \(p.message)") }
            return
        }
        var t = TextTable([("job", .left), ("chunk", .right), ("region", .left), ("partition", .left), ("begin UTC", .left), ("limit", .right), ("Slurm job", .left)])
        var counts = (new: 0, old: 0, failed: 0)
        var messages: [String] = []
        for u in report.units {
            let outcome: String
            switch u.outcome {
            case .submitted(let id): outcome = "\(id) submitted"; counts.new += 1
            case .alreadySubmitted(let id, let adopted): outcome = "\(id) already " + (adopted ? "queued (found by its plan tag)" : "submitted"); counts.old += 1
            case .failed(let message):
                outcome = "NOT SUBMITTED (below)"
                counts.failed += 1
                messages.append("\(u.unit.job)" + (u.unit.chunks > 1 ? " chunk \(u.unit.chunk)/\(u.unit.chunks)" : "") + ": \(message)")
            case .notAttempted: outcome = "not attempted: controller unreachable"; counts.failed += 1
            case .wouldSubmit: outcome = "-"
            }
            t.add([u.unit.job, "\(u.unit.chunk)/\(u.unit.chunks)", u.unit.region, u.partition, u.unit.begin.shortUTC + (u.replannedFrom != nil ? " (re-planned)" : ""),
                   formatHours(Double(u.unit.timeLimitMinutes) / 60), outcome])
        }
        say("plan \(report.planID): \(planFile), shift \(SubmitCommand.describeShift(report.shiftSeconds))")
        say(t.render())
        for m in messages { warn("not submitted: \(m)") }
        for p in report.jobProblems { warn("not submitted: \(p.job): \(p.message)") }
        if let down = report.controllerDown { warn("error: the Slurm controller could not be reached: \(down); run the same command again when it is back (nothing is submitted twice)") }
        say("\(counts.new) submitted, \(counts.old) already submitted, \(counts.failed + report.jobProblems.count) not submitted; ledger \(report.ledgerPath ?? "-")")
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each job of a submitted plan: its planned region, partition and times beside Slurm's state.",
        discussion: """
            PLAN is a plan file or a plan id printed by 'gridwise submit'. Flags a job that runs in another
            partition than planned or started before its planned begin.

            Example:
              gridwise status --plan plan.json

            Exits 0, or 1 when a job runs in the wrong partition or started early; 69 when Slurm cannot be reached.
            """)

    @Option(help: ArgumentHelp("The plan: a plan file, or the id 'gridwise submit' printed.", valueName: "PLAN"))
    var plan: String

    @Option(help: "Output format: table or json.")
    var format: StatusFormat = .table

    @OptionGroup var stateOptions: StateOptions

    enum StatusFormat: String, ExpressibleByArgument { case table, json }

    func run() throws {
        let reference = try PlanReference.resolve(plan, state: stateOptions.folder)
        let ledger = try SubmissionLedger(folder: SubmissionLedger.folder(state: stateOptions.folder, planID: reference.id))
        let catalog: RegionCatalog?
        do {
            catalog = try RegionCatalogFormat.parse(try InputFiles.readText(reference.plan.inputs.regions), file: reference.plan.inputs.regions)
        } catch {
            catalog = nil
            warn("note: planned partitions unknown (shown as ?): the plan's region catalog could not be read: \(error.description.replacingOccurrences(of: "error: ", with: ""))")
        }
        let rows = try SlurmStatus.collect(plan: reference.plan, planID: reference.id, planFile: reference.file, catalog: catalog, ledger: ledger, slurm: SlurmCLI())
        let wrong = rows.filter { $0.startedOnTime == false || $0.inWrongPartition }
        switch format {
        case .json:
            struct Row: Encodable {
                var job: String, chunk: Int, chunks: Int, region: String, pool: String, plannedPartition: String, plannedBegin: String, plannedEnd: String
                var slurmJobId: String?, state: String?, partition: String?, reason: String?, start: String?, end: String?, startedOnTime: Bool?, notes: [String]
            }
            let out = rows.map { r in
                Row(job: r.unit.job, chunk: r.unit.chunk, chunks: r.unit.chunks, region: r.unit.region, pool: r.unit.pool, plannedPartition: r.plannedPartition,
                    plannedBegin: r.unit.begin.iso8601, plannedEnd: r.unit.end.iso8601, slurmJobId: r.slurmJobID, state: r.slurm?.state, partition: r.slurm?.partition,
                    reason: r.slurm?.reason, start: (r.startedAt ?? (r.slurm?.state == "PENDING" ? r.slurm?.start : nil))?.iso8601, end: r.startedAt == nil ? nil : r.slurm?.end?.iso8601, startedOnTime: r.startedOnTime, notes: r.notes)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            struct Document: Encodable { var plan: String, shiftSeconds: Int64, units: [Row] }
            say(String(decoding: try encoder.encode(Document(plan: reference.id, shiftSeconds: ledger.shiftSeconds ?? 0, units: out)), as: UTF8.self))
        case .table:
            var t = TextTable([("job", .left), ("chunk", .right), ("region", .left), ("planned partition", .left), ("planned begin UTC", .left), ("Slurm job", .left),
                               ("state", .left), ("partition", .left), ("start UTC", .left), ("note", .left)])
            for r in rows {
                let s = r.slurm
                let state = s.map { $0.state + ($0.state == "PENDING" ? " (\($0.reason))" : "") } ?? "-"
                let start = r.startedAt?.shortUTC ?? (s?.state == "PENDING" ? s?.start.map { $0.shortUTC + " expected" } : nil) ?? "-"
                t.add([r.unit.job, "\(r.unit.chunk)/\(r.unit.chunks)", r.unit.region, r.plannedPartition, r.unit.begin.shortUTC, r.slurmJobID ?? "-", state,
                       s?.partition ?? "-", start, r.notes.joined(separator: "; ")])
            }
            say("plan \(reference.id): \(reference.file), shift \(SubmitCommand.describeShift(ledger.shiftSeconds ?? 0))")
            say(t.render())
            for (job, why) in ledger.dropped.sorted(by: { $0.key < $1.key }) { say("\(job): not submitted: \(why)") }
        }
        if !wrong.isEmpty { throw CommandExit(status: ExitStatus.partial) }
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a submitted plan's Slurm jobs (all, or the jobs named) with scancel.",
        discussion: """
            Examples:
              gridwise cancel --plan plan.json
              gridwise cancel --plan plan.json llm-13b-pretrain

            Jobs already finished are left as they are. Exits 0, 1 when scancel refused some (with Slurm's
            message), 2 when a named job is not in the plan, 69 when Slurm cannot be reached.
            """)

    @Option(help: ArgumentHelp("The plan: a plan file, or the id 'gridwise submit' printed.", valueName: "PLAN"))
    var plan: String

    @Argument(help: ArgumentHelp("Jobs to cancel (default: every job of the plan).", valueName: "JOB"))
    var jobs: [String] = []

    @OptionGroup var stateOptions: StateOptions

    func run() throws {
        let reference = try PlanReference.resolve(plan, state: stateOptions.folder)
        let known = Set(reference.plan.placements.map(\.job))
        if let unknown = jobs.first(where: { !known.contains($0) }) {
            throw GridwiseError.usage("no job '\(unknown)' is placed in plan \(reference.id) (\(reference.file))")
        }
        let ledger = try SubmissionLedger(folder: SubmissionLedger.folder(state: stateOptions.folder, planID: reference.id))
        let slurm = SlurmCLI()
        let rows = try SlurmStatus.collect(plan: reference.plan, planID: reference.id, planFile: reference.file, catalog: nil, ledger: ledger, slurm: slurm)
        let wanted = Set(jobs)
        var failed = 0
        var cancelled = 0
        for r in rows where wanted.isEmpty || wanted.contains(r.unit.job) {
            let label = r.unit.job + (r.unit.chunks > 1 ? " chunk \(r.unit.chunk)/\(r.unit.chunks)" : "")
            guard let id = r.slurmJobID else { say("\(label): not submitted"); continue }
            if let s = r.slurm, s.isFinal { say("\(label): Slurm job \(id) already \(s.state)"); continue }
            let result = try slurm.cancel(id: id)
            if result.status == 0 {
                cancelled += 1
                say("\(label): cancelled Slurm job \(id)")
                try ledger.append(LedgerEntry(event: .cancelled, at: Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), job: r.unit.job, chunk: r.unit.chunk, slurmJobID: id))
            } else {
                failed += 1
                warn("\(label): scancel \(id) refused: \(result.message)")
            }
        }
        say("\(cancelled) cancelled, \(failed) refused")
        if failed > 0 { throw CommandExit(status: ExitStatus.partial) }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a plan for another engine.",
        subcommands: [ExportKubernetesCommand.self])
}

struct ExportKubernetesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k8s",
        abstract: "Write one batch/v1 Job manifest per placement: suspended until its start, pinned to its region.",
        discussion: """
            Each placement (each chunk of an interruptible job) becomes a Job with spec.suspend true and its
            start in the annotation gridwise.io/start; whatever releases it (a controller, a CronJob, or
            'kubectl patch job NAME -n NS -p {"spec":{"suspend":false}}' at that time) starts it. Node affinity
            on topology.kubernetes.io/region (or the catalog's k8s_region_label) pins it to its region's
            k8s_region; GPUs are requested as nvidia.com/gpu (or k8s_gpu_resource); k8s_queue adds Kueue's
            kueue.x-k8s.io/queue-name label. The image and command come from the job plan.

            Examples:
              gridwise plan examples/china-hubs --format json --output plan.json
              gridwise export k8s plan.json --output jobs.yaml
              kubectl apply -f jobs.yaml

            Exits 0, 1 when some jobs have no manifest (each is listed: e.g. no image), 65/66 on bad or missing input.
            """)

    @Argument(help: ArgumentHelp("A plan written by 'gridwise plan --format json'.", valueName: "PLAN"))
    var plan: String

    @Option(help: ArgumentHelp("The inputs' folder or job plan file (default: the inputs recorded in the plan).", valueName: "INPUTS"))
    var against: String?

    @Option(help: ArgumentHelp("Region catalog, when not the plan's.", valueName: "CATALOG")) var regions: String?

    @Option(help: ArgumentHelp("Image for jobs whose job plan names none.", valueName: "IMAGE"))
    var image: String?

    @Option(help: ArgumentHelp("Write the manifests to FILE instead of standard output (never over an input file).", valueName: "FILE"))
    var output: String?

    func run() throws {
        let text = try InputFiles.readText(plan)
        let planValue = try Plan.decode(Data(text.utf8), file: plan)
        let paths = try PlanReadOptions.inputs(for: planValue, against: against, regions: regions, policy: nil, signals: nil)
        let inputs = try DispatchInputs.load(paths)
        let id = PlanIdentity.id(of: planValue)
        let units = try DispatchUnit.expand(planValue.placements, planID: id, shiftSeconds: 0, file: plan)
        let (yaml, problems) = KubernetesManifests.render(units, jobs: inputs.jobs, catalog: inputs.catalog, defaultImage: image)
        let header = "# Kubernetes Jobs for plan \(id) (\(plan)), written by \(GridwiseVersion.generatedBy): \(units.count - problems.count) placement chunk(s).\n"
        if let output {
            try OutputFile.write(header + yaml, to: output, protecting: [plan, paths.jobs, paths.regions])
            warn("wrote \(output): \(Set(units.map(\.job)).count - problems.count) job(s), plan \(id)")
        } else {
            say(header + yaml)
        }
        for p in problems { warn("no manifest: \(p.job): \(p.message)") }
        if !problems.isEmpty { throw CommandExit(status: ExitStatus.partial) }
    }
}
