import ArgumentParser
import GridwiseCore
import GridwiseSignals

struct RegionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regions",
        abstract: "A table of sites: zone, pools, PUE, and mean carbon intensity and price over the plan's horizon.",
        discussion: """
            Example:
              gridwise regions examples/china-hubs
            """)

    @OptionGroup var inputs: InputOptions
    @OptionGroup var live: LiveOptions

    func run() throws {
        let loaded = try LoadedInputs.load(try inputs.resolvedPaths(), live: try live.context())
        let signals = loaded.signals
        let cur = signals.currency
        say("\(loaded.catalog.regions.count) regions, horizon \(signals.horizon.start.shortUTC) to \(signals.horizon.end.shortUTC) UTC (\(signals.horizon.hours) h)")
        var t = TextTable([("region", .left), ("zone", .left), ("location", .left), ("tags", .left), ("pools (type x count)", .left), ("PUE", .right),
                           ("carbon gCO2e/kWh mean", .right), ("min-max", .right), ("price \(cur)/MWh mean", .right), ("min-max", .right), ("notes", .left)])
        for r in loaded.catalog.regions {
            let c = signals.carbon[r.carbonZone]!, p = signals.price[r.priceZone]!
            var notes: [String] = []
            if c.isIllustrative { notes.append("carbon illustrative") }
            if p.isIllustrative { notes.append("price illustrative") }
            let fallbackHours = (c.provenance + p.provenance).filter { $0.fallbackRank > 0 }.reduce(0) { $0 + $1.hourCount }
            if fallbackHours > 0 { notes.append("\(fallbackHours) h from fallbacks") }
            t.add([r.name, r.carbonZone, r.location?.label ?? "-", r.tags.joined(separator: ","), r.pools.map { "\($0.type)x\($0.count)" }.joined(separator: " "),
                   formatNumber(r.powerUsageEffectiveness, decimals: 2), formatNumber(c.mean, decimals: 0),
                   "\(formatNumber(c.values.min()!, decimals: 0))-\(formatNumber(c.values.max()!, decimals: 0))", formatNumber(p.mean, decimals: 1),
                   "\(formatNumber(p.values.min()!, decimals: 0))-\(formatNumber(p.values.max()!, decimals: 0))", notes.joined(separator: ", ")])
        }
        say(t.render())
    }
}
