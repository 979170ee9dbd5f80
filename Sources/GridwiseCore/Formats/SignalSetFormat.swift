/// Reads a signal set file (`kind: SignalSet`): for each zone and signal, where its values come from.
/// Values are resolved for a horizon by GridwiseSignals; this file only describes them. See docs/file-formats.md.
public enum SignalSetFormat {
    public static let kind = "SignalSet"

    public static func parse(_ text: String, file: String) throws(GridwiseError) -> SignalSetSpec {
        try GridwiseFormat.decode(text, file: file, read)
    }

    static func read(_ root: DocumentNode, sink: DiagnosticSink) -> SignalSetSpec? {
        guard let top = MapReader(root, path: "", sink: sink, what: "a signal set") else { return nil }
        Parse.header(top, kind: kind)
        _ = top.optional("notes", Parse.string)
        let entries = top.required("series", Parse.list(entry(inheriting: nil))) ?? []
        top.finish()
        var seen: [String: String] = [:]
        for e in entries {
            let key = "\(e.zone)/\(e.signal.rawValue)"
            if let first = seen[key] {
                sink.report(e.path, at: e.mark, "a second \(e.signal.rawValue) series for zone \(e.zone) (first at \(first)); each zone has one series per signal")
            } else {
                seen[key] = e.path
            }
        }
        return SignalSetSpec(entries: entries)
    }

    /// A series entry; a fallback entry takes its zone and signal from the entry it falls back for.
    static func entry(inheriting parent: (zone: String, signal: SignalKind)?) -> (DocumentNode, String, DiagnosticSink) -> SignalEntry? {
        { node, path, sink in
            guard let r = MapReader(node, path: path, sink: sink, what: parent == nil ? "a signal series" : "a fallback source") else { return nil }
            let before = sink.diagnostics.count
            let zone = parent?.zone ?? r.required("zone", Parse.identifier)
            let signal = parent?.signal ?? r.required("signal", Parse.oneOf(SignalKind.allCases.map(\.rawValue))).flatMap(SignalKind.init(rawValue:))
            let provider = r.optional("provider", providerSpec)
            let unit = provider == nil ? r.required("unit", Parse.string) : (r.optional("unit", Parse.string) ?? provider!.kind.unit(signal: signal ?? .carbonIntensity))
            let source = r.required("source", Parse.string)
            let basis = r.optional("basis", Parse.oneOf(["average", "marginal"]))
            let scope = r.optional("scope", Parse.oneOf(["direct", "lifecycle"]))
            let illustrative = r.optional("illustrative", Parse.bool) ?? false
            let note = r.optional("notes", Parse.string)
            var data: [SignalData] = []
            if let v = r.optional("csv", csv) { data.append(v) }
            if let v = r.optional("json", jsonTrace) { data.append(v) }
            if let v = r.optional("constant", Parse.number) { data.append(.constant(v)) }
            if let v = r.optional("hourly", inline) { data.append(v) }
            if let v = r.optional("time_of_use", timeOfUse) { data.append(.timeOfUse(v)) }
            if let provider { data.append(.provider(provider)) }
            if let provider, let signal, signal == .price {
                sink.report("\(path).provider", at: r.mark, "\(provider.kind.rawValue) gives carbon intensity, not prices; use a price file or tariff for signal: price")
            }
            var fallbacks: [SignalEntry] = []
            if parent == nil, let zone, let signal {
                fallbacks = r.optional("fallback", Parse.list(entry(inheriting: (zone, signal)))) ?? []
            } else if parent == nil {
                _ = r.node("fallback")
            }
            r.finish()
            if let unit, let signal {
                switch signal {
                case .carbonIntensity where SignalUnits.carbonFactor(unit) == nil:
                    sink.report("\(path).unit", at: r.mark, "found '\(unit)'; expected a carbon-intensity unit: \(SignalUnits.carbonUnits)")
                case .price where SignalUnits.priceUnit(unit) == nil:
                    sink.report("\(path).unit", at: r.mark, "found '\(unit)'; expected a price unit like USD/MWh or CNY/kWh (a 3-letter currency per MWh or kWh)")
                default: break
                }
            }
            if data.count != 1, sink.diagnostics.count == before {
                sink.report(path, at: r.mark, data.isEmpty ? "no values; expected one of csv, json, constant, hourly, time_of_use or provider" : "more than one of csv, json, constant, hourly, time_of_use, provider; give one")
            }
            if case .timeOfUse? = data.first, signal == .carbonIntensity {
                sink.report("\(path).time_of_use", at: r.mark, "a time-of-use tariff is a price; expected signal: price")
            }
            guard sink.diagnostics.count == before, let zone, let signal, let unit, let source, let first = data.first else { return nil }
            return SignalEntry(
                zone: zone, signal: signal, unit: unit, source: source, basis: basis, scope: scope, illustrative: illustrative, note: note,
                data: first, fallbacks: fallbacks, path: path, mark: r.mark)
        }
    }

    static func providerSpec(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> ProviderSpec? {
        guard let p = MapReader(node, path: path, sink: sink, what: "a provider (name, and its zone and credentials)") else { return nil }
        let kind = p.required("name", Parse.oneOf(ProviderKind.allCases.map(\.rawValue))).flatMap(ProviderKind.init(rawValue:))
        let zone = p.optional("zone", Parse.string)
        let baseURL = p.optional("base_url", Parse.string)
        let token = p.optional("token", secret)
        let username = p.optional("username", secret)
        let password = p.optional("password", secret)
        let signalType = p.optional("signal_type", Parse.oneOf(["co2_moer", "co2_aoer"]))
        let regionID = p.optional("region_id", Parse.integer(in: 1...100))
        let emissionFactor = p.optional("emission_factor", Parse.oneOf(["direct", "lifecycle"]))
        let ttl = p.optional("cache_ttl", Parse.hours)
        p.finish()
        guard let kind else { return nil }
        if let baseURL, !(baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://")) {
            sink.report("\(path).base_url", at: p.mark, "found '\(baseURL)'; expected an http:// or https:// URL")
        }
        switch kind {
        case .electricityMaps where token == nil:
            sink.report(path, at: p.mark, "electricity_maps needs token: {env: NAME} or {file: PATH} (the API's auth-token)")
        case .wattTime where username == nil || password == nil:
            sink.report(path, at: p.mark, "watttime needs username and password, each as {env: NAME} or {file: PATH}")
        case .ukCarbonIntensity, .carbonAwareSDK, .electricityMaps, .wattTime:
            break
        }
        return ProviderSpec(kind: kind, zone: zone, baseURL: baseURL, token: token, username: username, password: password, signalType: signalType ?? "co2_moer",
                            regionID: regionID, emissionFactor: emissionFactor, cacheTTLHours: ttl)
    }

    /// A secret is never written in a signal set: only where to find it.
    static func secret(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> SecretReference? {
        if case .scalar = node {
            sink.report(path, at: node.mark, "a secret written in the file; expected {env: NAME} (an environment variable) or {file: PATH} (a file only its owner can read)")
            return nil
        }
        guard let r = MapReader(node, path: path, sink: sink, what: "a secret reference ({env: NAME} or {file: PATH})") else { return nil }
        let env = r.optional("env", Parse.identifier)
        let file = r.optional("file", Parse.string)
        r.finish()
        switch (env, file) {
        case (let e?, nil): return .environment(e)
        case (nil, let f?): return .file(f)
        default:
            sink.report(path, at: r.mark, "expected exactly one of env or file")
            return nil
        }
    }

    static func csv(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> SignalData? {
        guard let c = MapReader(node, path: path, sink: sink, what: "a CSV reference (file, time_column, value_column)") else { return nil }
        let file = c.required("file", Parse.string)
        let time = c.required("time_column", Parse.string)
        let value = c.required("value_column", Parse.string)
        let offset = c.optional("utc_offset", utcOffset)
        c.finish()
        guard let file, let time, let value else { return nil }
        return .csv(file: file, timeColumn: time, valueColumn: value, defaultUTCOffsetSeconds: offset ?? 0)
    }

    static func jsonTrace(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> SignalData? {
        guard let j = MapReader(node, path: path, sink: sink, what: "a JSON trace reference (file)") else { return nil }
        let file = j.required("file", Parse.string)
        let time = j.optional("time_key", Parse.string) ?? "time"
        let value = j.optional("value_key", Parse.string) ?? "value"
        j.finish()
        guard let file else { return nil }
        return .json(file: file, timeKey: time, valueKey: value)
    }

    static func inline(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> SignalData? {
        guard let h = MapReader(node, path: path, sink: sink, what: "hourly values (start, values)") else { return nil }
        let start = h.required("start", Parse.instant)
        let values = h.required("values", Parse.list(Parse.number))
        h.finish()
        guard let start, let values else { return nil }
        guard start.isOnTheHour else {
            sink.report("\(path).start", at: h.mark, "found \(start); expected a start on the hour")
            return nil
        }
        return .hourly(start: start, values: values)
    }

    static func utcOffset(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> Int? {
        guard let s = Parse.string(node, path, sink) else { return nil }
        if s == "Z" || s == "UTC" { return 0 }
        let chars = Array(s)
        if chars.count == 6, chars[0] == "+" || chars[0] == "-", chars[3] == ":", let h = Int(String(chars[1...2])), let m = Int(String(chars[4...5])), h <= 18, m < 60 {
            return (chars[0] == "-" ? -1 : 1) * (h * 3600 + m * 60)
        }
        sink.report(path, at: node.mark, "found '\(s)'; expected a UTC offset like +08:00, -05:00 or Z")
        return nil
    }

    static func timeOfUse(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> TimeOfUseTariff? {
        guard let t = MapReader(node, path: path, sink: sink, what: "a time-of-use tariff (utc_offset, bands)") else { return nil }
        let offset = t.required("utc_offset", utcOffset)
        let bands = t.required("bands", Parse.list(band))
        let fallback = t.optional("default", Parse.number)
        t.finish()
        guard let offset, let bands else { return nil }
        let tariff = TimeOfUseTariff(utcOffsetSeconds: offset, bands: bands, defaultPrice: fallback)
        if fallback == nil {
            for dayType in [TimeOfUseTariff.Days.weekdays, .weekends] {
                if let hour = (0..<24).first(where: { tariff.price(dayType: dayType, minuteOfDay: $0 * 60) == nil }) {
                    sink.report(path, at: t.mark, "no band covers \(dayType.rawValue) at \(hour):00 local time and there is no default; cover all 24 hours or add default")
                    break
                }
            }
        }
        return tariff
    }

    static func band(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> TimeOfUseTariff.Band? {
        guard let b = MapReader(node, path: path, sink: sink, what: "a tariff band (from, to, price)") else { return nil }
        let days = b.optional("days", Parse.oneOf(TimeOfUseTariff.Days.allCases.map(\.rawValue))).flatMap(TimeOfUseTariff.Days.init(rawValue:)) ?? .all
        let from = b.required("from", clock)
        let to = b.required("to", clock)
        let price = b.required("price", Parse.number)
        b.finish()
        guard let from, let to, let price else { return nil }
        if from == to { sink.report(path, at: b.mark, "from and to are equal; expected a band of some length (to may pass midnight)") }
        return TimeOfUseTariff.Band(days: days, fromMinute: from, toMinute: to, price: price)
    }

    /// `HH:MM` local time, as minutes after midnight; `24:00` is allowed as an end.
    static func clock(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> Int? {
        guard case .scalar(let s, _, _) = node else {
            sink.report(path, at: node.mark, "found \(node.shortDescription); expected a time of day like 08:00")
            return nil
        }
        let parts = s.split(separator: ":")
        if parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 {
            return h * 60 + m
        }
        sink.report(path, at: node.mark, "found '\(s)'; expected a time of day like 08:00 (00:00 to 24:00)")
        return nil
    }
}

/// Where the values of one zone's signal come from.
public struct SignalSetSpec: Sendable {
    public var entries: [SignalEntry]
    public init(entries: [SignalEntry]) { self.entries = entries }

    public func entry(zone: String, signal: SignalKind) -> SignalEntry? { entries.first { $0.zone == zone && $0.signal == signal } }
}

public struct SignalEntry: Sendable {
    public var zone: String
    public var signal: SignalKind
    public var unit: String
    public var source: String
    public var basis: String?
    public var scope: String?
    public var illustrative: Bool
    public var note: String?
    public var data: SignalData
    /// Sources tried in order for the hours this one cannot supply (or when it fails).
    public var fallbacks: [SignalEntry]
    /// Where the entry stands in its file, for errors.
    public var path: String
    public var mark: SourceMark

    public init(zone: String, signal: SignalKind, unit: String, source: String, basis: String? = nil, scope: String? = nil, illustrative: Bool = false,
                note: String? = nil, data: SignalData, fallbacks: [SignalEntry] = [], path: String = "", mark: SourceMark = SourceMark(line: 1, column: 1)) {
        self.zone = zone
        self.signal = signal
        self.unit = unit
        self.source = source
        self.basis = basis
        self.scope = scope
        self.illustrative = illustrative
        self.note = note
        self.data = data
        self.fallbacks = fallbacks
        self.path = path
        self.mark = mark
    }
}

public enum SignalData: Sendable, Equatable {
    /// A CSV trace file (relative to the signal set file); timestamps without an offset are read at the given offset.
    case csv(file: String, timeColumn: String, valueColumn: String, defaultUTCOffsetSeconds: Int)
    /// A JSON trace: a list of points (or `{"points": [...]}`), each with a time and a value under the given keys.
    case json(file: String, timeKey: String, valueKey: String)
    /// One value for every hour (an annual grid factor, say).
    case constant(Double)
    /// Hourly values written in the file, from `start`.
    case hourly(start: Instant, values: [Double])
    case timeOfUse(TimeOfUseTariff)
    /// A provider's API, fetched live (and cached).
    case provider(ProviderSpec)
}

/// The grid-signal providers Gridwise speaks to.
public enum ProviderKind: String, Sendable, CaseIterable {
    case electricityMaps = "electricity_maps"
    case wattTime = "watttime"
    case ukCarbonIntensity = "uk_carbon_intensity"
    case carbonAwareSDK = "carbon_aware_sdk"

    /// The unit the provider answers in.
    public func unit(signal: SignalKind) -> String {
        self == .wattTime ? "lbsCO2/MWh" : "gCO2eq/kWh"
    }
}

/// Where a secret is found: never the secret itself.
public enum SecretReference: Sendable, Equatable {
    case environment(String)
    case file(String)
}

/// How to ask one provider for one zone.
public struct ProviderSpec: Sendable, Equatable {
    public var kind: ProviderKind
    /// The provider's own name for the zone (Electricity Maps zone, WattTime region, SDK location); the series zone when nil.
    public var zone: String?
    public var baseURL: String?
    public var token: SecretReference?
    public var username: SecretReference?
    public var password: SecretReference?
    /// WattTime: co2_moer (marginal) or co2_aoer (average).
    public var signalType: String
    /// UK Carbon Intensity regional id; national when nil.
    public var regionID: Int?
    /// Electricity Maps: direct or lifecycle.
    public var emissionFactor: String?
    /// How long fetched values stay fresh in the cache, hours.
    public var cacheTTLHours: Double?

    public init(kind: ProviderKind, zone: String? = nil, baseURL: String? = nil, token: SecretReference? = nil, username: SecretReference? = nil,
                password: SecretReference? = nil, signalType: String = "co2_moer", regionID: Int? = nil, emissionFactor: String? = nil, cacheTTLHours: Double? = nil) {
        self.kind = kind
        self.zone = zone
        self.baseURL = baseURL
        self.token = token
        self.username = username
        self.password = password
        self.signalType = signalType
        self.regionID = regionID
        self.emissionFactor = emissionFactor
        self.cacheTTLHours = cacheTTLHours
    }
}

/// A price by local time of day, on weekdays, weekends or all days.
public struct TimeOfUseTariff: Sendable, Equatable {
    public enum Days: String, Sendable, CaseIterable { case all, weekdays, weekends }

    public struct Band: Sendable, Equatable {
        public var days: Days
        /// Local minutes after midnight; a band with to < from runs past midnight.
        public var fromMinute: Int
        public var toMinute: Int
        public var price: Double

        public init(days: Days, fromMinute: Int, toMinute: Int, price: Double) {
            self.days = days
            self.fromMinute = fromMinute
            self.toMinute = toMinute
            self.price = price
        }

        public func covers(minuteOfDay m: Int) -> Bool {
            fromMinute < toMinute ? (m >= fromMinute && m < toMinute) : (m >= fromMinute || m < toMinute)
        }
    }

    public var utcOffsetSeconds: Int
    public var bands: [Band]
    public var defaultPrice: Double?

    public init(utcOffsetSeconds: Int, bands: [Band], defaultPrice: Double?) {
        self.utcOffsetSeconds = utcOffsetSeconds
        self.bands = bands
        self.defaultPrice = defaultPrice
    }

    /// The first band that covers the local time, else the default.
    public func price(dayType: Days, minuteOfDay: Int) -> Double? {
        for band in bands where band.days == .all || band.days == dayType {
            if band.covers(minuteOfDay: minuteOfDay) { return band.price }
        }
        return defaultPrice
    }

    public func price(at instant: Instant) -> Double? {
        let local = instant.civil(offsetSeconds: utcOffsetSeconds)
        return price(dayType: local.isoWeekday >= 6 ? .weekends : .weekdays, minuteOfDay: local.hour * 60 + local.minute)
    }
}
