// swift-tools-version:6.0
import PackageDescription

// Layers point down only: the CLI over the checker and planner, over signals, over the pure core.
let package = Package(
    name: "Gridwise",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gridwise", targets: ["gridwise"]),
        .library(name: "GridwiseCore", targets: ["GridwiseCore"]),
        .library(name: "GridwisePlanner", targets: ["GridwisePlanner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The signal cache: an embedded SQLite file.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // The domain: units, time, regions, jobs, policies, plans and their file formats. No I/O.
        .target(name: "GridwiseCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Signal series for the horizon: trace files, tariffs, static factors, with provenance.
        .target(name: "GridwiseSignals", dependencies: ["GridwiseCore", .product(name: "GRDB", package: "GRDB.swift")]),
        // Cost model, baseline, optimiser and lower bound. No I/O.
        .target(name: "GridwisePlanner", dependencies: ["GridwiseCore"]),
        // Replays job traces against signal traces: forecasts apart from actuals, rolling re-planning,
        // the policies compared, accounting and reports.
        .target(name: "GridwiseSimulation", dependencies: ["GridwiseCore", "GridwiseSignals", "GridwisePlanner"]),
        // Hands plans to the engines that run them: Slurm (sbatch, squeue, scancel) and Kubernetes manifests.
        .target(name: "GridwiseDispatch", dependencies: ["GridwiseCore", .product(name: "Yams", package: "Yams")]),
        // Independent plan checker: recomputes every total from the inputs. Shares no code with the planner.
        .target(name: "GridwiseCheck", dependencies: ["GridwiseCore"]),
        // The commands, as a library so tests drive them in process.
        .target(
            name: "GridwiseCLI",
            dependencies: [
                "GridwiseCore", "GridwiseSignals", "GridwisePlanner", "GridwiseCheck", "GridwiseDispatch", "GridwiseSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "gridwise", dependencies: ["GridwiseCLI"]),
        // Seeded instance generator and one-solver runs for bench/run_benchmarks.py.
        .executableTarget(name: "gridwise-bench", dependencies: ["GridwiseCore", "GridwisePlanner", "GridwiseSignals", "GridwiseSimulation"], path: "bench/GridwiseBench"),
        // Fixtures and an exhaustive reference solver shared by the planner and checker tests.
        .target(name: "GridwiseTestSupport", dependencies: ["GridwiseCore"], path: "Tests/GridwiseTestSupport"),
        .testTarget(name: "GridwiseCoreTests", dependencies: ["GridwiseCore", "GridwiseSignals"]),
        // Provider sources over real HTTP against local servers (Fixtures/mock_providers.py, Python 3).
        .testTarget(name: "GridwiseSignalsTests", dependencies: ["GridwiseSignals", "GridwiseCLI"], exclude: ["Fixtures"]),
        .testTarget(name: "GridwisePlannerTests", dependencies: ["GridwisePlanner", "GridwiseCheck", "GridwiseTestSupport"]),
        .testTarget(name: "GridwiseCheckTests", dependencies: ["GridwiseCheck", "GridwisePlanner", "GridwiseTestSupport"]),
        .testTarget(name: "GridwiseCLITests", dependencies: ["GridwiseCLI", "GridwiseDispatch"]),
        // Simulation: accounting on hand-computable cases, forecasts kept from policies, trace readers.
        .testTarget(name: "GridwiseSimulationTests", dependencies: ["GridwiseSimulation", "GridwiseCLI"]),
        // Dispatch: sbatch lines and manifests (always); a real one-node Slurm (scripts/slurm-local.sh) where installed.
        .testTarget(name: "GridwiseDispatchTests", dependencies: ["GridwiseDispatch", "GridwiseCLI"]),
    ]
)
