import Enpire
@testable import EnpireCommands
import Foundation
import Testing

/// The clip-only staging task's generator: its ground truth, its border gap and its clips.
@Suite("Clip-only staging task (the T inside an unmarked area)")
struct ClassifierStagingTests {
    @Test("the margin is positive for a T inside the area and negative for one outside or across its border")
    func margin() {
        let area = ClassifierStagingEpisodes.area
        let centre = (x: (area.x0 + area.x1) / 2, y: (area.y0 + area.y1) / 2 - 45)
        #expect(ClassifierStagingEpisodes.margin(x: centre.x, y: centre.y, angle: 0) > 20)
        #expect(ClassifierStagingEpisodes.margin(x: 256, y: 256, angle: 0) < -20)
        // The bar's right end (60 units from the reference point) crosses the area's right border by 10 units.
        let across = ClassifierStagingEpisodes.margin(x: area.x1 - 50, y: centre.y, angle: 0)
        #expect(abs(across + 10) < 1e-9)
    }

    @Test("every generated end state keeps the border gap, all three kinds occur, and clips end on the end state")
    func generatedStates() throws {
        var kinds: [String: Int] = [:]
        for seed in UInt64(0)..<300 {
            let (_, kind, margin) = ClassifierStagingEpisodes.state(seed: seed)
            kinds[kind, default: 0] += 1
            #expect(abs(margin) >= ClassifierStagingEpisodes.borderGap, "seed \(seed) margin \(margin)")
            if kind == "placed" { #expect(margin > 0) } else if kind == "short" { #expect(margin < 0) }
        }
        #expect(kinds.count == 3 && kinds.values.allSatisfy { $0 > 40 })
        let codec = try JPEGCodec()
        let clip = try ClassifierStagingEpisodes.episode(seed: 5, frames: 6, codec: codec)
        let alone = try ClassifierStagingEpisodes.episode(seed: 5, frames: 1, codec: codec)
        #expect(clip.frames.count == 6 && alone.frames.count == 1)
        #expect(clip.success == alone.success && clip.success == (ClassifierStagingEpisodes.state(seed: 5).margin > 0))
        #expect(clip.analyser == nil && !ClassifierSimulatedEpisodes.hasAnalyser("staging"))
        let region = try #require(ClassifierStagingEpisodes.region())
        #expect(region.x >= 0 && region.y >= 0 && region.x + region.width <= 640 && region.y + region.height <= 480)
        #expect(region.width > 180 && region.height > 180)
    }
}
