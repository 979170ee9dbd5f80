import GridwiseCore

/// What an engine runs for one placement: one job per chunk, each held until its begin time.
///
/// An interruptible job placed in three chunks becomes three units; the second and third wait for the
/// one before (Slurm `--dependency=afterany`), so chunks never overlap even when one runs long.
public struct DispatchUnit: Sendable, Equatable {
    public var planID: String
    public var job: String
    /// 1-based.
    public var chunk: Int
    public var chunks: Int
    public var region: String
    public var pool: String
    public var devices: Int
    /// When the engine may start it (the plan's start, shifted when the submission is shifted).
    public var begin: Instant
    /// When its slots end: the time limit is `end - begin`.
    public var end: Instant

    public init(planID: String, job: String, chunk: Int, chunks: Int, region: String, pool: String, devices: Int, begin: Instant, end: Instant) {
        self.planID = planID
        self.job = job
        self.chunk = chunk
        self.chunks = chunks
        self.region = region
        self.pool = pool
        self.devices = devices
        self.begin = begin
        self.end = end
    }

    public var key: UnitKey { UnitKey(job: job, chunk: chunk) }

    /// Whole minutes the unit may run: its slots, rounded up.
    public var timeLimitMinutes: Int { Int((end.secondsSinceEpoch - begin.secondsSinceEpoch + 59) / 60) }

    /// The engine-side name: `gw-<plan>-<job>`, with `-c<k>` for chunks of a split job.
    public var name: String { "gw-\(planID)-\(job)" + (chunks > 1 ? "-c\(chunk)" : "") }

    /// The tag that finds the unit again in the engine: plan id, job id (no spaces: job ids are names) and chunk.
    public var tag: String { "gridwise plan=\(planID) job=\(job) chunk=\(chunk)/\(chunks)" }

    /// Reads a tag written by `tag`; nil for anything else (other users' comments included).
    public static func parseTag(_ text: String) -> (planID: String, key: UnitKey, chunks: Int)? {
        let words = text.split(separator: " ")
        guard words.count == 4, words[0] == "gridwise" else { return nil }
        func value(_ word: Substring, _ name: String) -> Substring? {
            word.hasPrefix(name + "=") ? word.dropFirst(name.count + 1) : nil
        }
        guard let plan = value(words[1], "plan"), let job = value(words[2], "job"), let chunk = value(words[3], "chunk") else { return nil }
        let parts = chunk.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), k >= 1, k <= n, !plan.isEmpty, !job.isEmpty else { return nil }
        return (String(plan), UnitKey(job: String(job), chunk: k), n)
    }

    /// A plan's placements as units, in begin order (chunks of one job in their order), shifted by `shiftSeconds`.
    public static func expand(_ placements: [Placement], planID: String, shiftSeconds: Int64, file: String) throws(GridwiseError) -> [DispatchUnit] {
        var units: [DispatchUnit] = []
        var problems: [Diagnostic] = []
        for (i, p) in placements.enumerated() {
            for (k, chunk) in p.chunks.enumerated() {
                let path = "placements[\(i)].chunks[\(k)]"
                guard let begin = try? Instant.parse(chunk.start), let end = try? Instant.parse(chunk.end) else {
                    problems.append(Diagnostic(file: file, path: path, message: "found start '\(chunk.start)' and end '\(chunk.end)'; expected ISO 8601 times like 2026-12-07T00:00:00Z"))
                    continue
                }
                guard end > begin else {
                    problems.append(Diagnostic(file: file, path: path, message: "found end \(chunk.end) not after start \(chunk.start); expected a chunk of positive length"))
                    continue
                }
                units.append(DispatchUnit(
                    planID: planID, job: p.job, chunk: k + 1, chunks: p.chunks.count, region: p.region, pool: p.pool, devices: p.devices,
                    begin: begin.adding(seconds: shiftSeconds), end: end.adding(seconds: shiftSeconds)))
            }
            if p.chunks.isEmpty {
                problems.append(Diagnostic(file: file, path: "placements[\(i)].chunks", message: "job '\(p.job)' has no chunks; expected at least one [start, end)"))
            }
        }
        guard problems.isEmpty else { throw .invalidInput(problems) }
        return units.sorted { ($0.begin, $0.job, $0.chunk) < ($1.begin, $1.job, $1.chunk) }
    }
}

/// One chunk of one job.
public struct UnitKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var job: String
    public var chunk: Int
    public init(job: String, chunk: Int) {
        self.job = job
        self.chunk = chunk
    }
    public static func < (a: UnitKey, b: UnitKey) -> Bool { (a.job, a.chunk) < (b.job, b.chunk) }
    public var description: String { "\(job)#\(chunk)" }
}

/// A plan's identity: the same placements give the same id, whichever file or run they come from.
///
/// FNV-1a (64-bit) over the policy, the horizon and each placement's job, region, pool, devices and
/// chunks, in job order; the first 12 hex digits. Submitting the same plan twice finds its own jobs by it.
public enum PlanIdentity {
    public static func id(of plan: Plan) -> String {
        var text = "gridwise-plan-v1|\(plan.policy)|\(plan.horizon.start)|\(plan.horizon.end)\n"
        for p in plan.placements.sorted(by: { $0.job < $1.job }) {
            text += "\(p.job)|\(p.region)|\(p.pool)|\(p.devices)"
            for c in p.chunks { text += "|\(c.start)/\(c.end)" }
            text += "\n"
        }
        return String(hex(fnv1a64(text)).prefix(12))
    }

    static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
