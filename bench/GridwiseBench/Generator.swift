import Foundation
import GridwiseCore
import GridwisePlanner

/// Seeded synthetic planning instances for benchmarks: `regions` sites in three user groups, a week of
/// hourly carbon and price with daily shapes, heterogeneous pools (H100 everywhere, slower A100 in half
/// the sites), maintenance reservations, and a job mix of training, fine-tuning, batch inference
/// (a share of it interruptible) and online inference with latency SLOs. Capacity is sized so that the
/// clean hours are contended: the pools could hold the week's device-hours about twice over.
struct InstanceSpec: Sendable {
    var jobs: Int
    var regions = 16
    var hours = 168
    var seed: UInt64 = 1
    /// Share of training, fine-tuning and batch jobs that may be interrupted at checkpoints.
    var interruptibleShare = 0.0
    /// Pool capacity over the week's device-hours demand (2: the week could be run twice over).
    var capacityFactor = 2.0
}

enum InstanceGenerator {
    static let start = Instant(year: 2026, month: 6, day: 1)
    static let populations = ["americas", "europe", "asia"]

    static func generate(_ spec: InstanceSpec) -> PlanningProblem {
        var rng = SeededGenerator(seed: spec.seed)
        let horizon = PlanningHorizon(start: start, hours: spec.hours)
        func uniform(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &rng) }

        // Jobs first: their device-hours size the pools.
        var jobs: [Job] = []
        jobs.reserveCapacity(spec.jobs)
        var demand = 0.0
        for j in 0..<spec.jobs {
            let roll = uniform(0...1)
            let kind: JobKind = roll < 0.25 ? .training : roll < 0.55 ? .fineTuning : roll < 0.95 ? .batchInference : .onlineInference
            let population = populations[Int.random(in: 0..<3, using: &rng)]
            if kind == .onlineInference {
                let length = Int.random(in: 24...72, using: &rng)
                let release = Int.random(in: 0...(spec.hours - length), using: &rng)
                let devices = [1, 2, 4].randomElement(using: &rng)!
                demand += Double(devices * length)
                jobs.append(Job(
                    id: "j\(j)", kind: kind, deviceCount: devices, work: .fixedHours(Double(length)), release: start.adding(hours: release),
                    deadline: start.adding(hours: release + length), population: population, latencySLOMilliseconds: 60, priority: 8))
                continue
            }
            let devices: Int
            let work: Double
            switch kind {
            case .training:
                devices = [8, 16, 32, 64].randomElement(using: &rng)!
                work = (uniform(6...48) * 4).rounded() / 4
            case .fineTuning:
                devices = [1, 2, 4, 8].randomElement(using: &rng)!
                work = (uniform(1...12) * 4).rounded() / 4
            default:
                devices = [1, 2, 4].randomElement(using: &rng)!
                work = (uniform(1...8) * 4).rounded() / 4
            }
            demand += Double(devices) * work
            let slack = work * uniform(0.3...2.0) + uniform(2...24)
            let latest = Double(spec.hours) - work - slack
            let releaseHour = latest > 0 ? Int(uniform(0...latest)) : 0
            let deadlineHour = min(spec.hours, releaseHour + Int((work + slack).rounded(.up)))
            let interruptible = kind != .onlineInference && uniform(0...1) < spec.interruptibleShare
            let types = uniform(0...1) < 0.2 ? ["H100"] : []
            jobs.append(Job(
                id: "j\(j)", kind: kind, deviceCount: devices, deviceTypes: types, work: .referenceHours(work), release: start.adding(hours: releaseHour),
                deadline: start.adding(hours: deadlineHour), interruptible: interruptible,
                checkpointOverheadHours: interruptible ? [0.1, 0.25].randomElement(using: &rng)! : 0, maxChunks: interruptible ? 3 : 1,
                population: uniform(0...1) < 0.3 ? population : nil, priority: kind == .training ? 6 : 5))
        }

        // Sites: three groups near the three populations; carbon means spread as real grids are.
        let means: [Double] = [25, 45, 60, 90, 120, 160, 210, 260, 310, 360, 410, 460, 520, 580, 640, 720]
        var regions: [Region] = []
        var carbon: [String: HourlySeries] = [:]
        var price: [String: HourlySeries] = [:]
        let perRegionDeviceHours = demand * spec.capacityFactor / Double(spec.regions)
        for r in 0..<spec.regions {
            let zone = "Z\(r)"
            let group = r % 3
            let mean = means[(r * 7) % means.count] * uniform(0.9...1.1)
            let solar = uniform(0...0.5)
            let offset = [-6, 1, 8][group]
            let carbonValues = (0..<spec.hours).map { t -> Double in
                let local = Double((t + offset + 24) % 24)
                let day = max(0, sin((local - 6) / 12 * Double.pi))
                return max(5, mean * (1 - solar * day) * uniform(0.93...1.07))
            }
            let priceMean = uniform(40...110)
            let priceValues = (0..<spec.hours).map { t -> Double in
                let local = Double((t + offset + 24) % 24)
                let evening = exp(-pow((local - 19) / 3, 2))
                return (priceMean * (0.8 + 0.5 * evening - 0.3 * solar * max(0, sin((local - 6) / 12 * Double.pi))) * uniform(0.9...1.1) * 100).rounded() / 100
            }
            func series(_ kind: SignalKind, _ values: [Double]) -> HourlySeries {
                HourlySeries(values: values, provenance: [SeriesProvenance(
                    zone: zone, signal: kind, source: "generated", origin: "bench seed \(spec.seed)", declaredUnit: kind == .price ? "USD/MWh" : "gCO2eq/kWh",
                    hours: [TimeRange(start: horizon.start.iso8601, end: horizon.end.iso8601)])], currency: kind == .price ? "USD" : nil)
            }
            carbon[zone] = series(.carbonIntensity, carbonValues)
            price[zone] = series(.price, priceValues)
            let hasA100 = r % 2 == 1
            let deviceCount = max(64, Int(perRegionDeviceHours / Double(spec.hours) / (hasA100 ? 1.6 : 1)))
            var pools = [AcceleratorPool(type: "H100", count: deviceCount, powerKilowattsPerDevice: 0.7, relativeSpeed: 1)]
            if hasA100 { pools.append(AcceleratorPool(type: "A100", count: deviceCount, powerKilowattsPerDevice: 0.4, relativeSpeed: 0.6)) }
            if r % 4 == 0 {
                let from = Int.random(in: 0...(spec.hours - 12), using: &rng)
                pools[0].reservations = [CapacityReservation(start: start.adding(hours: from), end: start.adding(hours: from + 8), devices: deviceCount / 2, reason: "maintenance")]
            }
            let latency = Dictionary(uniqueKeysWithValues: populations.enumerated().map { g, name in
                (name, g == group ? uniform(8...40) : uniform(80...220))
            })
            regions.append(Region(
                name: "site-\(r)", carbonZone: zone, pools: pools, powerUsageEffectiveness: uniform(1.08...1.5),
                waterLitresPerKilowattHour: uniform(0...1.8), latencyMilliseconds: latency))
        }
        let policy = Policy(name: "bench-balanced", weights: ObjectiveWeights(carbon: 1, cost: 0.5, water: 0.1, latency: 0.1, delay: 0.05))
        return PlanningProblem(jobs: jobs, catalog: RegionCatalog(regions: regions), policy: policy,
                               signals: GridSignals(horizon: horizon, carbon: carbon, price: price, currency: "USD"))
    }
}
