import GridwiseCore

/// The simple policies every experiment compares with, each deciding a job once, when it arrives,
/// from forecasts only:
/// - carbon-agnostic: at once, in the lowest-latency region that has room (the baseline);
/// - lowest-window: the job alone in the window of least forecast carbon over every region it may use
///   (the Carbon Aware SDK's answer), among windows with room;
/// - wait-awhile: in the region carbon-agnostic would use, interruptible jobs run in the cleanest
///   forecast steps before the deadline, others in the cleanest contiguous window (Wiesner et al. 2021).
struct Rules {
    let scenario: Scenario
    /// Steps a search may run past the deadline (1 in the Let's Wait Awhile code, 0 otherwise).
    let pastDeadline: Int

    /// Options in the order carbon-agnostic tries them: latency to the job's population, then catalog order.
    func byLatency(_ shape: JobShape) -> [Int] {
        let population = shape.job.population
        return shape.options.indices.sorted { a, b in
            let ra = scenario.catalog.regions[shape.options[a].region], rb = scenario.catalog.regions[shape.options[b].region]
            let la = population.flatMap { ra.latencyMilliseconds[$0] } ?? .infinity
            let lb = population.flatMap { rb.latencyMilliseconds[$0] } ?? .infinity
            return la != lb ? la < lb : a < b
        }
    }

    /// The steps of a contiguous run from `start`.
    func run(_ shape: JobShape, option o: Int, start: Int) -> JobRun {
        let opt = shape.options[o]
        return JobRun(region: opt.region, pool: opt.pool, steps: Array(start..<(start + opt.steps)), lastFraction: opt.lastFraction)
    }

    /// Carbon-agnostic: start now in the lowest-latency region with room; if none has room now, the
    /// earliest start anywhere (latency breaking ties). Nil when nothing fits before the data ends.
    func asSoonAsPossible(_ shape: JobShape, from now: Int, occupancy: Occupancy) -> JobRun? {
        let order = byLatency(shape)
        let t0 = max(now, shape.releaseStep)
        if shape.job.servesWholeWindow {
            for o in order where shape.options[o].steps > 0 {
                let r = run(shape, option: o, start: t0)
                if r.steps.last! < scenario.steps, occupancy.fits(r.region, r.pool, steps: r.steps, devices: shape.job.deviceCount) { return r }
            }
            return nil
        }
        var t = t0
        while t < scenario.steps {
            for o in order where t + shape.options[o].steps <= scenario.steps {
                let r = run(shape, option: o, start: t)
                if occupancy.fits(r.region, r.pool, steps: r.steps, devices: shape.job.deviceCount) { return r }
            }
            t += 1
        }
        return nil
    }

    /// The forecast carbon mass of a run, in facility kWh x g/kWh (the unit only ranks runs).
    func forecastCarbon(_ shape: JobShape, option o: Int, steps: [Int], lastFraction: Double, view: ForecastView) -> Double {
        let r = shape.options[o].region
        var sum = 0.0
        for (i, s) in steps.enumerated() { sum += view.carbon(region: r, step: s) * (i == steps.count - 1 ? lastFraction : 1) }
        return sum * facilityKilowatts(shape, option: o)
    }

    func facilityKilowatts(_ shape: JobShape, option o: Int) -> Double {
        let region = scenario.catalog.regions[shape.options[o].region]
        return Double(shape.job.deviceCount) * region.pools[shape.options[o].pool].powerKilowattsPerDevice * region.powerUsageEffectiveness
    }

    /// The last step (exclusive) a search may use for this job.
    func searchEnd(_ shape: JobShape) -> Int { min(scenario.steps, shape.deadlineStep + pastDeadline) }

    /// The contiguous window of least forecast carbon among `options`, with room. Ties: earlier start,
    /// then option order.
    func lowestWindow(_ shape: JobShape, options: [Int], now: Int, view: ForecastView, occupancy: Occupancy) -> JobRun? {
        let t0 = max(now, shape.releaseStep)
        if shape.job.servesWholeWindow {
            var best: (Double, JobRun)? = nil
            for o in options where shape.options[o].steps > 0 {
                let r = run(shape, option: o, start: t0)
                guard r.steps.last! < scenario.steps, occupancy.fits(r.region, r.pool, steps: r.steps, devices: shape.job.deviceCount) else { continue }
                let c = forecastCarbon(shape, option: o, steps: r.steps, lastFraction: 1, view: view)
                if best == nil || c < best!.0 { best = (c, r) }
            }
            return best?.1
        }
        let end = searchEnd(shape)
        var candidates: [(cost: Double, start: Int, option: Int)] = []
        for (rank, o) in options.enumerated() {
            let opt = shape.options[o]
            let n = opt.steps
            guard t0 + n <= end else { continue }
            let kw = facilityKilowatts(shape, option: o)
            // Prefix sums of the forecast over [t0, end).
            var prefix = [0.0]
            prefix.reserveCapacity(end - t0 + 1)
            for s in t0..<end { prefix.append(prefix.last! + view.carbon(region: opt.region, step: s)) }
            for start in t0...(end - n) {
                let i = start - t0
                let full = prefix[i + n - 1] - prefix[i]
                let last = prefix[i + n] - prefix[i + n - 1]
                candidates.append(((full + last * opt.lastFraction) * kw, start, rank))
            }
        }
        guard !candidates.isEmpty else { return nil }
        let ordered = candidates.sorted { a, b in
            if a.cost != b.cost { return a.cost < b.cost }
            if a.start != b.start { return a.start < b.start }
            return a.option < b.option
        }
        for c in ordered {
            let r = run(shape, option: options[c.option], start: c.start)
            if occupancy.fits(r.region, r.pool, steps: r.steps, devices: shape.job.deviceCount) { return r }
        }
        return nil
    }

    /// The cleanest forecast steps with room before the deadline, in one option; with a checkpoint
    /// overhead, the steps needed grow with the runs taken (settled in a few rounds).
    func cleanestSteps(_ shape: JobShape, option o: Int, now: Int, view: ForecastView, occupancy: Occupancy) -> JobRun? {
        let opt = shape.options[o]
        let job = shape.job
        let t0 = max(now, shape.releaseStep)
        let end = searchEnd(shape)
        guard t0 < end else { return nil }
        let free = (t0..<end).filter { occupancy.fits(opt.region, opt.pool, steps: CollectionOfOne($0), devices: job.deviceCount) }
        let ranked = free.map { ($0, view.carbon(region: opt.region, step: $0)) }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        let speed = scenario.catalog.regions[opt.region].pools[opt.pool].relativeSpeed
        var runs = 1
        for _ in 0..<8 {
            let exact = job.runningHours(speed: speed, chunks: runs) / scenario.stepHours
            let n = max(1, Int((exact - 1e-9).rounded(.up)))
            guard n <= ranked.count else { return nil }
            let steps = ranked.prefix(n).map(\.0).sorted()
            let k = PlanningHorizon.runs(steps).count
            if k <= runs || job.checkpointOverheadHours == 0 || k > job.maxChunks {
                if k > job.maxChunks { return nil }
                return JobRun(region: opt.region, pool: opt.pool, steps: steps, lastFraction: exact - Double(n - 1))
            }
            runs = k
        }
        return nil
    }

    func waitAwhile(_ shape: JobShape, now: Int, view: ForecastView, occupancy: Occupancy) -> JobRun? {
        let order = byLatency(shape)
        if shape.job.servesWholeWindow { return asSoonAsPossible(shape, from: now, occupancy: occupancy) }
        for o in order {
            if shape.job.interruptible && shape.job.maxChunks > 1 {
                if let r = cleanestSteps(shape, option: o, now: now, view: view, occupancy: occupancy) { return r }
            } else if let r = lowestWindow(shape, options: [o], now: now, view: view, occupancy: occupancy) {
                return r
            }
        }
        return nil
    }
}
