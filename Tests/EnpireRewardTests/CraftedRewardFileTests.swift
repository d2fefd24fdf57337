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
        for (key, value) in [("threshold", 7.0), ("minimumArenaFraction", -1.0), ("boundaryMargin", 0.9)] {
            var changed = try #require(try JSONSerialization.jsonObject(with: model.frozenJSON()) as? [String: Any])
            changed[key] = value
            #expect(throws: RewardError.self, "\(key) = \(value)") {
                _ = try PushTRewardModel.decode(try JSONSerialization.data(withJSONObject: changed))
            }
        }
    }

    @Test func jpegClaiming60000x60000IsJudgedUnknownWithoutAllocatingIt() throws {
        let (frame, goal, reward) = try PushTCameraRewardTests.successFrame()
        let huge = Frame(cameraName: "top", timestampSeconds: 0, jpeg: try Self.claiming(60_000, 60_000, try #require(frame.jpeg)))
        let before = ProcessMemory.peakResidentBytes()
        let verdict = reward.verdict(for: huge, calibration: goal)
        #expect(verdict.status == .unknown && !verdict.success)
        #expect(ProcessMemory.peakResidentBytes() - before < 256 << 20, "the 10.8 GB the header claims must never be allocated")
    }

    /// `jpeg` with its frame header (SOF) rewritten to claim `width × height` pixels.
    static func claiming(_ width: Int, _ height: Int, _ jpeg: [UInt8]) throws -> [UInt8] {
        var bytes = jpeg
        var index = 2
        while index + 9 < bytes.count {
            guard bytes[index] == 0xFF else { index += 1; continue }
            let marker = bytes[index + 1]
            if (0xC0...0xC2).contains(marker) {
                bytes[index + 5] = UInt8(height >> 8); bytes[index + 6] = UInt8(height & 0xFF)
                bytes[index + 7] = UInt8(width >> 8); bytes[index + 8] = UInt8(width & 0xFF)
                return bytes
            }
            index += 2 + Int(bytes[index + 2]) << 8 + Int(bytes[index + 3])
        }
        throw RewardError.badFrame("no SOF marker")
    }
}
