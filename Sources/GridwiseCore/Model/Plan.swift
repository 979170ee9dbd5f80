import Foundation

/// A plan: where and when each job runs, what it costs in energy, carbon, money, water and latency,
/// the same for the carbon-agnostic baseline, the savings, and how close the plan is to optimal.
///
/// Written as JSON by `gridwise plan --format json`; read back by `check`, `explain` and dispatch.
/// Units are in the field names: kWh, kg CO2e, litres, ms, hours; cost is in `currency`.
public struct Plan: Codable, Sendable, Equatable {
    public var apiVersion: String = GridwiseFormat.apiVersion
    public var kind: String = "Plan"
    public var generatedBy: String
    public var policy: String
    public var inputs: PlanInputs
    public var horizon: HorizonRecord
    public var currency: String
    public var placements: [Placement]
    public var unplaced: [UnplacedJob]
    public var totals: PlanTotals
    public var baseline: Baseline
    public var savings: Savings
    public var optimality: Optimality
    public var carbonBudget: CarbonBudget?
    public var signals: [SeriesProvenance]

    public init(generatedBy: String, policy: String, inputs: PlanInputs, horizon: HorizonRecord, currency: String, placements: [Placement],
                unplaced: [UnplacedJob], totals: PlanTotals, baseline: Baseline, savings: Savings, optimality: Optimality,
                carbonBudget: CarbonBudget?, signals: [SeriesProvenance]) {
        self.generatedBy = generatedBy
        self.policy = policy
        self.inputs = inputs
        self.horizon = horizon
        self.currency = currency
        self.placements = placements
        self.unplaced = unplaced
        self.totals = totals
        self.baseline = baseline
        self.savings = savings
        self.optimality = optimality
        self.carbonBudget = carbonBudget
        self.signals = signals
    }

    /// The exit status a plan earns: 1 when jobs are unplaced or the carbon budget is exceeded.
    public var exitStatus: Int32 {
        unplaced.isEmpty && carbonBudget?.exceeded != true ? ExitStatus.ok : ExitStatus.partial
    }

    public func placement(of job: String) -> Placement? { placements.first { $0.job == job } }
}

/// The files a plan was made from, as given on the command line.
public struct PlanInputs: Codable, Sendable, Equatable {
    public var jobs: String
    public var regions: String
    public var policy: String
    public var signals: String
    public init(jobs: String, regions: String, policy: String, signals: String) {
        self.jobs = jobs
        self.regions = regions
        self.policy = policy
        self.signals = signals
    }
}

public struct HorizonRecord: Codable, Sendable, Equatable {
    public var start: String
    public var end: String
    public var hours: Int
    public init(_ horizon: PlanningHorizon) {
        start = horizon.start.iso8601
        end = horizon.end.iso8601
        hours = horizon.hours
    }
}

/// One job's place: region, pool, the hours it runs, and what that costs.
public struct Placement: Codable, Sendable, Equatable {
    public var job: String
    public var region: String
    public var pool: String
    public var devices: Int
    /// The hours the job holds its devices: whole slots, `[start, end)`, in time order.
    public var chunks: [Chunk]
    /// When the work is done: the end of the last slot, or earlier when the last hour is partly used.
    public var finish: String
    /// Hours of running, checkpoint overhead included (the last slot may be partly used).
    public var runningHours: Double
    public var energyKwh: Double
    public var carbonKg: Double
    public var cost: Double
    public var waterL: Double
    /// Latency to the job's population in ms; nil when the job names none.
    public var latencyMs: Double?
    /// Hours between the earliest possible finish (release + running time) and the finish.
    public var delayHours: Double
    /// Whether the finish is after the job's deadline (the baseline may miss; a plan may not).
    public var missesDeadline: Bool

    public init(job: String, region: String, pool: String, devices: Int, chunks: [Chunk], finish: String, runningHours: Double, energyKwh: Double,
                carbonKg: Double, cost: Double, waterL: Double, latencyMs: Double?, delayHours: Double, missesDeadline: Bool) {
        self.job = job
        self.region = region
        self.pool = pool
        self.devices = devices
        self.chunks = chunks
        self.finish = finish
        self.runningHours = runningHours
        self.energyKwh = energyKwh
        self.carbonKg = carbonKg
        self.cost = cost
        self.waterL = waterL
        self.latencyMs = latencyMs
        self.delayHours = delayHours
        self.missesDeadline = missesDeadline
    }

    public var start: String { chunks.first?.start ?? finish }
}

public struct Chunk: Codable, Sendable, Equatable {
    public var start: String
    public var end: String
    public init(start: String, end: String) {
        self.start = start
        self.end = end
    }
}

public struct UnplacedJob: Codable, Sendable, Equatable {
    public var job: String
    public var reason: String
    public init(job: String, reason: String) {
        self.job = job
        self.reason = reason
    }
}

/// Sums over placed jobs. Latency is the running-hour-weighted mean over jobs that name a population.
public struct PlanTotals: Codable, Sendable, Equatable {
    public var jobsPlaced: Int
    public var energyKwh: Double
    public var carbonKg: Double
    public var cost: Double
    public var waterL: Double
    public var delayHours: Double
    public var meanLatencyMs: Double?
    public var deadlineMisses: Int

    public init(jobsPlaced: Int, energyKwh: Double, carbonKg: Double, cost: Double, waterL: Double, delayHours: Double, meanLatencyMs: Double?, deadlineMisses: Int) {
        self.jobsPlaced = jobsPlaced
        self.energyKwh = energyKwh
        self.carbonKg = carbonKg
        self.cost = cost
        self.waterL = waterL
        self.delayHours = delayHours
        self.meanLatencyMs = meanLatencyMs
        self.deadlineMisses = deadlineMisses
    }
}

/// The carbon-agnostic baseline: each job starts as soon as devices are free, in the allowed region
/// nearest its users (or the first allowed in catalog order), on the first pool that can take it.
public struct Baseline: Codable, Sendable, Equatable {
    public var rule: String
    public var placements: [Placement]
    public var unplaced: [UnplacedJob]
    public var totals: PlanTotals
    public init(rule: String, placements: [Placement], unplaced: [UnplacedJob], totals: PlanTotals) {
        self.rule = rule
        self.placements = placements
        self.unplaced = unplaced
        self.totals = totals
    }
}

/// Plan against baseline, over the jobs placed in both (`jobsCompared`). A fraction of 0.25 is 25 % less.
public struct Savings: Codable, Sendable, Equatable {
    public var jobsCompared: Int
    public var carbonKg: Double
    public var carbonFraction: Double
    public var cost: Double
    public var costFraction: Double
    public var waterL: Double
    public var waterFraction: Double
    public var energyKwh: Double
    public var energyFraction: Double

    public init(jobsCompared: Int, carbonKg: Double, carbonFraction: Double, cost: Double, costFraction: Double, waterL: Double, waterFraction: Double,
                energyKwh: Double, energyFraction: Double) {
        self.jobsCompared = jobsCompared
        self.carbonKg = carbonKg
        self.carbonFraction = carbonFraction
        self.cost = cost
        self.costFraction = costFraction
        self.waterL = waterL
        self.waterFraction = waterFraction
        self.energyKwh = energyKwh
        self.energyFraction = energyFraction
    }
}

/// How close the plan is to the best possible under its policy.
public struct Optimality: Codable, Sendable, Equatable {
    /// The policy objective of the placed jobs (dimensionless; see Policy).
    public var objective: Double
    /// A proven lower bound on the objective of placing the same jobs.
    public var lowerBound: Double
    /// (objective - lowerBound) / objective; 0 when proven optimal.
    public var gap: Double
    /// `optimal` when branch and bound finished; `heuristic` otherwise.
    public var status: String
    /// How the bound was obtained.
    public var method: String
    /// The baseline term values the objective divides by: carbon kg, cost, water L, latency ms x h, delay h.
    public var normalisers: [String: Double]

    public init(objective: Double, lowerBound: Double, gap: Double, status: String, method: String, normalisers: [String: Double]) {
        self.objective = objective
        self.lowerBound = lowerBound
        self.gap = gap
        self.status = status
        self.method = method
        self.normalisers = normalisers
    }
}

public struct CarbonBudget: Codable, Sendable, Equatable {
    public var limitKg: Double
    public var usedKg: Double
    public var exceeded: Bool
    public init(limitKg: Double, usedKg: Double) {
        self.limitKg = limitKg
        self.usedKg = usedKg
        self.exceeded = usedKg > limitKg
    }
}

extension Plan {
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(self)) ?? Data()
    }

    /// Reads a plan written by `gridwise plan --format json`.
    public static func decode(_ data: Data, file: String) throws(GridwiseError) -> Plan {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            let plan = try decoder.decode(Plan.self, from: data)
            guard plan.apiVersion == GridwiseFormat.apiVersion, plan.kind == "Plan" else {
                throw GridwiseError.invalidInput([Diagnostic(file: file, path: "kind", message: "found '\(plan.kind)' \(plan.apiVersion); expected a Plan of \(GridwiseFormat.apiVersion)")])
            }
            return plan
        } catch let error as GridwiseError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalidInput([Diagnostic(file: file, path: pathString(context.codingPath + [key]), message: "missing required field; is this a plan written by gridwise plan --format json?")])
        } catch let DecodingError.typeMismatch(type, context) {
            throw .invalidInput([Diagnostic(file: file, path: pathString(context.codingPath), message: "wrong type; expected \(type)")])
        } catch let DecodingError.valueNotFound(type, context) {
            throw .invalidInput([Diagnostic(file: file, path: pathString(context.codingPath), message: "missing value; expected \(type)")])
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalidInput([Diagnostic(file: file, path: pathString(context.codingPath), message: "not a JSON plan: \(context.debugDescription)")])
        } catch {
            throw .invalidInput([Diagnostic(file: file, path: "", message: "not a JSON plan: \(error)")])
        }
    }

    private static func pathString(_ path: [CodingKey]) -> String {
        var out = ""
        for key in path {
            if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + snake(key.stringValue) }
        }
        return out
    }

    private static func snake(_ s: String) -> String {
        var out = ""
        for c in s {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }
}
