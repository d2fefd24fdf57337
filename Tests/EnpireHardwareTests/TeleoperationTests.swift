import Enpire
@testable import EnpireHardware
import Foundation
import Testing

/// Holds the follower at zero; at step `pushStep` a scripted hand moves the leader's shoulder_pan shaft to
/// `pushRadians` (the fake's encoder, as a hand would) and leaves it there.
private struct HandScript: Policy {
    let leaderBus: FakeServoBus
    let pushStep: Int
    let pushRadians: Double
    var name: String { "hold-zero" }
    func action(for observation: Observation) async throws -> [ArmCommand] {
        if observation.stepIndex == pushStep {
            leaderBus.moveShaft(of: 1, toEncoder: 2048 + pushRadians * 4096 / (2 * Double.pi))
        }
        return [.moveTo([0, 0, 0, 0, 0], gripper: 0.5)]
    }
}

@Suite("Teleoperation", .serialized)
struct TeleoperationTests {
    @Test("leader arm: pushing the mirrored leader past the threshold takes over; the follower follows through the envelope; holding still hands back")
    func leaderArmIntervention() async throws {
        let (followerBus, followerDriver) = try await feetechRig(timeout: 0.25)
        defer { followerBus.close() }
        let (leaderBus, leaderDriver) = try await feetechRig(timeout: 0.25)
        defer { leaderBus.close() }
        let follower = try ServoArm.so101Follower(bus: followerDriver, calibration: wideCalibration(names: armJointNames))
        let leader = try ServoArm.so101Follower(name: "so101_leader", bus: leaderDriver,
                                                calibration: wideCalibration(names: armJointNames))
        try await leader.connect()
        let envelope = try SafetyEnvelope(specification: follower.specification, maxStep: 0.05)
        let clock = SimulatedClock()
        let station = try Station(configuration: .init(name: "so101", task: "teleop"), arms: [follower],
                                  safety: [envelope], clock: clock)
        try await station.connect()
        let teleoperator = try LeaderArmTeleoperator(leader: leader, threshold: 0.2, releaseSteps: 5)
        let episode = try await station.runEpisode(
            policy: HandScript(leaderBus: leaderBus, pushStep: 3, pushRadians: 0.6), maxSteps: 12,
            interventions: teleoperator)

        // Held from the push (step 3) until the leader has been still for 5 steps: 5 human steps, or 6 when the
        // powered servo was still moving back under the hand as its torque went off (the fake runs in real time).
        let sources = episode.steps.map(\.source)
        let held = sources.filter { $0 == .human }.count
        #expect((5...6).contains(held))
        #expect(sources == [.policy, .policy, .policy] + Array(repeating: .human, count: held)
            + Array(repeating: .policy, count: 12 - 3 - held))
        #expect(episode.summary.interventions == InterventionSummary(count: 1, steps: held))
        for step in episode.steps where step.source == .human {
            // The leader's pose (about 0.6 rad on shoulder_pan, minus what the powered servo took back before the
            // torque went off) is the follower's command...
            let requested = try #require(step.requested.first?.target.first)
            #expect(requested > 0.4 && requested < 0.61)
            #expect(step.policyRequested == [.moveTo([0, 0, 0, 0, 0], gripper: 0.5)])
            // ...and the envelope's step limit applies to it like to any command.
            let applied = try #require(step.applied.first?.target.first)
            #expect(applied < requested - 1e-6)
            #expect(step.interventions.contains { $0.kind == .stepLimited })
        }
        // The first held step moved the follower by the envelope's 0.05 rad step, not to the leader's pose.
        let first = episode.steps[3]
        let moved = try #require(first.applied.first?.target.first)
        let before = try #require(first.arms.first?.position.first)
        #expect(moved - before < 0.05 + 0.03, "step limit plus what the follower moved in real time meanwhile")
        // The follower walked toward the leader step by step while the person held; the leader is powered again.
        let walked = episode.steps[3..<(3 + held)].compactMap { $0.applied.first?.target.first }
        #expect(walked.count == held && zip(walked, walked.dropFirst()).allSatisfy { $0 < $1 })
        #expect(leaderBus.register(ServoModel.sts3215.torqueEnable, of: 1) == 1)
        await follower.disconnect()
        await leader.disconnect()
    }

    @Test("keyboard: arrow keys and WASD from a pipe take over and move the target; space hands back")
    func keyboardFromPipe() async throws {
        let pipe = Pipe()
        let input = try KeyboardInput(fileHandle: pipe.fileHandleForReading)
        #expect(!input.isRaw)  // a pipe is not a terminal
        var teleoperator = try KeyboardTeleoperator(input: input, stepSize: 10)
        try await teleoperator.beginEpisode()
        let arm = RobotState(position: [100, 200], velocity: [0, 0], timestampSeconds: 0)
        let observation = Observation(stepIndex: 0, elapsedSeconds: 0, arms: [arm])
        let policy: [ArmCommand] = [.moveTo([300, 300])]
        #expect(try await teleoperator.commands(for: observation, policyRequested: policy) == nil)
        // Right arrow twice, W, and the first half of an up-arrow sequence.
        pipe.fileHandleForWriting.write(Data([0x1B, 0x5B, 0x43, 0x1B, 0x5B, 0x43, UInt8(ascii: "w"), 0x1B, 0x5B]))
        #expect(try await teleoperator.commands(for: observation, policyRequested: policy) == [.moveTo([120, 210])])
        // The rest of the split sequence, then A: up once more, left once.
        pipe.fileHandleForWriting.write(Data([0x41, UInt8(ascii: "a")]))
        #expect(try await teleoperator.commands(for: observation, policyRequested: policy) == [.moveTo([110, 220])])
        // No key: the person keeps holding the target.
        #expect(try await teleoperator.commands(for: observation, policyRequested: policy) == [.moveTo([110, 220])])
        pipe.fileHandleForWriting.write(Data(" ".utf8))
        #expect(try await teleoperator.commands(for: observation, policyRequested: policy) == nil)
    }

    @Test("keyboard on a terminal: raw mode turns off line buffering and echo, restore puts them back")
    func keyboardRawMode() throws {
        var primary: Int32 = 0, secondary: Int32 = 0
        guard openpty(&primary, &secondary, nil, nil, nil) == 0 else {
            Issue.record("openpty failed")
            return
        }
        defer { close(primary); close(secondary) }
        let handle = FileHandle(fileDescriptor: secondary, closeOnDealloc: false)
        let input = try KeyboardInput(fileHandle: handle, rawMode: true)
        #expect(input.isRaw)
        var settings = termios()
        tcgetattr(secondary, &settings)
        #expect(settings.c_lflag & tcflag_t(ICANON) == 0)
        #expect(settings.c_lflag & tcflag_t(ECHO) == 0)
        // A key arrives without Enter.
        var key = UInt8(ascii: "d")
        _ = write(primary, &key, 1)
        var keys: [KeyboardInput.Key] = []
        for _ in 0..<100 where keys.isEmpty {
            keys = try input.pollKeys()
            if keys.isEmpty { usleep(2_000) }
        }
        #expect(keys == [.right])
        input.restore()
        tcgetattr(secondary, &settings)
        #expect(settings.c_lflag & tcflag_t(ICANON) != 0)
    }
}
