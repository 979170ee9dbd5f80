import XCTest

/// Every class of bad input gets a message naming the file, the place and what was expected, and exit 65.
final class BadInputTests: CLITestCase {
    static let regions = """
        apiVersion: gridwise/v1
        kind: RegionCatalog
        regions:
          - name: north
            zone: ZN
            pue: 1.2
            pools:
              - {type: A100, count: 8, power_kw: 0.3}
            latency_ms: {users: 10}
          - name: south
            zone: ZS
            pools:
              - {type: A100, count: 8, power_kw: 0.3, speed: 1.0}
            latency_ms: {users: 60}
            tags: [west]

        """
    static let signals = """
        apiVersion: gridwise/v1
        kind: SignalSet
        series:
          - {zone: ZN, signal: carbon_intensity, unit: gCO2eq/kWh, source: test, csv: {file: zn.csv, time_column: time, value_column: ci}}
          - {zone: ZS, signal: carbon_intensity, unit: gCO2eq/kWh, source: test, constant: 100}
          - {zone: ZN, signal: price, unit: USD/MWh, source: test, constant: 50}
          - {zone: ZS, signal: price, unit: USD/MWh, source: test, constant: 40}

        """
    static func csv(skipping: Int? = nil, value: (Int) -> String = { "\(200 + 10 * $0)" }) -> String {
        var lines = ["time,ci"]
        for h in 0..<12 where h != skipping { lines.append("2026-12-01T\(h < 10 ? "0" : "")\(h):00:00Z,\(value(h))") }
        return lines.joined(separator: "\n") + "\n"
    }
    static func jobs(_ body: String) -> String {
        """
        apiVersion: gridwise/v1
        kind: JobPlan
        horizon: {start: 2026-12-01T00:00:00Z, end: 2026-12-01T12:00:00Z}
        jobs:
        \(body)
        """
    }
    static let goodJob = """
          - id: a
            kind: training
            devices: {count: 4, type: A100}
            work: 3h
            release: 2026-12-01T00:00:00Z
            deadline: 2026-12-01T12:00:00Z
            latency: {population: users}

        """

    /// Writes a valid input folder, with any file replaced by the given text.
    func folder(jobs: String = BadInputTests.jobs(BadInputTests.goodJob), regions: String = BadInputTests.regions,
                signals: String = BadInputTests.signals, csv: String = BadInputTests.csv()) throws -> String {
        let dir = try temporaryFolder()
        try write(jobs, to: dir + "/jobs.yaml")
        try write(regions, to: dir + "/regions.yaml")
        try write(signals, to: dir + "/signals.yaml")
        try write(csv, to: dir + "/zn.csv")
        return dir
    }

    func assertInvalid(_ dir: String, contains expected: [String], file: StaticString = #filePath, line: UInt = #line) {
        let r = run("plan", dir)
        XCTAssertEqual(r.status, 65, "stderr: \(r.stderr)", file: file, line: line)
        for text in expected {
            XCTAssertTrue(r.stderr.contains(text), "expected «\(text)» in:\n\(r.stderr)", file: file, line: line)
        }
        XCTAssertFalse(r.stderr.contains("Fatal error"), file: file, line: line)
    }

    func testValidFolderPlans() throws {
        let r = run("plan", try folder())
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("saved vs baseline"))
    }

    func testUnknownFieldIsNamedWithLineColumnAndSuggestion() throws {
        let dir = try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "    work: 3h", with: "    work: 3h\n    devicez: 2")))
        assertInvalid(dir, contains: ["\(dir)/jobs.yaml:9:5: jobs[0].devicez: unknown field 'devicez' (did you mean 'devices'?); allowed here: id, kind, devices"])
    }

    func testWrongTypeSaysWhatWasFoundAndExpected() throws {
        let dir = try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "count: 4", with: "count: four")))
        assertInvalid(dir, contains: ["jobs.yaml:7:", "jobs[0].devices.count: found 'four'; expected a whole number"])
    }

    func testMissingRequiredField() throws {
        let dir = try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "    deadline: 2026-12-01T12:00:00Z\n", with: "")))
        assertInvalid(dir, contains: ["jobs.yaml:5:5: jobs[0].deadline: missing required field 'deadline'"])
    }

    func testZeroAndNegativeDurations() throws {
        assertInvalid(try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "work: 3h", with: "work: 0h"))),
                      contains: ["jobs[0].work: found '0h'; expected a duration greater than zero"])
        assertInvalid(try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "work: 3h", with: "work: -3h"))),
                      contains: ["jobs[0].work: found '-3h'; expected a duration like 36h"])
        assertInvalid(try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "work: 3h", with: "work: 999999h"))),
                      contains: ["jobs[0].work: found '999999h'; expected at most 8784 h (a year)"])
    }

    func testHorizonLongerThanAYearIsRefused() throws {
        let dir = try folder(jobs: Self.jobs(Self.goodJob).replacingOccurrences(of: "end: 2026-12-01T12:00:00Z", with: "end: 2028-12-01T12:00:00Z"))
        assertInvalid(dir, contains: ["horizon: the plan spans 17556 hours", "Gridwise plans at most 8784 hours at a time"])
    }

    func testCommandAndScriptAreCheckedForDispatch() throws {
        assertInvalid(try folder(jobs: Self.jobs(Self.goodJob + "    command: \"  \"\n")),
                      contains: ["jobs[0].command: found an empty command; expected the shell command the job runs"])
        assertInvalid(try folder(jobs: Self.jobs(Self.goodJob + "    command: train.sh\n    script: train.sh\n")),
                      contains: ["jobs[0]: both 'command' and 'script' are given; give one"])
        let ok = run("plan", try folder(jobs: Self.jobs(Self.goodJob + "    image: busybox:1.36\n    script: run.sh\n")))
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }

    func testDeadlineBeforeRelease() throws {
        let dir = try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "deadline: 2026-12-01T12:00:00Z", with: "deadline: 2026-11-30T12:00:00Z")))
        assertInvalid(dir, contains: ["jobs[0].deadline: found 2026-11-30T12:00:00Z, which is not after release 2026-12-01T00:00:00Z; expected a deadline after the release"])
    }

    func testJobNoRegionCanTakeNamesTheRuleForEachRegion() throws {
        let dir = try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "count: 4", with: "count: 16")))
        assertInvalid(dir, contains: ["job 'a' cannot run in any region", "north: pool A100 has 8 devices; the job needs 16", "south: pool A100 has 8 devices; the job needs 16"])
        let slo = try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "latency: {population: users}", with: "latency: {population: users, slo_ms: 5}")))
        assertInvalid(slo, contains: ["north: latency to users is 10 ms, over the job's SLO of 5 ms", "south: latency to users is 60 ms, over the job's SLO of 5 ms"])
    }

    func testUnknownRegionAndAcceleratorNames() throws {
        assertInvalid(try folder(jobs: Self.jobs(Self.goodJob + "    regions: {allow: [mars]}\n")),
                      contains: ["jobs[0].regions: job 'a' names unknown region 'mars'; known regions: north, south"])
        assertInvalid(try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "type: A100", with: "type: H200"))),
                      contains: ["jobs[0].devices.type: job 'a' asks for accelerator 'H200', which no region has; known types: A100"])
    }

    func testDuplicateIds() throws {
        let dir = try folder(jobs: Self.jobs(Self.goodJob + Self.goodJob))
        assertInvalid(dir, contains: ["jobs.yaml:12:5: jobs[1].id: duplicate job id 'a' (first at jobs[0]); ids must be unique"])
    }

    func testDuplicateRegionNames() throws {
        let dir = try folder(regions: Self.regions.replacingOccurrences(of: "name: south", with: "name: north"))
        assertInvalid(dir, contains: ["regions[1].name: duplicate region name 'north' (first at regions[0])"])
    }

    func testSignalGapDuplicateAndNonFiniteValues() throws {
        assertInvalid(try folder(csv: Self.csv(skipping: 5)),
                      contains: ["zn.csv: gap: carbon_intensity for zone ZN has no value for 1 of the 12 horizon hours, first 2026-12-01T05:00:00Z"])
        assertInvalid(try folder(csv: Self.csv() + "2026-12-01T03:00:00Z,250\n"),
                      contains: ["zn.csv:14: time: duplicate timestamp 2026-12-01T03:00:00Z (first on line 5)"])
        assertInvalid(try folder(csv: Self.csv(value: { $0 == 2 ? "nan" : "200" })), contains: ["zn.csv:4: ci: found nan; expected a finite number"])
        assertInvalid(try folder(csv: Self.csv(value: { $0 == 3 ? "-20" : "200" })), contains: ["zn.csv:5: ci: found -20.0 gCO2eq/kWh"])
    }

    func testSeveralErrorsInOneFileAreReportedTogether() throws {
        let bad = Self.goodJob.replacingOccurrences(of: "kind: training", with: "kind: trainin").replacingOccurrences(of: "count: 4", with: "count: 0")
            .replacingOccurrences(of: "work: 3h", with: "work: soon")
        let r = run("plan", try folder(jobs: Self.jobs(bad)))
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.hasPrefix("error: 3 problems in the input"), r.stderr)
        XCTAssertTrue(r.stderr.contains("jobs[0].kind: found 'trainin'; expected one of: training, fine_tuning, batch_inference, online_inference"), r.stderr)
        XCTAssertTrue(r.stderr.contains("jobs[0].devices.count: found 0; expected a whole number of at least 1"), r.stderr)
        XCTAssertTrue(r.stderr.contains("jobs[0].work: found 'soon'"), r.stderr)
    }

    func testErrorsInSeveralFilesAreReportedTogether() throws {
        let dir = try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "work: 3h", with: "work: 0h")),
                             regions: Self.regions.replacingOccurrences(of: "pue: 1.2", with: "pue: 0.8"))
        assertInvalid(dir, contains: ["jobs.yaml", "jobs[0].work", "regions.yaml:6:10: regions[0].pue: found 0.8; expected a PUE between 1.0 and 5.0"])
    }

    func testSyntaxErrorHasLineAndColumn() throws {
        let dir = try folder(jobs: Self.jobs(Self.goodJob.replacingOccurrences(of: "devices: {count: 4, type: A100}", with: "devices: {count: 4, type: A100")))
        let r = run("plan", dir)
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("jobs.yaml:8:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("syntax error"), r.stderr)
    }

    func testJSONInputsGetLineAndColumnToo() throws {
        let dir = try folder()
        try FileManager.default.removeItem(atPath: dir + "/jobs.yaml")
        try write("""
            {"apiVersion": "gridwise/v1", "kind": "JobPlan",
             "jobs": [{"id": "a", "kind": "training", "devices": {"count": "4"}, "work": "3h",
                       "release": "2026-12-01T00:00:00Z", "deadline": "2026-12-01T12:00:00Z"}]}
            """, to: dir + "/jobs.json")
        assertInvalid(dir, contains: ["jobs.json:2:64: jobs[0].devices.count: found '4'; expected a whole number"])
    }

    func testUnknownUnitInSignalSet() throws {
        let dir = try folder(signals: Self.signals.replacingOccurrences(of: "unit: USD/MWh, source: test, constant: 50", with: "unit: dollars, source: test, constant: 50"))
        assertInvalid(dir, contains: ["signals.yaml", "series[2].unit: found 'dollars'; expected a price unit like USD/MWh"])
    }

    func testMissingSeriesForAZone() throws {
        let dir = try folder(signals: Self.signals.replacingOccurrences(of: "  - {zone: ZS, signal: price, unit: USD/MWh, source: test, constant: 40}\n", with: ""))
        assertInvalid(dir, contains: ["no price series for zone ZS, which region south uses; add one"])
    }

    func testMissingFileExits66() throws {
        let r = run("plan", path("examples/does-not-exist"))
        XCTAssertEqual(r.status, 66)
        XCTAssertTrue(r.stderr.contains("does-not-exist: no such file or folder"), r.stderr)
    }

    func testUsageErrorExits2() {
        let r = run("plan", path("examples/global"), "--frobnicate")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("Unknown option '--frobnicate'"), r.stderr)
    }

    func testValidateReportsEachFile() throws {
        let dir = try folder()
        let ok = run("validate", dir, dir + "/regions.yaml", path("policies/balanced.yaml"))
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("regions.yaml: OK (RegionCatalog, 2 regions)"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("balanced.yaml: OK (Policy 'balanced')"), ok.stdout)
        try write("apiVersion: gridwise/v2\nkind: Policy\nname: x\nweights: {carbon: 0}\n", to: dir + "/bad-policy.yaml")
        let bad = run("validate", dir + "/bad-policy.yaml")
        XCTAssertEqual(bad.status, 65)
        XCTAssertTrue(bad.stderr.contains("apiVersion: found 'gridwise/v2'; expected 'gridwise/v1'"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("weights: every weight is 0"), bad.stderr)
    }
}
