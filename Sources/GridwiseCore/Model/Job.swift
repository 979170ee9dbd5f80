/// What kind of work a job is; policies and rules select jobs by kind.
public enum JobKind: String, CaseIterable, Sendable, Codable {
    case training
    case fineTuning = "fine_tuning"
    case batchInference = "batch_inference"
    case onlineInference = "online_inference"

    public static var names: [String] { allCases.map(\.rawValue) }
}

/// How much running a job needs.
public enum JobWork: Sendable, Equatable {
    /// Wall-clock hours on the reference accelerator (relative speed 1.0) with the job's device count;
    /// on a pool of speed s the job runs hours / s.
    case referenceHours(Double)
    /// Wall-clock hours on any pool, whatever its speed.
    case fixedHours(Double)
}

/// A job to place: what it needs, when it may run, where it may run.
///
/// ```swift
/// let job = Job(id: "llm-7b", kind: .training, deviceCount: 64, work: .referenceHours(36),
///               release: try Instant.parse("2026-12-01T00:00:00Z"), deadline: try Instant.parse("2026-12-04T00:00:00Z"))
/// ```
public struct Job: Sendable, Equatable {
    public var id: String
    public var kind: JobKind
    public var deviceCount: Int
    /// Accelerator types the job can use; empty means any.
    public var deviceTypes: [String]
    public var work: JobWork
    public var release: Instant
    public var deadline: Instant
    /// Whether the job can stop at a checkpoint and resume later (possibly in other hours).
    public var interruptible: Bool
    /// Extra running time each resume costs (restore from checkpoint), in hours.
    public var checkpointOverheadHours: Double
    /// The most pieces an interruptible job may be split into.
    public var maxChunks: Int
    /// Regions the job may use; nil means all.
    public var allowedRegions: [String]?
    public var forbiddenRegions: [String]
    /// The user population the job serves or whose data it reads, for latency.
    public var population: String?
    /// The latency service-level objective to that population, in milliseconds.
    public var latencySLOMilliseconds: Double?
    /// 1 (lowest) to 10 (highest): higher-priority jobs are placed first and dropped last.
    public var priority: Int
    /// The job's own shell command, handed to the engine by dispatch (Slurm `--wrap`, a container's `sh -c`).
    public var command: String?
    /// A batch script for Slurm, as written in the job plan (relative paths are relative to the job plan file).
    public var script: String?
    /// The container image the job runs in on Kubernetes.
    public var image: String?

    public init(
        id: String, kind: JobKind, deviceCount: Int, deviceTypes: [String] = [], work: JobWork, release: Instant, deadline: Instant,
        interruptible: Bool = false, checkpointOverheadHours: Double = 0, maxChunks: Int = 1, allowedRegions: [String]? = nil,
        forbiddenRegions: [String] = [], population: String? = nil, latencySLOMilliseconds: Double? = nil, priority: Int = 5,
        command: String? = nil, script: String? = nil, image: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.deviceCount = deviceCount
        self.deviceTypes = deviceTypes
        self.work = work
        self.release = release
        self.deadline = deadline
        self.interruptible = interruptible
        self.checkpointOverheadHours = checkpointOverheadHours
        self.maxChunks = interruptible ? maxChunks : 1
        self.allowedRegions = allowedRegions
        self.forbiddenRegions = forbiddenRegions
        self.population = population
        self.latencySLOMilliseconds = latencySLOMilliseconds
        self.priority = priority
        self.command = command
        self.script = script
        self.image = image
    }

    /// Online inference serves continuously from release to deadline; everything else may move in time.
    public var servesWholeWindow: Bool { kind == .onlineInference }

    /// Hours of running needed on a pool of the given speed, in `chunks` pieces (each resume adds the overhead).
    public func runningHours(speed: Double, chunks: Int = 1) -> Double {
        let base: Double
        switch work {
        case .referenceHours(let h): base = h / speed
        case .fixedHours(let h): base = h
        }
        return base + Double(max(chunks - 1, 0)) * checkpointOverheadHours
    }

    public func accepts(poolType: String) -> Bool { deviceTypes.isEmpty || deviceTypes.contains(poolType) }
}

/// The jobs to plan, with the planning horizon they imply.
public struct JobPlan: Sendable, Equatable {
    public var jobs: [Job]
    /// The hours signals must cover; from the earliest release to the latest deadline unless the file says.
    public var horizon: PlanningHorizon

    public init(jobs: [Job], horizon: PlanningHorizon) {
        self.jobs = jobs
        self.horizon = horizon
    }
}

/// The hourly slots a plan may use: `hours` slots of one hour from `start` (on the hour, UTC).
public struct PlanningHorizon: Sendable, Equatable {
    public var start: Instant
    public var hours: Int

    public init(start: Instant, hours: Int) {
        self.start = start
        self.hours = hours
    }

    public var end: Instant { start.adding(hours: hours) }

    /// The longest horizon planned at once: a leap year of hours.
    public static let maximumHours = 8_784.0

    public func slotStart(_ slot: Int) -> Instant { start.adding(hours: slot) }

    /// The first slot that starts at or after `instant`.
    public func firstSlot(atOrAfter instant: Instant) -> Int {
        let delta = instant.secondsSinceEpoch - start.secondsSinceEpoch
        return Int((delta + Instant.secondsPerHour - 1) / Instant.secondsPerHour)
    }

    /// The number of whole slots that end at or before `instant`.
    public func slotsEnding(atOrBefore instant: Instant) -> Int {
        let delta = instant.secondsSinceEpoch - start.secondsSinceEpoch
        return Int(Instant.floorDiv(delta, Instant.secondsPerHour))
    }

    /// Slots grouped into runs of consecutive hours, in order: [3, 4, 7] gives [3..<5, 7..<8].
    public static func runs(_ slots: [Int]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for t in slots {
            if let last = out.last, last.upperBound == t { out[out.count - 1] = last.lowerBound..<(t + 1) } else { out.append(t..<(t + 1)) }
        }
        return out
    }

    /// The same runs as `[start, end)` times.
    public func timeRanges(_ slots: [Int]) -> [TimeRange] {
        Self.runs(slots).map { TimeRange(start: slotStart($0.lowerBound).iso8601, end: slotStart($0.upperBound).iso8601) }
    }

    /// The horizon from the earliest release to the latest deadline, widened to whole hours.
    public static func covering(_ jobs: [Job]) -> PlanningHorizon? {
        guard let first = jobs.map(\.release).min(), let last = jobs.map(\.deadline).max() else { return nil }
        let start = first.flooredToHour
        let end = last.ceiledToHour
        return PlanningHorizon(start: start, hours: Int((end.secondsSinceEpoch - start.secondsSinceEpoch) / Instant.secondsPerHour))
    }
}
