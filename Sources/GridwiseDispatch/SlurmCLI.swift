import Foundation
import GridwiseCore

/// What a finished command printed.
public struct CommandOutput: Sendable, Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Its own message: standard error, else standard output, its lines joined by "; " (repeats dropped).
    public var message: String {
        let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? stdout : stderr
        var seen: [String] = []
        for line in text.split(separator: "\n") {
            let l = line.trimmingCharacters(in: .whitespaces)
            if !l.isEmpty && !seen.contains(l) { seen.append(l) }
        }
        return seen.joined(separator: "; ")
    }
}

/// A Slurm job as the controller reports it.
public struct SlurmJob: Sendable, Equatable {
    public var id: String
    public var name: String
    public var partition: String
    /// PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, TIMEOUT, ...
    public var state: String
    /// Why it waits (BeginTime, Dependency, Resources, ...), or None.
    public var reason: String
    /// Its actual start once started; before, the controller's expected start (nil when unknown).
    public var start: Instant?
    public var end: Instant?
    public var comment: String

    public var isFinal: Bool {
        ["COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "SPECIAL_EXIT"].contains(state)
    }
}

/// Slurm's own commands (sbatch, squeue, scontrol, scancel), run as processes with TZ=UTC so every
/// time read and written is UTC. `SLURM_CONF` and the rest of the environment pass through.
public struct SlurmCLI: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var env = environment
        env["TZ"] = "UTC"
        self.environment = env
    }

    /// The full path of `tool` on PATH, or nil.
    public func locate(_ tool: String) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public func run(_ tool: String, _ arguments: [String]) throws(GridwiseError) -> CommandOutput {
        guard let executable = locate(tool) else {
            throw .engineUnavailable(engine: "slurm", reason: "\(tool) is not on PATH; install Slurm's client commands (Debian: slurm-client or slurm-wlm), or see scripts/slurm-local.sh")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .engineUnavailable(engine: "slurm", reason: "cannot run \(executable): \(error.localizedDescription)")
        }
        // Read standard error on another thread so neither pipe can fill and stall the command.
        let errorText = LockedBox<Data>(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorText.set(err.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return CommandOutput(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errorText.get(), as: UTF8.self))
    }

    /// Every job the controller knows whose comment is a Gridwise tag of `planID` (all states still in memory).
    public func jobs(ofPlan planID: String) throws(GridwiseError) -> [(SlurmJob, UnitKey)] {
        let result = try run("squeue", ["--noheader", "--all", "--states=all", "--format=%i|%j|%P|%T|%r|%S|%e|%k"])
        guard result.status == 0 else { throw .engineUnavailable(engine: "slurm", reason: "squeue: \(result.message)") }
        var found: [(SlurmJob, UnitKey)] = []
        for line in result.stdout.split(separator: "\n") {
            guard let job = Self.parseQueueLine(String(line)), let tag = DispatchUnit.parseTag(job.comment), tag.planID == planID else { continue }
            found.append((job, tag.key))
        }
        return found
    }

    /// One job by id from `scontrol show job -o`, or nil when the controller no longer knows it.
    public func job(id: String) throws(GridwiseError) -> SlurmJob? {
        let result = try run("scontrol", ["show", "job", "-o", id])
        if result.status != 0 {
            if result.message.contains("Invalid job id") { return nil }
            throw .engineUnavailable(engine: "slurm", reason: "scontrol: \(result.message)")
        }
        return Self.parseScontrol(result.stdout)
    }

    /// sbatch with the given options; the Slurm job id, or Slurm's own message.
    public func submit(_ arguments: [String]) throws(GridwiseError) -> Result<String, DispatchFailure> {
        let result = try run("sbatch", arguments)
        guard result.status == 0 else { return .failure(DispatchFailure(message: result.message, controllerDown: Self.looksUnreachable(result.message))) }
        // --parsable prints "id" or "id;cluster".
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else { return .failure(DispatchFailure(message: "sbatch printed no job id: \(result.message)", controllerDown: false)) }
        return .success(id)
    }

    public func cancel(id: String) throws(GridwiseError) -> CommandOutput { try run("scancel", [id]) }

    static func looksUnreachable(_ message: String) -> Bool {
        let m = message.lowercased()
        return m.contains("unable to contact slurm controller") || m.contains("connection refused") || m.contains("socket timed out")
            || m.contains("unable to establish") || m.contains("could not establish")
    }

    static func parseQueueLine(_ line: String) -> SlurmJob? {
        let f = line.split(separator: "|", maxSplits: 7, omittingEmptySubsequences: false).map(String.init)
        guard f.count == 8 else { return nil }
        return SlurmJob(id: f[0], name: f[1], partition: f[2], state: f[3], reason: f[4], start: parseTime(f[5]), end: parseTime(f[6]), comment: f[7])
    }

    static func parseScontrol(_ text: String) -> SlurmJob? {
        var fields: [String: String] = [:]
        // Key=value pairs separated by spaces. Slurm's keys are capitalised; a value with spaces (a comment)
        // goes on until the next capitalised key.
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let tokens = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var current: String?
        for token in tokens {
            if let eq = token.firstIndex(of: "="), token.first?.isUppercase == true, token[..<eq].allSatisfy({ $0.isLetter || $0.isNumber || $0 == ":" }) {
                let key = String(token[..<eq])
                current = key
                fields[key] = String(token[token.index(after: eq)...])
            } else if let key = current {
                fields[key, default: ""] += " " + token
            }
        }
        guard let id = fields["JobId"] else { return nil }
        return SlurmJob(
            id: id, name: fields["JobName"] ?? "", partition: fields["Partition"] ?? "", state: fields["JobState"] ?? "UNKNOWN",
            reason: fields["Reason"] ?? "None", start: parseTime(fields["StartTime"] ?? ""), end: parseTime(fields["EndTime"] ?? ""),
            comment: fields["Comment"] ?? "")
    }

    /// Slurm's `2026-12-07T09:00:00` (UTC here), or nil for N/A, Unknown, None.
    static func parseTime(_ text: String) -> Instant? {
        guard text.count == 19 else { return nil }
        return try? Instant.parse(text + "Z")
    }
}

/// sbatch's refusal, in Slurm's words; `controllerDown` when the controller could not be reached.
public struct DispatchFailure: Error, Sendable, Equatable {
    public var message: String
    public var controllerDown: Bool
}

/// A value shared between threads under a lock.
final class LockedBox<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
}
