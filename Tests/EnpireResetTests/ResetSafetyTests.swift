import Enpire
import EnpireReset
import EnpireTesting
import Foundation
import Synchronization
import Testing

/// A simulated clock that latches a station's e-stop the first time a sleep reaches `latchAt` seconds, and
/// notes how many commands the arm had received at that moment.
final class EStopClock: StationClock {
    private let inner = SimulatedClock()
    private let latchAt: Double?
    private let state = Mutex<(station: Station?, arm: MockArm?, receivedAtLatch: Int?)>((nil, nil, nil))

    init(latchAt: Double?) { self.latchAt = latchAt }

    func attach(_ station: Station, _ arm: MockArm) { state.withLock { $0 = (station, arm, nil) } }
    var receivedAtLatch: Int? { state.withLock { $0.receivedAtLatch } }

    func now() -> Double { inner.now() }

    func sleep(untilSeconds deadline: Double) async throws {
        try await inner.sleep(untilSeconds: deadline)
        guard let latchAt, inner.now() >= latchAt else { return }
        let target = state.withLock { current -> (Station, MockArm)? in
            guard current.receivedAtLatch == nil, let station = current.station, let arm = current.arm else { return nil }
            current.receivedAtLatch = -1
            return (station, arm)
        }
        guard let target else { return }
        let (station, arm) = target
        let count = await arm.received.count
        state.withLock { $0.receivedAtLatch = count }
        await station.emergencyStop()
    }
}

private struct StillPolicy: Policy {
    var name: String { "hold" }
    mutating func action(for observation: Observation) async throws -> [ArmCommand] { [.hold] }
}

private func distance(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
}

/// Checks what a MockArm (responsiveness 1, limits [0, 1]^2) received against the envelope: every position
/// target within `maxStep` of the arm's position, and inside the workspace unless the arm was outside and the
/// step brought it strictly closer. Returns the violations.
private func violations(of commands: [ArmCommand], from start: [Double], workspace: Workspace, maxStep: Double)
    -> [String] {
    var position = start
    var found: [String] = []
    for (index, command) in commands.enumerated() where command.mode == .position {
        let step = distance(command.target, position)
        if step > maxStep * (1 + 1e-9) { found.append("command \(index): step \(step) from \(position)") }
        if !workspace.contains(command.target) {
            let gapBefore = distance(position, workspace.project(position))
            let gapAfter = distance(command.target, workspace.project(command.target))
            if workspace.contains(position) || !(gapAfter < gapBefore) {
                found.append("command \(index): \(command.target) outside the workspace from \(position)")
            }
        }
        position = command.target.map { min(max($0, 0), 1) }
    }
    return found
}

@Suite("Resets through the safety gate")
struct ResetSafetyTests {
    static let workspace = try! Workspace.box(lower: [0.4, 0.4], upper: [0.6, 0.6])

    /// Issue 17, class 1, as reported: workspace [0.4, 0.6]^2, max step 0.01, e-stop latched 1 s into a
    /// keypose reset that aims outside the workspace. Before the fix the arm received 16 commands after the
    /// e-stop, 24 of its 26 targets were outside the workspace, steps of 0.07, and it ended at [0, 0].
    @Test func aKeyposeResetStaysInTheEnvelopeAndStopsAtTheEStop() async throws {
        let clock = EStopClock(latchAt: 1.0)
        let arm = MockArm.planar(clock: clock)
        let envelope = try SafetyEnvelope(specification: arm.specification, workspace: Self.workspace, maxStep: 0.01)
        let reset = try KeyposeSequenceReset(
            keyposes: [Keypose(name: "far", targets: [[0.1, 0.9]]), Keypose(name: "corner", targets: [[0, 0]])],
            motion: .init(maxStepPerPeriod: 0.05, arrivalTolerance: 0.001))
        let station = try Station(configuration: .init(name: "s", task: "t"), arms: [arm], safety: [envelope],
                                  reset: reset, clock: clock)
        clock.attach(station, arm)
        await #expect(throws: StationError.emergencyStopLatched) {
            _ = try await station.runEpisode(policy: StillPolicy(), maxSteps: 1)
        }
        let received = await arm.received
        let atLatch = try #require(clock.receivedAtLatch)
        #expect(atLatch >= 10 && atLatch <= 11, "one command per 0.1 s period before the latch at 1 s")
        #expect(received.count == atLatch, "\(received.count - atLatch) commands after the e-stop")
        #expect(violations(of: received, from: [0.5, 0.5], workspace: Self.workspace, maxStep: 0.01).isEmpty)
        #expect(Self.workspace.contains(await arm.position))
        #expect(await arm.stopCount == 1)
        #expect(await arm.homeCount == 0)
    }

    /// The reset's commands are recorded with the episode, with source `reset`, as the gate passed them.
    @Test func resetCommandsAreRecordedWithSourceReset() async throws {
        let clock = SimulatedClock()
        let arm = MockArm.planar(clock: clock)
        let envelope = try SafetyEnvelope(specification: arm.specification, workspace: Self.workspace, maxStep: 0.01)
        let reset = try KeyposeSequenceReset(keyposes: [Keypose(name: "k", targets: [[0.55, 0.45]])],
                                             motion: .init(maxStepPerPeriod: 0.05, arrivalTolerance: 0.001))
        let station = try Station(configuration: .init(name: "s", task: "t"), arms: [arm], safety: [envelope],
                                  reset: reset, clock: clock)
        let episode = try await station.runEpisode(policy: StillPolicy(), maxSteps: 1)
        #expect(episode.summary.reset?.verified == true)
        #expect(!episode.resetCommands.isEmpty && episode.resetCommands.allSatisfy { $0.source == .reset })
        #expect(episode.resetCommands.count == (await arm.received.count) - 1, "every reset command, then 1 policy step")
        #expect(episode.resetCommands.contains { $0.interventions.contains { $0.kind == .stepLimited } })
        #expect(episode.steps.allSatisfy { $0.source == .policy })
    }

    /// With a step limit, an unknown or NaN position holds instead of skipping the limit.
    @Test func anUnknownPositionHoldsUnderAStepLimit() throws {
        let envelope = try SafetyEnvelope(specification: MockArm.planar().specification, workspace: Self.workspace,
                                          maxStep: 0.01)
        for position in [nil, [Double.nan, 0.5], [0.5], [0.5, .infinity]] as [[Double]?] {
            let (applied, records) = envelope.filter(.moveTo([0.6, 0.6]), currentPosition: position)
            #expect(applied == .hold, "from \(String(describing: position))")
            #expect(records.map(\.kind) == [.positionUnknown])
        }
        // Without a step limit there is nothing to bound: the target is only clamped.
        let free = try SafetyEnvelope(specification: MockArm.planar().specification, workspace: Self.workspace)
        #expect(free.filter(.moveTo([0.9, 0.5]), currentPosition: nil).applied.target == [0.6, 0.5])
    }

    /// From outside the workspace the envelope walks back in at the step limit instead of jumping onto it.
    @Test func outsideTheWorkspaceTheEnvelopeWalksBackIn() throws {
        let envelope = try SafetyEnvelope(specification: MockArm.planar().specification, workspace: Self.workspace,
                                          maxStep: 0.01)
        var position = [0.0, 0.0]
        var commands = 0
        while !Self.workspace.contains(position), commands < 1000 {
            let (applied, records) = envelope.filter(.moveTo([0.5, 0.5]), currentPosition: position)
            #expect(abs(distance(applied.target, position) - 0.01) < 1e-12)
            #expect(records.contains { $0.kind == .stepLimited })
            position = applied.target
            commands += 1
        }
        // sqrt(2) * 0.4 = 0.566 to the corner (0.4, 0.4): 57 steps of 0.01.
        #expect(commands == 57 && Self.workspace.contains(position))
    }

    /// `Station.home()` goes through the envelope (step limit, walking in from outside) and the e-stop, and
    /// never calls the arm's own unguarded `home()`.
    @Test func homingGoesThroughTheEnvelope() async throws {
        let clock = SimulatedClock()
        let arm = MockArm(specification: MockArm.planar().specification, home: [0, 0], clock: clock)
        let envelope = try SafetyEnvelope(specification: arm.specification, workspace: Self.workspace, maxStep: 0.01)
        let station = try Station(configuration: .init(name: "s", task: "t"), arms: [arm], safety: [envelope],
                                  clock: clock)
        try await station.home()
        let received = await arm.received
        #expect(violations(of: received, from: [0, 0], workspace: Self.workspace, maxStep: 0.01).isEmpty)
        #expect(distance(await arm.position, [0.5, 0.5]) <= 1e-3 && received.count == 71)
        #expect(await arm.homeCount == 0)
        await station.emergencyStop()
        await #expect(throws: StationError.emergencyStopLatched) { try await station.home() }
        #expect(await arm.received.count == 71)
    }

    /// Teleoperation (`Station.send`) and a reset run without a station pass the same envelope.
    @Test func everySourcePassesOneEnvelope() async throws {
        let clock = SimulatedClock()
        let arm = MockArm.planar(clock: clock)
        let envelope = try SafetyEnvelope(specification: arm.specification, workspace: Self.workspace, maxStep: 0.01)
        let station = try Station(configuration: .init(name: "s", task: "t"), arms: [arm], safety: [envelope],
                                  clock: clock)
        let (applied, _) = try await station.send([.moveTo([0.9, 0.9])], source: .human)
        #expect(distance(applied[0].target, [0.5, 0.5]) <= 0.01 + 1e-12)
        let loose = MockArm.planar(clock: clock)
        let context = try ResetContext(arms: [loose], safety: [envelope], cameras: [], seed: 0, clock: clock)
        let result = try await context.arms[0].send(.moveTo([0, 0]))
        #expect(distance(result.target, [0.5, 0.5]) <= 0.01 + 1e-12)
        #expect(context.arms[0].source == .reset)
    }

    /// Property: random keypose sequences (start inside or outside the workspace) with the e-stop latched at a
    /// random time (or never): 0 commands outside the envelope, 0 after the e-stop. 2,000 cases by default;
    /// `ENPIRE_HEAVY=1` runs 100,000.
    @Test func randomResetsNeverLeaveTheEnvelopeOrOutlastTheEStop() async throws {
        let heavy = ProcessInfo.processInfo.environment["ENPIRE_HEAVY"] == "1"
        let cases = heavy ? 100_000 : 2_000
        var rng = SplitMix64(seed: 17_001)
        var found: [String] = []
        var latched = 0, commandsChecked = 0, startedOutside = 0
        for index in 0..<cases {
            let maxStep = 0.002 + rng.nextUnitDouble() * 0.05
            let lower = [rng.nextUnitDouble() * 0.5, rng.nextUnitDouble() * 0.5]
            let upper = lower.map { $0 + 0.05 + rng.nextUnitDouble() * 0.45 }
            let workspace = try Workspace.box(lower: lower, upper: upper)
            // Half the arms start somewhere on the table (mostly outside the workspace), half inside it.
            let start = rng.next() % 2 == 0 ? [rng.nextUnitDouble(), rng.nextUnitDouble()]
                : zip(lower, upper).map { $0 + rng.nextUnitDouble() * ($1 - $0) }
            if !workspace.contains(start) { startedOutside += 1 }
            let budget = 0.5 + rng.nextUnitDouble() * 2.5
            let latchAt: Double? = rng.next() % 4 == 0 ? nil : rng.nextUnitDouble() * budget
            let keyposes = (0..<(1 + Int(rng.next() % 4))).map { k in
                Keypose(name: "k\(k)", targets: [[rng.nextUnitDouble() * 1.4 - 0.2, rng.nextUnitDouble() * 1.4 - 0.2]])
            }
            let clock = EStopClock(latchAt: latchAt)
            let arm = MockArm(specification: MockArm.planar().specification, home: start, clock: clock)
            let envelope = try SafetyEnvelope(specification: arm.specification, workspace: workspace, maxStep: maxStep)
            let reset = try KeyposeSequenceReset(
                keyposes: keyposes,
                motion: .init(maxStepPerPeriod: 0.01 + rng.nextUnitDouble() * 0.2, arrivalTolerance: 0.001,
                              settlePeriods: Int(rng.next() % 4)),
                timeBudgetSeconds: budget)
            let station = try Station(configuration: .init(name: "p", task: "t"), arms: [arm], safety: [envelope],
                                      reset: reset, clock: clock)
            clock.attach(station, arm)
            _ = try? await station.runEpisode(policy: StillPolicy(), maxSteps: 1)
            let received = await arm.received
            commandsChecked += received.count
            if let atLatch = clock.receivedAtLatch {
                latched += 1
                if received.count != atLatch {
                    found.append("case \(index): \(received.count - atLatch) commands after the e-stop")
                }
            }
            found += violations(of: received, from: start, workspace: workspace, maxStep: maxStep)
                .map { "case \(index): \($0)" }
        }
        #expect(found.isEmpty, "\(found.count) violations in \(cases) cases, first: \(found.prefix(3))")
        #expect(latched > cases / 2 && startedOutside > cases / 4 && commandsChecked > cases * 5)
        print("reset property: \(cases) cases, \(commandsChecked) commands, \(latched) e-stops, "
              + "\(startedOutside) starts outside the workspace, \(found.count) violations")
    }
}
