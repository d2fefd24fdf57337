// swift-tools-version: 6.1
// Enpire benchmarks (ordo-one/benchmark). Run: cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "EnpireBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Enpire", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
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
    ],
    swiftLanguageModes: [.v6]
)
