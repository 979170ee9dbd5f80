import Foundation
import GridwiseSignals

/// Where commands write. Tests pass a capturing console; the executable writes to stdout and stderr.
public struct Console: Sendable {
    public var out: @Sendable (String) -> Void
    public var err: @Sendable (String) -> Void

    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.out = out
        self.err = err
    }

    public static let standard = Console(
        out: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) },
        err: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })

    @TaskLocal static var current: Console = .standard
}

func say(_ text: String) { Console.current.out(text) }
func warn(_ text: String) { Console.current.err(text) }

/// Thrown by a command that finished but must exit with a non-zero status (e.g. 1 for unplaced jobs).
struct CommandExit: Error {
    var status: Int32
}

public enum GridwiseVersion {
    public static var generatedBy: String { "gridwise \(GridwiseBuild.version)" }
}
