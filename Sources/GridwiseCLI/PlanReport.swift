import Foundation
import GridwiseCore

/// How a plan reads on a terminal and in CSV. Units are stated in every header.
enum PlanReport {
    static func table(_ plan: Plan) -> String {
        var lines: [String] = []
        let cur = plan.currency
        lines.append("Gridwise plan  policy: \(plan.policy)  horizon: \(shortTime(plan.horizon.start)) to \(shortTime(plan.horizon.end)) UTC (\(plan.horizon.hours) h)  jobs: \(plan.placements.count + plan.unplaced.count)")
        lines.append("")
        var t = TextTable([
            ("job", .left), ("region", .left), ("pool", .left), ("devices", .right), ("start UTC", .left), ("finish UTC", .left), ("runs", .right),
            ("energy kWh", .right), ("carbon kgCO2e", .right), ("cost \(cur)", .right), ("water L", .right), ("latency ms", .right),
        ])
        for p in plan.placements {
            t.add([
                p.job, p.region, p.pool, "\(p.devices)", shortTime(p.start), shortTime(p.finish), "\(p.chunks.count)",
                formatGrouped(p.energyKwh, decimals: 0), formatGrouped(p.carbonKg, decimals: 1), formatGrouped(p.cost, decimals: 2),
                formatGrouped(p.waterL, decimals: 0), p.latencyMs.map { formatNumber($0, decimals: 0) } ?? "-",
            ])
        }
        t.rule()
        func totalsRow(_ label: String, _ totals: PlanTotals) -> [String] {
            [label, "", "", "", "", "", "", formatGrouped(totals.energyKwh, decimals: 0), formatGrouped(totals.carbonKg, decimals: 1),
             formatGrouped(totals.cost, decimals: 2), formatGrouped(totals.waterL, decimals: 0), totals.meanLatencyMs.map { formatNumber($0, decimals: 0) } ?? "-"]
        }
        t.add(totalsRow("plan total (\(plan.totals.jobsPlaced) jobs)", plan.totals))
        t.add(totalsRow("baseline total (\(plan.baseline.totals.jobsPlaced) jobs)", plan.baseline.totals))
        let s = plan.savings
        t.add(["saved vs baseline", "", "", "", "", "", "", formatGrouped(s.energyKwh, decimals: 0) + " (\(formatPercent(s.energyFraction)))",
               formatGrouped(s.carbonKg, decimals: 1) + " (\(formatPercent(s.carbonFraction)))", formatGrouped(s.cost, decimals: 2) + " (\(formatPercent(s.costFraction)))",
               formatGrouped(s.waterL, decimals: 0) + " (\(formatPercent(s.waterFraction)))", ""])
        lines.append(t.render())
        lines.append("")
        lines.append("latency column: round trip to the job's user population; totals row: running-hour-weighted mean.")
        if s.jobsCompared != plan.placements.count || s.jobsCompared != plan.baseline.placements.count {
            lines.append("savings compare the \(s.jobsCompared) jobs placed in both plan and baseline.")
        }
        lines.append("baseline: \(plan.baseline.rule).")
        if plan.baseline.totals.deadlineMisses > 0 {
            let late = plan.baseline.placements.filter(\.missesDeadline).map(\.job)
            lines.append("baseline misses \(late.count) deadline(s): \(late.joined(separator: ", ")); the plan misses none.")
        }
        let o = plan.optimality
        lines.append("objective \(formatNumber(o.objective, decimals: 4)), lower bound \(formatNumber(o.lowerBound, decimals: 4)), gap: \(gapText(o.gap)) (\(o.status))")
        lines.append("  \(o.method)")
        if let b = plan.carbonBudget {
            lines.append("carbon budget: \(formatGrouped(b.usedKg, decimals: 1)) of \(formatGrouped(b.limitKg, decimals: 1)) kgCO2e" + (b.exceeded ? "  EXCEEDED" : "  within budget"))
        }
        if !plan.unplaced.isEmpty {
            lines.append("")
            lines.append("unplaced jobs (\(plan.unplaced.count)):")
            for u in plan.unplaced { lines.append("  \(u.job): \(u.reason)") }
        }
        lines.append("")
        lines.append("signals (provenance of each zone is in the JSON plan):")
        let groups = Dictionary(grouping: plan.signals) { "\($0.signal.rawValue)\u{1}\($0.source)\u{1}\($0.illustrative)\u{1}\($0.fallbackRank)" }
        for key in groups.keys.sorted() {
            let members = groups[key]!
            let first = members[0]
            let unit = first.signal == .carbonIntensity ? "gCO2e/kWh" : "\(plan.currency)/MWh"
            var line = "  \(first.signal == .carbonIntensity ? "carbon" : "price") (\(unit)) for \(members.map(\.zone).sorted().joined(separator: ", ")): \(first.source)"
            if first.illustrative { line += "  [ILLUSTRATIVE]" }
            if first.fallbackRank > 0 {
                let hours = members.reduce(0) { $0 + $1.hourCount }
                line += "  [FALLBACK for \(hours) h: \(Set(members.compactMap(\.note)).sorted().joined(separator: " | "))]"
            } else if first.fetchedAt != nil {
                line += "  [live: \(Set(members.map { $0.note ?? "fetched at \($0.fetchedAt!)" }).sorted().joined(separator: " | "))]"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func csv(_ plan: Plan) -> String {
        var out = [csvLine(["scenario", "job", "region", "pool", "devices", "start_utc", "finish_utc", "chunks", "running_hours", "energy_kwh", "carbon_kgco2e",
                            "cost_\(plan.currency.lowercased())", "water_l", "latency_ms", "delay_hours", "misses_deadline"])]
        for (scenario, placements) in [("plan", plan.placements), ("baseline", plan.baseline.placements)] {
            for p in placements {
                out.append(csvLine([
                    scenario, p.job, p.region, p.pool, "\(p.devices)", p.start, p.finish, p.chunks.map { "\($0.start)/\($0.end)" }.joined(separator: " "),
                    "\(p.runningHours)", "\(p.energyKwh)", "\(p.carbonKg)", "\(p.cost)", "\(p.waterL)", p.latencyMs.map { "\($0)" } ?? "",
                    "\(p.delayHours)", "\(p.missesDeadline)",
                ]))
            }
        }
        return out.joined(separator: "\n")
    }

    static func gapText(_ gap: Double) -> String {
        gap == 0 ? "0 %" : gap < 0.0001 ? "< 0.01 %" : formatPercent(gap, decimals: 2)
    }

    static func json(_ plan: Plan) -> String { String(decoding: plan.jsonData(), as: UTF8.self) }

    static func shortTime(_ iso: String) -> String {
        (try? Instant.parse(iso))?.shortUTC ?? iso
    }

}
