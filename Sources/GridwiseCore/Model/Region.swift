/// A site that can run jobs: its grid zones, accelerator pools, efficiency and latency to users.
///
/// ```swift
/// let site = Region(name: "de-frankfurt", carbonZone: "DE-LU", pools: [.init(type: "H100", count: 256, powerKilowattsPerDevice: 0.7, relativeSpeed: 1)], powerUsageEffectiveness: 1.2)
/// ```
public struct Region: Sendable, Equatable {
    public var name: String
    /// The zone whose carbon-intensity series applies here.
    public var carbonZone: String
    /// The zone (or tariff) whose price series applies here; the carbon zone when not given.
    public var priceZone: String
    public var location: Location?
    public var pools: [AcceleratorPool]
    /// Facility energy over IT energy (1.0 or more).
    public var powerUsageEffectiveness: Double
    /// Litres of water per kWh of IT energy.
    public var waterLitresPerKilowattHour: Double
    /// Round-trip network latency in milliseconds to each named user population.
    public var latencyMilliseconds: [String: Double]
    public var tags: [String]
    /// Where this region runs jobs in an engine (Slurm partition or cluster, Kubernetes label).
    public var dispatch: [String: String]

    public init(
        name: String, carbonZone: String, priceZone: String? = nil, location: Location? = nil, pools: [AcceleratorPool],
        powerUsageEffectiveness: Double = 1, waterLitresPerKilowattHour: Double = 0, latencyMilliseconds: [String: Double] = [:],
        tags: [String] = [], dispatch: [String: String] = [:]
    ) {
        self.name = name
        self.carbonZone = carbonZone
        self.priceZone = priceZone ?? carbonZone
        self.location = location
        self.pools = pools
        self.powerUsageEffectiveness = powerUsageEffectiveness
        self.waterLitresPerKilowattHour = waterLitresPerKilowattHour
        self.latencyMilliseconds = latencyMilliseconds
        self.tags = tags
        self.dispatch = dispatch
    }
}

public struct Location: Sendable, Equatable {
    public var label: String
    public var latitude: Double?
    public var longitude: Double?
    public init(label: String, latitude: Double? = nil, longitude: Double? = nil) {
        self.label = label
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// A pool of identical accelerators in one region.
public struct AcceleratorPool: Sendable, Equatable {
    public var type: String
    public var count: Int
    /// Power drawn by one device while a job runs, in kW (IT power, before PUE).
    public var powerKilowattsPerDevice: Double
    /// Throughput relative to the reference accelerator (1.0): a job of 10 h of work runs 10 / speed hours here.
    public var relativeSpeed: Double
    /// Devices taken out for a time (maintenance, reserved blocks); the pool has `count` minus these.
    public var reservations: [CapacityReservation]

    public init(type: String, count: Int, powerKilowattsPerDevice: Double, relativeSpeed: Double = 1, reservations: [CapacityReservation] = []) {
        self.type = type
        self.count = count
        self.powerKilowattsPerDevice = powerKilowattsPerDevice
        self.relativeSpeed = relativeSpeed
        self.reservations = reservations
    }

    /// Devices free for planning in each slot of the horizon: `count` less every reservation that
    /// overlaps the slot (a reservation covering part of an hour takes the whole hour), never below 0.
    public func capacity(over horizon: PlanningHorizon) -> [Int] {
        var free = [Int](repeating: count, count: horizon.hours)
        for r in reservations {
            let first = max(0, horizon.slotsEnding(atOrBefore: r.start))
            let end = min(horizon.hours, horizon.firstSlot(atOrAfter: r.end))
            guard first < end else { continue }
            for t in first..<end { free[t] = max(0, free[t] - r.devices) }
        }
        return free
    }
}

/// Devices of a pool not available to plans over `[start, end)`: maintenance, a block reserved for others.
public struct CapacityReservation: Sendable, Equatable {
    public var start: Instant
    public var end: Instant
    public var devices: Int
    public var reason: String

    public init(start: Instant, end: Instant, devices: Int, reason: String = "") {
        self.start = start
        self.end = end
        self.devices = devices
        self.reason = reason
    }
}

/// The sites a plan may use, in the catalog's order (which is also the baseline's order of preference).
public struct RegionCatalog: Sendable, Equatable {
    public var regions: [Region]
    public init(regions: [Region]) { self.regions = regions }

    public func region(named name: String) -> Region? { regions.first { $0.name == name } }
}
