import Foundation
import GridwiseCore
import GridwisePlanner
import GridwiseSignals

/// The machine-learning scenario of "Let's Wait Awhile" (Wiesner et al., Middleware 2021), rebuilt on
/// Gridwise's simulator: 3,387 one-unit jobs over the workdays of 2020 with "next workday" deadlines,
/// carbon intensity of Germany, Great Britain and France in 30-minute steps, forecasts with 5 % Gaussian
/// noise, ten noise seeds averaged.
public enum LetsWaitAwhile {
    public struct Country: Sendable {
        public var code: String
        public var name: String
        public var file: String
        /// The authors' committed results: savings of non-interruptible and interruptible jobs.
        public var published: (nonInterruptible: Double, interruptible: Double)
    }

    public static let countries: [Country] = [
        Country(code: "DE", name: "Germany", file: "ger_ci.csv", published: (0.0591, 0.0793)),
        Country(code: "GB", name: "Great Britain", file: "gb_ci.csv", published: (0.0656, 0.0903)),
        Country(code: "FR", name: "France", file: "fr_ci.csv", published: (0.0477, 0.0592)),
    ]

    public static let jobCount = 3_387
    public static let stepSeconds = 1_800
    public static let start = Instant(year: 2020, month: 1, day: 1)

    /// The series from 2020-01-01 00:00 on, sampled at :00 and :30 (timestamps read as UTC; the
    /// authors state no zone). Gaps are refused, naming the line.
    public static func readSeries(_ text: String, file: String) throws(GridwiseError) -> [Double] {
        let table = CSVTable(text: text)
        guard let timeColumn = table.header.firstIndex(of: "Time"), let valueColumn = table.header.firstIndex(of: "Carbon Intensity") else {
            throw .invalidInput([Diagnostic(file: file, line: 1, path: "header", message: "found \(table.header.joined(separator: ", ")); expected Time, Carbon Intensity")])
        }
        var values: [Double] = []
        var expected = start
        for (line, fields) in table.rows {
            guard fields.count > max(timeColumn, valueColumn) else { continue }
            guard let t = try? Instant.parse(fields[timeColumn], defaultOffsetSeconds: 0) else {
                throw .invalidInput([Diagnostic(file: file, line: line, path: "Time", message: "found '\(fields[timeColumn])'; expected YYYY-MM-DD HH:MM:SS")])
            }
            guard t >= start, t.secondsSinceEpoch % Int64(stepSeconds) == 0 else { continue }
            guard t == expected else {
                throw .invalidInput([Diagnostic(file: file, line: line, path: "Time", message: "found \(t.iso8601) where \(expected.iso8601) was due; expected a value every 30 minutes")])
            }
            guard let v = Double(fields[valueColumn]), v.isFinite else {
                throw .invalidInput([Diagnostic(file: file, line: line, path: "Carbon Intensity", message: "found '\(fields[valueColumn])'; expected gCO2/kWh")])
            }
            values.append(v)
            expected = expected.adding(seconds: Int64(stepSeconds))
        }
        return values
    }

    /// The authors' job rule, with Gridwise's seeded generator instead of NumPy's: jobs only on workdays
    /// of 2020, the count per workday multinomial (each job's day uniform), submit times uniform over
    /// 09:00, 09:30, ... 16:30 (sorted within the day), durations uniform over 4 h, 4.5 h, ... 89.5 h.
    public static func jobs(seed: UInt64, interruptible: Bool, count: Int = jobCount) -> [Job] {
        var rng = SeededGenerator(seed: seed)
        var workdays: [Instant] = []
        var day = start
        while day < Instant(year: 2021, month: 1, day: 1) {
            if day.civil.isoWeekday <= 5 { workdays.append(day) }
            day = day.adding(hours: 24)
        }
        var perDay = [Int](repeating: 0, count: workdays.count)
        for _ in 0..<count { perDay[Int(rng.next() % UInt64(workdays.count))] += 1 }
        var submits: [Instant] = []
        for (d, n) in perDay.enumerated() {
            let minutes = (0..<n).map { _ in 540 + 30 * Int(rng.next() % 16) }.sorted()
            submits += minutes.map { workdays[d].adding(seconds: Int64($0 * 60)) }
        }
        let durations = (0..<count).map { _ in 4.0 + 0.5 * Double(rng.next() % 172) }
        return zip(submits, durations).enumerated().map { i, pair in
            let (submit, hours) = pair
            var none = SeededGenerator(seed: 0)
            return Job(id: "job-\(i)", kind: .training, deviceCount: 1, work: .fixedHours(hours), release: submit,
                       deadline: DeadlineRule.nextWorkday.deadline(submit: submit, hours: hours, rng: &none),
                       interruptible: interruptible, maxChunks: interruptible ? 1_000 : 1)
        }
    }

    /// One country as a region: 1 kW per job (the authors' one unit of power), PUE 1, no water, room for all.
    static func scenario(country: Country, series: [Double], jobs: [Job]) -> Scenario {
        let region = Region(name: country.code, carbonZone: country.code, priceZone: country.code,
                            pools: [AcceleratorPool(type: "unit", count: 100_000, powerKilowattsPerDevice: 1)], powerUsageEffectiveness: 1,
                            waterLitresPerKilowattHour: 0)
        return Scenario(start: start, stepSeconds: stepSeconds, steps: series.count, catalog: RegionCatalog(regions: [region]), carbon: [series],
                        price: [[Double](repeating: 0, count: series.count)], currency: "EUR", jobs: jobs,
                        provenance: ["\(country.name): ENTSO-E generation weighted by IPCC life-cycle factors, from the Let's Wait Awhile repository (\(country.file))"])
    }

    /// The planner's policy here: carbon alone (the study's objective).
    public static let carbonOnly = GridwiseCore.Policy(name: "carbon-only", description: "carbon alone, as in the study", weights: ObjectiveWeights(carbon: 1), enforceLatencySLO: false)

    /// The two readings of the deadline: the authors' code (a search window one step longer than the
    /// deadline allows; the baseline the same search with no slack, on actual values) and the strict one
    /// (deadlines kept; the baseline starts at submit).
    public enum Rule: String, Sendable, CaseIterable { case faithful, strict }

    public struct Cell: Sendable {
        public var country: String
        public var interruptible: Bool
        public var rule: Rule
        public var policy: String
        /// Savings per noise seed, and the mean of the seeds' emissions turned into savings.
        public var perSeed: [Double]
        public var savings: Double
        /// Jobs finishing after their deadline, summed over seeds.
        public var lateJobs: Int
        public var baselineKg: Double
    }

    /// The baseline of a rule: strict starts every job at submit; faithful picks, on actual values, the
    /// better of starting at submit or one step later.
    static func baselineCarbon(_ scenario: Scenario, rule: Rule) -> Double {
        let accounting = Accounting(scenario: scenario)
        return scenario.jobs.reduce(0) { total, job in
            let shape = JobShape(job, scenario: scenario, policy: nil)
            let option = shape.options[0]
            func carbon(startingAt s: Int) -> Double {
                accounting.outcome(job, run: JobRun(region: option.region, pool: option.pool, steps: Array(s..<(s + option.steps)), lastFraction: option.lastFraction)).carbonKg
            }
            let first = shape.releaseStep
            return total + (rule == .strict ? carbon(startingAt: first) : min(carbon(startingAt: first), carbon(startingAt: first + 1)))
        }
    }

    /// Runs every country, job kind, rule, policy and seed. `dataDirectory` holds ger_ci.csv, gb_ci.csv, fr_ci.csv.
    public static func run(dataDirectory: String, seeds: Int, jobSeed: UInt64, noise: Double = 0.05, plannerOptions: PlannerOptions = PlannerOptions(nodeLimit: 2_000, restarts: 0),
                           progress: (@Sendable (Double) -> Void)? = nil) throws(GridwiseError) -> [Cell] {
        var series: [[Double]] = []
        for country in countries {
            let path = (dataDirectory as NSString).appendingPathComponent(country.file)
            series.append(try readSeries(try InputFiles.readText(path), file: path))
        }
        struct Task: Sendable { var country: Int; var interruptible: Bool; var rule: Rule; var seed: Int }
        var tasks: [Task] = []
        for c in countries.indices { for i in [false, true] { for rule in Rule.allCases { for s in 0..<seeds { tasks.append(Task(country: c, interruptible: i, rule: rule, seed: s)) } } } }
        let tasksToRun = tasks, seriesRead = series
        let jobsByKind = [false: jobs(seed: jobSeed, interruptible: false), true: jobs(seed: jobSeed, interruptible: true)]
        // Per task: carbon (kg) and late jobs of wait-awhile and of the planner.
        let results = ResultBox(count: tasks.count)
        let done = ResultBox(count: 1)
        DispatchQueue.concurrentPerform(iterations: tasks.count) { k in
            let task = tasksToRun[k]
            let scenario = scenario(country: countries[task.country], series: seriesRead[task.country], jobs: jobsByKind[task.interruptible]!)
            let options = SimulationOptions(forecast: .gaussian(fraction: noise, seed: UInt64(task.seed)), cadence: .arrival, planner: plannerOptions,
                                            pastDeadlineSteps: task.rule == .faithful ? 1 : 0)
            let simulator = Simulator(scenario: scenario, options: options)
            let wait = simulator.run(.waitAwhile)
            let planner = simulator.run(.planner(carbonOnly))
            results.set(k, [wait.totals.carbonKg, Double(wait.totals.deadlineMisses), planner.totals.carbonKg, Double(planner.totals.deadlineMisses)])
            let finished = done.increment()
            progress?(Double(finished) / Double(tasksToRun.count))
        }
        var cells: [Cell] = []
        for c in countries.indices {
            for i in [false, true] {
                for rule in Rule.allCases {
                    let base = baselineCarbon(scenario(country: countries[c], series: series[c], jobs: jobsByKind[i]!), rule: rule)
                    let mine = tasks.indices.filter { tasks[$0].country == c && tasks[$0].interruptible == i && tasks[$0].rule == rule }
                    for (name, offset) in [("wait-awhile", 0), ("gridwise:carbon-only", 2)] {
                        let carbon = mine.map { results.get($0)[offset] }
                        let late = mine.reduce(0) { $0 + Int(results.get($1)[offset + 1]) }
                        let mean = carbon.reduce(0, +) / Double(max(1, carbon.count))
                        cells.append(Cell(country: countries[c].code, interruptible: i, rule: rule, policy: name, perSeed: carbon.map { 1 - $0 / base },
                                          savings: 1 - mean / base, lateJobs: late, baselineKg: base))
                    }
                }
            }
        }
        return cells
    }

    /// The results beside the published figures, as Markdown.
    public static func markdown(_ cells: [Cell], seeds: Int, jobSeed: UInt64) -> String {
        func pct(_ v: Double) -> String { formatPercent(v, decimals: 2) }
        func pt(_ v: Double) -> String { String(format: "%+.2f", v * 100) }
        func sd(_ xs: [Double]) -> String {
            guard xs.count > 1 else { return "-" }
            let m = xs.reduce(0, +) / Double(xs.count)
            return String(format: "%.2f", (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)).squareRoot() * 100)
        }
        var out = "Let's Wait Awhile, ML-job scenario: \(jobCount) jobs (job seed \(jobSeed)), 30-minute steps of 2020, forecasts = actual + Gaussian noise (sd 5 % of the series mean), \(seeds) noise seeds averaged. Savings = 1 - emissions / baseline emissions, on actual values.\n\n"
        for interruptible in [false, true] {
            out += interruptible ? "Interruptible jobs\n\n" : "Non-interruptible jobs\n\n"
            out += "| country | published | wait-awhile (authors' rule) | difference, points | sd over seeds, points | Gridwise planner (authors' rule) | wait-awhile (strict) | Gridwise planner (strict) | late jobs (authors' rule, all seeds) |\n"
            out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            for country in countries {
                func cell(_ rule: Rule, _ policy: String) -> Cell { cells.first { $0.country == country.code && $0.interruptible == interruptible && $0.rule == rule && $0.policy == policy }! }
                let published = interruptible ? country.published.interruptible : country.published.nonInterruptible
                let wf = cell(.faithful, "wait-awhile"), pf = cell(.faithful, "gridwise:carbon-only")
                let ws = cell(.strict, "wait-awhile"), ps = cell(.strict, "gridwise:carbon-only")
                out += "| \(country.name) | \(pct(published)) | \(pct(wf.savings)) | \(pt(wf.savings - published)) | \(sd(wf.perSeed)) | \(pct(pf.savings)) | \(pct(ws.savings)) | \(pct(ps.savings)) | \(wf.lateJobs) |\n"
            }
            out += "\n"
        }
        return out
    }
}

/// Results written from concurrent tasks, each to its own slot.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[Double]]
    private var counter = 0
    init(count: Int) { values = [[Double]](repeating: [], count: count) }
    func set(_ i: Int, _ v: [Double]) { lock.lock(); values[i] = v; lock.unlock() }
    func get(_ i: Int) -> [Double] { lock.lock(); defer { lock.unlock() }; return values[i] }
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; counter += 1; return counter }
}
