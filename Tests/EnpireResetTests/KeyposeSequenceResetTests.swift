import Enpire
import EnpireReset
import EnpireTesting
import Testing

@Suite("KeyposeSequenceReset")
struct KeyposeSequenceResetTests {
    private func arm3(clock: SimulatedClock) -> MockArm {
        MockArm(specification: ArmSpecification(name: "xyz", axisNames: ["x", "y", "z"], lowerLimits: [0, 0, 0],
                                                 upperLimits: [1, 1, 1], controlRateHz: 10),
                home: [0.2, 0.2, 0.05], clock: clock)
    }

    @Test func liftsTraversesAndComesDownOneCommandPerPeriod() async throws {
        let clock = SimulatedClock()
        let arm = arm3(clock: clock)
        let reset = try KeyposeSequenceReset(
            keyposes: [Keypose(name: "over-bin", targets: [[0.8, 0.6, 0.1]], grippers: [1])],
            motion: .init(clearanceAxis: 2, clearanceValue: 0.3, maxStepPerPeriod: 0.05, arrivalTolerance: 0.001))
        let outcome = try await reset.reset(try ResetContext(arms: [arm], cameras: [], seed: 0, clock: clock))
        #expect(outcome.verified && outcome.attempts == 1 && outcome.reason == nil)
        let commands = await arm.received
        // Up 0.25 (5 periods), across max(0.6, 0.4) (12 periods), down 0.2 (4 periods).
        #expect(commands.count == 21)
        #expect(abs(outcome.elapsedSeconds - 2.1) < 1e-9)
        var previous = [0.2, 0.2, 0.05]
        for (index, command) in commands.enumerated() {
            let step = zip(command.target, previous).map { abs($0 - $1) }.max() ?? 0
            #expect(step <= 0.05 + 1e-12, "command \(index) moves \(step)")
            // While x/y change, the arm is at the clearance height: it never sweeps through the scene.
            if index >= 5, index < 17 { #expect(abs(command.target[2] - 0.3) < 1e-12) }
            if index < 5 { #expect(command.target[0] == 0.2 && command.target[1] == 0.2) }
            #expect(command.gripper == 1)
            previous = command.target
        }
        #expect(await arm.position == [0.8, 0.6, 0.1])
    }

    @Test func armFaultEndsUnverifiedWithReason() async throws {
        let clock = SimulatedClock()
        let arm = arm3(clock: clock)
        await arm.failSend(after: 3, message: "joint 2 over torque")
        let reset = try KeyposeSequenceReset(
            keyposes: [Keypose(name: "home", targets: [[0.5, 0.5, 0.1]])],
            motion: .init(clearanceAxis: 2, clearanceValue: 0.3, maxStepPerPeriod: 0.05, arrivalTolerance: 0.001))
        let outcome = try await reset.reset(try ResetContext(arms: [arm], cameras: [], seed: 0, clock: clock))
        #expect(!outcome.verified)
        #expect(outcome.reason?.contains("joint 2 over torque") == true)
    }

    @Test func sluggishArmFailsArmPoseVerification() async throws {
        let clock = SimulatedClock()
        let arm = MockArm(specification: ArmSpecification(name: "xy", axisNames: ["x", "y"], lowerLimits: [0, 0],
                                                          upperLimits: [1, 1], controlRateHz: 10),
                          home: [0, 0], responsiveness: 0.05, clock: clock)
        let reset = try KeyposeSequenceReset(
            keyposes: [Keypose(name: "far", targets: [[1, 1]])],
            motion: .init(maxStepPerPeriod: 0.5, arrivalTolerance: 0.01, settlePeriods: 2))
        let outcome = try await reset.reset(try ResetContext(arms: [arm], cameras: [], seed: 0, clock: clock))
        #expect(!outcome.verified)
        #expect(outcome.reason?.contains("from its reset pose") == true)
    }

    @Test func rejectsKeyposesForTheWrongNumberOfAxes() async throws {
        let clock = SimulatedClock()
        let reset = try KeyposeSequenceReset(keyposes: [Keypose(name: "bad", targets: [[0.5]])],
                                             motion: .init(maxStepPerPeriod: 0.1, arrivalTolerance: 0.01))
        let outcome = try await reset.reset(try ResetContext(arms: [MockArm.planar(clock: clock)], cameras: [], seed: 0,
                                                         clock: clock))
        #expect(!outcome.verified)
        #expect(outcome.reason?.contains("1 axes") == true)
        #expect(throws: ResetStrategyError.self) {
            try KeyposeSequenceReset(keyposes: [], motion: .init(maxStepPerPeriod: 0.1, arrivalTolerance: 0.01))
        }
    }
}
