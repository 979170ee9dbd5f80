import ArgumentParser
import GridwiseCore
import GridwiseSignals

struct SignalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signals",
        abstract: "The carbon and price series a plan would use, with where each hour came from.",
        subcommands: [Show.self, Export.self, Fetch.self])

    /// Which series to list: all, or one zone and/or one signal.
    struct Filter: ParsableArguments {
        @Option(help: ArgumentHelp("Only this zone.", valueName: "ZONE")) var zone: String?
        @Option(help: ArgumentHelp("Only carbon_intensity or price.", valueName: "SIGNAL")) var signal: SignalKind?

        func series(_ signals: GridSignals) -> [(zone: String, kind: SignalKind, series: HourlySeries)] {
            var out: [(String, SignalKind, HourlySeries)] = []
            for kind in SignalKind.allCases where signal == nil || signal == kind {
                let table = kind == .carbonIntensity ? signals.carbon : signals.price
                for z in table.keys.sorted() where zone == nil || zone == z { out.append((z, kind, table[z]!)) }
            }
            return out
        }
    }

    /// Which source supplied each hour: the index into the series' provenance.
    static func supplier(_ series: HourlySeries, horizon: PlanningHorizon) -> [Int] {
        var out = [Int](repeating: 0, count: horizon.hours)
        for (i, p) in series.provenance.enumerated() {
            for r in p.hours {
                guard let s = try? Instant.parse(r.start), let e = try? Instant.parse(r.end) else { continue }
                for h in horizon.firstSlot(atOrAfter: s)..<horizon.firstSlot(atOrAfter: e) where h >= 0 && h < horizon.hours { out[h] = i }
            }
        }
        return out
    }

    static func unit(_ kind: SignalKind, _ signals: GridSignals) -> String { kind == .carbonIntensity ? "gCO2e/kWh" : "\(signals.currency)/MWh" }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A table per series (mean, range, sources and their hours), or hour by hour for one zone.",
            discussion: """
                Examples:
                  gridwise signals show examples/global
                  gridwise signals show examples/global --zone DE-LU --signal carbon_intensity --hourly
                """)

        @OptionGroup var inputs: InputOptions
        @OptionGroup var live: LiveOptions
        @OptionGroup var filter: Filter
        @Flag(help: "List every hour with its value and source.") var hourly = false

        func run() throws {
            let loaded = try LoadedInputs.load(try inputs.resolvedPaths(), live: try live.context())
            let signals = loaded.signals
            let horizon = signals.horizon
            say("horizon \(horizon.start.shortUTC) to \(horizon.end.shortUTC) UTC (\(horizon.hours) h)")
            if hourly {
                var t = TextTable([("hour UTC", .left), ("zone", .left), ("signal", .left), ("value", .right), ("unit", .left), ("source", .left), ("kind", .left)])
                for (zone, kind, series) in filter.series(signals) {
                    let who = SignalsCommand.supplier(series, horizon: horizon)
                    for h in 0..<horizon.hours {
                        let p = series.provenance[who[h]]
                        t.add([horizon.slotStart(h).shortUTC, zone, kind.rawValue, formatNumber(series.values[h], decimals: 2), SignalsCommand.unit(kind, signals), p.source,
                               p.fallbackRank > 0 ? "fallback \(p.fallbackRank)" : (p.forecast ? "primary, forecast" : "primary")])
                    }
                }
                say(t.render())
                return
            }
            var t = TextTable([("zone", .left), ("signal", .left), ("unit", .left), ("mean", .right), ("min", .right), ("max", .right), ("sources (hours)", .left), ("notes", .left)])
            for (zone, kind, series) in filter.series(signals) {
                let sources = series.provenance.map { "\($0.source) (\($0.hourCount) h\($0.fallbackRank > 0 ? ", fallback" : "")\($0.illustrative ? ", illustrative" : ""))" }
                let notes = series.provenance.compactMap(\.note)
                t.add([zone, kind.rawValue, SignalsCommand.unit(kind, signals), formatNumber(series.mean, decimals: 1), formatNumber(series.values.min()!, decimals: 1),
                       formatNumber(series.values.max()!, decimals: 1), sources.joined(separator: "; "), notes.joined(separator: " | ")])
            }
            say(t.render())
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every hour of every series as CSV, with its source.",
            discussion: """
                Example:
                  gridwise signals export examples/global --output signals.csv
                """)

        @OptionGroup var inputs: InputOptions
        @OptionGroup var live: LiveOptions
        @OptionGroup var filter: Filter
        @Option(help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "FILE")) var output: String?

        func run() throws {
            let paths = try inputs.resolvedPaths()
            let loaded = try LoadedInputs.load(paths, live: try live.context())
            let signals = loaded.signals
            let horizon = signals.horizon
            var lines = [csvLine(["time_utc", "zone", "signal", "value", "unit", "source", "origin", "fallback_rank", "forecast", "illustrative"])]
            for (zone, kind, series) in filter.series(signals) {
                let who = SignalsCommand.supplier(series, horizon: horizon)
                for h in 0..<horizon.hours {
                    let p = series.provenance[who[h]]
                    lines.append(csvLine([horizon.slotStart(h).iso8601, zone, kind.rawValue, "\(series.values[h])", SignalsCommand.unit(kind, signals), p.source, p.origin,
                                          "\(p.fallbackRank)", "\(p.forecast)", "\(p.illustrative)"]))
                }
            }
            let text = lines.joined(separator: "\n") + "\n"
            if let output {
                try OutputFile.write(text, to: output, protecting: [paths.jobs, paths.regions, paths.policy, paths.signals])
                warn("wrote \(output): \(lines.count - 1) rows")
            } else {
                say(String(text.dropLast()))
            }
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch live series into the signal cache now, so later runs can plan --offline.",
            discussion: """
                Example:
                  ELECTRICITYMAPS_TOKEN=... gridwise signals fetch my-site --signals live-signals.yaml
                  gridwise plan my-site --signals live-signals.yaml --offline
                """)

        @OptionGroup var inputs: InputOptions
        @Option(help: ArgumentHelp("The signal cache file (default: $XDG_CACHE_HOME/gridwise/signals.sqlite).", valueName: "PATH")) var cache: String?

        func run() throws {
            let context = try LiveOptions.context(offline: false, cache: cache)
            let loaded = try LoadedInputs.load(try inputs.resolvedPaths(), live: context)
            let live = loaded.signals.provenance.filter { $0.fetchedAt != nil }
            say("\(live.count) live series over \(loaded.signals.horizon.hours) h, cache \(context.cache?.path ?? "none"):")
            for p in live { say("  \(p.zone) \(p.signal.rawValue) from \(p.source): \(p.hourCount) h" + (p.note.map { " (\($0))" } ?? "")) }
        }
    }
}

extension SignalKind: ExpressibleByArgument {}
