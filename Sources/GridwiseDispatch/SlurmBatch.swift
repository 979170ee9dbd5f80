import Foundation
import GridwiseCore

/// Why one job cannot be handed to an engine: said per job, the others go on.
public struct DispatchProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var job: String
    public var message: String
    public init(job: String, message: String) {
        self.job = job
        self.message = message
    }
    public var description: String { "\(job): \(message)" }
}

/// The `sbatch` command line for one unit.
///
/// Region → `--partition` / `--clusters` / `--account` / `--qos` from the region's `dispatch` map in the
/// catalog (`slurm_partition`, `slurm_cluster`, `slurm_account`, `slurm_qos`; a pool may have its own
/// partition as `slurm_partition.<POOL TYPE>`); devices → `--gres` and/or `--gpus` from the templates
/// `slurm_gres` / `slurm_gpus` with `{type}`, `{type_lower}` and `{count}` (left out where the site names
/// none: its partitions imply the hardware). The begin time is written in UTC and sbatch runs with TZ=UTC.
public enum SlurmBatch {
    public static func arguments(
        for unit: DispatchUnit, job: Job, region: Region, jobPlanFile: String, dependency: String?
    ) throws(DispatchProblem) -> [String] {
        let d = region.dispatch
        let partition = partitionName(region: region, pool: unit.pool)
        guard partition != nil || d["slurm_cluster"] != nil else {
            throw DispatchProblem(job: unit.job, message: "region '\(region.name)' names no Slurm partition or cluster; add dispatch: {slurm_partition: NAME} (or slurm_cluster) to it in the region catalog")
        }
        var args = ["--parsable", "--job-name=\(unit.name)", "--comment=\(unit.tag)", "--begin=\(slurmTime(unit.begin))", "--time=\(unit.timeLimitMinutes)"]
        if let partition { args.append("--partition=\(partition)") }
        if let cluster = d["slurm_cluster"] { args.append("--clusters=\(cluster)") }
        if let account = d["slurm_account"] { args.append("--account=\(account)") }
        if let qos = d["slurm_qos"] { args.append("--qos=\(qos)") }
        if let gres = d["slurm_gres"] { args.append("--gres=\(fill(gres, unit))") }
        if let gpus = d["slurm_gpus"] { args.append("--gpus=\(fill(gpus, unit))") }
        if let dependency { args.append("--dependency=afterany:\(dependency)") }
        if let command = job.command {
            args.append("--wrap=\(command)")
        } else if let script = job.script {
            let path = resolve(script, beside: jobPlanFile)
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw DispatchProblem(job: unit.job, message: "its script \(path) cannot be read (script: \(script) in \(jobPlanFile))")
            }
            args.append(path)
        } else {
            throw DispatchProblem(job: unit.job, message: "the job plan gives no command or script for it; add command: \"...\" or script: FILE to the job in \(jobPlanFile)")
        }
        return args
    }

    /// The partition a pool of a region submits to, if the catalog names one.
    public static func partitionName(region: Region, pool: String) -> String? {
        region.dispatch["slurm_partition.\(pool)"] ?? region.dispatch["slurm_partition"]
    }

    /// Where a unit goes, for people: the partition, else the cluster, else "?".
    public static func placeName(region: Region, pool: String) -> String {
        partitionName(region: region, pool: pool) ?? region.dispatch["slurm_cluster"] ?? "?"
    }

    /// `2026-12-07T09:00:00`: Slurm's time format, meant in UTC (sbatch runs with TZ=UTC).
    public static func slurmTime(_ t: Instant) -> String { String(t.iso8601.dropLast()) }

    static func fill(_ template: String, _ unit: DispatchUnit) -> String {
        template.replacingOccurrences(of: "{type_lower}", with: unit.pool.lowercased())
            .replacingOccurrences(of: "{type}", with: unit.pool)
            .replacingOccurrences(of: "{count}", with: String(unit.devices))
    }

    static func resolve(_ path: String, beside file: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = (file as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : "\(folder)/\(path)"
    }

    /// A command line a shell reads back as the same words.
    public static func shellLine(_ words: [String]) -> String {
        words.map(shellQuote).joined(separator: " ")
    }

    public static func shellQuote(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { c in
            CharacterSet.alphanumerics.contains(c) || "-_./:=,@%+".unicodeScalars.contains(c)
        }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
