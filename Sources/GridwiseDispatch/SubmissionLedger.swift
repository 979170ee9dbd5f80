import Foundation
import GridwiseCore

/// What happened to one plan's submission, one JSON line per event, appended and flushed as it happens,
/// so a submission cut off half-way knows on the next run what it already did.
///
/// Lives in `<state>/plans/<plan id>/ledger.jsonl`, beside `plan.json` (the plan as first submitted).
public struct LedgerEntry: Codable, Sendable, Equatable {
    public enum Event: String, Codable, Sendable {
        /// The submission's time shift, fixed at the first run (0 when not shifted).
        case started
        /// sbatch accepted a unit.
        case submitted
        /// A unit found already queued under the plan's tag, not in the ledger (an earlier run was cut off).
        case adopted
        /// sbatch refused a unit; `message` is Slurm's.
        case failed
        /// A job whose placement had passed, placed again; `chunks` are the new ones (plan time, unshifted).
        case replanned
        /// A job whose placement had passed and that could not be placed again.
        case dropped
        case cancelled
    }

    public var event: Event
    public var at: String
    public var job: String?
    public var chunk: Int?
    public var slurmJobID: String?
    public var region: String?
    public var pool: String?
    public var partition: String?
    public var begin: String?
    public var end: String?
    public var chunks: [Chunk]?
    public var shiftSeconds: Int64?
    public var message: String?

    public init(event: Event, at: Instant, job: String? = nil, chunk: Int? = nil, slurmJobID: String? = nil, region: String? = nil, pool: String? = nil,
                partition: String? = nil, begin: Instant? = nil, end: Instant? = nil, chunks: [Chunk]? = nil, shiftSeconds: Int64? = nil, message: String? = nil) {
        self.event = event
        self.at = at.iso8601
        self.job = job
        self.chunk = chunk
        self.slurmJobID = slurmJobID
        self.region = region
        self.pool = pool
        self.partition = partition
        self.begin = begin?.iso8601
        self.end = end?.iso8601
        self.chunks = chunks
        self.shiftSeconds = shiftSeconds
        self.message = message
    }
}

public final class SubmissionLedger {
    public let folder: String
    public private(set) var entries: [LedgerEntry]

    public var path: String { "\(folder)/ledger.jsonl" }
    public var planPath: String { "\(folder)/plan.json" }

    /// The folder for one plan under a state folder.
    public static func folder(state: String, planID: String) -> String { "\(state)/plans/\(planID)" }

    /// Opens (reads) a plan's ledger; an absent one is empty. A damaged line is an error naming it, never skipped.
    public init(folder: String) throws(GridwiseError) {
        self.folder = folder
        entries = []
        guard FileManager.default.fileExists(atPath: "\(folder)/ledger.jsonl") else { return }
        let text: String
        do { text = try String(contentsOfFile: "\(folder)/ledger.jsonl", encoding: .utf8) } catch {
            throw .missingInput(path: "\(folder)/ledger.jsonl", reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() where !line.isEmpty {
            do {
                entries.append(try decoder.decode(LedgerEntry.self, from: Data(line.utf8)))
            } catch {
                // A line cut off by a crash mid-write can only be the last one.
                if i == lines.count - 1 && !text.hasSuffix("\n") { continue }
                throw .invalidInput([Diagnostic(file: "\(folder)/ledger.jsonl", line: i + 1, path: "", message: "not a ledger entry: \(error)")])
            }
        }
    }

    /// The shift fixed by the first run, if any run started.
    public var shiftSeconds: Int64? { entries.first { $0.event == .started }?.shiftSeconds }

    /// The Slurm job id each unit was submitted (or adopted) as, latest first wins.
    public var slurmIDs: [UnitKey: String] {
        var ids: [UnitKey: String] = [:]
        for e in entries where e.event == .submitted || e.event == .adopted {
            if let job = e.job, let chunk = e.chunk, let id = e.slurmJobID { ids[UnitKey(job: job, chunk: chunk)] = id }
        }
        return ids
    }

    /// Jobs placed again after their placement passed: their new placement (region, pool, chunks in plan time).
    public var replanned: [String: (region: String, pool: String, chunks: [Chunk])] {
        var r: [String: (region: String, pool: String, chunks: [Chunk])] = [:]
        for e in entries where e.event == .replanned {
            if let job = e.job, let region = e.region, let pool = e.pool, let chunks = e.chunks { r[job] = (region, pool, chunks) }
        }
        return r
    }

    /// The placements in force: the plan's, with earlier re-plans applied and dropped jobs left out.
    public func placementsInForce(_ placements: [Placement]) -> [Placement] {
        let re = replanned
        let gone = dropped
        return placements.compactMap { p in
            if gone[p.job] != nil { return nil }
            guard let r = re[p.job] else { return p }
            var q = p
            q.region = r.region
            q.pool = r.pool
            q.chunks = r.chunks
            return q
        }
    }

    public var dropped: [String: String] {
        var r: [String: String] = [:]
        for e in entries where e.event == .dropped { if let job = e.job { r[job] = e.message ?? "" } }
        return r
    }

    /// Appends one entry and flushes it to disk before returning.
    public func append(_ entry: LedgerEntry) throws(GridwiseError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var data = try encoder.encode(entry)
            data.append(0x0A)
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            throw .cannotWrite(path: path, reason: "\(error.localizedDescription); the engine may hold jobs this ledger does not list, a rerun finds them by their plan tag")
        }
        entries.append(entry)
    }

    /// Keeps a copy of the plan the first time it is submitted (never replaces one).
    public func keepPlan(_ text: String) throws(GridwiseError) {
        guard !FileManager.default.fileExists(atPath: planPath) else { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: planPath), options: .atomic)
        } catch {
            throw .cannotWrite(path: planPath, reason: error.localizedDescription)
        }
    }
}
