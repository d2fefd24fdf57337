import Enpire
import EnpireReward
import EnpireSim
@testable import EnpireTasks
import Foundation
import Testing

/// The zip-tie camera input on the development seeds (900 000…) where the first version lost the tie: a clamp
/// too bright for a fixed dark threshold, a free end outside the top view, a free end under the parked cutter.
@Suite("Zip-tie camera localisation")
struct ZipTieLocalisationTests {
    /// The simulation reset to `seed`, its state and the top camera's estimate of the first frame the learning
    /// episode renders.
    private func firstTopEstimate(seed: UInt64) throws
        -> (simulation: ZipTieSimulation, state: ZipTieState, estimate: ZipTieSceneEstimate) {
        let simulation = ZipTieSimulation()
        simulation.reset(seed: seed)
        var renderer = try ZipTieRenderer(view: .top, noise: ZipTieRenderer.realisticNoise(seed: seed ^ 0x70_9CA3))
        let estimate = try ZipTieSceneEstimator().measure(renderer.render(simulation.scene))
        return (simulation, simulation.state, estimate)
    }

    @Test("the clamp is found on brightly lit frames (the fixed threshold of 90 levels lost it)",
          arguments: [UInt64(900_043), 900_045, 900_122])
    func clampOnBrightFrames(seed: UInt64) throws {
        let (_, s, estimate) = try firstTopEstimate(seed: seed)
        let anchor = try #require(estimate.anchor, "seed \(seed): clamp not found")
        #expect(hypot(anchor[0] - s.anchor[0], anchor[1] - s.anchor[1]) < 1, "seed \(seed) anchor \(anchor)")
        #expect(abs(remainder(anchor[2] - s.anchor[2], 2 * Double.pi)) < 0.08, "seed \(seed) anchor \(anchor)")
    }

    @Test("a free end outside the top view is located in the oblique frame",
          arguments: [UInt64(900_000), 900_033, 900_372])
    func freeEndFromOblique(seed: UInt64) throws {
        let (simulation, s, estimate) = try firstTopEstimate(seed: seed)
        #expect(estimate.freeEndAtImageEdge, "seed \(seed): the tie should leave the top view")
        var oblique = try ZipTieRenderer(view: .oblique,
                                         noise: ZipTieRenderer.realisticNoise(seed: (seed ^ 0x70_9CA3) &+ 1))
        let anchor = try #require(estimate.anchor), mark = try #require(estimate.mark)
        let located = try ZipTieSceneEstimator().obliqueFreeEnd(oblique.render(simulation.scene),
                                                                framing: ZipTieObliqueFraming(), anchor: anchor,
                                                                mark: mark)
        let end = try #require(located, "seed \(seed): the oblique frame did not give the free end")
        #expect(hypot(end[0] - s.freeEnd[0], end[1] - s.freeEnd[1]) < 1.5, "seed \(seed) end \(end) vs \(s.freeEnd)")
    }

    @Test("a free end under the cutter is located once the cutter has parked", arguments: [UInt64(900_186), 900_370])
    func freeEndUnderCutter(seed: UInt64) throws {
        let episode = ZipTieImitationEpisode(seed: seed, mode: .camera)
        let truth = episode.simulation.state.freeEnd
        for _ in 0..<12 {
            _ = try episode.policyInput()
            try episode.apply(episode.teacherOutput())
        }
        #expect(episode.source.isLocalised)
        let end = try #require(episode.source.freeEnd)
        #expect(hypot(end[0] - truth[0], end[1] - truth[1]) < 1.5, "seed \(seed) end \(end) vs \(truth)")
    }
}
