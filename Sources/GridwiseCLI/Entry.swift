import ArgumentParser
import GridwiseCore
import GridwiseSignals

/// Runs the `gridwise` command line with `arguments` (without the program name) and returns the exit status.
///
/// Exit statuses (README.md): 0 ok; 1 plan made but jobs unplaced, budget exceeded, or check found
/// violations; 2 usage; 65 bad input data; 66 missing input file; 69 a source unavailable; 73 cannot write.
public enum GridwiseCLI {
    public static func run(_ arguments: [String], console: Console = .standard) -> Int32 {
        Console.$current.withValue(console) {
            var command: ParsableCommand
            do {
                command = try Gridwise.parseAsRoot(arguments)
            } catch {
                let code = Gridwise.exitCode(for: error)
                let message = Gridwise.fullMessage(for: error)
                if code == .success {
                    say(message)
                    return ExitStatus.ok
                }
                warn(message)
                return ExitStatus.usage
            }
            do {
                try command.run()
                return ExitStatus.ok
            } catch let error as GridwiseError {
                warn(error.description)
                return error.exitCode
            } catch let exit as CommandExit {
                return exit.status
            } catch {
                let code = Gridwise.exitCode(for: error)
                let message = Gridwise.fullMessage(for: error)
                if code == .success {
                    if !message.isEmpty { say(message) }
                    return ExitStatus.ok
                }
                warn(message)
                return ExitStatus.usage
            }
        }
    }
}

struct Gridwise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridwise",
        abstract: "Carbon-aware scheduling for AI compute: place jobs in regions and hours by carbon, cost, water and latency.",
        discussion: """
            Example, on the bundled data:
              gridwise plan examples/global
              gridwise plan examples/china-hubs --policy policies/east-data-west-compute.yaml

            Exit statuses: 0 ok; 1 plan made but some jobs unplaced, a carbon budget exceeded, or check \
            found violations; 2 usage; 65 bad input data; 66 missing input file; 69 signal source unavailable; \
            73 cannot write output.
            """,
        version: GridwiseBuild.version,
        subcommands: [PlanCommand.self, PlaceCommand.self, ExplainCommand.self, CheckCommand.self, ValidateCommand.self, RegionsCommand.self, SignalsCommand.self,
                      SubmitCommand.self, StatusCommand.self, CancelCommand.self, ExportCommand.self, SimulateCommand.self, ExperimentCommand.self])
}
