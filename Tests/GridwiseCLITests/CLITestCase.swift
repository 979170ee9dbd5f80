import Foundation
import GridwiseCLI
import XCTest

/// Runs the CLI in process and captures what it prints.
class CLITestCase: XCTestCase {
    final class Capture: @unchecked Sendable {
        private let lock = NSLock()
        private var outLines: [String] = []
        private var errLines: [String] = []
        func out(_ s: String) { lock.lock(); outLines.append(s); lock.unlock() }
        func err(_ s: String) { lock.lock(); errLines.append(s); lock.unlock() }
        var stdout: String { lock.lock(); defer { lock.unlock() }; return outLines.joined(separator: "\n") }
        var stderr: String { lock.lock(); defer { lock.unlock() }; return errLines.joined(separator: "\n") }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The package root, found from this file's path, so tests run from any working directory.
    static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func path(_ relative: String) -> String { Self.root + "/" + relative }

    func run(_ arguments: String...) -> Result { run(arguments) }

    func run(_ arguments: [String]) -> Result {
        let capture = Capture()
        let status = GridwiseCLI.run(arguments, console: Console(out: { capture.out($0) }, err: { capture.err($0) }))
        return Result(status: status, stdout: capture.stdout, stderr: capture.stderr)
    }

    /// A fresh folder for this test, removed afterwards.
    func temporaryFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gridwise-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
