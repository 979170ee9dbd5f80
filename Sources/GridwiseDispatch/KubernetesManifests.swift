import GridwiseCore
import Yams

/// One `batch/v1` Job per unit, suspended until its start, pinned to its region by node affinity.
///
/// From the region's `dispatch` map: `k8s_region` (the label value; default the region's name),
/// `k8s_region_label` (default `topology.kubernetes.io/region`), `k8s_queue` (Kueue's LocalQueue, as the
/// `kueue.x-k8s.io/queue-name` label), `k8s_namespace`, `k8s_gpu_resource` (default `nvidia.com/gpu`; per
/// pool as `k8s_gpu_resource.<POOL TYPE>`), `k8s_pool_label` (a node label whose value is the pool type).
/// From the job: `image` (required here), `command` (run by `/bin/sh -c`; else the image's entrypoint).
public enum KubernetesManifests {
    public static let startAnnotation = "gridwise.io/start"

    /// The manifest of one unit, or why the job cannot have one.
    public static func job(for unit: DispatchUnit, job: Job, region: Region, defaultImage: String?) throws(DispatchProblem) -> Node {
        let d = region.dispatch
        guard let image = job.image ?? defaultImage else {
            throw DispatchProblem(job: unit.job, message: "no container image: add image: NAME to the job in the job plan, or give --image")
        }
        let name = objectName(unit)
        let regionLabel = d["k8s_region_label"] ?? "topology.kubernetes.io/region"
        let regionValue = d["k8s_region"] ?? region.name
        let gpuResource = d["k8s_gpu_resource.\(unit.pool)"] ?? d["k8s_gpu_resource"] ?? "nvidia.com/gpu"

        var labels: [(String, Y)] = [
            ("app.kubernetes.io/managed-by", .s("gridwise")),
            ("gridwise.io/plan", .s(unit.planID)),
            ("gridwise.io/job", .s(labelValue(unit.job))),
            ("gridwise.io/chunk", .s(String(unit.chunk))),
        ]
        if let queue = d["k8s_queue"] { labels.append(("kueue.x-k8s.io/queue-name", .s(queue))) }
        var metadata: [(String, Y)] = [("name", .s(name))]
        if let ns = d["k8s_namespace"] { metadata.append(("namespace", .s(ns))) }
        metadata.append(("labels", .m(labels)))
        metadata.append(("annotations", .m([
            ("gridwise.io/job-id", .s(unit.job)),
            (startAnnotation, .s(unit.begin.iso8601)),
            ("gridwise.io/end", .s(unit.end.iso8601)),
            ("gridwise.io/region", .s(unit.region)),
            ("gridwise.io/pool", .s(unit.pool)),
            ("gridwise.io/chunk", .s("\(unit.chunk)/\(unit.chunks)")),
        ])))

        var expressions: [Y] = [.m([("key", .s(regionLabel)), ("operator", .s("In")), ("values", .l([.s(regionValue)]))])]
        if let poolLabel = d["k8s_pool_label"] {
            expressions.append(.m([("key", .s(poolLabel)), ("operator", .s("In")), ("values", .l([.s(unit.pool)]))]))
        }
        var container: [(String, Y)] = [("name", .s("main")), ("image", .s(image))]
        if let command = job.command { container.append(("command", .l([.s("/bin/sh"), .s("-c"), .s(command)]))) }
        container.append(("resources", .m([
            ("limits", .m([(gpuResource, .i(unit.devices))])),
            ("requests", .m([(gpuResource, .i(unit.devices))])),
        ])))

        let manifest: Y = .m([
            ("apiVersion", .s("batch/v1")),
            ("kind", .s("Job")),
            ("metadata", .m(metadata)),
            ("spec", .m([
                // Held until its start: whatever releases it sets suspend to false at gridwise.io/start.
                ("suspend", .b(true)),
                ("backoffLimit", .i(0)),
                // The planned slots: the clock starts when the Job is released (Kubernetes resets it on resume).
                ("activeDeadlineSeconds", .i(Int(unit.end.secondsSinceEpoch - unit.begin.secondsSinceEpoch))),
                ("template", .m([
                    ("metadata", .m([("labels", .m([("gridwise.io/plan", .s(unit.planID)), ("gridwise.io/job", .s(labelValue(unit.job)))]))])),
                    ("spec", .m([
                        ("restartPolicy", .s("Never")),
                        ("affinity", .m([("nodeAffinity", .m([("requiredDuringSchedulingIgnoredDuringExecution", .m([
                            ("nodeSelectorTerms", .l([.m([("matchExpressions", .l(expressions))])])),
                        ]))]))])),
                        ("containers", .l([.m(container)])),
                    ])),
                ])),
            ])),
        ])
        return manifest.node
    }

    /// Every unit's manifest as one multi-document YAML text, with per-job problems for those that have none.
    public static func render(_ units: [DispatchUnit], jobs: [String: Job], catalog: RegionCatalog, defaultImage: String?) -> (yaml: String, problems: [DispatchProblem]) {
        var documents: [String] = []
        var problems: [DispatchProblem] = []
        var failed: Set<String> = []
        for unit in units {
            guard !failed.contains(unit.job) else { continue }
            do throws(DispatchProblem) {
                guard let region = catalog.regions.first(where: { $0.name == unit.region }) else {
                    throw DispatchProblem(job: unit.job, message: "region '\(unit.region)' is not in the region catalog")
                }
                guard let job = jobs[unit.job] else { throw DispatchProblem(job: unit.job, message: "job '\(unit.job)' is not in the job plan") }
                let node = try Self.job(for: unit, job: job, region: region, defaultImage: defaultImage)
                guard let text = try? Yams.serialize(node: node, sortKeys: false) else {
                    throw DispatchProblem(job: unit.job, message: "its manifest could not be written as YAML")
                }
                documents.append("# \(unit.job)" + (unit.chunks > 1 ? " chunk \(unit.chunk)/\(unit.chunks)" : "") + ": \(unit.region)/\(unit.pool) from \(unit.begin) to \(unit.end)\n" + text)
            } catch {
                problems.append(error)
                failed.insert(unit.job)
            }
        }
        return (documents.map { "---\n" + $0 }.joined(), problems)
    }

    /// A DNS-1123 label (lowercase letters, digits, '-'; at most 63): `gw-<plan>-<job>[-c<k>]`, shortened
    /// with a hash of the job id when too long, so two jobs never share a name.
    public static func objectName(_ unit: DispatchUnit) -> String {
        let suffix = unit.chunks > 1 ? "-c\(unit.chunk)" : ""
        var job = ""
        for c in unit.job.lowercased() {
            if (c >= "a" && c <= "z") || (c >= "0" && c <= "9") { job.append(c) } else if !job.hasSuffix("-") { job.append("-") }
        }
        job = String(job.drop { $0 == "-" })
        while job.hasSuffix("-") { job.removeLast() }
        let exact = job == unit.job
        let room = 63 - "gw-\(unit.planID)-".count - suffix.count
        if !exact || job.count > room {
            let hash = String(PlanIdentity.hex(PlanIdentity.fnv1a64(unit.job)).prefix(6))
            job = String(job.prefix(max(0, room - 7)))
            while job.hasSuffix("-") { job.removeLast() }
            job += (job.isEmpty ? "" : "-") + hash
        }
        return "gw-\(unit.planID)-\(job)\(suffix)"
    }

    /// A label value (at most 63 of letters, digits, '-', '_', '.', starting and ending alphanumeric).
    static func labelValue(_ text: String) -> String {
        var v = String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" }.prefix(63))
        while let f = v.first, !(f.isLetter || f.isNumber) { v.removeFirst() }
        while let l = v.last, !(l.isLetter || l.isNumber) { v.removeLast() }
        return v
    }

    /// A small YAML tree; strings are always quoted so no value is read back as a number, bool or date.
    indirect enum Y {
        case s(String), i(Int), b(Bool), m([(String, Y)]), l([Y])

        var node: Node {
            switch self {
            case .s(let v): return Node(v, Tag(.str), .doubleQuoted)
            case .i(let v): return Node(String(v), Tag(.int), .plain)
            case .b(let v): return Node(v ? "true" : "false", Tag(.bool), .plain)
            case .m(let pairs): return .mapping(Node.Mapping(pairs.map { (Node($0.0, Tag(.str), .plain), $0.1.node) }))
            case .l(let items): return .sequence(Node.Sequence(items.map(\.node)))
            }
        }
    }
}
