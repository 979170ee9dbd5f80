import GridwiseCore

/// What one placement costs, in physical units.
struct Metrics: Equatable {
    var energyKilowattHours = 0.0
    var carbonKilograms = 0.0
    var cost = 0.0
    var waterLitres = 0.0
    /// Latency in ms times running hours (0 when the job names no population).
    var latencyMillisecondHours = 0.0
    var delayHours = 0.0
    var runningHours = 0.0
    /// Finish time in hours after the horizon start.
    var finishHour = 0.0
}

/// Turns placements into metrics and metrics into the policy objective.
///
/// A job occupies whole hourly slots; it runs `runningHours` (work / speed plus checkpoint overhead per
/// resume), so the last slot may be partly used, and energy counts only the part used.
struct CostModel {
    let compiled: CompiledProblem
    let weights: ObjectiveWeights
    /// Baseline values each term is divided by (see Policy).
    let normalisers: Normalisers

    struct Normalisers: Equatable {
        var carbonKilograms = 1.0
        var cost = 1.0
        var waterLitres = 1.0
        var latencyMillisecondHours = 1.0
        var delayHours = 1.0

        /// As recorded in a plan's `optimality.normalisers`.
        var asDictionary: [String: Double] {
            ["carbon_kg": carbonKilograms, "cost": cost, "water_l": waterLitres, "latency_ms_h": latencyMillisecondHours, "delay_h": delayHours]
        }

        init() {}

        /// Read back from a plan; a missing entry is 1 (a term with nothing to divide by).
        init(_ recorded: [String: Double]) {
            carbonKilograms = recorded["carbon_kg"] ?? 1
            cost = recorded["cost"] ?? 1
            waterLitres = recorded["water_l"] ?? 1
            latencyMillisecondHours = recorded["latency_ms_h"] ?? 1
            delayHours = recorded["delay_h"] ?? 1
        }

        init(carbonKilograms: Double, cost: Double, waterLitres: Double, latencyMillisecondHours: Double, delayHours: Double) {
            self.carbonKilograms = carbonKilograms
            self.cost = cost
            self.waterLitres = waterLitres
            self.latencyMillisecondHours = latencyMillisecondHours
            self.delayHours = delayHours
        }
    }

    /// Objective contribution of one full hour at slot `t` (carbon, cost, water terms only).
    func hourlyObjective(_ option: PoolOption, slot t: Int) -> Double {
        let e = option.facilityKilowattHoursPerHour
        return weights.carbon * e * compiled.carbon[option.region][t] / 1000 / normalisers.carbonKilograms
            + weights.cost * e * compiled.price[option.region][t] / 1000 / normalisers.cost
            + weights.water * option.itKilowattHoursPerHour * compiled.problem.catalog.regions[option.region].waterLitresPerKilowattHour / normalisers.waterLitres
    }

    /// Objective terms that depend only on where and how long, not on which hours: latency.
    func fixedObjective(_ option: PoolOption, runningHours: Double) -> Double {
        weights.latency * (option.latencyMilliseconds ?? 0) * runningHours / normalisers.latencyMillisecondHours
    }

    func delayObjective(delayHours: Double) -> Double { weights.delay * delayHours / normalisers.delayHours }

    func metrics(job j: Int, option: PoolOption, slots: [Int], chunks: Int) -> Metrics {
        let job = compiled.problem.jobs[j]
        let region = compiled.problem.catalog.regions[option.region]
        let running = job.runningHours(speed: option.speed, chunks: chunks)
        let lastFraction = running - Double(slots.count - 1)
        var m = Metrics()
        for (i, t) in slots.enumerated() {
            let f = i == slots.count - 1 ? lastFraction : 1
            let e = option.facilityKilowattHoursPerHour * f
            m.energyKilowattHours += e
            m.carbonKilograms += e * compiled.carbon[option.region][t] / 1000
            m.cost += e * compiled.price[option.region][t] / 1000
            m.waterLitres += option.itKilowattHoursPerHour * f * region.waterLitresPerKilowattHour
        }
        m.runningHours = running
        m.latencyMillisecondHours = (option.latencyMilliseconds ?? 0) * running
        m.finishHour = Double(slots.last ?? 0) + lastFraction
        let releaseHour = job.release.hours(since: compiled.problem.horizon.start)
        m.delayHours = max(0, m.finishHour - releaseHour - running)
        return m
    }

    func objective(_ m: Metrics) -> Double {
        weights.carbon * m.carbonKilograms / normalisers.carbonKilograms
            + weights.cost * m.cost / normalisers.cost
            + weights.water * m.waterLitres / normalisers.waterLitres
            + weights.latency * m.latencyMillisecondHours / normalisers.latencyMillisecondHours
            + weights.delay * m.delayHours / normalisers.delayHours
    }
}
