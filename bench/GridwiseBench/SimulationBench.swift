import Foundation
import GridwiseCore
import GridwisePlanner
import GridwiseSignals
import GridwiseSimulation

/// `gridwise-bench simulate`: a year of hourly signals for 16 regions and a seeded trace of jobs, replayed
/// under every policy with the planner re-planning daily; one JSON line per policy and one for the run.
///
///   gridwise-bench simulate [--data ../shared/data] [--jobs 10000] [--seed 1] [--replan daily]
///
/// With --data, carbon is Electricity Maps' 2023 hourly direct intensity of the 16 zones in
/// carbon/electricitymaps-hourly-2022-2023 and prices the 2023 wholesale series where one exists (else a
/// flat 60 USD/MWh, stated); without it, seeded synthetic daily shapes (stated).
enum SimulationBench {
    static let zones = ["AU-NSW", "AU-VIC", "BR-SP", "CA-ON", "CL-SIC", "DE-LU", "GB", "IN-WE", "JP-TK", "KR", "SG", "US-CAL-CISO", "US-MIDA-PJM", "US-NY-NYIS", "US-TEX-ERCO", "ZA"]
    static let populations = ["americas", "europe", "asia", "oceania"]

    static func series(_ path: String, column: String, start: Instant, hours: Int) -> [Double]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let table = CSVTable(text: text)
        guard let tc = table.header.firstIndex(of: "Datetime (UTC)"), let vc = table.header.firstIndex(of: column) else { return nil }
        var values = [Double](repeating: .nan, count: hours)
        for (_, fields) in table.rows where fields.count > max(tc, vc) {
            guard let t = try? Instant.parse(String(fields[tc].prefix(19)), defaultOffsetSeconds: 0), let v = Double(fields[vc]) else { continue }
            let h = Int((t.secondsSinceEpoch - start.secondsSinceEpoch) / 3600)
            if h >= 0 && h < hours { values[h] = v }
        }
        // Fill gaps with the previous hour (counted and reported by the caller through NaNs seen).
        var last = values.first { !$0.isNaN } ?? 0
        for h in 0..<hours { if values[h].isNaN { values[h] = last } else { last = values[h] } }
        return values
    }

    static func run(_ values: [String: String]) {
        let jobCount = values["jobs"].flatMap(Int.init) ?? 10_000
        let seed = values["seed"].flatMap(UInt64.init) ?? 1
        let cadence = ReplanCadence(rawValue: values["replan"] ?? "daily") ?? .daily
        let start = Instant(year: 2023, month: 1, day: 1)
        let hours = 8_760
        var rng = SeededGenerator(seed: seed)
        func uniform() -> Double { rng.nextUnit() }
        var carbon: [[Double]] = []
        var price: [[Double]] = []
        var sources: [String] = []
        for (z, zone) in zones.enumerated() {
            if let data = values["data"],
                let c = series("\(data)/carbon/electricitymaps-hourly-2022-2023/\(zone)_2023_hourly.csv", column: "Carbon Intensity gCO₂eq/kWh (direct)", start: start, hours: hours)
            {
                carbon.append(c)
                if let p = series("\(data)/prices/wholesale-hourly-2022-2023/\(zone)_electricity_prices_2023.csv", column: "Price (USD/MWh)", start: start, hours: hours) {
                    price.append(p)
                    sources.append("\(zone): Electricity Maps 2023 + wholesale prices 2023")
                } else {
                    price.append([Double](repeating: 60, count: hours))
                    sources.append("\(zone): Electricity Maps 2023; price flat 60 USD/MWh (no series)")
                }
            } else {
                let mean = 50 + 650 * uniform(), swing = 0.1 + 0.4 * uniform(), phase = Double(z)
                carbon.append((0..<hours).map { mean * (1 + swing * sin(2 * Double.pi * (Double($0 % 24) + phase) / 24)) })
                price.append((0..<hours).map { 40 + 40 * (1 + sin(2 * Double.pi * (Double($0 % 24) + phase + 6) / 24)) })
                sources.append("\(zone): synthetic (no --data)")
            }
        }
        let regions = zones.enumerated().map { z, zone in
            Region(name: zone.lowercased(), carbonZone: zone, pools: [
                AcceleratorPool(type: "H100", count: 64, powerKilowattsPerDevice: 0.7, relativeSpeed: 2),
                AcceleratorPool(type: "A100", count: 128, powerKilowattsPerDevice: 0.3),
                AcceleratorPool(type: "T4", count: 64, powerKilowattsPerDevice: 0.07, relativeSpeed: 0.15),
            ], powerUsageEffectiveness: 1.1 + 0.4 * uniform(), waterLitresPerKilowattHour: 0.5 + 1.5 * uniform(),
            latencyMilliseconds: Dictionary(uniqueKeysWithValues: populations.enumerated().map { p, name in (name, Double(10 + ((z * 7 + p * 13) % 24) * 10)) }))
        }
        let gpus = [1, 1, 1, 1, 2, 2, 4, 8]
        let jobs = (0..<jobCount).map { i -> Job in
            let submit = start.adding(seconds: Int64(uniform() * Double((hours - 96) * 3600)))
            let h = min(48, 0.5 + -log(max(1e-12, uniform())) * 6)
            let interruptible = uniform() < 0.3
            let slack = 24 * uniform()
            return Job(id: "job-\(i)", kind: .training, deviceCount: gpus[Int(rng.next() % UInt64(gpus.count))], work: .referenceHours(h), release: submit,
                       deadline: submit.adding(seconds: Int64((h + slack) * 3600)), interruptible: interruptible, checkpointOverheadHours: interruptible ? 0.1 : 0,
                       maxChunks: interruptible ? 4 : 1, population: populations[Int(rng.next() % UInt64(populations.count))])
        }
        let balanced = GridwiseCore.Policy(name: "balanced", weights: ObjectiveWeights(carbon: 1, cost: 1, water: 0.2, latency: 0.2, delay: 0.1))
        let scenario = Scenario(start: start, stepSeconds: 3600, steps: hours, catalog: RegionCatalog(regions: regions), carbon: carbon, price: price,
                                currency: "USD", jobs: jobs, provenance: sources)
        let simulator = Simulator(scenario: scenario, options: SimulationOptions(forecast: .gaussian(fraction: 0.05, seed: seed), cadence: cadence))
        let clock = ContinuousClock()
        let began = clock.now
        var total = 0.0
        var agnosticCarbon = 0.0
        for policy in [SimulationPolicy.carbonAgnostic, .lowestWindow, .waitAwhile, .planner(balanced)] {
            let r = simulator.run(policy)
            total += r.seconds
            if policy == .carbonAgnostic { agnosticCarbon = r.totals.carbonKg }
            let record: [String: Any] = [
                "policy": policy.name, "seconds": r.seconds, "replans": r.replans, "jobs_run": r.totals.ran, "carbon_kg": r.totals.carbonKg,
                "carbon_saved": agnosticCarbon > 0 ? 1 - r.totals.carbonKg / agnosticCarbon : 0, "deadline_misses": r.totals.deadlineMisses,
                "mean_delay_h": r.totals.meanDelayHours,
            ]
            print(String(decoding: try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
        }
        let elapsed = clock.now - began
        let record: [String: Any] = [
            "run": "simulate", "regions": zones.count, "hours": hours, "jobs": jobCount, "replan": cadence.rawValue, "seed": seed,
            "policies_seconds": total, "wall_seconds": Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
            "peak_rss_mb": peakResidentMegabytes(), "signals": values["data"] == nil ? "synthetic" : "real (see sources)", "sources": sources,
        ]
        print(String(decoding: try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
    }
}
