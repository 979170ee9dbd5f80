/// Checks that spread over several files: names a job uses that the catalog lacks, policy rules that
/// name unknown regions, and jobs that no region can ever take (with the rule that excludes each).
public enum InputValidation {
    public static func crossCheck(jobs: JobPlanFormat.Loaded, catalog: RegionCatalog, policy: Policy, policyFile: String) throws(GridwiseError) {
        var problems: [Diagnostic] = []
        let regionNames = Set(catalog.regions.map(\.name))
        let poolTypes = Set(catalog.regions.flatMap { $0.pools.map(\.type) })
        let populations = Set(catalog.regions.flatMap { $0.latencyMilliseconds.keys })
        let known = "known regions: \(catalog.regions.map(\.name).joined(separator: ", "))"

        for (index, rule) in policy.regionRules.enumerated() {
            for name in (rule.allowRegions ?? []) + rule.denyRegions where !regionNames.contains(name) {
                problems.append(Diagnostic(file: policyFile, path: "region_rules[\(index)]", message: "unknown region '\(name)'; \(known)"))
            }
        }

        for (i, job) in jobs.plan.jobs.enumerated() {
            let mark = jobs.jobMarks[i]
            let path = "jobs[\(i)]"
            var nameProblem = false
            for name in (job.allowedRegions ?? []) + job.forbiddenRegions where !regionNames.contains(name) {
                problems.append(Diagnostic(file: jobs.file, at: mark, path: "\(path).regions", message: "job '\(job.id)' names unknown region '\(name)'; \(known)"))
                nameProblem = true
            }
            for type in job.deviceTypes where !poolTypes.contains(type) {
                problems.append(Diagnostic(file: jobs.file, at: mark, path: "\(path).devices.type", message: "job '\(job.id)' asks for accelerator '\(type)', which no region has; known types: \(poolTypes.sorted().joined(separator: ", "))"))
                nameProblem = true
            }
            if let population = job.population, !populations.contains(population) {
                problems.append(Diagnostic(file: jobs.file, at: mark, path: "\(path).latency.population", message: "job '\(job.id)' serves population '\(population)', to which no region gives a latency; known populations: \(populations.sorted().joined(separator: ", "))"))
                nameProblem = true
            }
            if nameProblem { continue }
            let reasons = catalog.regions.map { ($0.name, Eligibility.exclusions(job: job, region: $0, policy: policy, horizon: jobs.plan.horizon)) }
            if reasons.allSatisfy({ !$0.1.isEmpty }) {
                let detail = reasons.map { "\($0.0): \($0.1.joined(separator: "; "))" }.joined(separator: "\n      ")
                problems.append(Diagnostic(file: jobs.file, at: mark, path: path, message: "job '\(job.id)' cannot run in any region:\n      \(detail)"))
            }
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
    }
}
