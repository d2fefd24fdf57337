import Enpire
import EnpireTesting
import EnpireReward
import Foundation
import Testing

/// Issue 17, class 6: crafted reward files and frames are refused, never trusted or allocated.
@Suite struct CraftedRewardFileTests {
    @Test func rewardFileWithANegativeBoundaryMarginIsRefused() throws {
        let model = PushTRewardModel()
        var object = try #require(try JSONSerialization.jsonObject(with: model.frozenJSON()) as? [String: Any])
        object["boundaryMargin"] = -1e308
        // Before the fix this loaded, and every frame cleared threshold + margin: every episode a success.
        #expect(throws: RewardError.self) {
            _ = try PushTRewardModel.decode(try JSONSerialization.data(withJSONObject: object))
        }
        for (key, value) in [("threshold", 7.0), ("minimumArenaFraction", -1.0), ("boundaryMargin", 0.9),
                             ("confirmationFrames", 0), ("confirmationFrames", 1e6)] {
            var changed = try #require(try JSONSerialization.jsonObject(with: model.frozenJSON()) as? [String: Any])
            changed[key] = value
            #expect(throws: RewardError.self, "\(key) = \(value)") {
                _ = try PushTRewardModel.decode(try JSONSerialization.data(withJSONObject: changed))
            }
        }
    }

    @Test func jpegClaiming60000x60000IsJudgedUnknownWithoutAllocatingIt() throws {
        let (frame, goal, reward) = try PushTCameraRewardTests.successFrame()
        let huge = Frame(cameraName: "top", timestampSeconds: 0, jpeg: try CraftedJPEG.claiming(width: 60_000, height: 60_000, try #require(frame.jpeg)))
        let before = ProcessMemory.peakResidentBytes()
        let verdict = reward.verdict(for: huge, calibration: goal)
        #expect(verdict.status == .unknown && !verdict.success)
        #expect(ProcessMemory.peakResidentBytes() - before < 1 << 31, "the 10.8 GB the header claims must never be allocated")
    }
}
