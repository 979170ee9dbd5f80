import Foundation
import GridwiseCore
import GridwiseSignals

/// How a deadline is made for a job whose trace gives none. Seeded where random; stated in every report.
public enum DeadlineRule: Sendable, Equatable, CustomStringConvertible {
    /// Let's Wait Awhile's "next workday": F = submit + running time; Saturday -> Monday 09:00; Sunday or
    /// after 17:00 -> 09:00 the next day; before 09:00 -> 09:00 that day; otherwise F (UTC).
    case nextWorkday
    /// Slack = factor x running time.
    case slackFactor(Double)
    /// Slack drawn uniformly from [low, high] hours, per job, seeded.
    case slackUniform(low: Double, high: Double)
    /// Slack of a fixed number of hours.
    case slackHours(Double)

    /// `next-workday`, `factor:F`, `uniform:A-B` (hours), `hours:H`.
    public static func parse(_ text: String) -> DeadlineRule? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "next-workday" { return .nextWorkday }
        let parts = t.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "factor": return Double(parts[1]).flatMap { $0 >= 0 ? .slackFactor($0) : nil }
        case "hours": return Double(parts[1]).flatMap { $0 >= 0 ? .slackHours($0) : nil }
        case "uniform":
            let bounds = parts[1].split(separator: "-").compactMap { Double($0) }
            guard bounds.count == 2, bounds[0] >= 0, bounds[1] >= bounds[0] else { return nil }
            return .slackUniform(low: bounds[0], high: bounds[1])
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .nextWorkday: return "next-workday (Wiesner et al. 2021: a finish on Saturday moves to Monday 09:00, on Sunday or after 17:00 to 09:00 the next day, before 09:00 to 09:00; UTC)"
        case .slackFactor(let f): return "factor:\(formatShort(f)) (slack = \(formatShort(f)) x running time)"
        case .slackUniform(let a, let b): return "uniform:\(formatShort(a))-\(formatShort(b)) (slack drawn uniformly from \(formatShort(a)) to \(formatShort(b)) h per job, seeded)"
        case .slackHours(let h): return "hours:\(formatShort(h)) (slack of \(formatShort(h)) h)"
        }
    }

    /// The deadline of a job submitted at `submit` that runs `hours` on the reference device.
    public func deadline(submit: Instant, hours: Double, rng: inout SeededGenerator) -> Instant {
        let finish = submit.adding(seconds: Int64((hours * 3600).rounded()))
        switch self {
        case .nextWorkday: return Self.nextWorkday(after: finish)
        case .slackFactor(let f): return finish.adding(seconds: Int64((hours * f * 3600).rounded()))
        case .slackHours(let h): return finish.adding(seconds: Int64((h * 3600).rounded()))
        case .slackUniform(let a, let b):
            let u = rng.nextUnit()
            return finish.adding(seconds: Int64(((a + (b - a) * u) * 3600).rounded()))
        }
    }

    static func nextWorkday(after f: Instant) -> Instant {
        let c = f.civil
        let nine = Instant(year: c.year, month: c.month, day: c.day, hour: 9)
        let time = Double(c.hour) + Double(c.minute) / 60
        if c.isoWeekday == 6 { return nine.adding(hours: 48) }
        if c.isoWeekday == 7 || time > 17 { return nine.adding(hours: 24) }
        if time < 9 { return nine }
        return f
    }
}

/// Which jobs of a trace without the field may be suspended and resumed.
public enum InterruptibleRule: Sendable, Equatable {
    case none, all
    /// Each job with this probability, seeded.
    case fraction(Double)

    public static func parse(_ text: String) -> InterruptibleRule? {
        switch text.lowercased() {
        case "none": return InterruptibleRule.none
        case "all": return .all
        default: return Double(text).flatMap { $0 >= 0 && $0 <= 1 ? .fraction($0) : nil }
        }
    }
}

/// How jobs are read from a trace.
public struct TraceOptions: Sendable {
    public var deadlineRule: DeadlineRule = .slackUniform(low: 0, high: 24)
    public var interruptible: InterruptibleRule = .none
    public var seed: UInt64 = 1
    /// Where a trace of relative times (Alibaba) starts, and where an absolute one (Azure) is moved to.
    public var start: Instant? = nil
    /// Checkpoint overhead given to jobs made interruptible by the rule, hours.
    public var checkpointOverheadHours: Double = 0
    /// Azure inference: tokens (prompt + generated) one device serves per second.
    public var tokensPerDeviceSecond: Double = 2_500
    public var inferencePopulation: String? = nil
    public var inferenceSLOMilliseconds: Double? = nil
    public init() {}
}

/// The job trace formats `gridwise simulate` reads, told apart by their header.
public enum TraceFormat: String, Sendable, CaseIterable {
    /// The project's own CSV (docs/simulation.md): id, submit, duration_h, gpus and optional fields.
    case gridwise
    /// Alibaba GPU cluster trace v2023 pod list: GPU count, creation and deletion times (relative seconds).
    case alibaba
    /// Azure LLM inference trace 2023: one request per row (timestamp, context and generated tokens).
    case azure

    static func detect(_ header: [String]) -> TraceFormat? {
        let h = Set(header.map { $0.lowercased() })
        if h.isSuperset(of: ["id", "submit", "duration_h", "gpus"]) { return .gridwise }
        if h.isSuperset(of: ["num_gpu", "creation_time", "deletion_time"]) { return .alibaba }
        if h.isSuperset(of: ["timestamp", "contexttokens", "generatedtokens"]) { return .azure }
        return nil
    }
}

public enum TraceReader {
    public struct Loaded: Sendable {
        public var jobs: [Job]
        public var format: TraceFormat
        /// Rows read but not turned into jobs, and why (e.g. "1,088 rows ask for no GPU").
        public var skipped: [String]
        /// What was made up, and by which rule (deadlines, interruptibility, inference devices).
        public var generated: [String]
    }

    public static func read(_ text: String, file: String, options: TraceOptions) throws(GridwiseError) -> Loaded {
        let table = CSVTable(text: text)
        guard let format = TraceFormat.detect(table.header) else {
            throw .invalidInput([Diagnostic(file: file, line: 1, path: "header", message: "found columns \(table.header.joined(separator: ", ")); expected a Gridwise trace (id, submit, duration_h, gpus, ...), the Alibaba GPU pod list (num_gpu, creation_time, deletion_time, ...) or the Azure LLM inference trace (TIMESTAMP, ContextTokens, GeneratedTokens)")])
        }
        switch format {
        case .gridwise: return try gridwise(table, file: file, options: options)
        case .alibaba: return try alibaba(table, file: file, options: options)
        case .azure: return try azure(table, file: file, options: options)
        }
    }

    private static func columns(_ table: CSVTable) -> [String: Int] {
        var map: [String: Int] = [:]
        for (i, name) in table.header.enumerated() { map[name.lowercased()] = i }
        return map
    }

    private static func makeInterruptible(_ rule: InterruptibleRule, _ rng: inout SeededGenerator) -> Bool {
        switch rule {
        case .none: return false
        case .all: return true
        case .fraction(let f): return rng.nextUnit() < f
        }
    }

    static func gridwise(_ table: CSVTable, file: String, options: TraceOptions) throws(GridwiseError) -> Loaded {
        let col = columns(table)
        var problems: [Diagnostic] = []
        var jobs: [Job] = []
        var seen: Set<String> = []
        var rng = SeededGenerator(seed: options.seed)
        var deadlinesMade = 0, interruptibleMade = 0
        for (line, fields) in table.rows {
            func field(_ name: String) -> String? {
                guard let i = col[name], i < fields.count else { return nil }
                let v = fields[i].trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            func fail(_ name: String, _ message: String) { problems.append(Diagnostic(file: file, line: line, path: name, message: message)) }
            guard let id = field("id") else { fail("id", "missing; expected a job id"); continue }
            if !seen.insert(id).inserted { fail("id", "'\(id)' appears twice; expected unique job ids") }
            var submit: Instant?
            if let s = field("submit") {
                do { submit = try Instant.parse(s) } catch { fail("submit", "found '\(s)'; expected a time such as 2023-06-05T09:00:00Z") }
            } else { fail("submit", "missing; expected the submit time") }
            let hours = field("duration_h").flatMap(Double.init)
            if hours == nil || hours! <= 0 { fail("duration_h", "found '\(field("duration_h") ?? "")'; expected hours > 0 on the reference device") }
            let gpus = field("gpus").flatMap(Int.init)
            if gpus == nil || gpus! < 1 { fail("gpus", "found '\(field("gpus") ?? "")'; expected a whole number of devices >= 1") }
            var kind = JobKind.training
            if let k = field("kind") {
                if let parsed = JobKind(rawValue: k) { kind = parsed } else { fail("kind", "found '\(k)'; expected one of \(JobKind.names.joined(separator: ", "))") }
            }
            var interruptible: Bool?
            if let v = field("interruptible") {
                switch v.lowercased() {
                case "true", "yes", "1": interruptible = true
                case "false", "no", "0": interruptible = false
                default: fail("interruptible", "found '\(v)'; expected true or false")
                }
            }
            let overhead = field("checkpoint_overhead_h").flatMap(Double.init)
            let slo = field("latency_slo_ms").flatMap(Double.init)
            if let v = field("latency_slo_ms"), slo == nil { fail("latency_slo_ms", "found '\(v)'; expected milliseconds") }
            guard let submit, let hours, hours > 0, let gpus, gpus >= 1 else { continue }
            var deadline: Instant
            if let d = field("deadline") {
                do { deadline = try Instant.parse(d) } catch { fail("deadline", "found '\(d)'; expected a time such as 2023-06-06T09:00:00Z"); continue }
                if deadline <= submit { fail("deadline", "found \(deadline.iso8601), not after the submit time \(submit.iso8601)") }
            } else if kind == .onlineInference {
                deadline = submit.adding(seconds: Int64((hours * 3600).rounded()))
            } else {
                deadline = options.deadlineRule.deadline(submit: submit, hours: hours, rng: &rng)
                deadlinesMade += 1
            }
            let isInterruptible: Bool
            if let interruptible { isInterruptible = interruptible } else {
                isInterruptible = kind != .onlineInference && makeInterruptible(options.interruptible, &rng)
                if isInterruptible { interruptibleMade += 1 }
            }
            let types = field("gpu_type").map { $0.split(separator: "|").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
            let regions = field("regions").map { $0.split(separator: "|").map { String($0).trimmingCharacters(in: .whitespaces) } }
            jobs.append(Job(
                id: id, kind: kind, deviceCount: gpus, deviceTypes: types,
                work: kind == .onlineInference ? .fixedHours(hours) : .referenceHours(hours), release: submit, deadline: deadline,
                interruptible: isInterruptible, checkpointOverheadHours: overhead ?? (interruptible == nil ? options.checkpointOverheadHours : 0),
                maxChunks: isInterruptible ? (field("max_chunks").flatMap(Int.init) ?? 1_000) : 1, allowedRegions: regions,
                population: field("population") ?? (kind == .onlineInference ? options.inferencePopulation : nil), latencySLOMilliseconds: slo))
        }
        guard problems.isEmpty else { throw .invalidInput(problems) }
        var generated: [String] = []
        if deadlinesMade > 0 { generated.append("\(deadlinesMade) deadlines by rule \(options.deadlineRule) (seed \(options.seed))") }
        if interruptibleMade > 0 { generated.append("\(interruptibleMade) jobs made interruptible by rule (seed \(options.seed))") }
        return Loaded(jobs: jobs, format: .gridwise, skipped: [], generated: generated)
    }

    static func alibaba(_ table: CSVTable, file: String, options: TraceOptions) throws(GridwiseError) -> Loaded {
        let col = columns(table)
        guard let start = options.start else {
            throw .usage("\(file) is an Alibaba trace, whose times are seconds from an unstated start: give --trace-start (e.g. 2023-01-01T00:00:00Z)")
        }
        var rng = SeededGenerator(seed: options.seed)
        var jobs: [Job] = []
        var noGPU = 0, noEnd = 0
        var problems: [Diagnostic] = []
        for (line, fields) in table.rows {
            func value(_ name: String) -> String { col[name].flatMap { $0 < fields.count ? fields[$0] : nil } ?? "" }
            guard let gpus = Int(value("num_gpu")) else {
                problems.append(Diagnostic(file: file, line: line, path: "num_gpu", message: "found '\(value("num_gpu"))'; expected a whole number"))
                continue
            }
            if gpus < 1 { noGPU += 1; continue }
            guard let created = Double(value("creation_time")), let deleted = Double(value("deletion_time")), deleted > created else { noEnd += 1; continue }
            let submit = start.adding(seconds: Int64(created.rounded()))
            let hours = (deleted - created) / 3600
            let deadline = options.deadlineRule.deadline(submit: submit, hours: hours, rng: &rng)
            let interruptible = makeInterruptible(options.interruptible, &rng)
            jobs.append(Job(id: value("name").isEmpty ? "pod-\(line)" : value("name"), kind: .training, deviceCount: gpus, work: .referenceHours(hours),
                            release: submit, deadline: deadline, interruptible: interruptible,
                            checkpointOverheadHours: interruptible ? options.checkpointOverheadHours : 0, maxChunks: interruptible ? 1_000 : 1))
        }
        guard problems.isEmpty else { throw .invalidInput(problems) }
        var skipped: [String] = []
        if noGPU > 0 { skipped.append("\(noGPU) rows ask for no GPU") }
        if noEnd > 0 { skipped.append("\(noEnd) rows have no deletion time after their creation") }
        return Loaded(jobs: jobs, format: .alibaba, skipped: skipped, generated: [
            "submit = --trace-start + creation_time; running time on the reference device = deletion_time - creation_time; whole GPUs (GPU-sharing pods count as one)",
            "deadlines by rule \(options.deadlineRule) (seed \(options.seed))",
        ] + (options.interruptible == .none ? [] : ["interruptible by rule \(options.interruptible) (seed \(options.seed))"]))
    }

    static func azure(_ table: CSVTable, file: String, options: TraceOptions) throws(GridwiseError) -> Loaded {
        let col = columns(table)
        var tokensPerHour: [Int64: Double] = [:]
        var first: Instant?
        var problems: [Diagnostic] = []
        for (line, fields) in table.rows {
            func value(_ name: String) -> String { col[name].flatMap { $0 < fields.count ? fields[$0] : nil } ?? "" }
            // "2023-11-16 18:17:03.9799600": no zone stated upstream; read as UTC.
            let stamp = String(value("timestamp").prefix(19))
            guard let t = try? Instant.parse(stamp, defaultOffsetSeconds: 0) else {
                problems.append(Diagnostic(file: file, line: line, path: "TIMESTAMP", message: "found '\(value("timestamp"))'; expected YYYY-MM-DD HH:MM:SS"))
                continue
            }
            guard let a = Double(value("contexttokens")), let b = Double(value("generatedtokens")) else {
                problems.append(Diagnostic(file: file, line: line, path: "ContextTokens", message: "expected token counts"))
                continue
            }
            first = min(first ?? t, t)
            tokensPerHour[t.flooredToHour.secondsSinceEpoch, default: 0] += a + b
        }
        guard problems.isEmpty else { throw .invalidInput(problems) }
        let shift = options.start.map { $0.flooredToHour.secondsSinceEpoch - (first?.flooredToHour.secondsSinceEpoch ?? 0) } ?? 0
        let jobs = tokensPerHour.keys.sorted().map { hour -> Job in
            let start = Instant(secondsSinceEpoch: hour + shift)
            let devices = max(1, Int((tokensPerHour[hour]! / 3600 / options.tokensPerDeviceSecond).rounded(.up)))
            return Job(id: "inference-\(start.iso8601)", kind: .onlineInference, deviceCount: devices, work: .fixedHours(1), release: start,
                       deadline: start.adding(hours: 1), population: options.inferencePopulation, latencySLOMilliseconds: options.inferenceSLOMilliseconds)
        }
        return Loaded(jobs: jobs, format: .azure, skipped: [], generated: [
            "one online-inference job per trace hour; devices = ceil(tokens in the hour / 3600 / \(formatShort(options.tokensPerDeviceSecond)) tokens per device-second); timestamps read as UTC"
                + (shift != 0 ? "; moved by \(formatShort(Double(shift) / 3600)) h to start at \(options.start!.iso8601)" : ""),
        ])
    }
}
