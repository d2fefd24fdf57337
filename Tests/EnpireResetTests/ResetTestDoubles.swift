import Enpire
import EnpireReset
import Synchronization

/// A verifier that answers from a script (then repeats its last answer) and counts its calls.
final class ScriptedVerifier: ResetVerifier {
    private let answers: [Bool]
    private let calls = Mutex(0)

    init(_ answers: [Bool]) { self.answers = answers }

    var identity: String { "scripted" }
    var callCount: Int { calls.withLock { $0 } }

    func verify(_ context: ResetContext) async throws -> ResetVerification {
        let index = calls.withLock { count -> Int in
            defer { count += 1 }
            return count
        }
        let passed = answers.isEmpty ? false : answers[min(index, answers.count - 1)]
        return passed ? .pass() : .fail("object not at its start pose (check \(index + 1))")
    }
}

/// A strategy that sends one command to every arm per control period for `periods` periods, logging its name.
struct RecordingStrategy: ResetStrategy {
    let name: String
    let periods: Int
    let log: AttemptLog
    var failure: String?

    func attempt(_ context: ResetContext, deadlineSeconds: Double) async throws {
        log.append(name)
        if let failure { throw ArmError.fault(failure) }
        for _ in 0..<periods {
            let now = context.clock.now()
            guard now < deadlineSeconds else {
                throw ResetStrategyError.deadlineReached(strategy: name, atSeconds: now)
            }
            for arm in context.arms { _ = try await arm.send(.hold) }
            try await context.clock.sleep(untilSeconds: now + 0.1)
        }
    }
}

/// Names of the strategies attempted, in order.
final class AttemptLog: Sendable {
    private let names = Mutex<[String]>([])
    func append(_ name: String) { names.withLock { $0.append(name) } }
    var all: [String] { names.withLock { $0 } }
}

/// A policy that holds every arm.
struct HoldPolicy: Policy {
    var name: String { "hold" }
    mutating func action(for observation: Observation) async throws -> [ArmCommand] {
        observation.arms.map { _ in .hold }
    }
}
