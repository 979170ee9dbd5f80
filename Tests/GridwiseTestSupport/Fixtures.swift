import GridwiseCore

public enum Fixtures {
    public static let start = Instant(year: 2026, month: 12, day: 1)

    public static func at(_ hour: Int) -> Instant { start.adding(hours: hour) }

    /// Signals from per-zone hourly arrays (carbon in gCO2e/kWh, price in USD/MWh).
    public static func signals(hours: Int, carbon: [String: [Double]], price: [String: [Double]]) -> GridSignals {
        let horizon = PlanningHorizon(start: start, hours: hours)
        func series(_ zone: String, _ kind: SignalKind, _ values: [Double]) -> HourlySeries {
            HourlySeries(values: values, provenance: [SeriesProvenance(zone: zone, signal: kind, source: "test", origin: "fixture", declaredUnit: kind == .price ? "USD/MWh" : "gCO2eq/kWh",
                                                                       hours: [TimeRange(start: horizon.start.iso8601, end: horizon.end.iso8601)])],
                         currency: kind == .price ? "USD" : nil)
        }
        return GridSignals(
            horizon: horizon, carbon: Dictionary(uniqueKeysWithValues: carbon.map { ($0.key, series($0.key, .carbonIntensity, $0.value)) }),
            price: Dictionary(uniqueKeysWithValues: price.map { ($0.key, series($0.key, .price, $0.value)) }), currency: "USD")
    }

    /// `count` regions r0, r1... (zones Z0, Z1...), each with a pool of `fast` X devices (0.5 kW) and one of
    /// `slow` Y devices (0.3 kW, half speed), PUE 1.2, and the signals' arrays for `hours` hours: carbon
    /// 30-600 gCO2e/kWh and price 10-120 USD/MWh, drawn from `rng` region by region.
    public static func twoPoolRegions(count: Int, fast: Int, slow: Int, hours: Int, using rng: inout SeededGenerator)
        -> (catalog: RegionCatalog, signals: GridSignals)
    {
        var regions: [Region] = []
        var carbon: [String: [Double]] = [:], price: [String: [Double]] = [:]
        for r in 0..<count {
            regions.append(Region(name: "r\(r)", carbonZone: "Z\(r)", pools: [
                AcceleratorPool(type: "X", count: fast, powerKilowattsPerDevice: 0.5),
                AcceleratorPool(type: "Y", count: slow, powerKilowattsPerDevice: 0.3, relativeSpeed: 0.5),
            ], powerUsageEffectiveness: 1.2))
            carbon["Z\(r)"] = (0..<hours).map { _ in Double(Int.random(in: 30...600, using: &rng)) }
            price["Z\(r)"] = (0..<hours).map { _ in Double(Int.random(in: 10...120, using: &rng)) }
        }
        return (RegionCatalog(regions: regions), signals(hours: hours, carbon: carbon, price: price))
    }

    /// A small random instance: 2 regions, 1-2 pools each, `jobs` jobs in a horizon of `hours` hours;
    /// with `withReservations`, some pools lose devices for an hour or two.
    public static func randomInstance(seed: UInt64, jobs jobCount: Int = 3, hours: Int = 6, withReservations: Bool = false) -> (jobs: [Job], catalog: RegionCatalog, policy: Policy, signals: GridSignals) {
        var rng = SeededGenerator(seed: seed)
        let types = ["X", "Y"]
        var regions: [Region] = []
        var carbon: [String: [Double]] = [:]
        var price: [String: [Double]] = [:]
        for r in 0..<2 {
            let zone = "Z\(r)"
            let poolCount = Int.random(in: 1...2, using: &rng)
            var pools = (0..<poolCount).map { p in
                AcceleratorPool(type: types[p], count: Int.random(in: 2...4, using: &rng), powerKilowattsPerDevice: [0.3, 0.5, 0.7].randomElement(using: &rng)!,
                                relativeSpeed: [0.5, 1.0, 2.0].randomElement(using: &rng)!)
            }
            if withReservations, Bool.random(using: &rng) {
                // Maintenance over one or two hours, starting on or off the hour.
                let from = Int.random(in: 0..<(hours - 1), using: &rng)
                let offset = Int64([0, 1800].randomElement(using: &rng)!)
                pools[0].reservations = [CapacityReservation(start: at(from).adding(seconds: offset), end: at(from + 1).adding(seconds: offset),
                                                             devices: Int.random(in: 1...pools[0].count, using: &rng), reason: "maintenance")]
            }
            regions.append(Region(
                name: "r\(r)", carbonZone: zone, pools: pools, powerUsageEffectiveness: [1.1, 1.4].randomElement(using: &rng)!,
                waterLitresPerKilowattHour: [0.5, 1.5].randomElement(using: &rng)!, latencyMilliseconds: ["users": Double(Int.random(in: 5...80, using: &rng))]))
            carbon[zone] = (0..<hours).map { _ in Double(Int.random(in: 50...600, using: &rng)) }
            price[zone] = (0..<hours).map { _ in Double(Int.random(in: -10...150, using: &rng)) }
        }
        var jobs: [Job] = []
        for j in 0..<jobCount {
            let interruptible = Bool.random(using: &rng)
            let release = Int.random(in: 0...1, using: &rng)
            let deadline = min(hours, release + Int.random(in: 3...hours, using: &rng))
            let work = Double(Int.random(in: 1...4, using: &rng)) / 2 + 0.5  // 1.0 ... 2.5 h
            jobs.append(Job(
                id: "j\(j)", kind: .training, deviceCount: Int.random(in: 1...3, using: &rng), deviceTypes: Bool.random(using: &rng) ? [] : ["X"],
                work: .referenceHours(work), release: at(release), deadline: at(deadline), interruptible: interruptible,
                checkpointOverheadHours: interruptible ? [0, 0.25].randomElement(using: &rng)! : 0, maxChunks: interruptible ? 3 : 1,
                population: "users", priority: Int.random(in: 4...6, using: &rng)))
        }
        let weights = ObjectiveWeights(carbon: 1, cost: Double(Int.random(in: 0...2, using: &rng)) / 2, water: 0.1, latency: 0.1, delay: 0.05)
        return (jobs, RegionCatalog(regions: regions), Policy(name: "test", weights: weights), signals(hours: hours, carbon: carbon, price: price))
    }
}
