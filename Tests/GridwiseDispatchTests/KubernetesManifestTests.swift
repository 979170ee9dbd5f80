import Foundation
import GridwiseCore
@testable import GridwiseDispatch
import XCTest
import Yams

final class KubernetesManifestTests: XCTestCase {
    let t0 = try! Instant.parse("2026-12-07T09:00:00Z")

    func unit(job: String = "llm-7b", chunk: Int = 1, chunks: Int = 1, pool: String = "A800") -> DispatchUnit {
        DispatchUnit(planID: "0123456789ab", job: job, chunk: chunk, chunks: chunks, region: "ningxia", pool: pool, devices: 16, begin: t0, end: t0.adding(hours: 3))
    }

    func job(_ id: String = "llm-7b", image: String? = "registry.example.com/trainer:1", command: String? = "torchrun train.py") -> Job {
        Job(id: id, kind: .training, deviceCount: 16, work: .referenceHours(3), release: t0, deadline: t0.adding(hours: 24), command: command, image: image)
    }

    let region = Region(name: "ningxia", carbonZone: "CN-NX", pools: [AcceleratorPool(type: "A800", count: 64, powerKilowattsPerDevice: 0.3, relativeSpeed: 1),
                                                                      AcceleratorPool(type: "910B", count: 64, powerKilowattsPerDevice: 0.4, relativeSpeed: 0.9)],
                        dispatch: ["k8s_region": "cn-northwest-1", "k8s_queue": "training", "k8s_namespace": "ml", "k8s_pool_label": "accelerator",
                                   "k8s_gpu_resource.910B": "huawei.com/Ascend910"])

    /// The manifest read back as plain YAML values, as kubectl would.
    func manifest(_ unit: DispatchUnit, _ job: Job) throws -> [String: Any] {
        let node = try KubernetesManifests.job(for: unit, job: job, region: region, defaultImage: nil)
        return try XCTUnwrap(try Yams.load(yaml: try Yams.serialize(node: node)) as? [String: Any])
    }

    func testJobIsSuspendedUntilItsStartPinnedToItsRegionAndAsksForItsDevices() throws {
        let m = try manifest(unit(chunk: 2, chunks: 3), job())
        XCTAssertEqual(m["apiVersion"] as? String, "batch/v1")
        XCTAssertEqual(m["kind"] as? String, "Job")
        let meta = try XCTUnwrap(m["metadata"] as? [String: Any])
        XCTAssertEqual(meta["name"] as? String, "gw-0123456789ab-llm-7b-c2")
        XCTAssertEqual(meta["namespace"] as? String, "ml")
        let labels = try XCTUnwrap(meta["labels"] as? [String: String])
        XCTAssertEqual(labels["kueue.x-k8s.io/queue-name"], "training")
        XCTAssertEqual(labels["gridwise.io/plan"], "0123456789ab")
        let notes = try XCTUnwrap(meta["annotations"] as? [String: String])
        XCTAssertEqual(notes["gridwise.io/start"], "2026-12-07T09:00:00Z")
        XCTAssertEqual(notes["gridwise.io/chunk"], "2/3")
        let spec = try XCTUnwrap(m["spec"] as? [String: Any])
        XCTAssertEqual(spec["suspend"] as? Bool, true)
        XCTAssertEqual(spec["activeDeadlineSeconds"] as? Int, 3 * 3600)
        let pod = try XCTUnwrap((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        XCTAssertEqual(pod["restartPolicy"] as? String, "Never")
        let affinity = try XCTUnwrap(((pod["affinity"] as? [String: Any])?["nodeAffinity"] as? [String: Any])?["requiredDuringSchedulingIgnoredDuringExecution"] as? [String: Any])
        let terms = try XCTUnwrap(affinity["nodeSelectorTerms"] as? [[String: Any]])
        let expressions = try XCTUnwrap(terms.first?["matchExpressions"] as? [[String: Any]])
        XCTAssertEqual(expressions.count, 2)
        XCTAssertEqual(expressions[0]["key"] as? String, "topology.kubernetes.io/region")
        XCTAssertEqual(expressions[0]["values"] as? [String], ["cn-northwest-1"])
        XCTAssertEqual(expressions[1]["key"] as? String, "accelerator")
        XCTAssertEqual(expressions[1]["values"] as? [String], ["A800"])
        let container = try XCTUnwrap((pod["containers"] as? [[String: Any]])?.first)
        XCTAssertEqual(container["image"] as? String, "registry.example.com/trainer:1")
        XCTAssertEqual(container["command"] as? [String], ["/bin/sh", "-c", "torchrun train.py"])
        let limits = try XCTUnwrap((container["resources"] as? [String: Any])?["limits"] as? [String: Any])
        XCTAssertEqual(limits["nvidia.com/gpu"] as? Int, 16)

        // A pool with its own device plugin asks for its own resource.
        let ascend = try manifest(unit(pool: "910B"), job())
        let c = try XCTUnwrap((((ascend["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])
        XCTAssertEqual(((c.first?["resources"] as? [String: Any])?["requests"] as? [String: Any])?["huawei.com/Ascend910"] as? Int, 16)
    }

    func testNamesAreValidDNSLabelsAndDistinctForAwkwardIds() {
        let ids = ["LLM_7B/ablation:run@2", "llm-7b-ablation-run-2", String(repeating: "very-long-job-name-", count: 6), String(repeating: "very-long-job-name-", count: 6) + "b", "---"]
        var names: Set<String> = []
        for id in ids {
            for chunk in [1, 2] {
                let name = KubernetesManifests.objectName(unit(job: id, chunk: chunk, chunks: 2))
                XCTAssertLessThanOrEqual(name.count, 63, name)
                XCTAssertNotNil(name.range(of: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", options: .regularExpression), name)
                names.insert(name)
            }
        }
        XCTAssertEqual(names.count, ids.count * 2)
        XCTAssertEqual(KubernetesManifests.objectName(unit(job: "llm-7b")), "gw-0123456789ab-llm-7b")
    }

    func testJobsWithoutAnImageAreListedAndTheOthersWritten() {
        let catalog = RegionCatalog(regions: [region])
        let units = [unit(job: "a"), unit(job: "b")]
        let (yaml, problems) = KubernetesManifests.render(units, jobs: ["a": job("a"), "b": job("b", image: nil)], catalog: catalog, defaultImage: nil)
        XCTAssertEqual(problems.map(\.job), ["b"])
        XCTAssertTrue(problems[0].message.contains("no container image"))
        XCTAssertEqual(yaml.components(separatedBy: "kind: \"Job\"").count - 1, 1)
        XCTAssertTrue(yaml.contains("gw-0123456789ab-a\""))
        XCTAssertFalse(yaml.contains("gw-0123456789ab-b\""))
        let withDefault = KubernetesManifests.render(units, jobs: ["a": job("a"), "b": job("b", image: nil)], catalog: catalog, defaultImage: "busybox:1.36")
        XCTAssertTrue(withDefault.problems.isEmpty)
        XCTAssertTrue(withDefault.yaml.contains("\"busybox:1.36\""))
    }

    /// Every manifest of a plan, checked against the Kubernetes API's JSON schema for batch/v1 Job in strict
    /// mode (scripts/check_k8s_manifests.py, kubernetes-validate from PyPI); a field the API does not define fails.
    func testManifestsPassTheKubernetesSchemaAndAWrongFieldFails() throws {
        let catalog = RegionCatalog(regions: [region])
        let units = [unit(job: "a", chunk: 1, chunks: 2), unit(job: "a", chunk: 2, chunks: 2), unit(job: "b", pool: "910B")]
        let (yaml, problems) = KubernetesManifests.render(units, jobs: ["a": job("a"), "b": job("b", command: nil)], catalog: catalog, defaultImage: nil)
        XCTAssertTrue(problems.isEmpty)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gw-k8s-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try yaml.write(toFile: dir + "/jobs.yaml", atomically: true, encoding: .utf8)
        let good = try SchemaCheck.run(dir + "/jobs.yaml")
        XCTAssertEqual(good.status, 0, good.output)
        XCTAssertTrue(good.output.contains("3 of 3 manifest(s) valid"), good.output)
        // The check is not vacuous: a misplaced field and a wrong type are caught.
        try yaml.replacingOccurrences(of: "  suspend: true", with: "  suspended: true").write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try SchemaCheck.run(dir + "/bad.yaml")
        XCTAssertEqual(bad.status, 1, bad.output)
        XCTAssertTrue(bad.output.contains("0 of 3 manifest(s) valid"), bad.output)
        try yaml.replacingOccurrences(of: "backoffLimit: 0", with: "backoffLimit: \"none\"").write(toFile: dir + "/bad2.yaml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try SchemaCheck.run(dir + "/bad2.yaml").status, 1)
    }
}

/// Runs scripts/check_k8s_manifests.py. Skips when kubernetes-validate is not installed, except in CI
/// (GRIDWISE_CI=1, set by .ci/run, which installs it), where a missing checker fails the test.
enum SchemaCheck {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func run(_ file: String) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", root + "/scripts/check_k8s_manifests.py", file]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        if p.terminationStatus == 2 && ProcessInfo.processInfo.environment["GRIDWISE_CI"] != "1" {
            throw XCTSkip("Kubernetes schema check skipped: \(output.trimmingCharacters(in: .whitespacesAndNewlines)) (CI installs it)")
        }
        return (p.terminationStatus, output)
    }
}
