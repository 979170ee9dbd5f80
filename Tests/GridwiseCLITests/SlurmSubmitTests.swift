import Foundation
import GridwiseCLI
import GridwiseDispatch
import XCTest

/// `gridwise submit/status/cancel` against a real one-node Slurm (Debian's slurm-wlm and munge), started
/// by scripts/slurm-local.sh with partitions west-ningxia and east-shanghai. Skipped with a message where
/// Slurm is not installed; under CI (GRIDWISE_CI=1, .ci/run installs Slurm) a missing Slurm fails instead.
final class SlurmSubmitTests: CLITestCase {
    override func setUpWithError() throws {
        let conf = try LocalSlurm.start()
        setenv("SLURM_CONF", conf, 1)
    }

    /// A folder with two one-hour jobs pinned to west and east with no slack, and one that may wait, all
    /// cheapest at hour 0; job ids carry a per-test suffix so each test has its own plan id.
    func fixture(extraJob: String = "") throws -> (dir: String, state: String, suffix: String) {
        let dir = try temporaryFolder()
        let suffix = String(UUID().uuidString.prefix(8)).lowercased()
        try FileManager.default.createDirectory(atPath: dir + "/carbon", withIntermediateDirectories: true)
        for (zone, base) in [("WEST", 100), ("EAST", 300)] {
            let rows = (0..<12).map { String(format: "2030-01-01T%02d:00:00Z,%d", $0, base + 10 * $0) }
            try write((["time,ci"] + rows).joined(separator: "\n") + "\n", to: "\(dir)/carbon/\(zone).csv")
        }
        try write("""
            apiVersion: gridwise/v1
            kind: RegionCatalog
            regions:
              - {name: west, zone: WEST, pools: [{type: A100, count: 8, power_kw: 0.3, speed: 1.0}], dispatch: {slurm_partition: west-ningxia}}
              - {name: east, zone: EAST, pools: [{type: A100, count: 8, power_kw: 0.3, speed: 1.0}], dispatch: {slurm_partition: east-shanghai}}
              - {name: lost, zone: EAST, pools: [{type: A100, count: 8, power_kw: 0.3, speed: 1.0}], dispatch: {slurm_partition: no-such-partition}}

            """, to: dir + "/regions.yaml")
        try write("""
            apiVersion: gridwise/v1
            kind: SignalSet
            series:
              - {zone: WEST, signal: carbon_intensity, unit: gCO2eq/kWh, source: test, csv: {file: carbon/WEST.csv, time_column: time, value_column: ci}}
              - {zone: EAST, signal: carbon_intensity, unit: gCO2eq/kWh, source: test, csv: {file: carbon/EAST.csv, time_column: time, value_column: ci}}
              - {zone: WEST, signal: price, unit: USD/MWh, source: test, constant: 50}
              - {zone: EAST, signal: price, unit: USD/MWh, source: test, constant: 50}

            """, to: dir + "/signals.yaml")
        try write("""
            apiVersion: gridwise/v1
            kind: JobPlan
            horizon: {start: 2030-01-01T00:00:00Z, end: 2030-01-01T12:00:00Z}
            jobs:
              - {id: west-\(suffix), kind: training, devices: {count: 2, type: A100}, duration: 1h, release: 2030-01-01T00:00:00Z, deadline: 2030-01-01T01:00:00Z, regions: {allow: [west]}, command: "sleep 2"}
              - {id: east-\(suffix), kind: training, devices: {count: 2, type: A100}, duration: 1h, release: 2030-01-01T00:00:00Z, deadline: 2030-01-01T01:00:00Z, regions: {allow: [east]}, command: "sleep 2"}
              - {id: flex-\(suffix), kind: batch_inference, devices: {count: 1, type: A100}, duration: 1h, release: 2030-01-01T00:00:00Z, deadline: 2030-01-01T10:00:00Z, regions: {allow: [west]}, command: "sleep 2"}
            \(extraJob)
            """, to: dir + "/jobs.yaml")
        let state = dir + "/state"
        addTeardownBlock { [self] in
            // Leave nothing queued for the next test.
            if let id = self.planIDs(state).first { _ = self.run("cancel", "--plan", id, "--state", state) }
        }
        return (dir, state, suffix)
    }

    func planIDs(_ state: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: state + "/plans")) ?? []).sorted()
    }

    struct UnitRow: Decodable {
        var job: String
        var chunk: Int
        var plannedPartition: String
        var plannedBegin: String
        var slurmJobId: String?
        var state: String?
        var partition: String?
        var start: String?
        var startedOnTime: Bool?
        var notes: [String]
    }
    struct StatusDocument: Decodable { var plan: String; var units: [UnitRow] }

    func status(_ id: String, _ state: String) throws -> StatusDocument {
        let r = run("status", "--plan", id, "--state", state, "--format", "json")
        XCTAssertTrue(r.status == 0 || r.status == 1, r.stderr)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(StatusDocument.self, from: Data(r.stdout.utf8))
    }

    /// Slurm's own count of jobs carrying the plan's tag, whatever Gridwise recorded.
    func queued(_ planID: String) throws -> [SlurmJob] {
        try SlurmCLI().jobs(ofPlan: planID).map(\.0)
    }

    func testJobsStartInTheirPlannedPartitionsNoEarlierThanTheirBeginAndResubmittingAddsNothing() throws {
        let f = try fixture()
        let submitted = run("submit", f.dir, "--to", "slurm", "--shift-to", "now+8s", "--state", f.state)
        XCTAssertEqual(submitted.status, 0, submitted.stdout + submitted.stderr)
        XCTAssertTrue(submitted.stdout.contains("3 submitted, 0 already submitted, 0 not submitted"), submitted.stdout)
        let id = try XCTUnwrap(planIDs(f.state).first)
        XCTAssertEqual(try queued(id).count, 3)

        // Before the begin time every job waits for it.
        let early = try status(id, f.state)
        let begin = try XCTUnwrap(early.units.first?.plannedBegin)
        for u in early.units where u.state == "PENDING" { XCTAssertNotNil(u.slurmJobId) }

        // Within the scheduler's cycle after the begin time, each runs in its planned partition.
        var rows: [UnitRow] = []
        let deadline = Date().addingTimeInterval(90)
        repeat {
            Thread.sleep(forTimeInterval: 2)
            rows = try status(id, f.state).units
        } while Date() < deadline && rows.contains { $0.state == nil || $0.state == "PENDING" }
        XCTAssertEqual(rows.count, 3)
        for u in rows {
            // COMPLETING: the job has run and Slurm is still closing it (a short job can be caught there).
            XCTAssertTrue(["RUNNING", "COMPLETING", "COMPLETED"].contains(u.state ?? ""), "\(u.job): \(u.state ?? "nil") \(u.notes)")
            XCTAssertEqual(u.partition, u.plannedPartition, u.job)
            XCTAssertEqual(u.plannedPartition, u.job.hasPrefix("east") ? "east-shanghai" : "west-ningxia")
            XCTAssertEqual(u.plannedBegin, begin)
            let start = try XCTUnwrap(u.start)
            XCTAssertGreaterThanOrEqual(start, u.plannedBegin, "\(u.job) started at \(start), before its begin \(u.plannedBegin)")
            XCTAssertEqual(u.startedOnTime, true)
        }

        // The same command again: everything is found, nothing is submitted twice.
        let again = run("submit", f.dir, "--to", "slurm", "--shift-to", "now+8s", "--state", f.state)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("0 submitted, 3 already submitted"), again.stdout)
        XCTAssertTrue(again.stderr.contains("keeping the shift of the first submission"), again.stderr)
        XCTAssertEqual(try queued(id).count, 3)
    }

    func testAnInterruptedSubmissionResumesByThePlanTagAndCancelStopsJobs() throws {
        let f = try fixture()
        let first = run("submit", f.dir, "--to", "slurm", "--shift-to", "now+2h", "--state", f.state)
        XCTAssertEqual(first.status, 0, first.stderr)
        let id = try XCTUnwrap(planIDs(f.state).first)
        // A run cut off after its first sbatch: the ledger lost the later records, Slurm holds all three.
        let ledger = "\(f.state)/plans/\(id)/ledger.jsonl"
        let lines = try String(contentsOfFile: ledger, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        try (lines.prefix(2).joined(separator: "\n") + "\n").write(toFile: ledger, atomically: true, encoding: .utf8)

        let resumed = run("submit", f.dir, "--to", "slurm", "--state", f.state)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("0 submitted, 3 already submitted"), resumed.stdout)
        XCTAssertEqual(resumed.stdout.components(separatedBy: "found by its plan tag").count - 1, 2, resumed.stdout)
        XCTAssertEqual(try queued(id).count, 3)
        XCTAssertEqual(try String(contentsOfFile: ledger, encoding: .utf8).split(separator: "\n").filter { $0.contains("\"adopted\"") }.count, 2)

        // Cancel one job, then the rest.
        let one = run("cancel", "--plan", id, "--state", f.state, "east-\(f.suffix)")
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stdout.contains("1 cancelled, 0 refused"), one.stdout)
        var jobs = try queued(id)
        XCTAssertEqual(jobs.first { $0.name.hasSuffix("east-\(f.suffix)") }?.state, "CANCELLED")
        XCTAssertEqual(jobs.filter { $0.state == "PENDING" }.count, 2)
        XCTAssertEqual(run("cancel", "--plan", id, "--state", f.state, "no-such-job").status, 2)
        XCTAssertEqual(run("cancel", "--plan", id, "--state", f.state).status, 0)
        jobs = try queued(id)
        XCTAssertEqual(jobs.map(\.state), ["CANCELLED", "CANCELLED", "CANCELLED"])
        // Cancelled before their begin, they never ran: no start, and not flagged as early.
        for u in try status(id, f.state).units {
            XCTAssertEqual(u.state, "CANCELLED")
            XCTAssertNil(u.start, u.job)
            XCTAssertNil(u.startedOnTime, u.job)
        }
    }

    func testARefusedJobIsReportedWithSlurmsMessageAndTheOthersAreSubmitted() throws {
        let f = try fixture(extraJob: "  - {id: lost-job, kind: training, devices: {count: 1, type: A100}, duration: 1h, release: 2030-01-01T00:00:00Z, deadline: 2030-01-01T02:00:00Z, regions: {allow: [lost]}, command: \"sleep 1\"}\n")
        let r = run("submit", f.dir, "--to", "slurm", "--shift-to", "now+2h", "--state", f.state)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("not submitted: lost-job: sbatch: error:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Invalid partition name specified"), r.stderr)
        XCTAssertTrue(r.stdout.contains("3 submitted, 0 already submitted, 1 not submitted"), r.stdout)
        let id = try XCTUnwrap(planIDs(f.state).first)
        XCTAssertEqual(try queued(id).count, 3)
        let ledger = try String(contentsOfFile: "\(f.state)/plans/\(id)/ledger.jsonl", encoding: .utf8)
        XCTAssertTrue(ledger.contains("\"event\":\"failed\""), ledger)

        // Run again: the refused job is tried again (and refused again); the others are not duplicated.
        let again = run("submit", f.dir, "--to", "slurm", "--state", f.state)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stdout.contains("0 submitted, 3 already submitted, 1 not submitted"), again.stdout)
        XCTAssertEqual(try queued(id).count, 3)
    }

    func testAPassedPlacementIsReplannedFromNowAndOneWhoseDeadlinePassedIsNotSubmitted() throws {
        let f = try fixture()
        // Plans and Slurm count whole seconds.
        let before = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        // Every placement is at hour 0; shifted 3 hours into the past, all have passed.
        let r = run("submit", f.dir, "--to", "slurm", "--shift-to", "now-3h", "--state", f.state)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("1 submitted, 0 already submitted, 2 not submitted"), r.stdout)
        XCTAssertTrue(r.stdout.contains("(re-planned)"), r.stdout)
        XCTAssertTrue(r.stderr.contains("not submitted: west-\(f.suffix): its planned begin"), r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot be placed again: its deadline 2030-01-01T01:00:00Z is not after"), r.stderr)
        let id = try XCTUnwrap(planIDs(f.state).first)
        let rows = try status(id, f.state).units
        XCTAssertEqual(rows.map(\.job), ["flex-\(f.suffix)"])
        let begin = try XCTUnwrap(ISO8601DateFormatter().date(from: rows[0].plannedBegin))
        XCTAssertGreaterThanOrEqual(begin, before, "re-planned begin \(rows[0].plannedBegin) is in the past")
        XCTAssertTrue(rows[0].notes.contains { $0.contains("re-planned") }, "\(rows[0].notes)")
        XCTAssertEqual(try queued(id).count, 1)
        // Running again submits nothing more and keeps the drop.
        let again = run("submit", f.dir, "--to", "slurm", "--state", f.state)
        XCTAssertTrue(again.stdout.contains("0 submitted, 1 already submitted"), again.stdout)
        XCTAssertEqual(try queued(id).count, 1)
    }

    func testStatusFlagsAJobMovedToAnotherPartition() throws {
        let f = try fixture()
        XCTAssertEqual(run("submit", f.dir, "--to", "slurm", "--shift-to", "now+2h", "--state", f.state).status, 0)
        let id = try XCTUnwrap(planIDs(f.state).first)
        XCTAssertEqual(run("status", "--plan", id, "--state", f.state).status, 0)
        // An operator moves the west job to the east partition behind the plan's back.
        let west = try XCTUnwrap(try queued(id).first { $0.name.hasSuffix("west-\(f.suffix)") })
        let moved = try SlurmCLI().run("scontrol", ["update", "jobid=\(west.id)", "partition=east-shanghai"])
        XCTAssertEqual(moved.status, 0, moved.message)
        let r = run("status", "--plan", id, "--state", f.state)
        XCTAssertEqual(r.status, 1, r.stdout)
        XCTAssertTrue(r.stdout.contains("runs in partition east-shanghai, planned west-ningxia"), r.stdout)
        let rows = try status(id, f.state).units
        XCTAssertEqual(rows.first { $0.job == "west-\(f.suffix)" }?.partition, "east-shanghai")
        XCTAssertEqual(rows.first { $0.job == "east-\(f.suffix)" }?.notes, [])
    }

    func testAnUnreachableControllerExitsSixtyNineAndADryRunStillPrintsTheCommands() throws {
        let f = try fixture()
        // A configuration naming a port where no controller listens.
        let conf = try String(contentsOfFile: LocalSlurm.conf, encoding: .utf8).replacingOccurrences(of: "ClusterName=", with: "SlurmctldPort=6999\nClusterName=")
        try write(conf, to: f.dir + "/down.conf")
        setenv("SLURM_CONF", f.dir + "/down.conf", 1)
        defer { setenv("SLURM_CONF", LocalSlurm.conf, 1) }
        let r = run("submit", f.dir, "--to", "slurm", "--shift-to", "now+1h", "--state", f.state)
        XCTAssertEqual(r.status, 69, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("Unable to contact slurm controller"), r.stderr)
        let dry = run("submit", f.dir, "--to", "slurm", "--shift-to", "now+1h", "--dry-run", "--state", f.dir + "/dry-state")
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertEqual(dry.stdout.components(separatedBy: "TZ=UTC sbatch --parsable").count - 1, 3, dry.stdout)
        XCTAssertTrue(dry.stdout.contains("--partition=east-shanghai"), dry.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.dir + "/dry-state"), "a dry run records nothing")
    }
}

/// Starts the local test cluster once per test process.
enum LocalSlurm {
    static let conf = (ProcessInfo.processInfo.environment["GRIDWISE_SLURM_DIR"] ?? "/tmp/gridwise-slurm") + "/slurm.conf"
    nonisolated(unsafe) static var started: Result<String, Error>?
    static let lock = NSLock()

    static func start() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let started { return try started.get() }
        let result: Result<String, Error>
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/slurmctld") && !FileManager.default.isExecutableFile(atPath: "/usr/bin/slurmctld") {
            let message = "Slurm is not installed: run 'scripts/slurm-local.sh install' (Debian's slurm-wlm and munge), then swift test"
            result = ProcessInfo.processInfo.environment["GRIDWISE_CI"] == "1" ? .failure(SetupError(message: "CI must run the Slurm tests: " + message)) : .failure(XCTSkip(message))
        } else {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [CLITestCase.root + "/scripts/slurm-local.sh", "start"]
            let pipe = Pipe()
            p.standardError = pipe
            p.standardOutput = pipe
            do {
                try p.run()
                let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                result = p.terminationStatus == 0 ? .success(conf) : .failure(SetupError(message: "scripts/slurm-local.sh start failed: \(out)"))
            } catch {
                result = .failure(error)
            }
        }
        started = result
        return try result.get()
    }

    struct SetupError: Error, CustomStringConvertible { var message: String; var description: String { message } }
}
