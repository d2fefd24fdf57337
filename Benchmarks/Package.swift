// swift-tools-version: 6.1
// Benchmarks for Enpire: a nested package so the main package keeps a single dependency.
// `swift package benchmark` runs the ordo-one suites; the `*Timings` executables print JSON for the
// peer-comparison scripts (compare_*.py), which run the Python peer and ours in one go and print ratios.
import PackageDescription

let package = Package(
    name: "EnpireBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named explicitly: a path dependency is otherwise named after the checkout folder.
        .package(name: "Enpire", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Shared workloads (train steps, SAC update, sgemm) used by the suite and the JSON timer.
        .target(name: "LearningWorkloads", dependencies: [.product(name: "Enpire", package: "Enpire"),
                                                          .product(name: "EnpireLearning", package: "Enpire")],
                path: "Sources/LearningWorkloads"),
        .executableTarget(name: "LearningTimings", dependencies: ["LearningWorkloads"],
                          path: "Sources/LearningTimings"),
        .executableTarget(
            name: "LearningBenchmarks",
            dependencies: ["LearningWorkloads", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/LearningBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // Push-T rendering at observation (96x96) and camera (640x480) sizes, clean and with camera noise.
        .executableTarget(
            name: "RenderBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Enpire", package: "Enpire"),
                .product(name: "EnpireSim", package: "Enpire"),
            ],
            path: "Benchmarks/RenderBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // Push-T simulator workloads shared by the ordo-one suite and the JSON timer (compare_pusht.py).
        .target(name: "SimWorkloads", dependencies: [.product(name: "Enpire", package: "Enpire"),
                                                     .product(name: "EnpireSim", package: "Enpire")],
                path: "Sources/SimWorkloads"),
        .executableTarget(name: "SimTimings", dependencies: ["SimWorkloads"], path: "Sources/SimTimings"),
        .executableTarget(
            name: "SimBenchmarks",
            dependencies: ["SimWorkloads", .product(name: "EnpireSim", package: "Enpire"),
                           .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/SimBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // Episode-store recording: 2 cameras at 640x480 with JPEG encoding, steps/s and MB/s.
        .target(name: "RecordingWorkloads", dependencies: [.product(name: "Enpire", package: "Enpire"),
                                                           .product(name: "EnpireSim", package: "Enpire")],
                path: "Sources/RecordingWorkloads"),
        .executableTarget(name: "RecordingTimings", dependencies: ["RecordingWorkloads"],
                          path: "Sources/RecordingTimings"),
        .executableTarget(
            name: "RecordingBenchmarks",
            dependencies: ["RecordingWorkloads", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/RecordingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // Git fleet: FleetStation.publish of one kept record to a path remote (compare_fleet.py vs pygit2).
        .executableTarget(name: "FleetTimings", dependencies: [.product(name: "Enpire", package: "Enpire"),
                                                               .product(name: "EnpireFleet", package: "Enpire")],
                          path: "Sources/FleetTimings"),
        // Push-T camera reward: decode + verdict latency per 640x480 frame.
        .target(name: "RewardWorkloads", dependencies: [.product(name: "Enpire", package: "Enpire"),
                                                        .product(name: "EnpireReward", package: "Enpire"),
                                                        .product(name: "EnpireRewardLearning", package: "Enpire"),
                                                        .product(name: "EnpireSim", package: "Enpire")],
                path: "Sources/RewardWorkloads"),
        .executableTarget(name: "RewardTimings", dependencies: ["RewardWorkloads"], path: "Sources/RewardTimings"),
        .executableTarget(
            name: "RewardBenchmarks",
            dependencies: ["RewardWorkloads", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/RewardBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ],
    swiftLanguageModes: [.v6]
)
