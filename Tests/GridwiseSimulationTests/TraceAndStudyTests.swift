import Foundation
import GridwiseCLI
import GridwiseCore
import XCTest

@testable import GridwiseSimulation

final class TraceReaderTests: XCTestCase {
    func testGridwiseTraceWithGeneratedDeadlines() throws {
        let text = """
            # a comment
            id,submit,duration_h,gpus,deadline,interruptible,gpu_type
            a,2023-06-05T09:00:00Z,2,1,2023-06-05T15:00:00Z,true,A100|H100
            b,2023-06-05T10:30:00Z,4,2,,,
            """
        var options = TraceOptions()
        options.deadlineRule = .slackFactor(0.5)
        let loaded = try TraceReader.read(text, file: "t.csv", options: options)
        XCTAssertEqual(loaded.format, .gridwise)
        XCTAssertEqual(loaded.jobs.map(\.id), ["a", "b"])
        XCTAssertEqual(loaded.jobs[0].deadline, try Instant.parse("2023-06-05T15:00:00Z"))
        XCTAssertTrue(loaded.jobs[0].interruptible)
        XCTAssertEqual(loaded.jobs[0].deviceTypes, ["A100", "H100"])
        // 4 h with slack 0.5 x 4 h: deadline 10:30 + 6 h.
        XCTAssertEqual(loaded.jobs[1].deadline, try Instant.parse("2023-06-05T16:30:00Z"))
        XCTAssertEqual(loaded.jobs[1].deviceCount, 2)
        XCTAssertFalse(loaded.jobs[1].interruptible)
        XCTAssertEqual(loaded.generated.count, 1)
    }

    func testBadRowsAreNamedByFileLineAndField() {
        let text = "id,submit,duration_h,gpus\na,2023-06-05T09:00:00Z,2,1\nb,yesterday,-1,0\n"
        XCTAssertThrowsError(try TraceReader.read(text, file: "jobs.csv", options: TraceOptions())) { error in
            guard case GridwiseError.invalidInput(let d) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(d.map(\.description), [
                "jobs.csv:3: submit: found 'yesterday'; expected a time such as 2023-06-05T09:00:00Z",
                "jobs.csv:3: duration_h: found '-1'; expected hours > 0 on the reference device",
                "jobs.csv:3: gpus: found '0'; expected a whole number of devices >= 1",
            ])
        }
        XCTAssertThrowsError(try TraceReader.read("a,b\n1,2\n", file: "x.csv", options: TraceOptions())) { error in
            XCTAssertTrue("\(error)".contains("x.csv:1: header: found columns a, b; expected"), "\(error)")
        }
    }

    func testAlibabaPodsNeedAStartAndBecomeGPUJobs() throws {
        let text = """
            name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time
            p0,1000,100,1,1000,,LS,Running,0,7200,0
            p1,1000,100,0,0,,LS,Running,10,20,10
            p2,1000,100,8,1000,,BE,Succeeded,3600,5400,3600
            p3,1000,100,2,1000,,BE,Failed,100,,100
            """
        XCTAssertThrowsError(try TraceReader.read(text, file: "pods.csv", options: TraceOptions()))
        var options = TraceOptions()
        options.start = Instant(year: 2023, month: 1, day: 1)
        options.deadlineRule = .slackHours(1)
        let loaded = try TraceReader.read(text, file: "pods.csv", options: options)
        XCTAssertEqual(loaded.format, .alibaba)
        XCTAssertEqual(loaded.jobs.map(\.id), ["p0", "p2"])
        XCTAssertEqual(loaded.jobs[1].deviceCount, 8)
        XCTAssertEqual(loaded.jobs[1].release, Instant(year: 2023, month: 1, day: 1, hour: 1))
        XCTAssertEqual(loaded.jobs[1].runningHours(speed: 1), 0.5, accuracy: 1e-12)
        XCTAssertEqual(loaded.jobs[1].deadline, Instant(year: 2023, month: 1, day: 1, hour: 2, minute: 30))
        XCTAssertEqual(loaded.skipped, ["1 rows ask for no GPU", "1 rows have no deletion time after their creation"])
    }

    func testAzureRequestsBecomeHourlyInferenceLoad() throws {
        // 18:xx: 9,000,000 + 1,000 tokens -> / 3600 s / 2,500 = 1.0003 -> 2 devices; 19:xx: 100 tokens -> 1.
        let text = """
            TIMESTAMP,ContextTokens,GeneratedTokens
            2023-11-16 18:15:46.6805900,8999000,1000
            2023-11-16 18:59:59.0000000,1000,0
            2023-11-16 19:01:00.1000000,60,40
            """
        var options = TraceOptions()
        options.inferenceSLOMilliseconds = 100
        options.inferencePopulation = "eu-users"
        let loaded = try TraceReader.read(text, file: "azure.csv", options: options)
        XCTAssertEqual(loaded.jobs.map(\.deviceCount), [2, 1])
        XCTAssertEqual(loaded.jobs[0].kind, .onlineInference)
        XCTAssertEqual(loaded.jobs[0].release, Instant(year: 2023, month: 11, day: 16, hour: 18))
        XCTAssertEqual(loaded.jobs[0].deadline, Instant(year: 2023, month: 11, day: 16, hour: 19))
        XCTAssertEqual(loaded.jobs[0].latencySLOMilliseconds, 100)
    }

    func testInferenceLoadIsServedInItsHourAndSLOBreachesAreCounted() {
        // Users near B only (A is 120 ms away, SLO 50 ms). Carbon-agnostic serves from B; lowest-window
        // ignores latency and takes the cleaner A: one SLO violation.
        let t0 = Instant(year: 2024, month: 3, day: 4)
        let regions = RegionCatalog(regions: [
            Region(name: "A", carbonZone: "A", pools: [AcceleratorPool(type: "X", count: 4, powerKilowattsPerDevice: 1)], latencyMilliseconds: ["u": 120]),
            Region(name: "B", carbonZone: "B", pools: [AcceleratorPool(type: "X", count: 4, powerKilowattsPerDevice: 1)], latencyMilliseconds: ["u": 20]),
        ])
        let job = Job(id: "inf", kind: .onlineInference, deviceCount: 2, work: .fixedHours(2), release: t0, deadline: t0.adding(hours: 2), population: "u",
                      latencySLOMilliseconds: 50)
        let s = Scenario(start: t0, stepSeconds: 3600, steps: 2, catalog: regions, carbon: [[10, 10], [500, 500]], price: [[0, 0], [0, 0]], currency: "EUR", jobs: [job])
        let result = Simulator(scenario: s, options: SimulationOptions()).run([.carbonAgnostic, .lowestWindow, .planner(LetsWaitAwhile.carbonOnly.with(slo: true))])
        XCTAssertEqual(result.policies.map { $0.outcomes[0].region }, ["B", "A", "B"])
        XCTAssertEqual(result.policies.map(\.totals.sloViolations), [0, 1, 0])
        // 2 devices x 1 kW x 2 h x 500 g = 2 kg in B.
        XCTAssertEqual(result.policies[0].totals.carbonKg, 2, accuracy: 1e-12)
        XCTAssertEqual(result.policies[0].outcomes[0].delayHours, 0)
    }
}

extension GridwiseCore.Policy {
    func with(slo: Bool) -> GridwiseCore.Policy {
        var p = self
        p.enforceLatencySLO = slo
        return p
    }
}

final class LetsWaitAwhileRuleTests: XCTestCase {
    func deadline(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int = 0, hours: Double) -> Instant {
        var rng = SeededGenerator(seed: 0)
        return DeadlineRule.nextWorkday.deadline(submit: Instant(year: y, month: m, day: d, hour: h, minute: min), hours: hours, rng: &rng)
    }

    func testNextWorkdayRule() {
        // 2020-01-03 is a Friday. Finish Friday 14:00: no slack.
        XCTAssertEqual(deadline(2020, 1, 3, 10, hours: 4), Instant(year: 2020, month: 1, day: 3, hour: 14))
        // Finish Friday 17:00 exactly: not "after 17:00", no slack.
        XCTAssertEqual(deadline(2020, 1, 3, 9, hours: 8), Instant(year: 2020, month: 1, day: 3, hour: 17))
        // Finish Friday 17:30: 09:00 the next day (a Saturday, as the authors' rule has it).
        XCTAssertEqual(deadline(2020, 1, 3, 9, 30, hours: 8), Instant(year: 2020, month: 1, day: 4, hour: 9))
        // Finish Saturday: Monday 09:00.
        XCTAssertEqual(deadline(2020, 1, 3, 16, hours: 20), Instant(year: 2020, month: 1, day: 6, hour: 9))
        // Finish Sunday: Monday 09:00.
        XCTAssertEqual(deadline(2020, 1, 3, 16, hours: 44), Instant(year: 2020, month: 1, day: 6, hour: 9))
        // Finish Tuesday 03:00: 09:00 that day.
        XCTAssertEqual(deadline(2020, 1, 6, 15, hours: 12), Instant(year: 2020, month: 1, day: 7, hour: 9))
    }

    func testJobDrawFollowsTheStudy() {
        let jobs = LetsWaitAwhile.jobs(seed: 0, interruptible: false)
        XCTAssertEqual(jobs.count, 3_387)
        for j in jobs {
            let c = j.release.civil
            XCTAssertEqual(c.year, 2020)
            XCTAssertLessThanOrEqual(c.isoWeekday, 5, j.id)
            XCTAssertTrue((9...16).contains(c.hour) && (c.minute == 0 || c.minute == 30), j.id)
            let h = j.runningHours(speed: 1)
            XCTAssertTrue(h >= 4 && h <= 89.5 && (h * 2).rounded() == h * 2, "\(h)")
            XCTAssertGreaterThanOrEqual(j.deadline, j.release.adding(seconds: Int64(h * 3600)))
        }
        XCTAssertEqual(jobs, LetsWaitAwhile.jobs(seed: 0, interruptible: false), "seeded")
        XCTAssertNotEqual(jobs, LetsWaitAwhile.jobs(seed: 1, interruptible: false))
        // Uniform draws: mean duration near (4 + 89.5) / 2 = 46.75 h.
        XCTAssertEqual(jobs.map { $0.runningHours(speed: 1) }.reduce(0, +) / Double(jobs.count), 46.75, accuracy: 1.5)
    }

    func testSeriesReaderSamplesHalfHoursFrom2020AndRefusesGaps() throws {
        let text = "Time,Carbon Intensity\n2019-12-31 23:30:00,9\n2020-01-01 00:00:00,1\n2020-01-01 00:15:00,99\n2020-01-01 00:30:00,2\n2020-01-01 01:00:00,3\n"
        XCTAssertEqual(try LetsWaitAwhile.readSeries(text, file: "de.csv"), [1, 2, 3])
        let gap = "Time,Carbon Intensity\n2020-01-01 00:00:00,1\n2020-01-01 01:00:00,3\n"
        XCTAssertThrowsError(try LetsWaitAwhile.readSeries(gap, file: "gb.csv")) { error in
            guard case GridwiseError.invalidInput(let d) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(d.first?.description, "gb.csv:3: Time: found 2020-01-01T01:00:00Z where 2020-01-01T00:30:00Z was due; expected a value every 30 minutes")
        }
    }

    func testAuthorsRuleSearchesOneStepPastTheDeadline() {
        // A 1 h job (2 steps) with no slack over [9, 9, 1, 9] (30-min steps). Strict: it starts at once;
        // the authors' window is one step longer, so it starts one step late, in the cleaner step.
        let t0 = Instant(year: 2020, month: 1, day: 1, hour: 10)
        let job = Job(id: "j", kind: .training, deviceCount: 1, work: .fixedHours(1), release: t0, deadline: t0.adding(hours: 1))
        let region = Region(name: "DE", carbonZone: "DE", pools: [AcceleratorPool(type: "unit", count: 10, powerKilowattsPerDevice: 1)])
        let s = Scenario(start: t0, stepSeconds: 1800, steps: 4, catalog: RegionCatalog(regions: [region]), carbon: [[9, 9, 1, 9]], price: [[0, 0, 0, 0]],
                         currency: "EUR", jobs: [job])
        let strict = Simulator(scenario: s, options: SimulationOptions()).run(.waitAwhile).outcomes[0]
        XCTAssertEqual(strict.start, t0)
        XCTAssertEqual(strict.carbonKg, 0.009, accuracy: 1e-12)
        for policy in [SimulationPolicy.waitAwhile, .planner(LetsWaitAwhile.carbonOnly)] {
            let faithful = Simulator(scenario: s, options: SimulationOptions(pastDeadlineSteps: 1)).run(policy).outcomes[0]
            XCTAssertEqual(faithful.start, t0.adding(seconds: 1800), policy.name)
            XCTAssertEqual(faithful.carbonKg, 0.005, accuracy: 1e-12, policy.name)
            XCTAssertTrue(faithful.missedDeadline, policy.name)
        }
        // The authors' baseline: the better of starting at once or a step later, on actual values: (9 + 1) / 2 x 0.5 kWh.
        XCTAssertEqual(LetsWaitAwhile.baselineCarbon(s, rule: .faithful), 0.005, accuracy: 1e-12)
        XCTAssertEqual(LetsWaitAwhile.baselineCarbon(s, rule: .strict), 0.009, accuracy: 1e-12)
    }
}

/// `gridwise simulate` on the bundled example, through the command line.
final class SimulateCommandTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        var out: [String] = []
        var err: [String] = []
    }

    func run(_ args: [String]) -> (Int32, Lines) {
        let lines = Lines()
        let console = Console(out: { lines.out.append($0) }, err: { lines.err.append($0) })
        let status = GridwiseCLI.run(args, console: console)
        return (status, lines)
    }

    var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    func testSimulateTheBundledExampleAndWriteTheReport() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gridwise-sim-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, lines) = run(["simulate", "\(root)/examples/simulate", "--policy", "\(root)/policies/carbon-first.yaml", "--max-jobs", "120",
                                   "--replan", "daily", "--output", dir, "--quiet"])
        XCTAssertEqual(status, 0, lines.err.joined(separator: "\n"))
        let table = lines.out.joined(separator: "\n")
        XCTAssertTrue(table.contains("| carbon-agnostic | 120/120 |"), table)
        XCTAssertTrue(table.contains("| gridwise:carbon-first | 120/120 |"), table)
        for name in ["summary.md", "summary.csv", "jobs.csv", "utilisation.csv", "report.json", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/\(name)"), name)
        }
        // The summary's carbon is the sum of the jobs' carbon, per policy.
        let summary = try String(contentsOfFile: "\(dir)/summary.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let jobs = try String(contentsOfFile: "\(dir)/jobs.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(summary.count, 5)
        for row in summary.dropFirst() {
            let sum = jobs.filter { $0[0] == row[0] }.reduce(0.0) { $0 + Double($1[11])! }
            XCTAssertEqual(Double(row[4])!, sum, accuracy: 1e-4, row[0])
        }
        let agnostic = Double(summary[1][4])!, planner = Double(summary[4][4])!
        XCTAssertLessThan(planner, agnostic, "carbon-first saves carbon on the example")
        let html = try String(contentsOfFile: "\(dir)/report.html", encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 3)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/report.json"))) as! [String: Any]
        XCTAssertEqual((json["policies"] as! [[String: Any]]).count, 4)
        // The utilisation file has a row per policy, region and hour.
        let utilisationRows = try String(contentsOfFile: "\(dir)/utilisation.csv", encoding: .utf8).split(separator: "\n").count - 1
        let hours = Int((json["scenario"] as! [String: Any])["jobs"] as! Int) > 0 ? utilisationRows / (4 * 10) : 0
        XCTAssertEqual(utilisationRows, 4 * 10 * hours)
    }

    func testBadOptionsAreUsageErrors() {
        let (status, lines) = run(["simulate", "\(root)/examples/simulate", "--deadline-rule", "soon"])
        XCTAssertEqual(status, 2)
        XCTAssertEqual(lines.err.last, "error: --deadline-rule: found 'soon'; expected next-workday, factor:F, uniform:A-B or hours:H")
        let (missing, _) = run(["simulate", "/nonexistent/trace.csv", "--regions", "x", "--signals", "y"])
        XCTAssertEqual(missing, 66)
        let (noData, noDataLines) = run(["experiment", "lets-wait-awhile", "--data", "/nonexistent"])
        XCTAssertEqual(noData, 66)
        XCTAssertTrue(noDataLines.err.last!.contains("not bundled"), "\(noDataLines.err)")
    }
}
