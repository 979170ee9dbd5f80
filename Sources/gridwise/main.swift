import Foundation
import GridwiseCLI

exit(GridwiseCLI.run(Array(CommandLine.arguments.dropFirst())))
