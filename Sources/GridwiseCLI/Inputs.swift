import ArgumentParser
import Foundation
import GridwiseCore
import GridwisePlanner
import GridwiseSignals

/// The input files of a plan: a folder's defaults, overridden by options.
struct InputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("A folder holding jobs.yaml, regions.yaml and signals.yaml (and policy.yaml if it has its own), or a job plan file.", valueName: "JOBS"))
    var jobs: String

    @Option(help: ArgumentHelp("Region catalog file (default: regions.yaml beside the jobs).", valueName: "CATALOG"))
    var regions: String?

    @Option(help: ArgumentHelp("Policy file (default: policy.yaml beside the jobs, else the built-in balanced policy, the same as policies/balanced.yaml).", valueName: "POLICY"))
    var policy: String?

    @Option(help: ArgumentHelp("Signal set file (default: signals.yaml beside the jobs).", valueName: "SIGNALS"))
    var signals: String?

    func resolvedPaths() throws(GridwiseError) -> PlanInputs {
        try InputLocator.paths(jobs: jobs, regions: regions, policy: policy, signals: signals)
    }
}

enum InputLocator {
    static let builtInPolicyName = "built-in:balanced"

    static func isDirectory(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }

    /// `folder/name.yaml`, else `folder/name.json`, else nil.
    static func find(_ name: String, in folder: String) -> String? {
        for ext in ["yaml", "yml", "json"] {
            let path = folder.isEmpty ? "\(name).\(ext)" : "\(folder)/\(name).\(ext)"
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    static func paths(jobs: String, regions: String?, policy: String?, signals: String?) throws(GridwiseError) -> PlanInputs {
        let folder: String
        let jobsPath: String
        if isDirectory(jobs) {
            folder = jobs.hasSuffix("/") ? String(jobs.dropLast()) : jobs
            guard let found = find("jobs", in: folder) else { throw .missingInput(path: "\(folder)/jobs.yaml", reason: "the folder has no jobs.yaml or jobs.json") }
            jobsPath = found
        } else {
            guard FileManager.default.fileExists(atPath: jobs) else { throw .missingInput(path: jobs, reason: "no such file or folder") }
            folder = (jobs as NSString).deletingLastPathComponent
            jobsPath = jobs
        }
        return PlanInputs(
            jobs: jobsPath, regions: try locate(regions, "regions", option: "--regions", in: folder),
            policy: policy ?? find("policy", in: folder) ?? builtInPolicyName, signals: try locate(signals, "signals", option: "--signals", in: folder))
    }

    /// The file given with `option`, else `name`.yaml (or .yml, .json) in `folder`; an error naming both when neither.
    static func locate(_ given: String?, _ name: String, option: String, in folder: String?) throws(GridwiseError) -> String {
        if let given { return given }
        if let folder, let found = find(name, in: folder) { return found }
        let path = (folder ?? "").isEmpty ? "\(name).yaml" : "\(folder!)/\(name).yaml"
        throw .missingInput(path: path, reason: "not found; give \(option) FILE")
    }
}

/// Every input read, validated on its own and against the others, with signals resolved for the horizon.
struct LoadedInputs {
    var paths: PlanInputs
    var jobs: JobPlanFormat.Loaded
    var catalog: RegionCatalog
    var policy: Policy
    var signals: GridSignals

    var problem: PlanningProblem { PlanningProblem(jobs: jobs.plan.jobs, catalog: catalog, policy: policy, signals: signals) }

    static func load(_ paths: PlanInputs, live: LiveContext) throws(GridwiseError) -> LoadedInputs {
        var problems: [Diagnostic] = []
        func attempt<T>(_ body: () throws(GridwiseError) -> T) throws(GridwiseError) -> T? {
            do {
                return try body()
            } catch {
                if case .invalidInput(let d) = error { problems += d; return nil }
                throw error
            }
        }
        let jobs = try attempt { () throws(GridwiseError) in try JobPlanFormat.parse(try InputFiles.readText(paths.jobs), file: paths.jobs) }
        let catalog = try attempt { () throws(GridwiseError) in try RegionCatalogFormat.parse(try InputFiles.readText(paths.regions), file: paths.regions) }
        let policy = try attempt { () throws(GridwiseError) in try loadPolicy(paths.policy) }
        let spec = try attempt { () throws(GridwiseError) in try SignalSetFormat.parse(try InputFiles.readText(paths.signals), file: paths.signals) }
        guard problems.isEmpty, let jobs, let catalog, let policy, let spec else { throw .invalidInput(problems) }
        try InputValidation.crossCheck(jobs: jobs, catalog: catalog, policy: policy, policyFile: paths.policy)
        let signals = try SignalResolver.resolve(spec, specFile: paths.signals, catalog: catalog, horizon: jobs.plan.horizon, live: live)
        return LoadedInputs(paths: paths, jobs: jobs, catalog: catalog, policy: policy, signals: signals)
    }

    static func loadPolicy(_ path: String) throws(GridwiseError) -> Policy {
        if path == InputLocator.builtInPolicyName { return try PolicyFormat.parse(BuiltInPolicy.balanced, file: path) }
        return try PolicyFormat.parse(try InputFiles.readText(path), file: path)
    }
}

/// How a command may use live signal providers.
struct LiveOptions: ParsableArguments {
    @Flag(help: "Use no provider: plan from the signal cache alone (the plan states how old its values are).")
    var offline = false

    @Option(help: ArgumentHelp("The signal cache file, or 'none' (default: $XDG_CACHE_HOME/gridwise/signals.sqlite).", valueName: "PATH"))
    var cache: String?

    /// The context of a command-line run: the wall clock, the process environment, the cache.
    func context() throws(GridwiseError) -> LiveContext { try Self.context(offline: offline, cache: cache) }

    static func context(offline: Bool, cache: String?) throws(GridwiseError) -> LiveContext {
        let path = cache ?? SignalCache.defaultPath()
        let store = path == "none" ? nil : SignalCache(path: path)
        return LiveContext(now: Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), cache: store, mode: offline ? .offline : .online)
    }
}

/// The policy used when none is given: the text of policies/balanced.yaml (a test keeps them equal).
enum BuiltInPolicy {
    static let balanced = """
        # balanced: carbon and cost count equally; water, latency and delay a little.
        # Use it when nobody has said which matters most: it cuts carbon where that is cheap to do and
        # money where that is clean to do, and keeps jobs near their users and deadlines unless moving pays.
        # Weights are relative to the carbon-agnostic baseline: a weight of 1 on carbon means the baseline's
        # whole carbon counts as 1 unit of the objective (see docs/policies.md).
        apiVersion: gridwise/v1
        kind: Policy
        name: balanced
        description: Carbon and cost weighted equally; water, latency and delay lightly.
        weights: {carbon: 1.0, cost: 1.0, water: 0.2, latency: 0.2, delay: 0.1}
        latency_slo: enforce

        """
}

/// Writes output files without ever replacing an input: atomically, through a temporary file.
enum OutputFile {
    static func write(_ text: String, to path: String, protecting inputs: [String]) throws(GridwiseError) {
        let target = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        for input in inputs where URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath().path == target {
            throw .cannotWrite(path: path, reason: "it is one of the inputs (\(input)); choose another output file")
        }
        if isDirectoryPath(path) { throw .cannotWrite(path: path, reason: "it is a folder") }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .cannotWrite(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    private static func isDirectoryPath(_ path: String) -> Bool { InputLocator.isDirectory(path) }
}
