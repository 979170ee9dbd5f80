/// One problem found in an input, written for the person at the terminal.
///
/// ```text
/// examples/global/jobs.yaml:42:15: jobs[3].deadline: found 2023-06-04T00:00:00Z, which is before release 2023-06-05T00:00:00Z; expected a deadline after the release
/// ```
public struct Diagnostic: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// The field path inside the file, e.g. `jobs[3].deadline`; empty for the whole file.
    public var path: String
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public init(file: String, at mark: SourceMark?, path: String, message: String) {
        self.init(file: file, line: mark?.line, column: mark?.column, path: path, message: message)
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        return path.isEmpty ? "\(place): \(message)" : "\(place): \(path): \(message)"
    }
}

/// Where a value stands in its file: 1-based line and column.
public struct SourceMark: Equatable, Sendable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
}

/// The errors Gridwise reports, each with its documented exit code.
public enum GridwiseError: Error, Sendable, CustomStringConvertible {
    /// Input files are wrong: every problem found, so the user can fix them in one pass (exit 65).
    case invalidInput([Diagnostic])
    /// An input file is missing or unreadable (exit 66).
    case missingInput(path: String, reason: String)
    /// A signal source could not answer (exit 69).
    case sourceUnavailable(source: String, zone: String, reason: String)
    /// The command line is wrong (exit 2).
    case usage(String)
    /// An output file could not be written (exit 73).
    case cannotWrite(path: String, reason: String)
    /// The engine that runs jobs (Slurm) could not be reached or run (exit 69).
    case engineUnavailable(engine: String, reason: String)

    public var exitCode: Int32 {
        switch self {
        case .invalidInput: return ExitStatus.invalidInput
        case .missingInput: return ExitStatus.missingInput
        case .sourceUnavailable: return ExitStatus.sourceUnavailable
        case .usage: return ExitStatus.usage
        case .cannotWrite: return ExitStatus.cannotWrite
        case .engineUnavailable: return ExitStatus.sourceUnavailable
        }
    }

    public var description: String {
        switch self {
        case .invalidInput(let diagnostics):
            let count = diagnostics.count
            let header = count == 1 ? "error: 1 problem in the input" : "error: \(count) problems in the input"
            return ([header] + diagnostics.map { "  " + $0.description }).joined(separator: "\n")
        case .missingInput(let path, let reason): return "error: cannot read \(path): \(reason)"
        case .sourceUnavailable(let source, let zone, let reason): return "error: signal source \(source) for zone \(zone) is unavailable: \(reason)"
        case .usage(let message): return "error: \(message)"
        case .cannotWrite(let path, let reason): return "error: cannot write \(path): \(reason)"
        case .engineUnavailable(let engine, let reason): return "error: \(engine) is unavailable: \(reason)"
        }
    }
}

/// The process exit codes, one fact in one place. Documented in README.md.
public enum ExitStatus {
    public static let ok: Int32 = 0
    /// A plan was made but some jobs are unplaced, a carbon budget is exceeded, or `check` found violations.
    public static let partial: Int32 = 1
    public static let usage: Int32 = 2
    public static let invalidInput: Int32 = 65
    public static let missingInput: Int32 = 66
    public static let sourceUnavailable: Int32 = 69
    public static let cannotWrite: Int32 = 73
}

/// Collects diagnostics for one file so that every problem is reported together.
public final class DiagnosticSink {
    public let file: String
    public private(set) var diagnostics: [Diagnostic] = []

    public init(file: String) { self.file = file }

    public func report(_ path: String, at mark: SourceMark?, _ message: String) {
        diagnostics.append(Diagnostic(file: file, at: mark, path: path, message: message))
    }

    public var isEmpty: Bool { diagnostics.isEmpty }
}
