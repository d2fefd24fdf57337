import Enpire
@testable import EnpireHardware
import EnpireTesting
import Foundation
import Testing

/// An arm that creeps while it should hold and ignores `stop()`: the kit must fail it.
actor CreepingArm: RobotArm {
    nonisolated let specification = ArmSpecification(name: "creeper", axisNames: ["a", "b"], lowerLimits: [-1, -1],
                                                     upperLimits: [1, 1], controlRateHz: 30)
    private var position = [0.0, 0.0]
    private var started = Date()

    func observe() async throws -> RobotState {
        let drift = Date().timeIntervalSince(started) * 0.2
        return RobotState(position: [position[0] + drift, position[1]], velocity: [0.2, 0])
    }

    func send(_ command: ArmCommand) async throws -> ArmCommand {
        guard command.mode == .position else { return command }
        guard command.target.count == 2 else { throw ArmError.wrongDimension(expected: 2, got: command.target.count) }
        guard command.target.allSatisfy(\.isFinite) else { throw ArmError.fault("NaN") }
        position = command.target
        started = Date()
        return command
    }

    func home() async throws { position = [0, 0] }
    func stop() async throws {}
}

@Suite("Arm conformance kit", .serialized)
struct ArmConformanceTests {
    @Test("The SO-101 follower on the fake bus conforms, including limits and an injected overload")
    func so101Conforms() async throws {
        let (fake, bus) = try await feetechRig()
        defer { fake.close() }
        let arm = try ServoArm.so101Follower(bus: bus, calibration: wideCalibration(names: armJointNames))
        let report = await ArmConformance.run(arm, options: ArmConformanceOptions(
            stateSamples: 30, latencySamples: 30, holdSeconds: 0.15, probeLimits: true,
            injectFault: { fake.inject(.status(0x20), id: 3, count: nil) }, clearFault: { fake.clearFaults() }))
        #expect(report.passed, "\(report)")
        #expect(report.check("faults")?.detail.contains("overload") == true)
        #expect(report.checks.count == 10)
        await arm.disconnect()
    }

    @Test("The Koch arm on the fake Dynamixel bus conforms")
    func kochConforms() async throws {
        let (fake, bus) = try await dynamixelRig()
        defer { fake.close() }
        let arm = try ServoArm.koch(bus: bus, calibration: wideCalibration(names: armJointNames))
        let report = await ArmConformance.run(arm, options: ArmConformanceOptions(
            stateSamples: 30, latencySamples: 30, holdSeconds: 0.15,
            injectFault: { fake.inject(.noReply, id: 2, count: nil) }, clearFault: { fake.clearFaults() }))
        #expect(report.passed, "\(report)")
        await arm.disconnect()
    }

    @Test("An arm that creeps while holding and after stop() fails hold and e-stop")
    func creepingArmFails() async {
        let report = await ArmConformance.run(CreepingArm(), options: ArmConformanceOptions(
            stateSamples: 10, latencySamples: 10, holdSeconds: 0.15, settleSeconds: 0.3))
        #expect(!report.passed)
        #expect(report.check("hold")?.passed == false)
        #expect(report.check("e-stop")?.passed == false)
        #expect(report.check("malformed commands")?.passed == true)
        #expect(report.check("faults")?.skipped == true)
        #expect(report.description.contains("does NOT conform"))
    }
}
