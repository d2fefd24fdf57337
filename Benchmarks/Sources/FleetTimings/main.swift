// Times `FleetStation.publish` of one kept record against a fresh bare path remote and prints JSON (median,
// p95 and mean per publish, in seconds) for Benchmarks/compare_fleet.py.
// Usage: FleetTimings [publishes] [--record-json]   (--record-json prints one record's files and exits)
import Enpire
import EnpireFleet
import Foundation

let arguments = CommandLine.arguments.dropFirst()
let publishes = arguments.first.flatMap { Int($0) } ?? 200
guard publishes > 0 else {
    FileHandle.standardError.write(Data("FleetTimings: publishes must be a positive integer\n".utf8))
    exit(2)
}

/// A filled-in kept record, like the research loop publishes.
func record(_ index: Int) throws -> ExperimentRecord {
    let digits = String(index)
    let id = "exp-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    return ExperimentRecord(
        id: id, task: "pusht", station: "bench", hypothesis: "try \(id)", parentCommit: "abc123",
        diffSummary: "1 file changed", config: ["lr": "0.001", "id": id], dataRefs: ["episodes/bench"],
        checkpointRefs: [], frozenHash: "f00d", trialBudget: 20, results: try TrialResults(successes: 12, trials: 20),
        decision: .keep, wallTimeSeconds: 12.5, robotTimeSeconds: 10, tokens: 1_000,
        startedAtUnixSeconds: 1_700_000_000, finishedAtUnixSeconds: 1_700_000_012.5)
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-fleet-timings-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: folder) }
let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
let station = try await FleetStation(name: "bench", remote: remote, clonePath: folder.appendingPathComponent("clone"))
try await station.publish(try record(0))  // warm-up; claims the station name
let clock = ContinuousClock()
/// User plus system CPU seconds of this process so far (less sensitive to other processes than wall time).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}
var samples: [Double] = []
samples.reserveCapacity(publishes)
let cpuStart = cpuSeconds()
for index in 1...publishes {
    let next = try record(index)
    let elapsed = try await clock.measure { try await station.publish(next) }
    samples.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
}
let cpuPerPublish = (cpuSeconds() - cpuStart) / Double(publishes)
let sorted = samples.sorted()
let report: [String: Any] = [
    "publishes": publishes, "median_seconds": sorted[sorted.count / 2],
    "p95_seconds": sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.95))],
    "mean_seconds": samples.reduce(0, +) / Double(samples.count), "cpu_seconds_per_publish": cpuPerPublish,
    "first_half_median_seconds": samples.prefix(publishes / 2 + 1).sorted()[(publishes / 2 + 1) / 2],
]
let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
