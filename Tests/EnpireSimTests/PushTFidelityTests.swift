import Foundation
import Testing
@testable import EnpireSim

/// Replays trajectories recorded from gym-pusht 0.1.8 (Fixtures/make_pusht_fixtures.py) through our simulator.
@Suite("Push-T fidelity against gym-pusht")
struct PushTFidelityTests {
    struct Fixture: Decodable {
        struct Expected: Decodable {
            var agent: [Double]
            var block: [Double]
            var coverage: Double
            var reward: Double
            var success: Bool
        }
        struct Case: Decodable {
            var initial_state: [Double]
            var actions: [[Double]]
            var expected: [Expected]
            var drift_px: [Double]
        }
        var cases: [Case]
    }

    static func load() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "pusht_cases", withExtension: "json",
                                                 subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test func trajectoriesMatchGymPusht() throws {
        let fixture = try Self.load()
        #expect(fixture.cases.count >= 20)
        let cases = fixture.cases.map { PushTReplay.Case(initialState: $0.initial_state, actions: $0.actions) }
        let ours = try PushTReplay.run(cases)
        var worst10 = (px: 0.0, rad: 0.0, coverage: 0.0)
        var worstAll = (px: 0.0, rad: 0.0, coverage: 0.0)
        var blockMoved = 0
        for (reference, trajectory) in zip(fixture.cases, ours) {
            if abs(reference.expected.last!.block[0] - reference.expected.first!.block[0]) > 1 { blockMoved += 1 }
            for (t, (expected, step)) in zip(reference.expected, trajectory).enumerated() {
                let px = max(abs(expected.agent[0] - step.agent[0]), abs(expected.agent[1] - step.agent[1]),
                             abs(expected.block[0] - step.block[0]), abs(expected.block[1] - step.block[1]))
                let rad = abs(expected.block[2] - step.block[2])
                let coverage = abs(expected.coverage - step.coverage)
                #expect(expected.success == step.success || coverage < 1e-9)
                if t < 10 { worst10 = (max(worst10.px, px), max(worst10.rad, rad), max(worst10.coverage, coverage)) }
                worstAll = (max(worstAll.px, px), max(worstAll.rad, rad), max(worstAll.coverage, coverage))
            }
        }
        // The issue's bar after 10 steps.
        #expect(worst10.px <= 1 && worst10.rad <= 0.01 && worst10.coverage <= 0.005)
        // Over all 40 steps we hold ourselves to gym-pusht's own sensitivity: a 1e-6 perturbation of the start
        // moves gym-pusht by up to ~3e-3 px after 30 steps (recorded in the fixture), so 1e-3 px / 1e-5 rad /
        // 1e-6 coverage is far inside it. Chipmunk 7.0.3 with the same call order is in practice bit-exact.
        let selfDrift = fixture.cases.map { $0.drift_px[29] }.max() ?? 0
        #expect(selfDrift > 0, "fixture records gym-pusht's own drift")
        #expect(worstAll.px <= 1e-3 && worstAll.rad <= 1e-5 && worstAll.coverage <= 1e-6,
                "worst over 40 steps: \(worstAll)")
        #expect(blockMoved >= 10, "fixtures must exercise contacts")
    }

    @Test(arguments: [
        (UInt64(0), [390.0, 304, 253, 180, -2.8841484100105235]),
        (UInt64(1), [239.0, 254, 326, 385, -2.2358110930610913]),
        (UInt64(42), [85.0, 359, 296, 231, 2.2531371815723604]),
    ])
    func seededStartStatesMatchNumpy(seed: UInt64, expected: [Double]) {
        #expect(PushTSimulation.startState(seed: seed) == expected)
    }

    @Test func legacyResetPlacesBlockLikeGymPusht() throws {
        // gym-pusht's docstring example: reset_to_state=[0,10,20,30,1] -> obs [0, 10, 57.866..., 50.686..., 1].
        let simulation = PushTSimulation()
        try simulation.reset(toState: [0, 10, 20, 30, 1])
        let state = simulation.state
        #expect(abs(state.blockX - 57.86619431635534) < 1e-9)
        #expect(abs(state.blockY - 50.686396235933714) < 1e-9)
        #expect(abs(state.blockAngle - 1) < 1e-12)
    }

    @Test func coverageIsOneAtGoalAndZeroFarAway() {
        let goal = PushTGeometry.goalPose
        let atGoal = PushTState(agentX: 0, agentY: 0, blockX: goal.x, blockY: goal.y, blockAngle: goal.angle)
        #expect(abs(PushTCoverage.coverage(of: atGoal) - 1) < 1e-12)
        let shifted = PushTState(agentX: 0, agentY: 0, blockX: goal.x + 3, blockY: goal.y, blockAngle: goal.angle)
        // gym-pusht spec: a 3 px x-offset at the goal angle gives coverage 0.9206.
        #expect(abs(PushTCoverage.coverage(of: shifted) - 0.9206) < 5e-4)
        let far = PushTState(agentX: 0, agentY: 0, blockX: 100, blockY: 100, blockAngle: 0)
        #expect(PushTCoverage.coverage(of: far) == 0)
    }

    @Test func badInputIsRefusedWithAMessage() throws {
        let simulation = PushTSimulation()
        #expect(throws: PushTError.badStateLength(3)) { try simulation.reset(toState: [1, 2, 3]) }
        #expect(throws: PushTError.self) { try simulation.step(action: (.nan, 1)) }
        let bad = Data(#"[{"initial_state": [1, 2, 3, 4, "x"], "actions": []}]"#.utf8)
        #expect(throws: PushTReplay.ReplayError.self) { try PushTReplay.decodeCases(bad) }
        let wrongAction = Data(#"[{"initial_state": [1, 2, 3, 4, 5], "actions": [[1]]}]"#.utf8)
        #expect(throws: PushTReplay.ReplayError.self) { try PushTReplay.decodeCases(wrongAction) }
    }
}
