import ArgumentParser
import GridwiseCore
import GridwiseSignals

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check input files (job plans, region catalogs, policies, signal sets) and report every problem.",
        discussion: """
            Each file is recognised by its 'kind' field. A folder is read as a whole set (jobs, regions,
            signals and policy), and then the files are also checked against each other: names a job uses
            that the catalog lacks, jobs no region can take, signals with gaps over the plan's horizon.

            Examples:
              gridwise validate examples/global
              gridwise validate policies/*.yaml

            Exits 0 when every file is valid, 65 with every problem listed (file:line:column: field: message).
            """)

    @Argument(help: ArgumentHelp("Files or folders to check.", valueName: "FILES")) var files: [String]
    @OptionGroup var live: LiveOptions

    func run() throws {
        var problems: [Diagnostic] = []
        for path in files {
            do {
                if InputLocator.isDirectory(path) {
                    let paths = try InputLocator.paths(jobs: path, regions: nil, policy: nil, signals: nil)
                    let loaded = try LoadedInputs.load(paths, live: try live.context())
                    say("\(path): OK (\(loaded.jobs.plan.jobs.count) jobs, \(loaded.catalog.regions.count) regions, policy \(loaded.policy.name), signals for \(loaded.signals.carbon.count) carbon and \(loaded.signals.price.count) price zones over \(loaded.signals.horizon.hours) h)")
                } else {
                    say("\(path): OK (\(try validateFile(path)))")
                }
            } catch {
                if case .invalidInput(let d) = error { problems += d } else { throw error }
            }
        }
        if !problems.isEmpty { throw GridwiseError.invalidInput(problems) }
    }

    /// Validates one file on its own; returns a one-line summary.
    func validateFile(_ path: String) throws(GridwiseError) -> String {
        let text = try InputFiles.readText(path)
        let root = try DocumentNode.parse(text, file: path)
        guard case .map(let pairs, _) = root, case .scalar(let kind, _, _)? = pairs.first(where: { $0.key == "kind" })?.value else {
            throw .invalidInput([Diagnostic(file: path, at: root.mark, path: "kind", message: "missing 'kind'; expected one of JobPlan, RegionCatalog, Policy, SignalSet")])
        }
        switch kind {
        case JobPlanFormat.kind: return "JobPlan, \(try JobPlanFormat.parse(text, file: path).plan.jobs.count) jobs"
        case RegionCatalogFormat.kind: return "RegionCatalog, \(try RegionCatalogFormat.parse(text, file: path).regions.count) regions"
        case PolicyFormat.kind: return "Policy '\(try PolicyFormat.parse(text, file: path).name)'"
        case SignalSetFormat.kind: return "SignalSet, \(try SignalSetFormat.parse(text, file: path).entries.count) series"
        default:
            throw .invalidInput([Diagnostic(file: path, at: root.mark, path: "kind", message: "found '\(kind)'; expected one of JobPlan, RegionCatalog, Policy, SignalSet")])
        }
    }
}
