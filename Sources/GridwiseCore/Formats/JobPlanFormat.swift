/// Reads a job plan file (`kind: JobPlan`). See docs/file-formats.md.
public enum JobPlanFormat {
    public static let kind = "JobPlan"

    /// A job plan with where each job stands in its file, for errors found later against other files.
    public struct Loaded: Sendable {
        public var plan: JobPlan
        public var file: String
        public var jobMarks: [SourceMark]
    }

    public static func parse(_ text: String, file: String) throws(GridwiseError) -> Loaded {
        let (plan, marks) = try GridwiseFormat.decode(text, file: file, read)
        return Loaded(plan: plan, file: file, jobMarks: marks)
    }

    static func read(_ root: DocumentNode, sink: DiagnosticSink) -> (JobPlan, [SourceMark])? {
        guard let top = MapReader(root, path: "", sink: sink, what: "a job plan") else { return nil }
        Parse.header(top, kind: kind)
        _ = top.optional("notes", Parse.string)
        let horizon = top.optional("horizon", horizon)
        var jobs: [Job] = []
        var marks: [SourceMark] = []
        if let jobsNode = top.node("jobs") {
            if case .list(let nodes, let listMark) = jobsNode {
                if nodes.isEmpty { sink.report("jobs", at: listMark, "the plan lists no jobs; expected at least one") }
                var seen: [String: Int] = [:]
                for (i, node) in nodes.enumerated() {
                    guard let job = job(node, "jobs[\(i)]", sink, defaultRelease: horizon?.start) else { continue }
                    if let first = seen[job.id] {
                        sink.report("jobs[\(i)].id", at: node.mark, "duplicate job id '\(job.id)' (first at jobs[\(first)]); ids must be unique")
                        continue
                    }
                    seen[job.id] = i
                    jobs.append(job)
                    marks.append(node.mark)
                }
            } else {
                sink.report("jobs", at: jobsNode.mark, "found \(jobsNode.shortDescription); expected a list of jobs")
            }
        } else {
            sink.report("jobs", at: top.mark, "missing required field 'jobs'")
        }
        top.finish()
        if let horizon {
            for (i, job) in jobs.enumerated() where job.release < horizon.start || job.deadline > horizon.end {
                sink.report("jobs[\(i)]", at: marks[i], "job '\(job.id)' runs from \(job.release) to \(job.deadline), outside the plan's horizon \(horizon.start) to \(horizon.end)")
            }
        }
        guard let resolved = horizon ?? PlanningHorizon.covering(jobs) else { return nil }
        if Double(resolved.hours) > PlanningHorizon.maximumHours {
            sink.report(horizon == nil ? "jobs" : "horizon", at: top.mark, "the plan spans \(resolved.hours) hours (\(resolved.start) to \(resolved.end)); Gridwise plans at most \(Int(PlanningHorizon.maximumHours)) hours at a time, so split the jobs into shorter plans")
            return nil
        }
        return (JobPlan(jobs: jobs, horizon: resolved), marks)
    }

    static func horizon(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> PlanningHorizon? {
        guard let h = MapReader(node, path: path, sink: sink, what: "a horizon with start and end") else { return nil }
        let start = h.required("start", Parse.instant)
        let end = h.required("end", Parse.instant)
        h.finish()
        guard let start, let end else { return nil }
        guard start.isOnTheHour, end.isOnTheHour else {
            sink.report(path, at: h.mark, "found \(start) to \(end); expected a start and end on the hour")
            return nil
        }
        guard end > start else {
            sink.report("\(path).end", at: h.mark, "found end \(end) at or before start \(start); expected an end after the start")
            return nil
        }
        return PlanningHorizon(start: start, hours: Int((end.secondsSinceEpoch - start.secondsSinceEpoch) / 3600))
    }

    static func job(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink, defaultRelease: Instant?) -> Job? {
        guard let j = MapReader(node, path: path, sink: sink, what: "a job") else { return nil }
        let before = sink.diagnostics.count
        let id = j.required("id", Parse.identifier)
        let kind = j.required("kind", Parse.oneOf(JobKind.names)).flatMap(JobKind.init(rawValue:))
        let devices = j.required("devices", devices)
        let work = j.optional("work", Parse.hours)
        let duration = j.optional("duration", Parse.hours)
        let release = defaultRelease == nil ? j.required("release", Parse.instant) : (j.optional("release", Parse.instant) ?? defaultRelease)
        let deadline = j.required("deadline", Parse.instant)
        let interruptible = j.optional("interruptible", Parse.bool) ?? false
        let overhead = j.optional("checkpoint_overhead", Parse.hoursOrZero)
        let maxChunks = j.optional("max_chunks", Parse.integer(in: 1...168))
        let regions = j.optional("regions", regionLists)
        let latency = j.optional("latency", latency)
        let priority = j.optional("priority", Parse.integer(in: 1...10)) ?? 5
        let command = j.optional("command", Parse.string)
        let script = j.optional("script", Parse.string)
        let image = j.optional("image", Parse.string)
        _ = j.optional("notes", Parse.string)
        j.finish()

        if let kind {
            if kind == .onlineInference {
                if work != nil || duration != nil {
                    sink.report(path, at: j.mark, "an online_inference job serves from release to deadline; remove work and duration")
                }
                if interruptible { sink.report("\(path).interruptible", at: j.mark, "an online_inference job cannot be interrupted; expected false") }
                for (name, value) in [("release", release), ("deadline", deadline)] {
                    if let value, !value.isOnTheHour {
                        sink.report("\(path).\(name)", at: j.mark, "found \(value); an online_inference job's \(name) must be on the hour")
                    }
                }
                if latency?.population == nil {
                    sink.report("\(path).latency", at: j.mark, "an online_inference job needs latency.population (the users it serves)")
                }
            } else if j.has("work") == j.has("duration") {
                sink.report(path, at: j.mark, !j.has("work") ? "missing 'work' (hours on the reference accelerator) or 'duration' (wall time); give one" : "both 'work' and 'duration' are given; give one")
            }
        }
        if let command, command.allSatisfy(\.isWhitespace) {
            sink.report("\(path).command", at: j.mark, "found an empty command; expected the shell command the job runs, or remove the field")
        }
        if command != nil, script != nil {
            sink.report(path, at: j.mark, "both 'command' and 'script' are given; give one (a shell command, or a batch script file for Slurm)")
        }
        if !interruptible, overhead != nil || maxChunks != nil {
            sink.report(path, at: j.mark, "checkpoint_overhead and max_chunks apply only to interruptible jobs; set interruptible: true or remove them")
        }
        if let release, let deadline, deadline <= release {
            sink.report("\(path).deadline", at: j.mark, "found \(deadline), which is not after release \(release); expected a deadline after the release")
        }
        if let slo = latency?.slo, latency?.population == nil, slo > 0 {
            sink.report("\(path).latency", at: j.mark, "slo_ms needs a population to measure latency to")
        }
        guard sink.diagnostics.count == before, let id, let kind, let devices, let release, let deadline else { return nil }
        let jobWork: JobWork
        if kind == .onlineInference {
            jobWork = .fixedHours(deadline.hours(since: release))
        } else if let work {
            jobWork = .referenceHours(work)
        } else {
            jobWork = .fixedHours(duration!)
        }
        return Job(
            id: id, kind: kind, deviceCount: devices.count, deviceTypes: devices.types, work: jobWork, release: release, deadline: deadline,
            interruptible: interruptible, checkpointOverheadHours: overhead ?? 0, maxChunks: maxChunks ?? 4,
            allowedRegions: regions?.allow, forbiddenRegions: regions?.deny ?? [], population: latency?.population,
            latencySLOMilliseconds: latency?.slo, priority: priority, command: command, script: script, image: image)
    }

    static func devices(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> (count: Int, types: [String])? {
        guard let d = MapReader(node, path: path, sink: sink, what: "devices with count and type") else { return nil }
        let count = d.required("count", Parse.integer(in: 1...1_000_000))
        let types = d.optional("type", Parse.identifierList) ?? []
        d.finish()
        guard let count else { return nil }
        return (count, types)
    }

    static func regionLists(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> (allow: [String]?, deny: [String])? {
        guard let r = MapReader(node, path: path, sink: sink, what: "region lists (allow, deny)") else { return nil }
        let allow = r.optional("allow", Parse.identifierList)
        let deny = r.optional("deny", Parse.identifierList) ?? []
        r.finish()
        return (allow, deny)
    }

    static func latency(_ node: DocumentNode, _ path: String, _ sink: DiagnosticSink) -> (population: String?, slo: Double?)? {
        guard let l = MapReader(node, path: path, sink: sink, what: "a latency requirement (population, slo_ms)") else { return nil }
        let population = l.optional("population", Parse.identifier)
        let slo = l.optional("slo_ms", Parse.positive)
        l.finish()
        return (population, slo)
    }
}
