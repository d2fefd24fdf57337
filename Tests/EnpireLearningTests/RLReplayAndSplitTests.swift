import Enpire
import Foundation
import Synchronization
import Testing
@testable import EnpireLearning

@Suite("RL: replay persistence and actor/learner split")
struct RLReplayAndSplitTests {
    func filledBuffer(count: Int, capacity: Int) throws -> ReplayBuffer {
        var buffer = try ReplayBuffer(observationWidth: 3, actionWidth: 2, capacity: capacity)
        for index in 0..<count {
            let value = Float(index)
            try buffer.append(Transition(observation: [value, 1, 2], action: [0.5, -value / 100], reward: value,
                                         nextObservation: [value + 1, 1, 2], terminal: index % 7 == 0))
        }
        return buffer
    }

    @Test("Save then load reproduces every transition, including after wrap-around")
    func roundTrip() throws {
        let buffer = try filledBuffer(count: 130, capacity: 100)
        #expect(buffer.count == 100)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try buffer.save(to: url)
        try buffer.save(to: url)  // overwriting goes through the temp-then-rename path
        var loaded = try ReplayBuffer.load(from: url)
        #expect(loaded.count == 100)
        for row in 0..<100 { #expect(loaded.transition(at: row) == buffer.transition(at: row)) }
        // The write position survives, so the next append overwrites the oldest row (row 30).
        try loaded.append(Transition(observation: [9, 9, 9], action: [0, 0], reward: 0, nextObservation: [9, 9, 9],
                                     terminal: false))
        #expect(loaded.transition(at: 30)?.observation == [9, 9, 9])
    }

    @Test("Corrupt, truncated or foreign files fail with corruptReplayFile")
    func corruptFiles() throws {
        let buffer = try filledBuffer(count: 20, capacity: 50)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try buffer.save(to: url)
        let original = try [UInt8](Data(contentsOf: url))
        var flipped = original
        flipped[100] ^= 0xFF
        var truncated = original
        truncated.removeLast(13)
        var foreign = original
        foreign[0] = UInt8(ascii: "X")
        for bytes in [flipped, truncated, foreign, []] {
            try Data(bytes).write(to: url)
            #expect {
                _ = try ReplayBuffer.load(from: url)
            } throws: { error in
                guard case .corruptReplayFile = error as? RLError else { return false }
                return true
            }
        }
    }

    @Test("Acting continues at its own rate while the learner runs updates and publishes snapshots")
    func actingNeverWaitsForLearning() throws {
        var replay = try ReplayBuffer(observationWidth: 2, actionWidth: 1, capacity: 2000)
        var environment = RLReachEnvironment()
        var rng = SplitMix64(seed: 4)
        var observation = environment.reset(seed: 0)
        for _ in 0..<1000 {
            let action = [Float(rng.nextUnitDouble() * 2 - 1)]
            let result = environment.step(action)
            try replay.append(Transition(observation: observation, action: action, reward: result.reward,
                                         nextObservation: result.observation, terminal: false))
            observation = result.observation
        }
        let mailbox = PolicyMailbox()
        let learnerResult = Mutex<Int?>(nil)
        let frozenReplay = replay
        // The learner runs on its own thread so that it can never starve the acting loop's executor.
        let learner = Thread {
            let updates = try? {
                let sac = try SoftActorCritic(observationWidth: 2, actionWidth: 1,
                                              configuration: rlFastConfiguration())
                mailbox.publish(sac.snapshot())
                for update in 1...60 {
                    try sac.update(online: frozenReplay)
                    if update % 5 == 0 { mailbox.publish(sac.snapshot()) }
                }
                return sac.actorUpdateCount
            }()
            learnerResult.withLock { $0 = updates ?? -1 }
        }
        learner.start()
        let actor = SnapshotActor(mailbox: mailbox, seed: 9)
        var stepsWhileLearning = 0
        var versions = Set<Int>()
        var slowest = Duration.zero
        let clock = ContinuousClock()
        observation = environment.reset(seed: 1)
        while learnerResult.withLock({ $0 }) == nil {
            let start = clock.now
            let action = try actor.act(observation, actionWidth: 1)
            slowest = max(slowest, clock.now - start)
            observation = environment.step(action).observation
            if let version = actor.version { versions.insert(version) }
            stepsWhileLearning += 1
        }
        let updates = learnerResult.withLock { $0 } ?? -1
        print("actor/learner: \(stepsWhileLearning) acting steps during \(updates) updates, versions \(versions.sorted()), "
            + "slowest act \(slowest)")
        #expect(updates == 60)
        #expect(stepsWhileLearning > 50)
        #expect(versions.count >= 3)
        #expect(slowest < .milliseconds(100))
    }
}
