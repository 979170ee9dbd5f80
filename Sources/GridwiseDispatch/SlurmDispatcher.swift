import Foundation
import GridwiseCore

/// A job placed again because its placement had passed, or why it could not be.
public enum Replacement: Sendable, Equatable {
    case placed(region: String, pool: String, chunks: [Chunk])
    case unplaceable(reason: String)
}

/// What happened to one unit in a submission run.
public enum UnitOutcome: Sendable, Equatable {
    /// sbatch accepted it now.
    case submitted(id: String)
    /// An earlier run submitted it (the ledger says so, or the controller holds it under the plan's tag).
    case alreadySubmitted(id: String, adopted: Bool)
    /// --dry-run: the exact command.
    case wouldSubmit(command: String)
    /// Refused: Slurm's message, or why Gridwise did not hand it over.
    case failed(message: String)
    /// Not tried: the controller went away earlier in the run.
    case notAttempted(reason: String)
}

public struct UnitReport: Sendable, Equatable {
    public var unit: DispatchUnit
    public var partition: String
    public var outcome: UnitOutcome
    /// Set when the unit comes from a re-plan of a passed placement (the old begin).
    public var replannedFrom: Instant?
}

public struct SubmitReport: Sendable {
    public var planID: String
    public var shiftSeconds: Int64
    public var units: [UnitReport]
    /// Jobs that passed and could not be placed again, or could not be dispatched at all, with why.
    public var jobProblems: [DispatchProblem]
    /// The controller could not be reached: the run stopped there.
    public var controllerDown: String?
    public var ledgerPath: String?

    public var failures: Int {
        units.filter { if case .failed = $0.outcome { return true }; if case .notAttempted = $0.outcome { return true }; return false }.count + jobProblems.count
    }
}

/// Submits a plan's units to Slurm: each once, in begin order, recording every step in the ledger.
public struct SlurmDispatcher {
    public var slurm: SlurmCLI
    /// How late a unit may still be submitted as planned (it then starts at once); later, its job is re-planned.
    public var lateTolerance: Int64

    public init(slurm: SlurmCLI, lateTolerance: Int64 = 600) {
        self.slurm = slurm
        self.lateTolerance = lateTolerance
    }

    /// - Parameters:
    ///   - shiftSeconds: the shift to use when this is the plan's first submission (a recorded one wins).
    ///   - replan: places jobs again from `planNow` (plan time, i.e. unshifted), holding the capacity of the
    ///     placements in `held`; called once with every passed job that has nothing submitted yet.
    public func submit(
        plan: Plan, planID: String, planFile: String, jobs: [String: Job], catalog: RegionCatalog, jobPlanFile: String,
        ledger: SubmissionLedger?, shiftSeconds requestedShift: Int64, now: Instant,
        replan: (_ jobs: [String], _ planNow: Instant, _ held: [Placement]) throws(GridwiseError) -> [String: Replacement]
    ) throws(GridwiseError) -> SubmitReport {
        let dryRun = ledger == nil
        let shift = ledger?.shiftSeconds ?? requestedShift
        if let ledger, ledger.shiftSeconds == nil {
            try ledger.append(LedgerEntry(event: .started, at: now, shiftSeconds: shift, message: "plan \(planID) from \(planFile)"))
        }
        var problems: [DispatchProblem] = []
        // The placements in force: the plan's, replaced by earlier re-plans, less jobs dropped earlier.
        var placements = plan.placements
        var replannedFrom: [String: Instant] = [:]
        if let ledger {
            placements = ledger.placementsInForce(placements)
            for (job, why) in ledger.dropped.sorted(by: { $0.key < $1.key }) {
                problems.append(DispatchProblem(job: job, message: "not submitted: \(why)"))
            }
        }
        var units = try DispatchUnit.expand(placements, planID: planID, shiftSeconds: shift, file: planFile)

        // What the engine already holds under this plan's tag, and what the ledger recorded.
        var known = ledger?.slurmIDs ?? [:]
        var adopted: Set<UnitKey> = []
        var controllerDown: String?
        do {
            for (job, key) in try slurm.jobs(ofPlan: planID) where known[key] == nil {
                known[key] = job.id
                adopted.insert(key)
                try ledger?.append(LedgerEntry(event: .adopted, at: now, job: key.job, chunk: key.chunk, slurmJobID: job.id, partition: job.partition, message: "found queued under the plan's tag"))
            }
        } catch let error {
            if !dryRun { throw error }
            controllerDown = "\(error.description.replacingOccurrences(of: "error: ", with: "")) (dry run: every unit listed as if none were queued)"
        }

        // Passed placements: a job with nothing submitted whose first unit begins too long ago is placed again.
        let limit = now.adding(seconds: -lateTolerance)
        var passedJobs: [String] = []
        var blocked: Set<String> = []
        for (job, jobUnits) in Dictionary(grouping: units, by: \.job) {
            let pending = jobUnits.filter { known[$0.key] == nil }
            guard let first = pending.min(by: { $0.begin < $1.begin }), first.begin < limit else { continue }
            if pending.count == jobUnits.count {
                passedJobs.append(job)
            } else {
                blocked.insert(job)
                problems.append(DispatchProblem(job: job, message: "chunk \(first.chunk) of \(first.chunks) was due at \(first.begin) (passed) while earlier chunks are submitted; not submitted late. Cancel the job (gridwise cancel --plan \(planFile) \(job)) and plan its remaining work again"))
            }
        }
        passedJobs.sort()
        if !passedJobs.isEmpty {
            let planNow = now.adding(seconds: -shift)
            let passed = Set(passedJobs)
            let replacements = try replan(passedJobs, planNow, placements.filter { !passed.contains($0.job) })
            for job in passedJobs {
                let old = units.first { $0.job == job }!
                units.removeAll { $0.job == job }
                switch replacements[job] ?? .unplaceable(reason: "the re-plan returned nothing for it") {
                case .placed(let region, let pool, let chunks):
                    guard var p = placements.first(where: { $0.job == job }) else { continue }
                    p.region = region
                    p.pool = pool
                    p.chunks = chunks
                    let fresh = try DispatchUnit.expand([p], planID: planID, shiftSeconds: shift, file: planFile)
                    units += fresh
                    replannedFrom[job] = old.begin
                    try ledger?.append(LedgerEntry(event: .replanned, at: now, job: job, region: region, pool: pool, begin: fresh.first?.begin, chunks: chunks,
                                                   message: "planned begin \(old.begin) had passed"))
                case .unplaceable(let reason):
                    blocked.insert(job)
                    problems.append(DispatchProblem(job: job, message: "its planned begin \(old.begin) has passed and it cannot be placed again: \(reason)"))
                    try ledger?.append(LedgerEntry(event: .dropped, at: now, job: job, message: "planned begin \(old.begin) had passed; re-plan: \(reason)"))
                }
            }
            units.sort { ($0.begin, $0.job, $0.chunk) < ($1.begin, $1.job, $1.chunk) }
        }

        var reports: [UnitReport] = []
        var refused: Set<String> = []
        for unit in units where !blocked.contains(unit.job) {
            let region = catalog.regions.first { $0.name == unit.region }
            let partition = region.map { SlurmBatch.placeName(region: $0, pool: unit.pool) } ?? "?"
            var report = UnitReport(unit: unit, partition: partition, outcome: .failed(message: ""), replannedFrom: replannedFrom[unit.job])
            defer { reports.append(report) }
            if let id = known[unit.key] {
                report.outcome = .alreadySubmitted(id: id, adopted: adopted.contains(unit.key))
                continue
            }
            if let down = controllerDown, !dryRun {
                report.outcome = .notAttempted(reason: down)
                continue
            }
            guard let region else {
                report.outcome = .failed(message: "region '\(unit.region)' is not in the region catalog")
                refused.insert(unit.job)
                continue
            }
            guard let job = jobs[unit.job] else {
                report.outcome = .failed(message: "job '\(unit.job)' is not in the job plan \(jobPlanFile)")
                refused.insert(unit.job)
                continue
            }
            if refused.contains(unit.job) {
                report.outcome = .failed(message: "not submitted: an earlier chunk of the job was not")
                continue
            }
            let dependency: String?
            if unit.chunk > 1 {
                let before = UnitKey(job: unit.job, chunk: unit.chunk - 1)
                dependency = known[before] ?? (dryRun ? "<id of \(unit.job) chunk \(unit.chunk - 1)>" : nil)
            } else {
                dependency = nil
            }
            let arguments: [String]
            do {
                arguments = try SlurmBatch.arguments(for: unit, job: job, region: region, jobPlanFile: jobPlanFile, dependency: dependency)
            } catch {
                report.outcome = .failed(message: error.message)
                refused.insert(unit.job)
                continue
            }
            if dryRun {
                report.outcome = .wouldSubmit(command: "TZ=UTC " + SlurmBatch.shellLine(["sbatch"] + arguments))
                continue
            }
            switch try slurm.submit(arguments) {
            case .success(let id):
                known[unit.key] = id
                report.outcome = .submitted(id: id)
                try ledger?.append(LedgerEntry(event: .submitted, at: now, job: unit.job, chunk: unit.chunk, slurmJobID: id, region: unit.region, pool: unit.pool,
                                               partition: partition, begin: unit.begin, end: unit.end))
            case .failure(let failure):
                report.outcome = .failed(message: failure.message)
                refused.insert(unit.job)
                try ledger?.append(LedgerEntry(event: .failed, at: now, job: unit.job, chunk: unit.chunk, region: unit.region, partition: partition, begin: unit.begin, message: failure.message))
                if failure.controllerDown { controllerDown = failure.message }
            }
        }
        return SubmitReport(planID: planID, shiftSeconds: shift, units: reports, jobProblems: problems.sorted { $0.job < $1.job },
                            controllerDown: controllerDown, ledgerPath: ledger?.path)
    }
}
