import Enpire
import EnpireReward
import EnpireSim
import Foundation
import Testing

@Suite struct PushTCameraRewardTests {
    @Test func probeFeatures() throws {
        let samples = try PushTLabelledFrames.make(count: 200, seed: 1)
        let reward = PushTCameraReward(model: PushTRewardModel())
        for s in samples {
            let goal = try reward.goalReference(from: s.reference)
            let f = try reward.features(of: s.frame, goal: goal)
            print(String(format: "PROBE %.4f %.4f %.3f %.3f %d", s.coverage, f.estimatedCoverage, goal.angle, goal.scale, s.success ? 1 : 0))
        }
    }
}
