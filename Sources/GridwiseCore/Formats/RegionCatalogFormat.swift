/// Reads a region catalog file (YAML or JSON, `kind: RegionCatalog`). See docs/file-formats.md.
public enum RegionCatalogFormat {
    public static let kind = "RegionCatalog"

    public static func parse(_ text: String, file: String) throws(GridwiseError) -> RegionCatalog {
        try GridwiseFormat.decode(text, file: file, read)
    }

    static func read(_ root: DocumentNode, sink: DiagnosticSink) -> RegionCatalog? {
        guard let top = MapReader(root, path: "", sink: sink, what: "a region catalog") else { return nil }
        Parse.header(top, kind: kind)
        _ = top.optional("notes", Parse.string)
        let regions = top.required("regions", Parse.list(region)) ?? []
        top.finish()
        if case .list(let nodes, _)? = top.node("regions") {
            if nodes.isEmpty { sink.report("regions", at: top.mark, "the catalog lists no regions; expected at least one") }
            var seen: [String: Int] = [:]
            for (i, node) in nodes.enumerated() {
                guard case .map(let pairs, _) = node, let nameNode = pairs.first(where: { $0.key == "name" })?.value,
                    case .scalar(let name, _, let mark) = nameNode
                else { continue }
                if let first = seen[name] {
                    sink.report("regions[\(i)].name", at: mark, "duplicate region name '\(name)' (first at regions[\(first)]); names must be unique")
                } else {
                    seen[name] = i
                }
            }
        }
        return RegionCatalog(regions: regions)
    }

    static func region(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> Region? {
        guard let r = MapReader(node, path: path, sink: sink, what: "a region") else { return nil }
        let name = r.required("name", Parse.identifier)
        let zone = r.required("zone", Parse.identifier)
        let priceZone = r.optional("price_zone", Parse.identifier)
        let location = r.optional("location", location)
        let pue = r.optional("pue", Parse.number(in: 1...5, "a PUE between 1.0 and 5.0")) ?? 1
        let wue = r.optional("wue_l_per_kwh", Parse.number(in: 0...50, "litres per kWh between 0 and 50")) ?? 0
        let pools = r.required("pools", Parse.list(pool))
        let latency = r.optional("latency_ms", Parse.numberMap(Parse.nonNegative)) ?? [:]
        let tags = r.optional("tags", Parse.identifierList) ?? []
        let dispatch = r.optional("dispatch", stringMap) ?? [:]
        _ = r.optional("notes", Parse.string)
        _ = r.optional("illustrative", Parse.identifierList)
        _ = r.optional("sources", stringMap)
        r.finish()
        if let pools {
            if pools.isEmpty { sink.report(r.childPath("pools"), at: r.mark, "the region has no accelerator pools; expected at least one") }
            var types: Set<String> = []
            for (i, p) in pools.enumerated() where !types.insert(p.type).inserted {
                sink.report("\(path).pools[\(i)].type", at: r.mark, "duplicate pool type '\(p.type)'; merge the pools or name them apart")
            }
        }
        guard let name, let zone, let pools else { return nil }
        return Region(
            name: name, carbonZone: zone, priceZone: priceZone, location: location, pools: pools, powerUsageEffectiveness: pue,
            waterLitresPerKilowattHour: wue, latencyMilliseconds: latency, tags: tags, dispatch: dispatch)
    }

    static func pool(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> AcceleratorPool? {
        guard let p = MapReader(node, path: path, sink: sink, what: "an accelerator pool") else { return nil }
        let type = p.required("type", Parse.identifier)
        let count = p.required("count", Parse.integer(in: 1...10_000_000))
        let power = p.required("power_kw", Parse.number(in: 0.001...100, "kW per device, greater than 0 and at most 100"))
        let speed = p.optional("speed", Parse.number(in: 0.01...100, "a relative speed greater than 0 (1.0 is the reference accelerator)")) ?? 1
        let reservations = p.optional("reserved", Parse.list(reservation)) ?? []
        p.finish()
        guard let type, let count, let power else { return nil }
        for (i, r) in reservations.enumerated() where r.devices > count {
            sink.report("\(path).reserved[\(i)].devices", at: p.mark, "found \(r.devices); the pool has \(count) devices, expected at most that many")
        }
        return AcceleratorPool(type: type, count: count, powerKilowattsPerDevice: power, relativeSpeed: speed, reservations: reservations)
    }

    /// `{from, to, devices, reason}`: devices taken out of the pool over [from, to).
    static func reservation(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> CapacityReservation? {
        guard let r = MapReader(node, path: path, sink: sink, what: "a reservation (from, to, devices)") else { return nil }
        let from = r.required("from", Parse.instant)
        let to = r.required("to", Parse.instant)
        let devices = r.required("devices", Parse.integer(in: 1...10_000_000))
        let reason = r.optional("reason", Parse.string) ?? ""
        r.finish()
        if let from, let to, to <= from {
            sink.report("\(path).to", at: r.mark, "found \(to), which is not after from \(from); expected the end of the reservation after its start")
            return nil
        }
        guard let from, let to, let devices else { return nil }
        return CapacityReservation(start: from, end: to, devices: devices, reason: reason)
    }

    static func location(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> Location? {
        guard let l = MapReader(node, path: path, sink: sink, what: "a location") else { return nil }
        let label = l.required("label", Parse.string)
        let lat = l.optional("lat", Parse.number(in: -90...90, "a latitude between -90 and 90"))
        let lon = l.optional("lon", Parse.number(in: -180...180, "a longitude between -180 and 180"))
        l.finish()
        guard let label else { return nil }
        return Location(label: label, latitude: lat, longitude: lon)
    }

    static func stringMap(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> [String: String]? {
        guard case .map(let pairs, _) = node else {
            sink.report(path, at: node.mark, "found \(node.shortDescription); expected a map of names to text")
            return nil
        }
        var out: [String: String] = [:]
        for pair in pairs {
            if let v = Parse.string(pair.value, "\(path).\(pair.key)", sink) { out[pair.key] = v }
        }
        return out
    }
}
