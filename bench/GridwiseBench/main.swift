import Foundation
import GridwiseCore
import GridwisePlanner

// gridwise-bench: one solver on one seeded generated instance, one JSON line out (see BENCHMARKS.md).
//
//   gridwise-bench --jobs 10000 [--seed 1] [--interruptible 0.2] [--solver gridwise|alone|baseline]
//                  [--time-limit S] [--target-gap F] [--bound-iterations N] [--moves N] [--restarts N] [--restart-from scratch|plan|both] [--export-model FILE] [--write-plan FILE]

func usage(_ message: String) -> Never {
    FileHandle.standardError.write(Data("gridwise-bench: \(message)\nusage: gridwise-bench --jobs N [--seed S] [--interruptible F] [--solver gridwise|alone|baseline] [--time-limit S] [--target-gap F] [--bound-iterations N] [--moves N] [--restarts N] [--restart-from scratch|plan|both] [--export-model FILE] [--write-plan FILE]\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "simulate" {
    arguments.removeFirst()
    var options: [String: String] = [:]
    while arguments.count >= 2, arguments[0].hasPrefix("--") { options[String(arguments.removeFirst().dropFirst(2))] = arguments.removeFirst() }
    guard arguments.isEmpty, options.keys.allSatisfy({ ["data", "jobs", "seed", "replan"].contains($0) }) else {
        usage("simulate takes --data DIR, --jobs N, --seed S, --replan arrival|hourly|daily")
    }
    SimulationBench.run(options)
    exit(0)
}
var values: [String: String] = [:]
while !arguments.isEmpty {
    let key = arguments.removeFirst()
    guard key.hasPrefix("--"), !arguments.isEmpty else { usage("expected --option value, found '\(key)'") }
    values[String(key.dropFirst(2))] = arguments.removeFirst()
}
for key in values.keys where !["jobs", "seed", "interruptible", "solver", "time-limit", "target-gap", "bound-iterations", "moves", "restarts", "restart-from", "export-model", "write-plan", "regions", "hours"].contains(key) {
    usage("unknown option --\(key)")
}
guard let jobs = values["jobs"].flatMap(Int.init), jobs > 0 else { usage("--jobs needs a positive whole number") }
var spec = InstanceSpec(jobs: jobs)
if let s = values["seed"] { guard let v = UInt64(s) else { usage("--seed needs a whole number") }; spec.seed = v }
if let s = values["interruptible"] { guard let v = Double(s), (0...1).contains(v) else { usage("--interruptible needs a share from 0 to 1") }; spec.interruptibleShare = v }
if let s = values["regions"] { guard let v = Int(s), v > 0 else { usage("--regions needs a positive whole number") }; spec.regions = v }
if let s = values["hours"] { guard let v = Int(s), v >= 48 else { usage("--hours needs at least 48") }; spec.hours = v }
let solver = values["solver"] ?? "gridwise"
guard ["gridwise", "alone", "baseline"].contains(solver) else { usage("--solver is gridwise, alone or baseline") }

let problem = InstanceGenerator.generate(spec)

if let path = values["export-model"] {
    do {
        try Comparisons.timeIndexedModelJSON(problem).write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        FileHandle.standardError.write(Data("gridwise-bench: cannot write \(path): \(error)\n".utf8))
        exit(73)
    }
    exit(0)
}

/// Peak resident memory of this process, MB (Linux VmHWM).
func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return -1 }
    return kb / 1024
}

/// The plan's placements as `{"placements": {job id: {"region", "pool", "slots"}}}` (slots: hours from the
/// horizon's start), the shape `bench/compare_plans.py` reads beside `bench/highs_milp.py --solution`.
func writePlacements(_ plan: Plan, to path: String) {
    var placements: [String: Any] = [:]
    for p in plan.placements {
        var slots: [Int] = []
        for chunk in p.chunks {
            guard let start = try? Instant.parse(chunk.start), let end = try? Instant.parse(chunk.end) else {
                FileHandle.standardError.write(Data("gridwise-bench: a chunk of \(p.job) has an unreadable time\n".utf8))
                exit(70)
            }
            let first = Int(start.hours(since: problem.horizon.start)), last = Int(end.hours(since: problem.horizon.start))
            slots += Array(first..<last)
        }
        placements[p.job] = ["region": p.region, "pool": p.pool, "slots": slots]
    }
    do {
        let data = try JSONSerialization.data(withJSONObject: ["placements": placements], options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: path))
    } catch {
        FileHandle.standardError.write(Data("gridwise-bench: cannot write \(path): \(error)\n".utf8))
        exit(73)
    }
}

let clock = ContinuousClock()
let began = clock.now
var gridwisePlan: Plan?
var record: [String: Any] = ["jobs": jobs, "seed": spec.seed, "solver": solver, "regions": spec.regions, "hours": spec.hours, "interruptible": spec.interruptibleShare]
switch solver {
case "gridwise":
    var options = PlannerOptions()
    if let s = values["time-limit"] { guard let v = Double(s), v > 0 else { usage("--time-limit needs seconds > 0") }; options.timeLimit = v }
    if let s = values["target-gap"] { guard let v = Double(s), v >= 0 else { usage("--target-gap needs a fraction >= 0") }; options.targetGap = v }
    if let s = values["moves"] { guard let v = Int(s), v >= 0 else { usage("--moves needs a whole number >= 0") }; options.neighbourhoodMoves = v }
    if let s = values["restarts"] { guard let v = Int(s), v >= 0 else { usage("--restarts needs a whole number >= 0") }; options.restarts = v }
    if let s = values["restart-from"] { guard let v = RestartStart(rawValue: s) else { usage("--restart-from needs scratch, plan or both") }; options.restartFrom = v }
    if let s = values["bound-iterations"] { guard let v = Int(s), v > 0 else { usage("--bound-iterations needs a positive whole number") }; options.boundIterations = v }
    let plan = Planner.plan(problem, inputs: PlanInputs(jobs: "generated", regions: "generated", policy: "generated", signals: "generated"), generatedBy: "gridwise-bench", options: options)
    record["objective"] = plan.optimality.objective
    record["bound"] = plan.optimality.lowerBound
    record["gap"] = plan.optimality.gap
    record["status"] = plan.optimality.status
    record["placed"] = plan.placements.count
    record["carbon_kg"] = plan.totals.carbonKg
    record["over_capacity_device_hours"] = 0
    gridwisePlan = plan
case "alone":
    let score = Comparisons.eachJobAlone(problem)
    record["objective"] = score.objective
    record["placed"] = score.jobsPlaced
    record["carbon_kg"] = score.carbonKg
    record["over_capacity_device_hours"] = score.overCapacityDeviceHours
default:
    let score = Comparisons.baseline(problem)
    record["objective"] = score.objective
    record["placed"] = score.jobsPlaced
    record["carbon_kg"] = score.carbonKg
    record["over_capacity_device_hours"] = 0
}
let elapsed = clock.now - began
record["seconds"] = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
record["peak_rss_mb"] = peakResidentMegabytes()
if let path = values["write-plan"] {
    guard let plan = gridwisePlan else { usage("--write-plan needs --solver gridwise") }
    writePlacements(plan, to: path)  // after the clock stops
}
let data = try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
