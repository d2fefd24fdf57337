// Prints episode-store recording throughput for a 2-camera 640x480 station as JSON (steps/s, MB/s, and the
// multiple of the 30 Hz real-time rate). Usage: RecordingTimings [steps]
import Foundation
import RecordingWorkloads

let steps = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 300
guard steps > 0 else {
    FileHandle.standardError.write(Data("RecordingTimings: steps must be a positive integer\n".utf8))
    exit(2)
}
let workload = try RecordingWorkload()
try await workload.run(steps: 30)  // warm-up
let clock = ContinuousClock()
var bytes = 0
let elapsed = try await clock.measure { bytes = try await workload.run(steps: steps) }
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
let report: [String: Any] = [
    "cameras": 2, "resolution": "640x480", "steps": steps, "seconds": seconds,
    "steps_per_second": Double(steps) / seconds, "megabytes_per_second": Double(bytes) / seconds / 1e6,
    "real_time_multiple_at_30hz": Double(steps) / seconds / 30, "bytes": bytes,
]
let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
