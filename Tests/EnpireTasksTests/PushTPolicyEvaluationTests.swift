import Enpire
import EnpireSim
import EnpireTasks
import Foundation
import Synchronization
import Testing

@Suite("Push-T policy evaluation")
struct PushTPolicyEvaluationTests {
    /// Holds the pusher where it starts and logs the start of every episode it runs (its lane's seeds, in order).
    struct StartLogger: Policy {
        let lane: Int
        let log: Log
        private var started = false

        init(lane: Int, log: Log) {
            self.lane = lane
            self.log = log
        }

        var name: String { "start-logger" }
        mutating func reset() { started = false }
        mutating func action(for observation: Observation) async throws -> [ArmCommand] {
            let state = observation.features[PushTFeatures.state] ?? []
            guard state.count == 5 else { return [.hold] }
            if !started {
                started = true
                log.append(lane: lane, start: [state[0], state[1]])
            }
            return [.moveTo([state[0], state[1]])]
        }
    }

    final class Log: Sendable {
        private let starts = Mutex<[Int: [[Double]]]>([:])
        func append(lane: Int, start: [Double]) { starts.withLock { $0[lane, default: []].append(start) } }
        var byLane: [Int: [[Double]]] { starts.withLock { $0 } }
    }

    @Test("each worker runs a fixed stripe of the seeds in order, so camera noise (a per-worker frame counter) repeats run to run")
    func fixedStriping() async throws {
        let seeds: [UInt64] = [11, 12, 13, 14, 15]
        let log = Log()
        let lanes = Mutex(0)
        let summary = try await PushTPolicyEvaluation.evaluate(
            policyName: "start-logger", mode: .state, seeds: seeds, workers: 2) { _, _ in
            let lane = lanes.withLock { value in defer { value += 1 }; return value }
            return StartLogger(lane: lane, log: log)
        }
        #expect(summary.episodes == seeds.count)
        func start(_ seed: UInt64) -> [Double] { Array(PushTSimulation.startState(seed: seed).prefix(2)) }
        let byLane = log.byLane
        #expect(byLane[0] == [start(11), start(13), start(15)])
        #expect(byLane[1] == [start(12), start(14)])
    }
}
