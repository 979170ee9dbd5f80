/// Reads a policy file (`kind: Policy`). See docs/file-formats.md and the ready policies in policies/.
public enum PolicyFormat {
    public static let kind = "Policy"

    public static func parse(_ text: String, file: String) throws(GridwiseError) -> Policy {
        try GridwiseFormat.decode(text, file: file, read)
    }

    static func read(_ root: DocumentNode, sink: DiagnosticSink) -> Policy? {
        guard let top = MapReader(root, path: "", sink: sink, what: "a policy") else { return nil }
        Parse.header(top, kind: kind)
        let name = top.required("name", Parse.identifier)
        let description = top.optional("description", Parse.string) ?? ""
        let weights = top.required("weights", weights)
        let slo = top.optional("latency_slo", Parse.oneOf(["enforce", "ignore"])) ?? "enforce"
        let budget = top.optional("carbon_budget_kg", Parse.positive)
        let split = top.optional("split_interruptible", Parse.bool) ?? true
        let rules = top.optional("region_rules", Parse.list(rule)) ?? []
        top.finish()
        guard let name, let weights else { return nil }
        return Policy(
            name: name, description: description, weights: weights, enforceLatencySLO: slo == "enforce", regionRules: rules,
            carbonBudgetKilograms: budget, allowSplitting: split)
    }

    static func weights(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> ObjectiveWeights? {
        guard let w = MapReader(node, path: path, sink: sink, what: "objective weights") else { return nil }
        let weight = Parse.number(in: 0...1000, "a weight between 0 and 1000")
        let result = ObjectiveWeights(
            carbon: w.optional("carbon", weight) ?? 0, cost: w.optional("cost", weight) ?? 0, water: w.optional("water", weight) ?? 0,
            latency: w.optional("latency", weight) ?? 0, delay: w.optional("delay", weight) ?? 0)
        w.finish()
        if result.carbon + result.cost + result.water + result.latency + result.delay == 0 {
            sink.report(path, at: w.mark, "every weight is 0; expected at least one of carbon, cost, water, latency, delay above 0")
        }
        return result
    }

    static func rule(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> RegionRule? {
        guard let r = MapReader(node, path: path, sink: sink, what: "a region rule") else { return nil }
        let kinds = r.optional("kinds", Parse.list(Parse.oneOf(JobKind.names))) ?? []
        let require = r.optional("require_tags", Parse.identifierList) ?? []
        let deny = r.optional("deny_tags", Parse.identifierList) ?? []
        let allowRegions = r.optional("allow_regions", Parse.identifierList)
        let denyRegions = r.optional("deny_regions", Parse.identifierList) ?? []
        let reason = r.optional("reason", Parse.string) ?? ""
        r.finish()
        if require.isEmpty, deny.isEmpty, allowRegions == nil, denyRegions.isEmpty {
            sink.report(path, at: r.mark, "the rule restricts nothing; expected require_tags, deny_tags, allow_regions or deny_regions")
        }
        return RegionRule(
            kinds: kinds.compactMap(JobKind.init(rawValue:)), requireTags: require, denyTags: deny, allowRegions: allowRegions,
            denyRegions: denyRegions, reason: reason)
    }
}
