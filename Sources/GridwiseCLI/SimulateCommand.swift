import ArgumentParser
import Foundation
import GridwiseCore
import GridwisePlanner
import GridwiseSignals
import GridwiseSimulation

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Replay a job trace against signal traces under several policies and report what each achieves.",
        discussion: """
            Examples:
              gridwise simulate examples/simulate --output sim-report
              gridwise simulate examples/simulate --policy policies/carbon-first.yaml --policy policies/balanced.yaml --forecast gaussian:10% --replan daily
              gridwise simulate ../shared/data/jobs/alibaba-gpu-v2023/openb_pod_list_default.csv --trace-start 2023-01-01T00:00:00Z \\
                  --regions sim/regions.yaml --signals sim/signals.yaml --deadline-rule uniform:0-24 --interruptible 0.5

            Time advances through the trace; jobs become known at their submit time. The simple policies
            (carbon-agnostic, lowest-window, wait-awhile) decide each job when it arrives; Gridwise's planner
            re-plans on arrival, hourly or daily (--replan). Every policy sees forecasts (--forecast) for the
            present and future and actual values only for the past; carbon, cost and water are accounted on
            the actual series. Jobs under way are not moved unless interruptible.

            Traces (one or more, told apart by their header): the Gridwise CSV (docs/simulation.md), the
            Alibaba GPU pod list (needs --trace-start), the Azure LLM inference trace (one online-inference
            job per hour). A folder stands for its trace.csv, with regions.yaml and signals.yaml beside it.

            Prints a Markdown table; --output DIR also writes summary.md, summary.csv, jobs.csv,
            utilisation.csv, report.json and report.html (SVG charts). Exits 0, 65 on bad input, 66 on a
            missing file, 73 when the report cannot be written.
            """)

    @Argument(help: ArgumentHelp("Job trace files, or a folder holding trace.csv, regions.yaml and signals.yaml.", valueName: "TRACE"))
    var traces: [String]

    @Option(help: ArgumentHelp("Region catalog (default: regions.yaml in the trace's folder).", valueName: "CATALOG"))
    var regions: String?

    @Option(help: ArgumentHelp("Signal set giving the actual series (default: signals.yaml in the trace's folder).", valueName: "SIGNALS"))
    var signals: String?

    @Option(name: .customLong("policy"), help: ArgumentHelp("A policy file for Gridwise's planner; repeat to compare several (default: the built-in balanced policy).", valueName: "POLICY"))
    var policyFiles: [String] = []

    @Option(help: ArgumentHelp("Baselines to run beside the planner, comma-separated: carbon-agnostic, lowest-window, wait-awhile, or none.", valueName: "LIST"))
    var baselines: String = "carbon-agnostic,lowest-window,wait-awhile"

    @Option(help: ArgumentHelp("What policies are told about the future: none (forecast = actual), gaussian:PCT (noise, sd PCT of the series mean, drawn once per step), persistence[:HOURS] (the value HOURS earlier, default 24), archive:SIGNALS (a signal set of forecasts).", valueName: "MODEL"))
    var forecast: String = "gaussian:5%"

    @Option(help: ArgumentHelp("When the planner re-plans: arrival (each arriving batch, nothing revised), hourly or daily (every job not yet started).", valueName: "WHEN"))
    var replan: String = "arrival"

    @Option(help: ArgumentHelp("Deadlines for jobs whose trace has none: next-workday, factor:F (slack F x running time), uniform:A-B (slack A to B hours), hours:H.", valueName: "RULE"))
    var deadlineRule: String = "uniform:0-24"

    @Option(help: ArgumentHelp("Which jobs without the field are interruptible: none, all, or a fraction (each job with that probability).", valueName: "RULE"))
    var interruptible: String = "none"

    @Option(help: ArgumentHelp("Checkpoint overhead of jobs made interruptible by rule, hours.", valueName: "HOURS"))
    var checkpointOverhead: Double = 0

    @Option(help: "Seed of every random rule (deadlines, interruptibility, forecast noise).")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Where a trace of relative times starts (Alibaba), or where an absolute one is moved to (Azure).", valueName: "TIME"))
    var traceStart: String?

    @Option(help: ArgumentHelp("Keep only jobs submitted at or after TIME.", valueName: "TIME"))
    var from: String?

    @Option(help: ArgumentHelp("Keep only jobs whose deadline is at or before TIME.", valueName: "TIME"))
    var to: String?

    @Option(help: ArgumentHelp("Keep the first N jobs (by submit time).", valueName: "N"))
    var maxJobs: Int?

    @Option(help: ArgumentHelp("Azure trace: tokens (prompt + generated) one device serves per second.", valueName: "N"))
    var tokensPerDeviceSecond: Double = 2_500

    @Option(help: ArgumentHelp("Azure trace: the user population of the inference load (a latency_ms key of the catalog).", valueName: "NAME"))
    var inferencePopulation: String?

    @Option(help: ArgumentHelp("Azure trace: the inference load's latency SLO, ms.", valueName: "MS"))
    var inferenceSloMs: Double?

    @Option(help: ArgumentHelp("The planner's time limit per re-plan, seconds (the plan found so far is used).", valueName: "SECONDS"))
    var timeLimit: Double?

    @OptionGroup var live: LiveOptions

    @Option(help: ArgumentHelp("Write the report files into DIR (created if missing).", valueName: "DIR"))
    var output: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    func run() throws {
        let loaded = try SimulationInputs.load(self)
        let simulator = Simulator(scenario: loaded.scenario, options: loaded.options)
        let bar = ProgressBar(enabled: !quiet)
        let result = simulator.run(loaded.policies) { bar.update($0) }
        bar.finish()
        let report = SimulationReport(result: result, notes: loaded.notes)
        say(report.markdown)
        if let output {
            let files = try SimulationInputs.write(report, to: output, protecting: loaded.inputFiles)
            warn("wrote \(files.joined(separator: ", ")) in \(output)")
        }
    }
}

/// The inputs of a simulation, read and checked.
struct SimulationInputs {
    var scenario: Scenario
    var options: SimulationOptions
    var policies: [SimulationPolicy]
    var notes: [String]
    var inputFiles: [String]

    static func parseTime(_ text: String, option: String) throws(GridwiseError) -> Instant {
        do { return try Instant.parse(text) } catch { throw .usage("\(option): found '\(text)'; expected a time such as 2023-06-05T00:00:00Z") }
    }

    static func load(_ c: SimulateCommand) throws(GridwiseError) -> SimulationInputs {
        guard !c.traces.isEmpty else { throw .usage("give a job trace or a folder holding trace.csv") }
        var traceFiles: [String] = []
        var folder: String?
        for t in c.traces {
            if InputLocator.isDirectory(t) {
                let f = t.hasSuffix("/") ? String(t.dropLast()) : t
                let path = "\(f)/trace.csv"
                guard FileManager.default.fileExists(atPath: path) else { throw .missingInput(path: path, reason: "the folder has no trace.csv") }
                traceFiles.append(path)
                folder = folder ?? f
            } else {
                guard FileManager.default.fileExists(atPath: t) else { throw .missingInput(path: t, reason: "no such file or folder") }
                traceFiles.append(t)
            }
        }
        let regionsPath = try InputLocator.locate(c.regions, "regions", option: "--regions", in: folder)
        let signalsPath = try InputLocator.locate(c.signals, "signals", option: "--signals", in: folder)

        // Rules for what traces do not say.
        guard let deadlineRule = DeadlineRule.parse(c.deadlineRule) else {
            throw .usage("--deadline-rule: found '\(c.deadlineRule)'; expected next-workday, factor:F, uniform:A-B or hours:H")
        }
        guard let interruptibleRule = InterruptibleRule.parse(c.interruptible) else {
            throw .usage("--interruptible: found '\(c.interruptible)'; expected none, all or a fraction from 0 to 1")
        }
        guard let cadence = ReplanCadence(rawValue: c.replan) else { throw .usage("--replan: found '\(c.replan)'; expected arrival, hourly or daily") }
        var traceOptions = TraceOptions()
        traceOptions.deadlineRule = deadlineRule
        traceOptions.interruptible = interruptibleRule
        traceOptions.seed = c.seed
        traceOptions.checkpointOverheadHours = c.checkpointOverhead
        traceOptions.tokensPerDeviceSecond = c.tokensPerDeviceSecond
        traceOptions.inferencePopulation = c.inferencePopulation
        traceOptions.inferenceSLOMilliseconds = c.inferenceSloMs
        if let s = c.traceStart { traceOptions.start = try parseTime(s, option: "--trace-start") }

        var jobs: [Job] = []
        var notes: [String] = []
        for file in traceFiles {
            let loaded = try TraceReader.read(try InputFiles.readText(file), file: file, options: traceOptions)
            jobs += loaded.jobs
            notes.append("\(file): \(loaded.jobs.count) jobs (\(loaded.format.rawValue) trace)" + (loaded.skipped.isEmpty ? "" : "; left out: " + loaded.skipped.joined(separator: "; ")))
            notes += loaded.generated.map { "\(file): \($0)" }
        }
        var ids = Set<String>()
        for j in jobs.indices {
            if !ids.insert(jobs[j].id).inserted { jobs[j].id += "#\(j)" }
        }
        let total = jobs.count
        if let from = c.from { let t = try parseTime(from, option: "--from"); jobs.removeAll { $0.release < t } }
        if let to = c.to { let t = try parseTime(to, option: "--to"); jobs.removeAll { $0.deadline > t } }
        jobs.sort { $0.release < $1.release }
        if let n = c.maxJobs { jobs = Array(jobs.prefix(max(0, n))) }
        if jobs.count < total { notes.append("\(jobs.count) of \(total) jobs kept by --from/--to/--max-jobs") }
        guard !jobs.isEmpty else { throw .usage("no jobs to simulate (the trace is empty, or --from/--to/--max-jobs left none)") }

        // The span: first submit to last deadline, whole hours; signals resolved over it.
        let catalog = try RegionCatalogFormat.parse(try InputFiles.readText(regionsPath), file: regionsPath)
        guard let span = PlanningHorizon.covering(jobs) else { throw .usage("no jobs to simulate") }
        guard Double(span.hours) <= PlanningHorizon.maximumHours else {
            throw .usage("the jobs span \(span.hours) hours (\(span.start.iso8601) to \(span.end.iso8601)); at most \(Int(PlanningHorizon.maximumHours)) hours (a year) per run: narrow it with --from/--to")
        }
        let spec = try SignalSetFormat.parse(try InputFiles.readText(signalsPath), file: signalsPath)
        // Files, or provider sources replayed through the signal layer (from the cache with --offline).
        let live = try c.live.context()
        let actual = try SignalResolver.resolve(spec, specFile: signalsPath, catalog: catalog, horizon: span, live: live)
        let carbon = catalog.regions.map { actual.carbon[$0.carbonZone]!.values }
        let price = catalog.regions.map { actual.price[$0.priceZone]!.values }
        let provenance = actual.provenance.map { "\($0.zone) \($0.signal.rawValue): \($0.source)" + ($0.illustrative ? " [ILLUSTRATIVE]" : "") }
        let scenario = Scenario(start: span.start, stepSeconds: 3600, steps: span.hours, catalog: catalog, carbon: carbon, price: price,
                                currency: actual.currency, jobs: jobs, provenance: provenance)
        try scenario.validate()

        // Forecasts.
        var inputFiles = traceFiles + [regionsPath, signalsPath]
        let model: ForecastModel
        let f = c.forecast.lowercased()
        if f == "none" || f == "perfect" {
            model = .perfect
        } else if f.hasPrefix("gaussian:") {
            let text = f.dropFirst("gaussian:".count)
            let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
            guard let value, value >= 0 else { throw .usage("--forecast: found '\(c.forecast)'; expected gaussian:PCT such as gaussian:5%") }
            model = .gaussian(fraction: value, seed: c.seed)
        } else if f == "persistence" || f.hasPrefix("persistence:") {
            let hours = f == "persistence" ? 24 : Double(f.dropFirst("persistence:".count).replacingOccurrences(of: "h", with: "")).map { Int($0) } ?? -1
            guard hours > 0 else { throw .usage("--forecast: found '\(c.forecast)'; expected persistence or persistence:HOURS") }
            model = .persistence(periodSteps: hours)
        } else if c.forecast.hasPrefix("archive:") {
            let path = String(c.forecast.dropFirst("archive:".count))
            let forecastSpec = try SignalSetFormat.parse(try InputFiles.readText(path), file: path)
            let forecasts = try SignalResolver.resolve(forecastSpec, specFile: path, catalog: catalog, horizon: span, live: live)
            model = .archive(carbon: catalog.regions.map { forecasts.carbon[$0.carbonZone]!.values }, price: catalog.regions.map { forecasts.price[$0.priceZone]!.values }, source: path)
            inputFiles.append(path)
        } else {
            throw .usage("--forecast: found '\(c.forecast)'; expected none, gaussian:PCT, persistence[:HOURS] or archive:SIGNALS")
        }

        // Policies.
        var policies: [SimulationPolicy] = []
        for name in c.baselines.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where name != "none" && !name.isEmpty {
            switch name {
            case "carbon-agnostic": policies.append(.carbonAgnostic)
            case "lowest-window": policies.append(.lowestWindow)
            case "wait-awhile": policies.append(.waitAwhile)
            default: throw .usage("--baselines: found '\(name)'; expected carbon-agnostic, lowest-window, wait-awhile or none")
            }
        }
        let files = c.policyFiles.isEmpty ? [InputLocator.builtInPolicyName] : c.policyFiles
        for file in files {
            policies.append(.planner(try LoadedInputs.loadPolicy(file)))
            inputFiles.append(file)
        }
        var planner = PlannerOptions(nodeLimit: 20_000, restarts: 0)
        planner.timeLimit = c.timeLimit
        let options = SimulationOptions(forecast: model, cadence: cadence, planner: planner)
        return SimulationInputs(scenario: scenario, options: options, policies: policies, notes: notes, inputFiles: inputFiles)
    }

    /// Writes the report files into `dir`; returns their names.
    static func write(_ report: SimulationReport, to dir: String, protecting inputs: [String]) throws(GridwiseError) -> [String] {
        if FileManager.default.fileExists(atPath: dir) && !InputLocator.isDirectory(dir) {
            throw .cannotWrite(path: dir, reason: "it is a file; --output takes a folder")
        }
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw .cannotWrite(path: dir, reason: (error as NSError).localizedDescription)
        }
        let files: [(String, String)] = [
            ("summary.md", report.markdown), ("summary.csv", report.summaryCSV), ("jobs.csv", report.jobsCSV), ("utilisation.csv", report.utilisationCSV),
            ("report.json", report.json), ("report.html", report.html),
        ]
        for (name, text) in files { try OutputFile.write(text, to: "\(dir)/\(name)", protecting: inputs) }
        return files.map(\.0)
    }
}

/// A progress bar on standard error, shown only on a terminal and only once a run has taken over a second.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let started = Date()
    private var shown = false
    private var lastPercent = -1
    private let lock = NSLock()

    init(enabled: Bool) { self.enabled = enabled && isatty(2) == 1 }

    func update(_ fraction: Double) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let percent = Int(fraction * 100)
        guard percent != lastPercent, Date().timeIntervalSince(started) > 1.0 else { return }
        lastPercent = percent
        shown = true
        let width = 40
        let filled = min(width, Int(fraction * Double(width)))
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(percent) %  \(Int(Date().timeIntervalSince(started))) s"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
