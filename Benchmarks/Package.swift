// swift-tools-version: 6.1
// Benchmarks for Enpire (nested package so the main package keeps a single dependency).
// Each helper adds its own targets; `swift package benchmark` runs the ordo-one suites, and the
// `*Timings` executables print JSON for the peer-comparison scripts.
import PackageDescription

let package = Package(
    name: "EnpireBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Enpire", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Push-T simulator workloads shared by the ordo-one suite and the JSON timer (compare_pusht.py).
        .target(name: "SimWorkloads", dependencies: [.product(name: "EnpireSim", package: "Enpire")],
                path: "Sources/SimWorkloads"),
        .executableTarget(name: "SimTimings", dependencies: ["SimWorkloads"], path: "Sources/SimTimings"),
        .executableTarget(
            name: "SimBenchmarks",
            dependencies: ["SimWorkloads", .product(name: "EnpireSim", package: "Enpire"),
                           .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/SimBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ],
    swiftLanguageModes: [.v6]
)
