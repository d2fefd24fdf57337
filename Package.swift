// swift-tools-version: 6.1
// Enpire: train a robot station on its own (reset, act safely, judge from cameras, learn, evaluate, share).
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Enpire",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Enpire", targets: ["Enpire"]),
        .library(name: "EnpireLearning", targets: ["EnpireLearning"]),
        .library(name: "EnpireReward", targets: ["EnpireReward"]),
        .library(name: "EnpireRewardLearning", targets: ["EnpireRewardLearning"]),
        .library(name: "EnpireReset", targets: ["EnpireReset"]),
        .library(name: "EnpireSim", targets: ["EnpireSim"]),
        .library(name: "EnpireTesting", targets: ["EnpireTesting"]),
        .library(name: "EnpireProcess", targets: ["EnpireProcess"]),
        .library(name: "EnpireResearch", targets: ["EnpireResearch"]),
        .library(name: "EnpireFleet", targets: ["EnpireFleet"]),
        .library(name: "EnpireTasks", targets: ["EnpireTasks"]),
        .library(name: "EnpireHardware", targets: ["EnpireHardware"]),
        .library(name: "EnpireMCP", targets: ["EnpireMCP"]),
        .library(name: "EnpireDashboard", targets: ["EnpireDashboard"]),
        .executable(name: "enpire", targets: ["EnpireCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Only EnpireMCP (and the commands and tests above it) link the MCP SDK; it brings swift-log and swift-system.
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
        // Structured logging: library targets log through a `Logger` their caller passes in; the CLI decides where
        // lines go (text or NDJSON on standard error).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        // Markdown to HTML for the self-contained report page.
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        // Only EnpireDashboard (and the commands and tests above it) link Hummingbird; without its default
        // ConfigurationSupport trait it does not pull swift-configuration. ServiceLifecycle (a Hummingbird
        // dependency) tells the dashboard's event streams when the server shuts down; HTTPTypes (another) names headers.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // Child processes outside the core (the LeRobot converter, `rsvg-convert` for the report's PNG figures, the
        // agent broker's commands): async launch, bounded output capture, clear errors.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    // Each target declares exactly the targets its sources import: scripts/check-imports.sh (run by
    // scripts/test.sh) fails when they drift.
    targets: [
        // System-library shims. C types never leave the targets that import these.
        .systemLibrary(name: "CBlas", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        // OpenSSL's libcrypto for SHA-256 content hashes (frozen criteria, held-out seeds, checkpoints). It replaced
        // swift-crypto, whose BoringSSL sources took about a fifth of a clean debug build (209 CPU seconds).
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2",
                       providers: [.apt(["libgit2-dev"])]),
        // libssh2 (libgit2's ssh backend on Debian): its known_hosts reader checks an ssh remote's host key.
        .systemLibrary(name: "CSSH2", pkgConfig: "libssh2",
                       providers: [.apt(["libssh2-1-dev"])]),
        // Debian ships no chipmunk.pc: the modulemap links libchipmunk directly.
        .systemLibrary(name: "CChipmunk", providers: [.apt(["libchipmunk-dev"])]),
        // Video4Linux2 ioctls for EnpireHardware's V4L2 camera: the kernel's UAPI header only, nothing to link.
        .systemLibrary(name: "CV4L2", providers: [.apt(["linux-libc-dev"])]),

        // Core: protocols, station runtime, safety, episodes, evaluation, ledger. Links no libgit2; JPEG through
        // libturbojpeg, PNG through libpng, SHA-256 through libcrypto.
        .target(name: "Enpire", dependencies: ["CTurboJPEG", "CJPEGRegion", "CPNG", "COpenSSL"],
                swiftSettings: strict),
        // Region decoding of a JPEG (a camera reward's window of the frame) through libjpeg-turbo's libjpeg API,
        // whose error handling needs setjmp/longjmp and so stays in C.
        .target(name: "CJPEGRegion", linkerSettings: [.linkedLibrary("jpeg")]),
        // The Git-backed fleet: stations share kept results and checkpoints through a Git remote (libgit2).
        .target(name: "EnpireFleet", dependencies: ["Enpire", "CGit2", "CSSH2"], swiftSettings: strict),
        // Tensor core on BLAS plus trainers that adapt it to Enpire's Trainer/Policy protocols.
        // Hand-vectorised kernels (AVX2+FMA chosen at run time) for batch-1 inference.
        .target(name: "CKernels"),
        // The simulated cameras' per-pixel stage (lighting and sensor grain), in C so debug builds run it quickly.
        .target(name: "CRendering"),
        .target(name: "EnpireLearning", dependencies: ["Enpire", "CBlas", "CKernels", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        // Camera-based reward functions.
        .target(name: "EnpireReward", dependencies: ["Enpire"], swiftSettings: strict),
        // A learned camera reward: a small CNN success classifier trained from labelled clips (EnpireLearning's
        // convolution layers), frozen by hash. EnpireReward itself stays free of EnpireLearning.
        .target(name: "EnpireRewardLearning", dependencies: ["Enpire", "EnpireReward", "EnpireLearning", "CPNG",
                                                            .product(name: "Logging", package: "swift-log")],
                swiftSettings: strict),
        // Reset routines.
        .target(name: "EnpireReset", dependencies: ["Enpire"], swiftSettings: strict),
        // Simulated stations (Push-T faithful to gym-pusht, pin insertion, zip-tie) and their resets (built on
        // EnpireReset's escalation ladder).
        .target(name: "EnpireSim", dependencies: ["Enpire", "EnpireReset", "CChipmunk", "CRendering"], swiftSettings: strict),
        // Real hardware: servo-bus drivers (Feetech STS, Dynamixel 2.0) over termios, SO-101 and Koch arms, and
        // fake servo buses on pseudo-terminals, MJPEG-over-HTTP and V4L2 cameras. The core does not depend on it.
        .target(name: "EnpireHardware", dependencies: ["Enpire", "CV4L2"], swiftSettings: strict),
        // Child processes through swift-subprocess (bounded output, time limits, clear errors) for the targets above
        // the core; the core itself keeps Foundation's Process for the agent runner and sandbox.
        .target(name: "EnpireProcess", dependencies: [.product(name: "Subprocess", package: "swift-subprocess")],
                swiftSettings: strict),
        // Test doubles that users' tests import: mocked arms and cameras, a manual clock.
        .target(name: "EnpireTesting", dependencies: ["Enpire", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        // The research loop for any task: the ResearchTask protocol and registry, campaign, trial runner,
        // confirmation, held-out scoring, report and the agent workspace.
        .target(name: "EnpireResearch", dependencies: ["Enpire", "EnpireFleet", "EnpireProcess", .product(name: "Ink", package: "Ink"),
                                                      .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        // Ready-made task set-ups: station factories, recipe families and research campaigns per task.
        .target(name: "EnpireTasks", dependencies: ["Enpire", "EnpireLearning", "EnpireReward", "EnpireSim", "EnpireResearch",
                                                   .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        // A station workspace served to a coding agent over the Model Context Protocol (`enpire mcp`). The only
        // target that links the MCP SDK: the core and EnpireResearch build without it.
        .target(name: "EnpireMCP", dependencies: [
                    "Enpire", "EnpireFleet", "EnpireResearch", .product(name: "MCP", package: "swift-sdk")],
                swiftSettings: strict),
        // The live web dashboard of a station workspace (`enpire dashboard`): the only target that links Hummingbird.
        .target(name: "EnpireDashboard", dependencies: [
                    "Enpire", "EnpireResearch", .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "HTTPTypes", package: "swift-http-types"),
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                swiftSettings: strict),
        // The `enpire` commands for people and coding agents, as a library (tested, reusable by a lab's own tool)...
        .target(
            name: "EnpireCommands",
            dependencies: [
                "Enpire", "EnpireLearning", "EnpireReward", "EnpireRewardLearning", "EnpireSim", "EnpireResearch",
                "EnpireTasks", "EnpireMCP",
                "EnpireDashboard", "EnpireProcess",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // ...behind a thin executable.
        .executableTarget(name: "EnpireCLI", dependencies: ["EnpireCommands"], swiftSettings: strict),

        // Examples: one executable per task, composing a station from the library as a lab would.
        // What the example executables share: parsing a research run's options, running it, printing the result.
        .target(name: "ExampleSupport", dependencies: ["EnpireResearch", .product(name: "Logging", package: "swift-log")], path: "Examples/Support",
                swiftSettings: strict),
        .executableTarget(name: "PushTExample", dependencies: ["ExampleSupport", "EnpireTasks"],
                          path: "Examples/PushT", swiftSettings: strict),
        .executableTarget(name: "PinInsertionExample", dependencies: ["ExampleSupport", "EnpireTasks"],
                          path: "Examples/PinInsertion", swiftSettings: strict),
        .executableTarget(name: "ZipTieExample", dependencies: ["ExampleSupport", "EnpireTasks"],
                          path: "Examples/ZipTie", swiftSettings: strict),

        .testTarget(name: "EnpireTests", dependencies: ["Enpire", "EnpireTesting", "CTurboJPEG"], swiftSettings: strict),
        .testTarget(name: "EnpireFleetTests", dependencies: ["EnpireFleet", "Enpire", "EnpireTesting"],
                    swiftSettings: strict),
        .testTarget(name: "EnpireLearningTests", dependencies: ["EnpireLearning", "Enpire", "EnpireTesting", "CKernels"],
                    swiftSettings: strict),
        .testTarget(name: "EnpireSimTests", dependencies: ["EnpireSim", "Enpire", "EnpireTesting", "CPNG"],
                    resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "EnpireResetTests", dependencies: ["EnpireReset", "Enpire", "EnpireTesting"],
                    swiftSettings: strict),
        .testTarget(name: "EnpireRewardTests", dependencies: ["EnpireReward", "EnpireSim", "Enpire", "EnpireTesting"],
                    swiftSettings: strict),
        .testTarget(name: "EnpireRewardLearningTests", dependencies: ["EnpireRewardLearning", "EnpireReward", "EnpireLearning", "Enpire"],
                    swiftSettings: strict),
        .testTarget(name: "EnpireHardwareTests", dependencies: ["EnpireHardware", "Enpire", "EnpireTesting"],
                    swiftSettings: strict),
        .testTarget(name: "EnpireResearchTests", dependencies: ["EnpireResearch", "Enpire", "EnpireTesting", "EnpireProcess", .product(name: "Logging", package: "swift-log")],
                    swiftSettings: strict),
        .testTarget(name: "EnpireCommandsTests", dependencies: [
                        "EnpireCommands", "EnpireResearch", "Enpire", "EnpireReward", "EnpireRewardLearning",
                        .product(name: "ArgumentParser", package: "swift-argument-parser")],
                    swiftSettings: strict),
        .testTarget(name: "EnpireMCPTests", dependencies: [
                        "EnpireMCP", "Enpire", "EnpireResearch", "EnpireTasks", "EnpireTesting",
                        .product(name: "MCP", package: "swift-sdk")],
                    exclude: ["Python"], swiftSettings: strict),
        .testTarget(name: "EnpireDashboardTests", dependencies: [
                        "EnpireDashboard", "Enpire", "EnpireResearch", "EnpireTasks", "EnpireTesting",
                        .product(name: "Logging", package: "swift-log")],
                    swiftSettings: strict),
        .testTarget(name: "EnpireTasksTests", dependencies: ["EnpireTasks", "Enpire", "EnpireFleet", "EnpireResearch", "EnpireSim", "EnpireLearning", "EnpireReward",
                                                          "EnpireTesting", .product(name: "Logging", package: "swift-log")],
                    swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
