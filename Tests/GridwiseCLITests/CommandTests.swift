import Foundation
import XCTest

/// The commands on the bundled examples, end to end.
final class CommandTests: CLITestCase {
    func testGlobalExamplePlansCheckAndExplain() throws {
        let dir = try temporaryFolder()
        let planFile = dir + "/plan.json"
        let table = run("plan", path("examples/global"))
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("plan total (20 jobs)"), table.stdout)
        XCTAssertTrue(table.stdout.contains("saved vs baseline"))
        XCTAssertTrue(table.stdout.contains("gap: "))

        let json = run("plan", path("examples/global"), "--format", "json", "--output", planFile)
        XCTAssertEqual(json.status, 0, json.stderr)
        let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: planFile))) as! [String: Any]
        let savings = plan["savings"] as! [String: Any]
        let totals = plan["totals"] as! [String: Any], baseline = (plan["baseline"] as! [String: Any])["totals"] as! [String: Any]
        // The savings are computed from the two totals, not asserted.
        let saved = (baseline["carbon_kg"] as! Double) - (totals["carbon_kg"] as! Double)
        XCTAssertEqual(savings["carbon_kg"] as! Double, saved, accuracy: 1e-6)
        XCTAssertGreaterThan(saved, 0)

        let check = run("check", planFile)
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("OK. 20 placements and 20 baseline placements recomputed"), check.stdout)

        let explain = run("explain", "llm-13b-pretrain", "--plan", planFile)
        XCTAssertEqual(explain.status, 0, explain.stderr)
        XCTAssertTrue(explain.stdout.hasPrefix("llm-13b-pretrain: "), explain.stdout)
        XCTAssertTrue(explain.stdout.contains("alternative"), explain.stdout)
        XCTAssertTrue(explain.stdout.contains("objective"), explain.stdout)

        let explainServe = run("explain", "speech-conformer-train", "--plan", planFile)
        XCTAssertTrue(explainServe.stdout.contains("regions closed to this job:"), explainServe.stdout)
        XCTAssertTrue(explainServe.stdout.contains("us-west: not in the job's allowed regions (eu-central)"), explainServe.stdout)
    }

    func testCheckRejectsATamperedPlanWithExitOne() throws {
        let dir = try temporaryFolder()
        let planFile = dir + "/plan.json"
        XCTAssertEqual(run("plan", path("examples/global"), "--format", "json", "--output", planFile).status, 0)
        var text = try String(contentsOfFile: planFile, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"region\" : \"eu-central\"", with: "\"region\" : \"us-west\"")
        try write(text, to: planFile)
        let r = run("check", planFile)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("speech-conformer-train: [region-rule] us-west is not among the job's allowed regions"), r.stderr)
    }

    func testChinaHubsUnderEastDataWestComputeSendsDelayTolerantWorkWest() throws {
        let dir = try temporaryFolder()
        let planFile = dir + "/plan.json"
        let r = run("plan", path("examples/china-hubs"), "--policy", path("policies/east-data-west-compute.yaml"), "--format", "json", "--output", planFile)
        XCTAssertEqual(r.status, 0, r.stderr)
        let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: planFile))) as! [String: Any]
        let west: Set = ["inner-mongolia", "gansu", "ningxia", "guizhou"]
        for p in plan["placements"] as! [[String: Any]] {
            let job = p["job"] as! String, region = p["region"] as! String
            if job.hasPrefix("serve-") {
                XCTAssertLessThanOrEqual(p["latency_ms"] as! Double, 20, "\(job) in \(region)")
            } else {
                XCTAssertTrue(west.contains(region), "\(job) placed in \(region), not a western hub")
            }
        }
        XCTAssertEqual(run("check", planFile).status, 0)
        let signals = plan["signals"] as! [[String: Any]]
        XCTAssertTrue(signals.allSatisfy { $0["illustrative"] as! Bool }, "every China series is marked illustrative")
    }

    func testEveryBundledPolicyPlansTheGlobalExampleAndChecks() throws {
        let dir = try temporaryFolder()
        for policy in ["balanced", "carbon-first", "cost-first", "latency-first"] {
            let file = dir + "/\(policy).json"
            let r = run("plan", path("examples/global"), "--policy", path("policies/\(policy).yaml"), "--format", "json", "--output", file)
            XCTAssertEqual(r.status, 0, "\(policy): \(r.stderr)")
            XCTAssertEqual(run("check", file).status, 0, policy)
        }
        // The east-data-west-compute policy needs western sites, which the global catalog does not tag.
        let edwc = run("plan", path("examples/global"), "--policy", path("policies/east-data-west-compute.yaml"))
        XCTAssertEqual(edwc.status, 65)
        XCTAssertTrue(edwc.stderr.contains("policy 'east-data-west-compute' rule 1 (delay-tolerant compute goes to the western hubs) requires tag west"), edwc.stderr)
    }

    func testCSVHasOneRowPerPlacementAndBaseline() {
        let r = run("plan", path("examples/global"), "--format", "csv")
        XCTAssertEqual(r.status, 0)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "scenario,job,region,pool,devices,start_utc,finish_utc,chunks,running_hours,energy_kwh,carbon_kgco2e,cost_usd,water_l,latency_ms,delay_hours,misses_deadline")
        XCTAssertEqual(lines.count, 1 + 20 + 20)
    }

    func testBuiltInPolicyIsTheBalancedPolicyFile() throws {
        let file = try String(contentsOfFile: path("policies/balanced.yaml"), encoding: .utf8)
        let r = run("plan", path("examples/global"), "--format", "json")
        XCTAssertTrue(r.stdout.contains("\"policy\" : \"built-in:balanced\""))
        let withFile = run("plan", path("examples/global"), "--policy", path("policies/balanced.yaml"), "--format", "json")
        // Same plan apart from the recorded policy path.
        XCTAssertEqual(r.stdout.replacingOccurrences(of: "built-in:balanced", with: path("policies/balanced.yaml")), withFile.stdout)
        XCTAssertTrue(file.contains("weights: {carbon: 1.0, cost: 1.0, water: 0.2, latency: 0.2, delay: 0.1}"))
    }

    func testPlaceAJobFromThePlanAndInline() {
        let fromPlan = run("place", path("examples/global"), "--job", "ft-support-bot")
        XCTAssertEqual(fromPlan.status, 0, fromPlan.stderr)
        let parts = fromPlan.stdout.split(separator: " ")
        XCTAssertEqual(parts.count, 2, fromPlan.stdout)
        XCTAssertTrue(parts[1].hasPrefix("2023-06-0"), fromPlan.stdout)

        let inline = run("place", path("examples/global"), "--kind", "fine_tuning", "--devices", "16", "--device-type", "A100", "--work", "12h",
                         "--release", "2023-06-06T00:00:00Z", "--deadline", "2023-06-08T00:00:00Z", "--format", "json")
        XCTAssertEqual(inline.status, 0, inline.stderr)
        let object = try! JSONSerialization.jsonObject(with: Data(inline.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["pool"] as? String, "A100")
        XCTAssertEqual(object["within_max_carbon"] as? Bool, true)
        let carbon = object["carbon_kg"] as! Double
        XCTAssertGreaterThan(carbon, 0)

        let tooTight = run("place", path("examples/global"), "--kind", "fine_tuning", "--devices", "16", "--device-type", "A100", "--work", "12h",
                           "--release", "2023-06-06T00:00:00Z", "--deadline", "2023-06-08T00:00:00Z", "--max-carbon", "\(carbon / 2)")
        XCTAssertEqual(tooTight.status, 1)
        XCTAssertTrue(tooTight.stderr.contains("over --max-carbon"), tooTight.stderr)

        let impossible = run("place", path("examples/global"), "--kind", "training", "--devices", "4096", "--work", "2h",
                             "--release", "2023-06-06T00:00:00Z", "--deadline", "2023-06-08T00:00:00Z")
        XCTAssertEqual(impossible.status, 65)
        XCTAssertTrue(impossible.stderr.contains("cannot run in any region"), impossible.stderr)
    }

    func testCapacityShortfallExitsOneAndListsUnplacedJobs() throws {
        let dir = try temporaryFolder()
        for name in ["regions.yaml", "signals.yaml"] {
            try FileManager.default.copyItem(atPath: path("examples/global/\(name)"), toPath: "\(dir)/\(name)")
        }
        try FileManager.default.copyItem(atPath: path("examples/global/carbon"), toPath: "\(dir)/carbon")
        try FileManager.default.copyItem(atPath: path("examples/global/prices"), toPath: "\(dir)/prices")
        let job = { (id: String) in
            """
              - id: \(id)
                kind: training
                devices: {count: 256, type: A100}
                work: 20h
                release: 2023-06-05T00:00:00Z
                deadline: 2023-06-06T00:00:00Z
                regions: {allow: [us-west]}

            """
        }
        try write("apiVersion: gridwise/v1\nkind: JobPlan\njobs:\n" + job("first") + job("second"), to: dir + "/jobs.yaml")
        let r = run("plan", dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("unplaced jobs (1):"), r.stdout)
        XCTAssertTrue(r.stdout.contains("second: capacity:") || r.stdout.contains("first: capacity:"), r.stdout)
    }

    func testOutputNeverOverwritesAnInput() throws {
        let dir = try temporaryFolder()
        for name in ["jobs.yaml", "regions.yaml", "signals.yaml"] {
            try FileManager.default.copyItem(atPath: path("examples/global/\(name)"), toPath: "\(dir)/\(name)")
        }
        try FileManager.default.copyItem(atPath: path("examples/global/carbon"), toPath: "\(dir)/carbon")
        try FileManager.default.copyItem(atPath: path("examples/global/prices"), toPath: "\(dir)/prices")
        let before = try String(contentsOfFile: dir + "/jobs.yaml", encoding: .utf8)
        let r = run("plan", dir, "--format", "json", "--output", dir + "/jobs.yaml")
        XCTAssertEqual(r.status, 73)
        XCTAssertTrue(r.stderr.contains("it is one of the inputs"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: dir + "/jobs.yaml", encoding: .utf8), before)
    }

    func testRegionsTableShowsMeansOverTheHorizon() {
        let r = run("regions", path("examples/global"))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("10 regions, horizon 2023-06-05 00:00 to 2023-06-26 00:00 UTC (504 h)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("ca-central"))
    }

    func testVersionAndHelp() {
        let version = run("--version")
        XCTAssertEqual(version.status, 0)
        XCTAssertEqual(version.stdout, "0.1.0")
        for command in ["plan", "place", "explain", "check", "validate", "regions"] {
            let help = run(command, "--help")
            XCTAssertEqual(help.status, 0, command)
            XCTAssertTrue(help.stdout.contains("Example"), "\(command) --help shows an example")
        }
    }

    /// The real executable: exit codes reach the shell and a bad file prints a message, not a stack trace.
    func testExecutableExitCodesAndNoStackTrace() throws {
        let binary = URL(fileURLWithPath: Self.root + "/.build/debug/gridwise")
        // swift test builds every product, the executable included.
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { return XCTFail("no executable at \(binary.path)") }
        let dir = try temporaryFolder()
        try write("apiVersion: gridwise/v1\nkind: JobPlan\njobs: 7\n", to: dir + "/jobs.yaml")
        for name in ["regions.yaml", "signals.yaml"] { try FileManager.default.copyItem(atPath: path("examples/global/\(name)"), toPath: "\(dir)/\(name)") }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["plan", dir]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 65)
        XCTAssertTrue(text.contains("jobs.yaml:3:7: jobs: found '7'; expected a list of jobs"), text)
        XCTAssertFalse(text.contains("Fatal error") || text.contains("Stack dump"), text)
    }

    func testTimeLimitAndTargetGapAreCheckedAndReported() throws {
        let limited = run("plan", path("examples/china-hubs"), "--time-limit", "30", "--target-gap", "50%", "--format", "json")
        XCTAssertEqual(limited.status, 0, limited.stderr)
        let plan = try JSONSerialization.jsonObject(with: Data(limited.stdout.utf8)) as! [String: Any]
        let optimality = plan["optimality"] as! [String: Any]
        let objective = optimality["objective"] as! Double, bound = optimality["lower_bound"] as! Double, gap = optimality["gap"] as! Double
        XCTAssertLessThanOrEqual(gap, 0.5)
        XCTAssertLessThanOrEqual(bound, objective)
        XCTAssertEqual(gap, objective == 0 ? 0 : (objective - bound) / abs(objective), accuracy: 1e-12)

        let zero = run("plan", path("examples/global"), "--time-limit", "0")
        XCTAssertEqual(zero.status, 2)
        XCTAssertTrue(zero.stderr.contains("--time-limit: found 0.0; expected a number of seconds greater than 0"), zero.stderr)
        let words = run("plan", path("examples/global"), "--target-gap", "small")
        XCTAssertEqual(words.status, 2)
        XCTAssertTrue(words.stderr.contains("--target-gap: found 'small'; expected a percentage such as 0.5%"), words.stderr)
        let tooBig = run("place", path("examples/global"), "--job", "llm-13b-pretrain", "--target-gap", "150%")
        XCTAssertEqual(tooBig.status, 2, tooBig.stderr)
    }

    func testRestartOptionsAreChecked() {
        let start = run("plan", path("examples/global"), "--restart-from", "nowhere")
        XCTAssertEqual(start.status, 2)
        XCTAssertTrue(start.stderr.contains("--restart-from: found 'nowhere'; expected one of scratch, plan, both"), start.stderr)
        let negative = run("plan", path("examples/global"), "--restarts=-1")
        XCTAssertEqual(negative.status, 2)
        XCTAssertTrue(negative.stderr.contains("--restarts: found -1; expected 0 or more"), negative.stderr)
    }
}
