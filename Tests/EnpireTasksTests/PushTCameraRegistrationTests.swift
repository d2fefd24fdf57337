import Enpire
import EnpireSim
import EnpireTasks
import Foundation
import Testing

/// A camera bumped after its calibration photo: re-registering on the goal marking restores the block estimate.
struct PushTCameraRegistrationTests {
    /// Renders `state` through a camera moved by `change` after calibration.
    private static func frame(_ state: PushTState, noise: CameraNoise, change: PushTCameraChange) throws -> Frame {
        var renderer = try PushTRenderer(outputSize: ImageSize(width: 640, height: 480), noise: noise)
        renderer.cameraChange = change
        return Frame(cameraName: "top", timestampSeconds: 0, image: renderer.render(state, frameIndex: 3))
    }

    private static func error(_ block: PushTObservedBlock, _ state: PushTState) -> Double {
        ((block.x - state.blockX) * (block.x - state.blockX) + (block.y - state.blockY) * (block.y - state.blockY))
            .squareRoot()
    }

    @Test("a moved camera biases the stale calibration; registering on the goal marking removes the bias")
    func registrationUndoesCameraDrift() throws {
        var change = PushTCameraChange()
        change.shiftX = 4
        change.shiftY = -3
        change.rotationRadians = 0.012
        change.focalScale = 1.012
        for seed in [UInt64(3), 17, 41] {
            let noise = CameraNoise.realistic(seed: seed)
            let observer = try PushTCameraObserver.simulated(noise: noise)
            // The episode's first frame: the goal marking clear of block and pusher.
            let start = PushTState(agentX: 90, agentY: 420, blockX: 400, blockY: 110, blockAngle: 0.4)
            let registered = observer.registered(to: try Self.frame(start, noise: noise, change: change))
            #expect(registered != nil, "seed \(seed): the marking was not measured")
            guard let registered else { continue }
            // A later frame of the same episode, the block elsewhere.
            let state = PushTState(agentX: 300, agentY: 420, blockX: 150 + Double(seed), blockY: 330, blockAngle: -1.1)
            let later = try Self.frame(state, noise: noise, change: change)
            let stale = Self.error(try observer.block(in: later), state)
            let fresh = Self.error(try registered.block(in: later), state)
            #expect(stale > 3, "seed \(seed): the drift should bias the stale estimate, error \(stale) px")
            let unmoved = Self.error(try observer.block(in: try Self.frame(state, noise: noise, change: .init())), state)
            #expect(fresh < unmoved + 0.5, "seed \(seed): registered error \(fresh) px, unmoved camera \(unmoved) px")
        }
    }

    @Test("an unmoved camera registers to (almost) its calibration; a frame without the marking, or with it covered, is refused")
    func registrationKeepsAStillCameraAndRefusesBadFrames() throws {
        let noise = CameraNoise.realistic(seed: 9)
        let observer = try PushTCameraObserver.simulated(noise: noise)
        let clear = PushTState(agentX: 90, agentY: 420, blockX: 400, blockY: 110, blockAngle: 0.4)
        let registered = observer.registered(to: try Self.frame(clear, noise: noise, change: .init()))
        #expect(registered != nil)
        guard let still = registered else { return }
        #expect(abs(still.calibration.goal.x - observer.calibration.goal.x) < 0.5)
        #expect(abs(still.calibration.goal.y - observer.calibration.goal.y) < 0.5)
        #expect(abs(still.calibration.goal.scale / observer.calibration.goal.scale - 1) < 0.01)
        let black = Frame(cameraName: "top", timestampSeconds: 0,
                          image: RGBImage(size: ImageSize(width: 640, height: 480)))
        #expect(observer.registered(to: black) == nil)
        // The block lying across the marking hides part of it: the registration is refused, not biased.
        let covering = PushTState(agentX: 90, agentY: 420, blockX: 256, blockY: 256, blockAngle: Double.pi / 4 + 0.3)
        #expect(observer.registered(to: try Self.frame(covering, noise: noise, change: .init())) == nil)
    }
}
