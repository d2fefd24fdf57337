import Enpire
import EnpireSim
import Foundation
import Testing

/// Rendered pixels are part of every published camera figure: a change to the pixel stage must not move them.
@Suite("Rendering: pinned pixels")
struct GoldenFrameTests {
    @Test("realistic camera noise (gains, gradient, contrast, grain) renders the same pixels as when the figures were measured")
    func pinnedNoisyFrames() throws {
        var hasher = SHA256()
        for seed in [UInt64(7), 8, 1234] {
            var renderer = try PushTRenderer(outputSize: ImageSize(width: 96, height: 96), noise: .realistic(seed: seed))
            for frame in UInt64(0)..<3 {
                let state = PushTState(agentX: 300 + Double(frame) * 7, agentY: 140, blockX: 250, blockY: 260,
                                       blockAngle: 0.4 + Double(seed) * 0.01)
                let image = renderer.render(state, frameIndex: frame)
                image.pixels.withUnsafeBytes { hasher.update(bytes: $0) }
            }
        }
        // Pinned at 353ac60 (the Swift pixel stage), before the stage moved to C (CRendering): the move changed no pixel.
        #expect(hasher.finalizeHex() == "cababfab4a68e8b3f268f6907cffa0d65e69bb07743647e2877af586dc7047eb")
    }
}
