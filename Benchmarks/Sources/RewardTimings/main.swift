// Prints decode + verdict latency percentiles of the Push-T camera reward, and decode + forward percentiles of the
// learned success classifier (Push-T and zip-tie geometries, one network and five), as JSON (one thread; run under
// `taskset -c 0` for the one-core figures).
// Usage: RewardTimings [frames judged, default 2000]
import Foundation
import RewardWorkloads

let count = CommandLine.arguments.count > 1 ? max(1, Int(CommandLine.arguments[1]) ?? 2000) : 2000
let workload = try RewardWorkload()
for _ in 0..<64 { workload.judgeNextJPEG() }  // warm-up: codec and scratch buffers
func percentiles(_ body: () -> Double) -> [String: Double] {
    var times = (0..<count).map { _ in body() * 1000 }
    times.sort()
    return ["p50_ms": times[times.count / 2], "p99_ms": times[min(times.count - 1, times.count * 99 / 100)],
            "max_ms": times[times.count - 1]]
}
let jpeg = percentiles { workload.judgeNextJPEG() }
let raw = percentiles { workload.judgeNextRaw() }
let decode = percentiles { workload.decodeNext() }
// The learned success classifier (decode of the region + box averages + network; one network and the 5-fold
// ensemble, two geometries), and each with the whole frame decoded as before.
var classifiers: [String: Any] = [:]
for geometry in ClassifierWorkload.Geometry.allCases {
    for folds in [1, 5] {
        let classifier = try ClassifierWorkload(geometry: geometry, folds: folds,
                                                frames: workload.frames.map { $0.jpeg.jpeg ?? [] })
        for _ in 0..<64 { classifier.judgeNext() }
        classifiers["\(geometry.rawValue)_folds\(folds)"] = percentiles { classifier.judgeNext() }
        // The same with the whole frame decoded and cropped (the path before region decoding).
        classifier.wholeFrame = true
        for _ in 0..<64 { classifier.judgeNext() }
        classifiers["\(geometry.rawValue)_folds\(folds)_whole_frame"] = percentiles { classifier.judgeNext() }
    }
}
let result: [String: Any] = ["frames": count, "resolution": "640x480", "decode_and_verdict": jpeg, "verdict_only": raw,
                             "decode_only": decode, "classifier_decode_and_forward": classifiers]
let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
print(String(decoding: data, as: UTF8.self))
