import GridwiseCore
import GridwisePlanner

/// Hands the jobs waiting at a re-planning point to Gridwise's planner, as a live deployment would:
/// the horizon from now to the latest deadline, forecasts for every hour of it (from the view, never the
/// actual series), and the pools less what jobs already running hold.
///
/// The planner counts time in slots of one hour. On a grid of other steps (30 minutes in the Let's Wait
/// Awhile study) one planner slot stands for one step: durations, overheads and deadlines are counted in
/// steps, so energy per slot is a step's energy scaled by the same factor for every job; the choice the
/// planner makes is the same as on the real clock, and every figure reported is recomputed on the real
/// clock by the simulator's accounting.
struct PlannerBridge {
    let scenario: Scenario
    let policy: GridwiseCore.Policy
    let options: PlannerOptions
    let pastDeadline: Int

    /// A job to plan: its shape, and for an interruptible job already under way, the steps still to run
    /// and where it runs.
    struct Request {
        var index: Int
        var shape: JobShape
        var remainder: (region: Int, pool: Int, stepsExact: Double)?
    }

    private var slotsPerHour: Double { 3600 / Double(scenario.stepSeconds) }
    private func slot(_ s: Int) -> Instant { scenario.start.adding(hours: s) }

    /// Runs for the requests the planner places (by request index); the others are missing from the result.
    func plan(_ requests: [Request], now: Int, view: ForecastView, occupancy: Occupancy) -> [Int: JobRun] {
        guard !requests.isEmpty else { return [:] }
        let end = min(scenario.steps, requests.map { $0.shape.deadlineStep + pastDeadline }.max()!)
        guard end > now else { return [:] }
        let horizon = PlanningHorizon(start: slot(now), hours: end - now)
        // Regions under their own names, with zones private to this problem, and pools less what is held.
        var regions: [Region] = []
        var carbon: [String: HourlySeries] = [:]
        var price: [String: HourlySeries] = [:]
        for (r, region) in scenario.catalog.regions.enumerated() {
            var copy = region
            copy.carbonZone = "carbon-\(r)"
            copy.priceZone = "price-\(r)"
            copy.pools = region.pools.enumerated().map { p, pool in
                var reduced = pool
                reduced.reservations = []
                var s = now
                while s < end {
                    let held = max(0, Int(Int32(clamping: pool.count) - occupancy.free(r, p, s)))
                    var e = s + 1
                    while e < end, max(0, Int(Int32(clamping: pool.count) - occupancy.free(r, p, e))) == held { e += 1 }
                    if held > 0 { reduced.reservations.append(CapacityReservation(start: slot(s), end: slot(e), devices: min(held, pool.count), reason: "held by jobs already planned")) }
                    s = e
                }
                return reduced
            }
            regions.append(copy)
            carbon[copy.carbonZone] = HourlySeries(values: (now..<end).map { view.carbon(region: r, step: $0) }, provenance: [])
            price[copy.priceZone] = HourlySeries(values: (now..<end).map { view.price(region: r, step: $0) }, provenance: [])
        }
        let jobs: [Job] = requests.map { request in
            var job = request.shape.job
            let perSlot = slotsPerHour
            job.release = slot(now)
            job.deadline = slot(min(end, request.shape.deadlineStep + pastDeadline))
            job.checkpointOverheadHours *= perSlot
            if let remainder = request.remainder {
                job.work = .fixedHours(remainder.stepsExact)
                job.allowedRegions = [scenario.catalog.regions[remainder.region].name]
                job.deviceTypes = [scenario.catalog.regions[remainder.region].pools[remainder.pool].type]
            } else {
                switch job.work {
                case .referenceHours(let h): job.work = .referenceHours(h * perSlot)
                case .fixedHours(let h): job.work = .fixedHours(h * perSlot)
                }
            }
            return job
        }
        let problem = PlanningProblem(
            jobs: jobs, catalog: RegionCatalog(regions: regions), policy: policy,
            signals: GridSignals(horizon: horizon, carbon: carbon, price: price, currency: scenario.currency))
        let plan = Planner.plan(problem, inputs: PlanInputs(jobs: "simulation", regions: "simulation", policy: policy.name, signals: "forecasts"),
                                generatedBy: "gridwise simulate", options: options)
        var byID: [String: Int] = [:]
        for (i, request) in requests.enumerated() { byID[request.shape.job.id] = i }
        var result: [Int: JobRun] = [:]
        let origin = scenario.start.secondsSinceEpoch
        for placement in plan.placements {
            guard let i = byID[placement.job], let r = scenario.catalog.regions.firstIndex(where: { $0.name == placement.region }),
                let p = scenario.catalog.regions[r].pools.firstIndex(where: { $0.type == placement.pool }) else { continue }
            var steps: [Int] = []
            for chunk in placement.chunks {
                guard let a = try? Instant.parse(chunk.start), let b = try? Instant.parse(chunk.end) else { continue }
                let sa = Int((a.secondsSinceEpoch - origin) / 3600), sb = Int((b.secondsSinceEpoch - origin) / 3600)
                steps.append(contentsOf: sa..<sb)
            }
            guard !steps.isEmpty else { continue }
            let lastFraction = placement.runningHours - Double(steps.count - 1)
            result[i] = JobRun(region: r, pool: p, steps: steps, lastFraction: min(1, max(0, lastFraction)))
        }
        return result
    }
}
