/// Which regions and pools a job may use, and, for each one it may not, the rule that says so.
public enum Eligibility {
    /// Whether any region could be closed to the job under the policy: false where the job names no allowed
    /// or forbidden regions, no policy region rule applies to its kind and no latency SLO is enforced for it,
    /// so that `regionExclusions` is empty for every region (the planner then need not ask per region).
    public static func regionsMayExclude(job: Job, policy: Policy) -> Bool {
        job.allowedRegions != nil || !job.forbiddenRegions.isEmpty || policy.regionRules.contains { $0.applies(to: job.kind) }
            || (job.population != nil && job.latencySLOMilliseconds != nil && policy.enforceLatencySLO)
    }

    /// Reasons the region as a whole is closed to the job (before pools are looked at); empty when open.
    public static func regionExclusions(job: Job, region: Region, policy: Policy) -> [String] {
        var reasons: [String] = []
        forEachRegionExclusion(job: job, region: region, policy: policy) { reason in
            reasons.append(reason())
            return true
        }
        return reasons
    }

    /// Whether the region is open to the job: `regionExclusions` is empty, found without wording a reason
    /// (the planner asks this per job and region).
    public static func regionIsOpen(job: Job, region: Region, policy: Policy) -> Bool {
        var open = true
        forEachRegionExclusion(job: job, region: region, policy: policy) { _ in
            open = false
            return false
        }
        return open
    }

    /// Calls `found` with each reason the region is closed to the job, in order, as words made only if
    /// `found` asks for them; stops where `found` returns false.
    private static func forEachRegionExclusion(job: Job, region: Region, policy: Policy, _ found: (() -> String) -> Bool) {
        if let allowed = job.allowedRegions, !allowed.contains(region.name) {
            guard found({ "not in the job's allowed regions (\(allowed.joined(separator: ", ")))" }) else { return }
        }
        if job.forbiddenRegions.contains(region.name) {
            guard found({ "listed in the job's forbidden regions" }) else { return }
        }
        for (index, rule) in policy.regionRules.enumerated() where rule.applies(to: job.kind) {
            func label() -> String { "policy '\(policy.name)' rule \(index + 1)" + (rule.reason.isEmpty ? "" : " (\(rule.reason))") }
            let missing = rule.requireTags.filter { !region.tags.contains($0) }
            if !missing.isEmpty { guard found({ "\(label()) requires tag \(missing.joined(separator: ", ")) for \(job.kind.rawValue) jobs" }) else { return } }
            let denied = rule.denyTags.filter { region.tags.contains($0) }
            if !denied.isEmpty { guard found({ "\(label()) denies tag \(denied.joined(separator: ", ")) for \(job.kind.rawValue) jobs" }) else { return } }
            if let allow = rule.allowRegions, !allow.contains(region.name) { guard found({ "\(label()) allows only \(allow.joined(separator: ", "))" }) else { return } }
            if rule.denyRegions.contains(region.name) { guard found({ "\(label()) denies this region" }) else { return } }
        }
        if let population = job.population, let slo = job.latencySLOMilliseconds, policy.enforceLatencySLO {
            if let latency = region.latencyMilliseconds[population] {
                if latency > slo { guard found({ "latency to \(population) is \(formatShort(latency)) ms, over the job's SLO of \(formatShort(slo)) ms" }) else { return } }
            } else {
                guard found({ "the catalog gives no latency to population '\(population)', so the SLO cannot be shown to hold" }) else { return }
            }
        }
    }

    /// What keeps a pool from taking a job (see `poolMismatch`).
    public enum PoolMismatch: Sendable, Equatable {
        /// The pool's device type is not one the job accepts.
        case type
        /// The pool has fewer devices than the job needs.
        case devices
        /// On the pool's devices the job runs longer than its window has whole hours.
        case window
    }

    /// What keeps the pool from taking the job, without the words (the planner asks this per job and pool);
    /// nil when it can.
    public static func poolMismatch(job: Job, pool: AcceleratorPool, horizon: PlanningHorizon) -> PoolMismatch? {
        if !job.accepts(poolType: pool.type) { return .type }
        if pool.count < job.deviceCount { return .devices }
        if windowSlots(job: job, horizon: horizon).count < slotsNeeded(job: job, pool: pool, chunks: 1) { return .window }
        return nil
    }

    /// Why a pool cannot take the job; nil when it can.
    public static func poolExclusion(job: Job, pool: AcceleratorPool, horizon: PlanningHorizon) -> String? {
        switch poolMismatch(job: job, pool: pool, horizon: horizon) {
        case nil: return nil
        case .type: return "pool \(pool.type) is not a type the job accepts (\(job.deviceTypes.joined(separator: ", ")))"
        case .devices: return "pool \(pool.type) has \(pool.count) devices; the job needs \(job.deviceCount)"
        case .window:
            let window = windowSlots(job: job, horizon: horizon)
            return "on \(pool.type) (speed \(formatShort(pool.relativeSpeed))) the job runs \(formatHours(job.runningHours(speed: pool.relativeSpeed))), longer than its window of \(window.count) whole hours"
        }
    }

    /// Every reason the job cannot run in the region at all; empty when some pool can take it.
    public static func exclusions(job: Job, region: Region, policy: Policy, horizon: PlanningHorizon) -> [String] {
        let regionReasons = regionExclusions(job: job, region: region, policy: policy)
        if !regionReasons.isEmpty { return regionReasons }
        let poolReasons = region.pools.compactMap { poolExclusion(job: job, pool: $0, horizon: horizon) }
        if poolReasons.count == region.pools.count {
            return region.pools.isEmpty ? ["the region has no accelerator pools"] : poolReasons
        }
        return []
    }

    /// The whole hourly slots in which the job may run: from the first slot at or after its release to
    /// the last slot that ends by its deadline.
    public static func windowSlots(job: Job, horizon: PlanningHorizon) -> Range<Int> {
        let first = max(0, horizon.firstSlot(atOrAfter: job.release))
        let last = min(horizon.hours, horizon.slotsEnding(atOrBefore: job.deadline))
        return first..<max(first, last)
    }

    /// Whole slots occupied by the job on this pool in `chunks` pieces: running hours rounded up.
    public static func slotsNeeded(job: Job, pool: AcceleratorPool, chunks: Int) -> Int {
        let hours = job.runningHours(speed: pool.relativeSpeed, chunks: chunks)
        return Int((hours - 1e-9).rounded(.up))
    }
}
