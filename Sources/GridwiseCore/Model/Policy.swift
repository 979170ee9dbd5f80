/// What a plan optimises and what must hold.
///
/// The objective is a weighted sum of terms, each divided by the carbon-agnostic baseline's value of
/// the same term, so weights need no units and mean "how much the baseline's whole carbon (cost,
/// water, latency) counts": objective = carbon/carbon_baseline x w_carbon + cost/cost_baseline x w_cost
/// + water/water_baseline x w_water + latency/latency_baseline x w_latency + delay/runtime x w_delay.
public struct Policy: Sendable, Equatable {
    public var name: String
    public var description: String
    public var weights: ObjectiveWeights
    /// Whether a job's latency SLO is a hard rule (true) or ignored.
    public var enforceLatencySLO: Bool
    /// Region rules by job kind and region tag.
    public var regionRules: [RegionRule]
    /// A ceiling on the plan's total carbon, in kg CO2e; exceeding it makes the plan exit 1.
    public var carbonBudgetKilograms: Double?
    /// Whether interruptible jobs may be split into chunks.
    public var allowSplitting: Bool

    public init(
        name: String, description: String = "", weights: ObjectiveWeights, enforceLatencySLO: Bool = true, regionRules: [RegionRule] = [],
        carbonBudgetKilograms: Double? = nil, allowSplitting: Bool = true
    ) {
        self.name = name
        self.description = description
        self.weights = weights
        self.enforceLatencySLO = enforceLatencySLO
        self.regionRules = regionRules
        self.carbonBudgetKilograms = carbonBudgetKilograms
        self.allowSplitting = allowSplitting
    }
}

public struct ObjectiveWeights: Sendable, Equatable {
    public var carbon: Double
    public var cost: Double
    public var water: Double
    public var latency: Double
    public var delay: Double

    public init(carbon: Double = 0, cost: Double = 0, water: Double = 0, latency: Double = 0, delay: Double = 0) {
        self.carbon = carbon
        self.cost = cost
        self.water = water
        self.latency = latency
        self.delay = delay
    }
}

/// A hard rule on where jobs of some kinds may run.
public struct RegionRule: Sendable, Equatable {
    /// Which job kinds it applies to; empty means every kind.
    public var kinds: [JobKind]
    /// The region must carry every one of these tags.
    public var requireTags: [String]
    /// The region must carry none of these tags.
    public var denyTags: [String]
    /// The region must be one of these, when given.
    public var allowRegions: [String]?
    public var denyRegions: [String]
    /// Why the rule exists, shown when it excludes a region.
    public var reason: String

    public init(kinds: [JobKind] = [], requireTags: [String] = [], denyTags: [String] = [], allowRegions: [String]? = nil, denyRegions: [String] = [], reason: String = "") {
        self.kinds = kinds
        self.requireTags = requireTags
        self.denyTags = denyTags
        self.allowRegions = allowRegions
        self.denyRegions = denyRegions
        self.reason = reason
    }

    public func applies(to kind: JobKind) -> Bool { kinds.isEmpty || kinds.contains(kind) }
}
