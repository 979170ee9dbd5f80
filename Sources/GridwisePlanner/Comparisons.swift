import Foundation
import GridwiseCore

/// What other planners would do with the same problem, scored by Gridwise's cost model: for benchmarks
/// and experiments (`bench/`, `gridwise simulate`).
public enum Comparisons {
    /// A plan's standing: the objective of the jobs it places, in the planner's normalised units.
    public struct Score: Sendable, Equatable {
        public var objective: Double
        public var jobsPlaced: Int
        public var carbonKg: Double
        /// Device-hours held beyond what pools have free, summed over hours (0 for a feasible plan).
        public var overCapacityDeviceHours: Int
    }

    /// Each job alone at its best schedule with capacity ignored: the Carbon Aware SDK's answer
    /// ("the best window for this job"), which may overfill regions.
    public static func eachJobAlone(_ problem: PlanningProblem) -> Score {
        let (compiled, _, _, model) = Planner.prepare(problem)
        let flat = FlatProblem(model: model, allowSplitting: problem.policy.allowSplitting)
        var placer = Placer(flat: flat, generator: CandidateGenerator(model: model), ignoresCapacity: true)
        placer.greedy(order: Array(0..<flat.jobCount), prices: nil)
        var over = 0
        for (q, row) in placer.used.enumerated() {
            for (t, u) in row.enumerated() { over += Int(max(0, u - flat.capacity[q][t])) }
        }
        let carbon = placer.assignment.enumerated().reduce(0.0) { sum, item in
            let (j, a) = item
            guard a.option >= 0 else { return sum }
            return sum + model.metrics(job: j, option: compiled.options[j][Int(flat.options[a.option].index)], slots: a.slots, chunks: a.chunks).carbonKilograms
        }
        return Score(objective: placer.objective, jobsPlaced: placer.placedMask.filter { $0 }.count, carbonKg: carbon, overCapacityDeviceHours: over)
    }

    /// The carbon-agnostic baseline every plan is compared with, scored.
    public static func baseline(_ problem: PlanningProblem) -> Score {
        let (_, baseline, metrics, model) = Planner.prepare(problem)
        return Score(objective: metrics.reduce(0) { $0 + model.objective($1) }, jobsPlaced: baseline.placements.count,
                     carbonKg: metrics.reduce(0) { $0 + $1.carbonKilograms }, overCapacityDeviceHours: 0)
    }

    /// The problem as a time-indexed model for an external MILP solver (bench/highs_milp.py), as JSON:
    /// per region the objective per kWh in each hour, per resource (a region's pool) the devices free in
    /// each hour, per job its window, devices and options. Contiguous schedules only.
    public static func timeIndexedModelJSON(_ problem: PlanningProblem) -> String {
        let (compiled, _, _, model) = Planner.prepare(problem)
        let flat = FlatProblem(model: model, allowSplitting: false)
        func list<T>(_ xs: [T], _ f: (T) -> String) -> String { "[" + xs.map(f).joined(separator: ",") + "]" }
        func num(_ v: Double) -> String { "\(v)" }
        func quoted(_ text: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed])
            return String(decoding: data, as: UTF8.self)
        }
        var out = "{\"hours\":\(flat.hours),\"delay_weight\":\(num(flat.delayWeight)),\n\"rate\":"
        out += list(flat.rate) { list($0, num) } + ",\n\"capacity\":" + list(flat.capacity) { list($0) { "\($0)" } }
        out += ",\n\"jobs\":[\n"
        for j in 0..<flat.jobCount {
            let options = (flat.optionStart[j]..<flat.optionStart[j + 1]).map { flat.options[$0] }
            out += (j > 0 ? ",\n" : "") + "{\"id\":\(quoted(problem.jobs[j].id)),\"devices\":\(flat.devices[j]),\"window\":[\(flat.windowStart[j]),\(flat.windowEnd[j])],\"release_hour\":\(num(flat.releaseHour[j])),\"options\":"
            out += list(options) { o in
                let named = compiled.options[j][Int(o.index)]
                let region = problem.catalog.regions[named.region]
                return "{\"region_name\":\(quoted(region.name)),\"pool\":\(quoted(region.pools[named.pool].type)),\"resource\":\(o.resource),\"region\":\(o.region),\"energy\":\(num(o.energy)),\"water\":\(num(o.water)),\"latency\":\(num(o.latency)),\"running\":\(num(o.running)),\"slots\":\(o.slots)}"
            } + "}"
        }
        return out + "\n]}\n"
    }
}
