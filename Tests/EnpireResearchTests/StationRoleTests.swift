import EnpireResearch
import Testing

@Suite("Station roles")
struct StationRoleTests {
    @Test("camera seeds: research stations their own, the workspace its own, every evaluator the shared one")
    func cameraSeeds() {
        let seed = { (role: StationRole) in role.cameraSeed(workspace: 21) { 21 + 2 * UInt64($0) } }
        #expect(seed(.research(index: 0)) == 21 && seed(.research(index: 3)) == 27)
        #expect(seed(.workspace) == 21)
        #expect(seed(.evaluation(lane: 0)) == 1_000_003 && seed(.evaluation(lane: 5)) == StationRole.evaluationCameraSeed)
    }
}
