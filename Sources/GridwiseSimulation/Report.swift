import Foundation
import GridwiseCore

/// The report of a simulation: a Markdown table for the terminal, CSV and JSON files, and an HTML page
/// with SVG charts. Every figure is recomputed from the outcomes; units are in the column names.
public struct SimulationReport {
    public let result: SimulationResult
    /// Lines saying what the run was made of (inputs, rules used to fill gaps), shown in every format.
    public let notes: [String]

    public init(result: SimulationResult, notes: [String]) {
        self.result = result
        self.notes = notes
    }

    var scenario: Scenario { result.scenario }
    var unmeetable: Int { scenario.unmeetableDeadlines }

    private func pct(_ v: Double?) -> String { v.map { formatPercent($0, decimals: 2) } ?? "n/a" }
    private func num(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }

    public var header: [String] {
        let s = scenario
        return [
            "Simulation: \(s.jobs.count) jobs, \(s.catalog.regions.count) regions, \(s.start.iso8601) to \(s.end.iso8601) in steps of \(formatShort(s.stepHours * 60)) min",
            "Forecasts: \(result.options.forecast)",
            "Re-planning (Gridwise planner): \(result.options.cadence.rawValue)" + (result.options.pastDeadlineSteps > 0 ? "; searches may end \(result.options.pastDeadlineSteps) step(s) past the deadline (Let's Wait Awhile's rule)" : ""),
            "Accounting on actual values: carbon = energy x actual intensity per step; savings against carbon-agnostic.",
        ] + notes + (unmeetable > 0 ? ["\(unmeetable) jobs cannot meet their deadline even started at their first whole step (submitted mid-step or with less slack than a step); every policy counts them as misses"] : [])
    }

    /// The terminal table.
    public var markdown: String {
        var out = header.map { "# " + $0 }.joined(separator: "\n") + "\n\n"
        let cur = scenario.currency
        out += "| policy | jobs run | energy kWh | carbon kg CO2e | carbon saved | gCO2e/kWh | cost \(cur) | cost saved | water L | mean delay h | p95 delay h | deadline misses | SLO violations | re-plans |\n"
        out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in result.policies {
            let t = r.totals
            out += "| \(r.policy.name) | \(t.ran)/\(t.jobs) | \(num(t.energyKwh)) | \(num(t.carbonKg, 2)) | \(pct(result.savings(r, \.carbonKg))) | \(num(t.carbonIntensity)) | \(num(t.cost, 2)) | \(pct(result.savings(r, \.cost))) | \(num(t.waterL)) | \(num(t.meanDelayHours, 2)) | \(num(t.p95DelayHours, 2)) | \(t.deadlineMisses) | \(t.sloViolations) | \(r.replans) |\n"
        }
        out += "\nPolicies:\n" + result.policies.map { "- \($0.policy.name): \($0.policy.rule)" }.joined(separator: "\n") + "\n"
        return out
    }

    public var summaryCSV: String {
        var out = "policy,jobs,jobs_run,energy_kwh,carbon_kg,carbon_saved_fraction,carbon_intensity_g_per_kwh,cost_\(scenario.currency.lowercased()),cost_saved_fraction,water_l,water_saved_fraction,mean_delay_h,p95_delay_h,max_delay_h,deadline_misses,slo_violations,never_ran,replans,seconds\n"
        for r in result.policies {
            let t = r.totals
            func f(_ v: Double?) -> String { v.map { String(format: "%.6f", $0) } ?? "" }
            out += csvLine([r.policy.name, "\(t.jobs)", "\(t.ran)", f(t.energyKwh), f(t.carbonKg), f(result.savings(r, \.carbonKg)), f(t.carbonIntensity), f(t.cost),
                    f(result.savings(r, \.cost)), f(t.waterL), f(result.savings(r, \.waterL)), f(t.meanDelayHours), f(t.p95DelayHours), f(t.maxDelayHours),
                    "\(t.deadlineMisses)", "\(t.sloViolations)", "\(t.neverRan)", "\(r.replans)", String(format: "%.3f", r.seconds)]) + "\n"
        }
        return out
    }

    public var jobsCSV: String {
        var out = "policy,job,submit,deadline,region,pool,devices,start,finish,runs,energy_kwh,carbon_kg,cost_\(scenario.currency.lowercased()),water_l,delay_h,missed_deadline,slo_violated\n"
        for r in result.policies {
            for o in r.outcomes {
                out += csvLine([r.policy.name, o.job, o.submit.iso8601, o.deadline.iso8601, o.region ?? "", o.pool ?? "", "\(o.devices)",
                        o.start?.iso8601 ?? "", o.finish?.iso8601 ?? "", "\(o.runs)", String(format: "%.6f", o.energyKwh), String(format: "%.6f", o.carbonKg),
                        String(format: "%.6f", o.cost), String(format: "%.6f", o.waterL), String(format: "%.4f", o.delayHours),
                        o.missedDeadline ? "true" : "false", o.sloViolated ? "true" : "false"]) + "\n"
            }
        }
        return out
    }

    /// Per policy, region and step: devices in use, devices available, utilisation (0-1).
    public var utilisationCSV: String {
        let available = result.devicesAvailable
        var out = "policy,region,time,devices_used,devices_available,utilisation\n"
        out.reserveCapacity(result.policies.count * scenario.catalog.regions.count * scenario.steps * 48)
        for r in result.policies {
            let name = csvLine([r.policy.name])
            for (g, region) in scenario.catalog.regions.enumerated() {
                for s in 0..<scenario.steps {
                    let u = r.devicesUsed[g][s], a = available[g][s]
                    out += "\(name),\(region.name),\(scenario.instant(ofStep: s).iso8601),\(u),\(a),\(a > 0 ? String(format: "%.4f", Double(u) / Double(a)) : "")\n"
                }
            }
        }
        return out
    }

    public var json: String {
        func totals(_ r: PolicyResult) -> [String: Any] {
            let t = r.totals
            var d: [String: Any] = [
                "jobs": t.jobs, "jobs_run": t.ran, "energy_kwh": t.energyKwh, "carbon_kg": t.carbonKg, "carbon_intensity_g_per_kwh": t.carbonIntensity,
                "cost": t.cost, "water_l": t.waterL, "mean_delay_h": t.meanDelayHours, "p95_delay_h": t.p95DelayHours, "max_delay_h": t.maxDelayHours,
                "deadline_misses": t.deadlineMisses, "slo_violations": t.sloViolations, "never_ran": t.neverRan,
            ]
            for (key, path) in [("carbon", \PolicyTotals.carbonKg), ("cost", \PolicyTotals.cost), ("water", \PolicyTotals.waterL), ("energy", \PolicyTotals.energyKwh)] {
                if let v = result.savings(r, path) { d["\(key)_saved_fraction"] = v }
            }
            return d
        }
        let available = result.devicesAvailable
        let doc: [String: Any] = [
            "apiVersion": GridwiseFormat.apiVersion, "kind": "SimulationReport",
            "scenario": [
                "start": scenario.start.iso8601, "end": scenario.end.iso8601, "step_minutes": scenario.stepSeconds / 60, "jobs": scenario.jobs.count,
                "regions": scenario.catalog.regions.map(\.name), "currency": scenario.currency, "signals": scenario.provenance,
            ] as [String: Any],
            "forecast": "\(result.options.forecast)", "replan": result.options.cadence.rawValue, "past_deadline_steps": result.options.pastDeadlineSteps,
            "notes": notes,
            "units": ["energy": "kWh (facility)", "carbon": "kg CO2e", "cost": scenario.currency, "water": "L", "delay": "hours", "carbon_intensity": "gCO2e/kWh"],
            "policies": result.policies.map { r -> [String: Any] in
                [
                    "name": r.policy.name, "rule": r.policy.rule, "replans": r.replans, "seconds": r.seconds, "totals": totals(r),
                    "utilisation_by_region": scenario.catalog.regions.enumerated().map { g, region -> [String: Any] in
                        let used = r.devicesUsed[g].reduce(0) { $0 + Int($1) }, avail = available[g].reduce(0) { $0 + Int($1) }
                        return ["region": region.name, "device_steps_used": used, "device_steps_available": avail, "mean_utilisation": avail > 0 ? Double(used) / Double(avail) : 0,
                                "peak_devices": Int(r.devicesUsed[g].max() ?? 0)]
                    },
                    "jobs": r.outcomes.map { o -> [String: Any] in
                        var d: [String: Any] = [
                            "job": o.job, "submit": o.submit.iso8601, "deadline": o.deadline.iso8601, "devices": o.devices, "runs": o.runs, "energy_kwh": o.energyKwh,
                            "carbon_kg": o.carbonKg, "cost": o.cost, "water_l": o.waterL, "delay_h": o.delayHours, "missed_deadline": o.missedDeadline,
                            "slo_violated": o.sloViolated,
                        ]
                        if let region = o.region { d["region"] = region }
                        if let pool = o.pool { d["pool"] = pool }
                        if let start = o.start { d["start"] = start.iso8601 }
                        if let finish = o.finish { d["finish"] = finish.iso8601 }
                        return d
                    },
                ]
            },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    // MARK: HTML

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let palette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4", "#b2df8a"]

    /// Carbon intensity per region (line) with the devices the chosen policy ran there (shaded), one panel per region.
    func intensityChart(policy: PolicyResult) -> String {
        let width = 900.0, panel = 70.0, left = 120.0, gap = 14.0
        let regions = scenario.catalog.regions
        let buckets = min(scenario.steps, 600)
        let perBucket = Double(scenario.steps) / Double(buckets)
        let height = Double(regions.count) * (panel + gap) + 30
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width + left + 20))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        let maxCI = max(1, scenario.carbon.flatMap { $0.prefix(scenario.steps) }.max() ?? 1)
        for (g, region) in regions.enumerated() {
            let top = Double(g) * (panel + gap) + 10
            func bucket(_ b: Int) -> Range<Int> { Int(Double(b) * perBucket)..<max(Int(Double(b) * perBucket) + 1, Int(Double(b + 1) * perBucket)) }
            var usedPath = "M \(left) \(top + panel)"
            let peak = max(1, Double(policy.devicesUsed[g].max() ?? 0))
            var line = ""
            for b in 0..<buckets {
                let range = bucket(b)
                let x = left + width * Double(b) / Double(buckets)
                let ci = range.reduce(0.0) { $0 + scenario.carbon[g][$1] } / Double(range.count)
                let used = range.reduce(0.0) { $0 + Double(policy.devicesUsed[g][$1]) } / Double(range.count)
                line += (b == 0 ? "M" : " L") + " \(num(x, 1)) \(num(top + panel - panel * ci / maxCI, 1))"
                usedPath += " L \(num(x, 1)) \(num(top + panel - panel * 0.9 * used / peak, 1))"
            }
            usedPath += " L \(left + width) \(top + panel) Z"
            svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width)\" height=\"\(panel)\" fill=\"#fafafa\" stroke=\"#ddd\"/>\n"
            svg += "<path d=\"\(usedPath)\" fill=\"#9ecae1\" fill-opacity=\"0.6\" stroke=\"none\"><title>devices in use (\(escape(policy.policy.name))), peak \(Int(peak))</title></path>\n"
            svg += "<path d=\"\(line)\" fill=\"none\" stroke=\"#b2182b\" stroke-width=\"1\"/>\n"
            svg += "<text x=\"4\" y=\"\(num(top + 14, 0))\">\(escape(region.name))</text>\n"
            svg += "<text x=\"4\" y=\"\(num(top + 28, 0))\" fill=\"#666\">mean \(num(scenario.carbon[g].prefix(scenario.steps).reduce(0, +) / Double(max(1, scenario.steps)), 0)) gCO2e/kWh</text>\n"
            svg += "<text x=\"4\" y=\"\(num(top + 42, 0))\" fill=\"#3182bd\">peak \(Int(peak)) devices</text>\n"
        }
        svg += "<text x=\"\(left)\" y=\"\(num(height - 4, 0))\">\(scenario.start.shortUTC)</text><text x=\"\(left + width)\" y=\"\(num(height - 4, 0))\" text-anchor=\"end\">\(scenario.end.shortUTC) UTC</text>\n"
        return svg + "</svg>\n"
    }

    func savingsChart() -> String {
        let rows = result.policies.filter { $0.policy != .carbonAgnostic }
        let values = rows.map { (result.savings($0, \.carbonKg) ?? 0, result.savings($0, \.cost) ?? 0) }
        let extent = max(0.01, values.flatMap { [abs($0.0), abs($0.1)] }.max() ?? 0.01)
        let left = 180.0, width = 500.0, row = 36.0
        let zero = left + width / 2
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + width + 120))\" height=\"\(Int(Double(rows.count) * row + 40))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        svg += "<line x1=\"\(zero)\" y1=\"0\" x2=\"\(zero)\" y2=\"\(Double(rows.count) * row + 10)\" stroke=\"#999\"/>\n"
        for (i, r) in rows.enumerated() {
            let y = Double(i) * row + 8
            svg += "<text x=\"4\" y=\"\(num(y + 16, 0))\">\(escape(r.policy.name))</text>\n"
            for (k, (v, color, label)) in [(values[i].0, "#1b9e77", "carbon"), (values[i].1, "#7570b3", "cost")].enumerated() {
                let w = width / 2 * v / extent
                let x = w >= 0 ? zero : zero + w
                svg += "<rect x=\"\(num(x, 1))\" y=\"\(num(y + Double(k) * 13, 1))\" width=\"\(num(abs(w), 1))\" height=\"11\" fill=\"\(color)\"><title>\(label) saved: \(pct(v))</title></rect>\n"
                svg += "<text x=\"\(num(zero + (w >= 0 ? w + 4 : 4), 1))\" y=\"\(num(y + Double(k) * 13 + 9, 1))\">\(label) \(pct(v))</text>\n"
            }
        }
        svg += "<text x=\"\(zero)\" y=\"\(num(Double(rows.count) * row + 30, 0))\" text-anchor=\"middle\" fill=\"#666\">saved against carbon-agnostic (negative: more than it)</text>\n"
        return svg + "</svg>\n"
    }

    func delayChart() -> String {
        let edges: [Double] = [0, 0.5, 1, 2, 4, 8, 12, 24, 48, 96, .infinity]
        let labels = ["0", "0.5-1", "1-2", "2-4", "4-8", "8-12", "12-24", "24-48", "48-96", "96+"]
        let left = 60.0, bin = 70.0, height = 160.0
        let n = result.policies.count
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + bin * Double(labels.count) + 200))\" height=\"\(Int(height + 50))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        let shares: [[Double]] = result.policies.map { r in
            let delays = r.outcomes.filter { $0.start != nil }.map(\.delayHours)
            return (0..<labels.count).map { b in
                let count = delays.filter { b == 0 ? $0 < edges[1] : ($0 >= edges[b] && $0 < edges[b + 1]) }.count
                return delays.isEmpty ? 0 : Double(count) / Double(delays.count)
            }
        }
        for b in 0..<labels.count {
            let x0 = left + Double(b) * bin
            for (p, policyShares) in shares.enumerated() {
                let share = policyShares[b]
                let w = (bin - 10) / Double(n)
                let h = height * share
                svg += "<rect x=\"\(num(x0 + Double(p) * w, 1))\" y=\"\(num(10 + height - h, 1))\" width=\"\(num(w, 1))\" height=\"\(num(h, 1))\" fill=\"\(Self.palette[p % Self.palette.count])\"><title>\(escape(result.policies[p].policy.name)): \(pct(share)) of jobs delayed \(labels[b]) h</title></rect>\n"
            }
            svg += "<text x=\"\(num(x0 + (bin - 10) / 2, 1))\" y=\"\(num(height + 25, 0))\" text-anchor=\"middle\">\(labels[b])</text>\n"
        }
        svg += "<text x=\"\(left)\" y=\"\(num(height + 42, 0))\" fill=\"#666\">delay, hours (finish - earliest possible finish); bar height = share of the policy's jobs</text>\n"
        for (p, r) in result.policies.enumerated() {
            let y = 20.0 + Double(p) * 16
            let x = left + bin * Double(labels.count) + 10
            svg += "<rect x=\"\(x)\" y=\"\(y - 9)\" width=\"10\" height=\"10\" fill=\"\(Self.palette[p % Self.palette.count])\"/><text x=\"\(x + 14)\" y=\"\(y)\">\(escape(r.policy.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    public var html: String {
        let shown = result.policies.last { if case .planner = $0.policy { return true } else { return false } } ?? result.policies.last!
        let table = markdown.split(separator: "\n").filter { $0.hasPrefix("|") && !$0.hasPrefix("|---") }.enumerated().map { i, line -> String in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast().map { $0.trimmingCharacters(in: .whitespaces) }
            let tag = i == 0 ? "th" : "td"
            return "<tr>" + cells.map { "<\(tag)>\(escape($0))</\(tag)>" }.joined() + "</tr>"
        }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Gridwise simulation</title>
            <style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;font-size:13px}
            td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,th:first-child{text-align:left}li{font-size:13px}</style></head><body>
            <h1>Gridwise simulation</h1>
            <ul>\(header.map { "<li>\(escape($0))</li>" }.joined())</ul>
            <table>\(table)</table>
            <ul>\(result.policies.map { "<li><b>\(escape($0.policy.name))</b>: \(escape($0.policy.rule))</li>" }.joined())</ul>
            <h2>Carbon intensity per region, with the devices \(escape(shown.policy.name)) ran there</h2>
            <p>Red: actual carbon intensity (gCO2e/kWh, one scale for all regions, averaged to at most 600 points); blue: devices in use (scaled to each region's peak).</p>
            \(intensityChart(policy: shown))
            <h2>Savings per policy</h2>
            \(savingsChart())
            <h2>Delay distribution</h2>
            \(delayChart())
            <p>Signals: \(escape(scenario.provenance.joined(separator: "; ")))</p>
            </body></html>

            """
    }
}
