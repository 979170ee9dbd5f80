import Foundation
import GridwiseCore
@testable import GridwiseSignals
import XCTest

/// Starts Fixtures/mock_providers.py on a free loopback port for one test case and stops it after.
final class MockProviders {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    let process = Process()
    let port: Int
    /// The mock's "now": the start of 2023-06-08 plus 12 h.
    static let now = Instant(year: 2023, month: 6, day: 8, hour: 12)

    init(watttimeCSV: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", Self.fixtures + "/mock_providers.py", "--now", "\(Self.now.secondsSinceEpoch)"]
        if let watttimeCSV { arguments += ["--watttime-csv", watttimeCSV] }
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(10) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw NSError(domain: "MockProviders", code: 1, userInfo: [NSLocalizedDescriptionKey: "the mock server did not start: \(text)"])
        }
        self.port = port
    }

    deinit { stop() }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func base(_ provider: String) -> String { "http://127.0.0.1:\(port)/\(provider)" }

    /// Request counters the mock keeps (logins, data calls, faults served).
    func stats() throws -> [String: Int] {
        let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/__stats")!)
        return try JSONSerialization.jsonObject(with: data) as? [String: Int] ?? [:]
    }

    /// The mock's value for a zone at an instant (see mock_providers.py).
    static func value(_ zone: String, _ t: Instant) -> Double {
        Double(100 + zone.unicodeScalars.reduce(0) { $0 + Int($1.value) } % 100 + 5 * Int(Instant.floorMod(t.secondsSinceEpoch / 3600, 24)))
    }
}

/// Records the waits an HTTP client asks for, so retries cost no test time.
final class WaitLog: @unchecked Sendable {
    private let lock = NSLock()
    private var waits: [Double] = []
    func record(_ s: Double) { lock.lock(); waits.append(s); lock.unlock() }
    var all: [Double] { lock.lock(); defer { lock.unlock() }; return waits }
}
