import EnpireSim
import Foundation
import Testing

/// Issue 17, class 6: replay inputs are validated before physics and bounded in size.
@Suite struct CraftedReplayTests {
    @Test func hugeActionIsRefusedBeforePhysics() throws {
        let input = #"[{"initial_state": [100, 100, 200, 200, 0], "actions": [[1e307, 5]]}]"#
        #expect(throws: PushTReplay.ReplayError.self) { _ = try PushTReplay.decodeCases(Data(input.utf8)) }
        let simulation = PushTSimulation()
        try simulation.reset(toState: [100, 100, 200, 200, 0])
        // Before the fix this aborted inside Chipmunk (the whole process, no error to catch).
        #expect(throws: PushTError.self) { try simulation.step(action: (1e307, 5)) }
        #expect(throws: PushTError.self) { try simulation.reset(toState: [1e300, 100, 200, 200, 0]) }
        // The largest accepted targets keep the physics finite.
        try simulation.reset(toState: [100, 100, 200, 200, 0])
        for step in 0..<200 {
            let far = step % 2 == 0 ? PushTSimulation.maximumCoordinate : -PushTSimulation.maximumCoordinate
            try simulation.step(action: (far, -far))
        }
        let state = simulation.state
        let values = [state.agentX, state.agentY, state.blockX, state.blockY, state.blockAngle]
        #expect(values.allSatisfy { $0.isFinite })
    }

    @Test func millionActionsAreRefused() throws {
        let actions = String(repeating: "[1,2],", count: 1_000_000).dropLast()
        let input = #"[{"initial_state": [100, 100, 200, 200, 0], "actions": ["# + actions + "]}]"
        #expect(throws: PushTReplay.ReplayError.self) { _ = try PushTReplay.decodeCases(Data(input.utf8)) }
    }
}
