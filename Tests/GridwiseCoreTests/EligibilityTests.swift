import GridwiseCore
import XCTest

/// The planner asks `regionsMayExclude` and `poolMismatch` per job (and per pool) instead of building the
/// words of `regionExclusions` and `poolExclusion`: these tests hold the cheap answers to the worded ones.
final class EligibilityTests: XCTestCase {
    let t0 = Instant(year: 2026, month: 12, day: 1)
    var horizon: PlanningHorizon { PlanningHorizon(start: t0, hours: 10) }
    let regions = [
        Region(name: "west", carbonZone: "W", pools: [], latencyMilliseconds: ["users": 80], tags: ["renewable"]),
        Region(name: "east", carbonZone: "E", pools: [], latencyMilliseconds: ["users": 20]),
        Region(name: "nowhere", carbonZone: "N", pools: []),  // no latency to the users
    ]

    func job(kind: JobKind = .training, devices: Int = 2, types: [String] = [], hours: Double = 3, deadline: Int = 10, allowed: [String]? = nil,
             forbidden: [String] = [], population: String? = nil, slo: Double? = nil) -> Job {
        Job(id: "j", kind: kind, deviceCount: devices, deviceTypes: types, work: .referenceHours(hours), release: t0, deadline: t0.adding(hours: deadline),
            allowedRegions: allowed, forbiddenRegions: forbidden, population: population, latencySLOMilliseconds: slo)
    }

    /// For each case: whether a region may be closed, and which regions are closed (by their reasons' count).
    func testRegionsMayExcludeIsFalseOnlyWhereNoRegionIsClosed() {
        let plain = Policy(name: "plain", weights: ObjectiveWeights(carbon: 1))
        let green = Policy(name: "green", weights: ObjectiveWeights(carbon: 1), regionRules: [RegionRule(kinds: [.training], requireTags: ["renewable"])])
        let lax = Policy(name: "lax", weights: ObjectiveWeights(carbon: 1), enforceLatencySLO: false)
        let cases: [(String, Job, Policy, Bool, [String])] = [
            ("nothing to say", job(), plain, false, []),
            ("users but no SLO", job(population: "users"), plain, false, []),
            ("SLO not enforced", job(population: "users", slo: 50), lax, false, []),
            ("a rule for another kind", job(kind: .batchInference), green, false, []),
            ("allowed regions", job(allowed: ["east"]), plain, true, ["west", "nowhere"]),
            ("forbidden regions", job(forbidden: ["west"]), plain, true, ["west"]),
            ("a rule for its kind", job(), green, true, ["east", "nowhere"]),
            ("an enforced SLO", job(population: "users", slo: 50), plain, true, ["west", "nowhere"]),
        ]
        for (label, job, policy, mayExclude, closed) in cases {
            XCTAssertEqual(Eligibility.regionsMayExclude(job: job, policy: policy), mayExclude, label)
            let found = regions.filter { !Eligibility.regionExclusions(job: job, region: $0, policy: policy).isEmpty }.map(\.name)
            XCTAssertEqual(found, closed, label)
            XCTAssertEqual(regions.filter { !Eligibility.regionIsOpen(job: job, region: $0, policy: policy) }.map(\.name), closed, label)
        }
    }

    /// Every reason is worded, in order, where several close a region; `regionIsOpen` stops at the first.
    func testRegionExclusionsWordsEveryReason() {
        let policy = Policy(name: "strict", weights: ObjectiveWeights(carbon: 1), regionRules: [
            RegionRule(kinds: [.training], requireTags: ["renewable", "tier4"], denyRegions: ["west"], reason: "green training"),
        ])
        let job = job(allowed: ["east"], forbidden: ["west"], population: "users", slo: 50)
        XCTAssertEqual(Eligibility.regionExclusions(job: job, region: regions[0], policy: policy), [
            "not in the job's allowed regions (east)",
            "listed in the job's forbidden regions",
            "policy 'strict' rule 1 (green training) requires tag tier4 for training jobs",
            "policy 'strict' rule 1 (green training) denies this region",
            "latency to users is 80 ms, over the job's SLO of 50 ms",
        ])
        XCTAssertFalse(Eligibility.regionIsOpen(job: job, region: regions[0], policy: policy))
        XCTAssertEqual(Eligibility.regionExclusions(job: job, region: regions[2], policy: policy).last,
                       "the catalog gives no latency to population 'users', so the SLO cannot be shown to hold")
    }

    /// Each mismatch, and the words `poolExclusion` gives for it.
    func testPoolMismatchNamesWhatPoolExclusionSays() {
        let slow = AcceleratorPool(type: "T4", count: 4, powerKilowattsPerDevice: 0.1, relativeSpeed: 0.25)
        let fast = AcceleratorPool(type: "H100", count: 4, powerKilowattsPerDevice: 0.7, relativeSpeed: 1)
        let cases: [(String, Job, AcceleratorPool, Eligibility.PoolMismatch?, String?)] = [
            ("fits", job(), fast, nil, nil),
            ("wrong type", job(types: ["H100"]), slow, .type, "pool T4 is not a type the job accepts (H100)"),
            ("too few devices", job(devices: 8), fast, .devices, "pool H100 has 4 devices; the job needs 8"),
            // 3 reference hours at speed 0.25 is 12 h, in a window of 10.
            ("too slow for its window", job(), slow, .window, "on T4 (speed 0.25) the job runs 12h, longer than its window of 10 whole hours"),
        ]
        for (label, job, pool, mismatch, words) in cases {
            XCTAssertEqual(Eligibility.poolMismatch(job: job, pool: pool, horizon: horizon), mismatch, label)
            XCTAssertEqual(Eligibility.poolExclusion(job: job, pool: pool, horizon: horizon), words, label)
        }
    }
}
