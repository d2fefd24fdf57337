// swift-tools-version: 6.1
// Benchmarks for Enpire (nested package so the main package keeps a single dependency).
// Each helper adds its own targets; `swift package benchmark` runs the ordo-one suites, and the
// `*Timings` executables print JSON for the peer-comparison scripts.
import PackageDescription

let package = Package(
    name: "EnpireBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Enpire", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Shared workloads (train steps, SAC update, sgemm) used by the suite and the JSON timer.
        .target(name: "LearningWorkloads", dependencies: [.product(name: "EnpireLearning", package: "Enpire")],
                path: "Sources/LearningWorkloads"),
        .executableTarget(name: "LearningTimings", dependencies: ["LearningWorkloads"],
                          path: "Sources/LearningTimings"),
        .executableTarget(
            name: "LearningBenchmarks",
            dependencies: ["LearningWorkloads", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/LearningBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ],
    swiftLanguageModes: [.v6]
)
