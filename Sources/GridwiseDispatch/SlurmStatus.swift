import GridwiseCore

/// One unit of a submitted plan beside what Slurm says of it.
public struct UnitStatus: Sendable, Equatable {
    public var unit: DispatchUnit
    public var plannedPartition: String
    public var slurmJobID: String?
    /// The controller's view; nil when it no longer knows the job (or it was never submitted).
    public var slurm: SlurmJob?
    /// Anything that does not match the plan, or what is known when Slurm says nothing.
    public var notes: [String]

    /// Whether Slurm holds it in another partition than the plan's.
    public var inWrongPartition: Bool {
        guard let s = slurm, plannedPartition != "?" else { return false }
        return s.partition != plannedPartition
    }

    /// When it started running; nil while pending, and for a job cancelled before it ran (Slurm then
    /// reports the cancel time as its start, with the pending reason kept).
    public var startedAt: Instant? {
        guard let s = slurm, s.state != "PENDING", !(s.state == "CANCELLED" && s.reason != "None") else { return nil }
        return s.start
    }

    /// Whether it started at or after its begin time (nil: not started, or unknown).
    public var startedOnTime: Bool? { startedAt.map { $0 >= unit.begin } }
}

public enum SlurmStatus {
    /// Every unit of the plan in force (re-plans and drops from the ledger applied), with Slurm's state.
    public static func collect(plan: Plan, planID: String, planFile: String, catalog: RegionCatalog?, ledger: SubmissionLedger, slurm: SlurmCLI) throws(GridwiseError) -> [UnitStatus] {
        let re = ledger.replanned
        let units = try DispatchUnit.expand(ledger.placementsInForce(plan.placements), planID: planID, shiftSeconds: ledger.shiftSeconds ?? 0, file: planFile)
        var ids = ledger.slurmIDs
        var byID: [String: SlurmJob] = [:]
        for (job, key) in try slurm.jobs(ofPlan: planID) {
            byID[job.id] = job
            if ids[key] == nil { ids[key] = job.id }
        }
        var rows: [UnitStatus] = []
        for unit in units {
            let region = catalog?.regions.first { $0.name == unit.region }
            let partition = region.map { SlurmBatch.placeName(region: $0, pool: unit.pool) } ?? "?"
            var row = UnitStatus(unit: unit, plannedPartition: partition, slurmJobID: ids[unit.key], slurm: nil, notes: [])
            if let id = ids[unit.key] {
                if let queued = byID[id] { row.slurm = queued } else { row.slurm = try slurm.job(id: id) }
                if row.slurm == nil { row.notes.append("the controller no longer knows job \(id) (finished longer ago than its MinJobAge, or purged)") }
            } else {
                row.notes.append("not submitted")
            }
            if let s = row.slurm {
                if row.inWrongPartition { row.notes.append("runs in partition \(s.partition), planned \(partition)") }
                if row.startedOnTime == false, let start = s.start { row.notes.append("STARTED EARLY: at \(start), before its begin \(unit.begin)") }
            }
            if re[unit.job] != nil { row.notes.append("re-planned: its first placement had passed") }
            rows.append(row)
        }
        return rows
    }
}
