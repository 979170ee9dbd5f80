import GridwiseCore

/// The problem in flat arrays for the large-scale path: per region an objective rate per kWh and hour,
/// per (region, pool) "resource" the devices free in each hour, per job its options.
///
/// The objective of running option `o` of job `j` contiguously from slot `s` for `L` slots (the last one
/// used for a fraction `f`) is
///
///     e x (R[s+L-1] - R[s]) + e x f x rate[s+L-1] + water x (L - 1 + f) + latency x running + delay
///
/// where `R` is the prefix sum of the region's rate (the carbon and cost weights, divided by their
/// normalisers, per kWh); it is the same sum `CostModel.objective` computes term by term.
struct FlatProblem {
    struct Option {
        /// Index into `CompiledProblem.options[j]`.
        var index: Int32
        var resource: Int32
        var region: Int32
        /// Facility kWh per full hour.
        var energy: Double
        /// Water objective per full hour.
        var water: Double
        /// Latency objective per running hour.
        var latency: Double
        /// Running hours in one piece, and the slots they occupy.
        var running: Double
        var slots: Int32
    }

    let compiled: CompiledProblem
    let model: CostModel
    let hours: Int
    /// Resource id -> (region, pool).
    let resources: [(region: Int, pool: Int)]
    let resourceIndex: [[Int]]
    /// Devices available per resource and hour.
    let capacity: [[Int32]]
    /// Objective per facility kWh, per region and hour, and its prefix sums (hours + 1 entries).
    let rate: [[Double]]
    let ratePrefix: [[Double]]
    let delayWeight: Double
    /// Per job.
    let devices: [Int32]
    let windowStart: [Int32]
    let windowEnd: [Int32]
    let releaseHour: [Double]
    let maxChunks: [Int32]
    let overhead: [Double]
    /// Options of job j are `options[optionStart[j] ..< optionStart[j + 1]]`.
    let optionStart: [Int]
    let options: [Option]

    init(model: CostModel, allowSplitting: Bool) {
        let compiled = model.compiled
        self.compiled = compiled
        self.model = model
        hours = compiled.hours
        let regions = compiled.problem.catalog.regions
        var resources: [(region: Int, pool: Int)] = []
        var resourceIndex: [[Int]] = []
        for (r, region) in regions.enumerated() {
            resourceIndex.append(region.pools.indices.map { p in
                resources.append((r, p))
                return resources.count - 1
            })
        }
        self.resources = resources
        self.resourceIndex = resourceIndex
        capacity = resources.map { compiled.capacity[$0.region][$0.pool] }
        let weights = model.weights, n = model.normalisers
        let carbonFactor = weights.carbon / 1000 / n.carbonKilograms, costFactor = weights.cost / 1000 / n.cost
        rate = regions.indices.map { r in (0..<compiled.hours).map { t in carbonFactor * compiled.carbon[r][t] + costFactor * compiled.price[r][t] } }
        ratePrefix = rate.map { values in
            var prefix = [Double](repeating: 0, count: values.count + 1)
            for (t, v) in values.enumerated() { prefix[t + 1] = prefix[t] + v }
            return prefix
        }
        delayWeight = weights.delay / n.delayHours
        let jobs = compiled.problem.jobs
        devices = jobs.map { Int32($0.deviceCount) }
        windowStart = compiled.windows.map { Int32($0.lowerBound) }
        windowEnd = compiled.windows.map { Int32($0.upperBound) }
        let start = compiled.problem.horizon.start
        releaseHour = jobs.map { $0.release.hours(since: start) }
        maxChunks = jobs.map { Int32($0.interruptible && allowSplitting ? $0.maxChunks : 1) }
        overhead = jobs.map(\.checkpointOverheadHours)
        var optionStart = [0]
        var options: [Option] = []
        for (j, job) in jobs.enumerated() {
            for (i, o) in compiled.options[j].enumerated() {
                let running = job.runningHours(speed: o.speed)
                let wue = regions[o.region].waterLitresPerKilowattHour
                options.append(Option(
                    index: Int32(i), resource: Int32(resourceIndex[o.region][o.pool]), region: Int32(o.region), energy: o.facilityKilowattHoursPerHour,
                    water: weights.water * o.itKilowattHoursPerHour * wue / n.waterLitres,
                    latency: weights.latency * (o.latencyMilliseconds ?? 0) / n.latencyMillisecondHours,
                    running: running, slots: Int32((running - 1e-9).rounded(.up))))
            }
            optionStart.append(options.count)
        }
        self.optionStart = optionStart
        self.options = options
    }

    var jobCount: Int { devices.count }

    /// Running hours and slots of option `o` in `k` pieces.
    @inline(__always)
    func shape(_ o: Option, job j: Int, chunks k: Int) -> (running: Double, slots: Int, fraction: Double) {
        let running = o.running + Double(k - 1) * overhead[j]
        let slots = Int((running - 1e-9).rounded(.up))
        return (running, slots, running - Double(slots - 1))
    }

    /// The objective of running option `o` of job `j` in one piece from slot `s` (see the type's comment).
    @inline(__always)
    func contiguousObjective(_ o: Option, job j: Int, start s: Int) -> Double {
        let L = Int(o.slots)
        let fraction = o.running - Double(L - 1)
        let r = Int(o.region)
        let last = s + L - 1
        let energyTerm = o.energy * (ratePrefix[r][last] - ratePrefix[r][s] + fraction * rate[r][last])
        let finish = Double(last) + fraction
        return energyTerm + o.water * (Double(L - 1) + fraction) + o.latency * o.running
            + delayWeight * max(0, finish - releaseHour[j] - o.running)
    }

    /// The objective of one full hour at slot `t` on option `o`, without latency and delay.
    @inline(__always)
    func hourly(_ o: Option, slot t: Int) -> Double {
        o.energy * rate[Int(o.region)][t] + o.water
    }
}
