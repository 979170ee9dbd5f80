import Foundation
import GridwiseCore
@testable import GridwiseDispatch
import XCTest

final class SlurmBatchTests: XCTestCase {
    let t0 = try! Instant.parse("2026-12-07T09:00:00Z")

    func region(_ dispatch: [String: String]) -> Region {
        Region(name: "ningxia", carbonZone: "CN-NX", pools: [AcceleratorPool(type: "A800", count: 64, powerKilowattsPerDevice: 0.4, relativeSpeed: 1)], dispatch: dispatch)
    }

    func job(command: String? = "python3 train.py --lr 3e-4 'quoted'", script: String? = nil) -> Job {
        Job(id: "llm-7b", kind: .training, deviceCount: 16, deviceTypes: ["A800"], work: .referenceHours(10), release: t0, deadline: t0.adding(hours: 48),
            interruptible: true, maxChunks: 3, command: command, script: script)
    }

    func unit(chunk: Int = 1, chunks: Int = 1, hours: Int = 10) -> DispatchUnit {
        DispatchUnit(planID: "0123456789ab", job: "llm-7b", chunk: chunk, chunks: chunks, region: "ningxia", pool: "A800", devices: 16,
                     begin: t0, end: t0.adding(hours: hours))
    }

    func testArgumentsCarryBeginLimitPartitionNameTagAndCommand() throws {
        let args = try SlurmBatch.arguments(for: unit(), job: job(), region: region(["slurm_partition": "ningxia"]), jobPlanFile: "jobs.yaml", dependency: nil)
        XCTAssertEqual(args, [
            "--parsable", "--job-name=gw-0123456789ab-llm-7b", "--comment=gridwise plan=0123456789ab job=llm-7b chunk=1/1",
            "--begin=2026-12-07T09:00:00", "--time=600", "--partition=ningxia", "--wrap=python3 train.py --lr 3e-4 'quoted'",
        ])
        // The dry-run line reads back as the same words in a shell.
        let line = SlurmBatch.shellLine(["sbatch"] + args)
        let echo = Process()
        echo.executableURL = URL(fileURLWithPath: "/bin/sh")
        echo.arguments = ["-c", "for a in " + line + "; do printf '%s\\n' \"$a\"; done"]
        let pipe = Pipe()
        echo.standardOutput = pipe
        try echo.run()
        echo.waitUntilExit()
        let words = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(words, ["sbatch"] + args)
    }

    func testChunksDependOnTheOneBeforeAndDevicesFollowTheSiteTemplates() throws {
        let r = region(["slurm_partition": "ningxia", "slurm_partition.A800": "ningxia-a800", "slurm_cluster": "west", "slurm_account": "ml",
                        "slurm_qos": "batch", "slurm_gres": "gpu:{type_lower}:{count}", "slurm_gpus": "{type}:{count}"])
        let args = try SlurmBatch.arguments(for: unit(chunk: 2, chunks: 3, hours: 3), job: job(), region: r, jobPlanFile: "jobs.yaml", dependency: "41")
        XCTAssertEqual(args.filter { !$0.hasPrefix("--wrap") }, [
            "--parsable", "--job-name=gw-0123456789ab-llm-7b-c2", "--comment=gridwise plan=0123456789ab job=llm-7b chunk=2/3",
            "--begin=2026-12-07T09:00:00", "--time=180", "--partition=ningxia-a800", "--clusters=west", "--account=ml", "--qos=batch",
            "--gres=gpu:a800:16", "--gpus=A800:16", "--dependency=afterany:41",
        ])
    }

    func testScriptsResolveBesideTheJobPlanAndMissingOnesAreRefusedPerJob() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gw-script-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/scripts", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "#!/bin/sh\nsleep 1\n".write(toFile: dir + "/scripts/train.sh", atomically: true, encoding: .utf8)
        let r = region(["slurm_partition": "ningxia"])
        let args = try SlurmBatch.arguments(for: unit(), job: job(command: nil, script: "scripts/train.sh"), region: r, jobPlanFile: dir + "/jobs.yaml", dependency: nil)
        XCTAssertEqual(args.last, dir + "/scripts/train.sh")
        XCTAssertThrowsError(try SlurmBatch.arguments(for: unit(), job: job(command: nil, script: "scripts/missing.sh"), region: r, jobPlanFile: dir + "/jobs.yaml", dependency: nil)) { e in
            XCTAssertEqual((e as? DispatchProblem)?.job, "llm-7b")
            XCTAssertTrue("\(e)".contains("\(dir)/scripts/missing.sh cannot be read"), "\(e)")
        }
        XCTAssertThrowsError(try SlurmBatch.arguments(for: unit(), job: job(command: nil), region: r, jobPlanFile: "jobs.yaml", dependency: nil)) { e in
            XCTAssertTrue("\(e)".contains("no command or script"), "\(e)")
        }
        XCTAssertThrowsError(try SlurmBatch.arguments(for: unit(), job: job(), region: region([:]), jobPlanFile: "jobs.yaml", dependency: nil)) { e in
            XCTAssertTrue("\(e)".contains("region 'ningxia' names no Slurm partition"), "\(e)")
        }
    }

    func testTagsRoundTripAndOtherCommentsAreIgnored() {
        let u = unit(chunk: 2, chunks: 3)
        let parsed = DispatchUnit.parseTag(u.tag)
        XCTAssertEqual(parsed?.planID, "0123456789ab")
        XCTAssertEqual(parsed?.key, UnitKey(job: "llm-7b", chunk: 2))
        XCTAssertEqual(parsed?.chunks, 3)
        for other in ["", "nightly backup", "gridwise plan=x job=y", "gridwise plan=x job=y chunk=4/3", "gridwise plan=x job=y chunk=0/3", "gridwise plan= job=y chunk=1/1"] {
            XCTAssertNil(DispatchUnit.parseTag(other), other)
        }
    }

    func testSlurmOutputIsReadIntoJobs() {
        let q = SlurmCLI.parseQueueLine("17|gw-abc-x|west-ningxia|PENDING|BeginTime|2026-12-07T09:00:00|N/A|gridwise plan=abc job=x chunk=1/1")
        XCTAssertEqual(q, SlurmJob(id: "17", name: "gw-abc-x", partition: "west-ningxia", state: "PENDING", reason: "BeginTime",
                                   start: try! Instant.parse("2026-12-07T09:00:00Z"), end: nil, comment: "gridwise plan=abc job=x chunk=1/1"))
        let s = SlurmCLI.parseScontrol("JobId=18 JobName=gw-abc-y UserId=root(0) JobState=COMPLETED Reason=None Dependency=(null) Partition=east-shanghai StartTime=2026-12-07T09:00:04 EndTime=2026-12-07T09:00:06 Comment=gridwise plan=abc job=y chunk=1/2 Power=")
        XCTAssertEqual(s?.id, "18")
        XCTAssertEqual(s?.state, "COMPLETED")
        XCTAssertEqual(s?.partition, "east-shanghai")
        XCTAssertEqual(s?.start, try! Instant.parse("2026-12-07T09:00:04Z"))
        XCTAssertEqual(s?.comment, "gridwise plan=abc job=y chunk=1/2")
        XCTAssertEqual(CommandOutput(status: 1, stdout: "", stderr: "sbatch: error: invalid partition specified: x\nsbatch: error: Batch job submission failed: Invalid partition name specified\n").message,
                       "sbatch: error: invalid partition specified: x; sbatch: error: Batch job submission failed: Invalid partition name specified")
    }

    func testPlanIdentityFollowsThePlacementsOnly() {
        func plan(_ start: String, generatedBy: String = "gridwise 1") -> Plan {
            let placement = Placement(job: "a", region: "ningxia", pool: "A800", devices: 4, chunks: [Chunk(start: start, end: "2026-12-07T12:00:00Z")], finish: "2026-12-07T12:00:00Z",
                                      runningHours: 3, energyKwh: 1, carbonKg: 1, cost: 1, waterL: 0, latencyMs: nil, delayHours: 0, missesDeadline: false)
            let totals = PlanTotals(jobsPlaced: 1, energyKwh: 1, carbonKg: 1, cost: 1, waterL: 0, delayHours: 0, meanLatencyMs: nil, deadlineMisses: 0)
            return Plan(generatedBy: generatedBy, policy: "balanced", inputs: PlanInputs(jobs: "j", regions: "r", policy: "p", signals: "s"),
                        horizon: HorizonRecord(PlanningHorizon(start: t0, hours: 24)), currency: "USD", placements: [placement], unplaced: [], totals: totals,
                        baseline: Baseline(rule: "", placements: [], unplaced: [], totals: totals),
                        savings: Savings(jobsCompared: 1, carbonKg: 0, carbonFraction: 0, cost: 0, costFraction: 0, waterL: 0, waterFraction: 0, energyKwh: 0, energyFraction: 0),
                        optimality: Optimality(objective: 1, lowerBound: 1, gap: 0, status: "optimal", method: "", normalisers: [:]), carbonBudget: nil, signals: [])
        }
        let a = PlanIdentity.id(of: plan("2026-12-07T09:00:00Z"))
        XCTAssertEqual(a.count, 12)
        XCTAssertTrue(a.allSatisfy(\.isHexDigit))
        XCTAssertEqual(a, PlanIdentity.id(of: plan("2026-12-07T09:00:00Z", generatedBy: "gridwise 2")))
        XCTAssertNotEqual(a, PlanIdentity.id(of: plan("2026-12-07T10:00:00Z")))
        // FNV-1a 64 of the empty text is its offset basis.
        XCTAssertEqual(PlanIdentity.hex(PlanIdentity.fnv1a64("")), "cbf29ce484222325")
        XCTAssertEqual(PlanIdentity.hex(PlanIdentity.fnv1a64("a")), "af63dc4c8601ec8c")
    }

    func testLedgerReadsBackAndToleratesOnlyACutOffLastLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gw-ledger-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ledger = try SubmissionLedger(folder: dir)
        XCTAssertNil(ledger.shiftSeconds)
        try ledger.append(LedgerEntry(event: .started, at: t0, shiftSeconds: -3600))
        try ledger.append(LedgerEntry(event: .submitted, at: t0, job: "a", chunk: 1, slurmJobID: "7"))
        try ledger.append(LedgerEntry(event: .replanned, at: t0, job: "b", region: "west", pool: "A800", chunks: [Chunk(start: "2030-01-01T04:00:00Z", end: "2030-01-01T05:00:00Z")]))
        try ledger.append(LedgerEntry(event: .dropped, at: t0, job: "c", message: "deadline passed"))
        // A crash mid-write leaves a partial last line: it is ignored.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: ledger.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"event\":\"submit".utf8))
        try handle.close()
        let again = try SubmissionLedger(folder: dir)
        XCTAssertEqual(again.shiftSeconds, -3600)
        XCTAssertEqual(again.slurmIDs, [UnitKey(job: "a", chunk: 1): "7"])
        XCTAssertEqual(again.replanned["b"]?.region, "west")
        XCTAssertEqual(again.replanned["b"]?.chunks.first?.start, "2030-01-01T04:00:00Z")
        XCTAssertEqual(again.dropped, ["c": "deadline passed"])
        // A damaged line in the middle is an error that names it.
        var lines = try String(contentsOfFile: ledger.path, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = "not json"
        try (lines.joined(separator: "\n") + "\n").write(toFile: ledger.path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SubmissionLedger(folder: dir)) { e in
            XCTAssertTrue("\(e)".contains("ledger.jsonl:2"), "\(e)")
        }
    }
}
