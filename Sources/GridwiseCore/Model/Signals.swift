import Foundation

/// Which grid signal a series carries.
public enum SignalKind: String, Sendable, Codable, CaseIterable {
    /// Grams CO2-equivalent per kWh.
    case carbonIntensity = "carbon_intensity"
    /// Currency per MWh.
    case price
}

/// Where a series came from, carried into every plan so each number can be traced to its input.
public struct SeriesProvenance: Sendable, Equatable, Codable {
    public var zone: String
    public var signal: SignalKind
    /// Who published the values, e.g. "Electricity Maps (ODbL)".
    public var source: String
    /// The file, tariff, factor or URL the values were read from.
    public var origin: String
    /// The unit as declared by the source, before conversion to the planning unit.
    public var declaredUnit: String
    /// average or marginal, for carbon intensity.
    public var basis: String?
    /// direct or lifecycle, for carbon intensity.
    public var scope: String?
    /// True when the figures are illustrative rather than measured or cited.
    public var illustrative: Bool
    /// Whether the values are a forecast rather than actuals.
    public var forecast: Bool
    /// 0 for the primary source of the zone's chain, 1 for its first fallback, and so on.
    public var fallbackRank: Int
    /// The horizon hours this source supplied, as `[start, end)` runs.
    public var hours: [TimeRange]
    /// When the values were obtained (files: not recorded; live sources: the fetch time).
    public var fetchedAt: String?
    /// Why an earlier source in the chain did not supply these hours, or other remarks.
    public var note: String?

    public init(zone: String, signal: SignalKind, source: String, origin: String, declaredUnit: String, basis: String? = nil, scope: String? = nil,
                illustrative: Bool = false, forecast: Bool = false, fallbackRank: Int = 0, hours: [TimeRange] = [], fetchedAt: String? = nil,
                note: String? = nil) {
        self.zone = zone
        self.signal = signal
        self.source = source
        self.origin = origin
        self.declaredUnit = declaredUnit
        self.basis = basis
        self.scope = scope
        self.illustrative = illustrative
        self.forecast = forecast
        self.fallbackRank = fallbackRank
        self.hours = hours
        self.fetchedAt = fetchedAt
        self.note = note
    }

    /// How many hours the source supplied.
    public var hourCount: Int {
        hours.reduce(0) { total, range in
            guard let s = try? Instant.parse(range.start), let e = try? Instant.parse(range.end) else { return total }
            return total + Int((e.secondsSinceEpoch - s.secondsSinceEpoch) / Instant.secondsPerHour)
        }
    }
}

/// `[start, end)` in ISO 8601 UTC.
public struct TimeRange: Sendable, Equatable, Codable {
    public var start: String
    public var end: String
    public init(start: String, end: String) {
        self.start = start
        self.end = end
    }
}

/// One value per horizon hour, in the planning unit of its kind:
/// carbon intensity in gCO2e/kWh, price in `currency` per MWh.
public struct HourlySeries: Sendable, Equatable {
    public var values: [Double]
    /// Every source that supplied hours, primary first, each with the hours it supplied.
    public var provenance: [SeriesProvenance]
    /// The currency of a price series; nil for carbon intensity.
    public var currency: String?

    public init(values: [Double], provenance: [SeriesProvenance], currency: String? = nil) {
        self.values = values
        self.provenance = provenance
        self.currency = currency
    }

    /// True when any supplying source is illustrative.
    public var isIllustrative: Bool { provenance.contains(where: \.illustrative) }

    public var mean: Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
}

/// The signals a plan is made on: carbon and price for every zone the catalog names, over the horizon.
public struct GridSignals: Sendable, Equatable {
    public var horizon: PlanningHorizon
    public var carbon: [String: HourlySeries]
    public var price: [String: HourlySeries]
    /// The one currency every price series is in.
    public var currency: String

    public init(horizon: PlanningHorizon, carbon: [String: HourlySeries], price: [String: HourlySeries], currency: String) {
        self.horizon = horizon
        self.carbon = carbon
        self.price = price
        self.currency = currency
    }

    /// Provenance of every source of every series, carbon first, zones in name order, primary first.
    public var provenance: [SeriesProvenance] {
        carbon.keys.sorted().flatMap { carbon[$0]!.provenance } + price.keys.sorted().flatMap { price[$0]!.provenance }
    }
}

/// Unit conversions into the planning units, one place for each.
public enum SignalUnits {
    /// Factor to convert a carbon-intensity unit into gCO2e/kWh, or nil if the unit is unknown.
    public static func carbonFactor(_ unit: String) -> Double? {
        switch unit.replacingCO2Spellings {
        case "g/kwh", "kg/mwh": return 1
        case "t/mwh", "kg/kwh": return 1000
        case "t/kwh": return 1_000_000
        case "lbs/mwh", "lb/mwh": return 0.453_592_37
        default: return nil
        }
    }

    public static let carbonUnits = "gCO2eq/kWh, kgCO2eq/MWh, tCO2eq/MWh, kgCO2eq/kWh, tCO2eq/kWh, lbsCO2/MWh"

    /// For a price unit like `USD/MWh` or `CNY/kWh`: its currency and the factor to currency per MWh.
    public static func priceUnit(_ unit: String) -> (currency: String, factorToPerMegawattHour: Double)? {
        let parts = unit.split(separator: "/")
        guard parts.count == 2 else { return nil }
        let currency = String(parts[0])
        guard currency.count == 3, currency.allSatisfy({ $0.isUppercase && $0.isLetter }) else { return nil }
        switch parts[1].lowercased() {
        case "mwh": return (currency, 1)
        case "kwh": return (currency, 1000)
        default: return nil
        }
    }

    /// Values beyond these are rejected as absurd, not planned on.
    public static let maximumCarbonIntensity = 2_500.0  // gCO2e/kWh; the dirtiest lignite is about 1,200
    public static let maximumAbsolutePricePerMegawattHour = 50_000.0
}

extension String {
    /// Normalises `gCO2eq/kWh`, `gCO2e/kWh`, `gCO₂eq/kWh` to `g/kwh` for lookup.
    fileprivate var replacingCO2Spellings: String {
        var s = self.lowercased()
        for token in ["co2eq", "co2e", "co₂eq", "co₂e", "co2", "co₂", " "] {
            while let r = s.range(of: token) { s.removeSubrange(r) }
        }
        return s
    }
}
