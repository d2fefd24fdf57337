import Enpire
import EnpireReward
import EnpireSim
import Foundation

/// Labelled Push-T final frames rendered at 640x480 with `CameraNoise.realistic` (a new camera seed per frame),
/// JPEG-compressed as a station would store them. Mixes easy failures, expert episodes cut short, and hard
/// near-misses around the 0.95 coverage threshold (block poses perturbed off the goal, agent anywhere nearby).
struct PushTLabelledFrames {
    struct Sample {
        var frame: Frame
        /// A frame of the same camera with the block moved off the goal (the goal-marking calibration view).
        var reference: Frame
        var coverage: Double
        var success: Bool { coverage > PushTGeometry.successThreshold }
    }

    static let resolution = ImageSize(width: 640, height: 480)
    /// Block parked in the top-right corner, agent bottom-right: the goal marking is fully visible.
    static let referenceState = PushTState(agentX: 450, agentY: 450, blockX: 420, blockY: 90, blockAngle: 0)

    static func make(count: Int, seed: UInt64) throws -> [Sample] {
        var random = SplitMix64(seed: seed)
        let codec = try JPEGCodec()
        var samples: [Sample] = []
        for index in 0..<count {
            let state: PushTState
            let kind = random.nextUnitDouble()
            if kind < 0.1 {
                let start = PushTSimulation.startState(seed: random.next() % 100_000)
                state = PushTState(agentX: start[0], agentY: start[1], blockX: start[2], blockY: start[3],
                                   blockAngle: start[4])
            } else if kind < 0.25 {
                state = expertCutShort(seed: random.next() % 100_000, random: &random)
            } else {
                state = nearGoal(&random)
            }
            var renderer = try PushTRenderer(outputSize: resolution, noise: .realistic(seed: seed &* 7919 &+ UInt64(index)))
            let image = renderer.render(state, frameIndex: 1)
            let jpeg = try codec.encode(image, quality: 90)
            let reference = try codec.encode(renderer.render(referenceState, frameIndex: 0), quality: 90)
            samples.append(Sample(frame: Frame(cameraName: "top", timestampSeconds: 0, jpeg: jpeg),
                                  reference: Frame(cameraName: "top", timestampSeconds: 0, jpeg: reference),
                                  coverage: PushTCoverage.coverage(of: state)))
        }
        return samples
    }

    /// The goal pose shifted by up to ~12 px and ~0.12 rad (coverage roughly 0.75-1), the agent near the goal.
    static func nearGoal(_ random: inout SplitMix64) -> PushTState {
        let goal = PushTGeometry.goalPose
        let magnitude = random.nextUnitDouble()
        func symmetric(_ a: Double) -> Double { a * (2 * random.nextUnitDouble() - 1) }
        let dx = symmetric(12 * magnitude), dy = symmetric(12 * magnitude), da = symmetric(0.12 * magnitude)
        let blockX = goal.x + dx, blockY = goal.y + dy, blockAngle = goal.angle + da
        // The agent touches or nears the block but, as in the physics, never overlaps it.
        while true {
            let angle = 2 * Double.pi * random.nextUnitDouble()
            let distance = 40 + 100 * random.nextUnitDouble()
            let ax = goal.x + distance * cos(angle), ay = goal.y + 45 + distance * sin(angle)
            let c = cos(blockAngle), s = sin(blockAngle)
            let bx = c * (ax - blockX) + s * (ay - blockY), by = -s * (ax - blockX) + c * (ay - blockY)
            let margin = PushTGeometry.agentRadius + 3
            let inBar = bx > -60 - margin && bx < 60 + margin && by > -margin && by < 30 + margin
            let inStem = bx > -15 - margin && bx < 15 + margin && by > 30 && by < 120 + margin
            if !inBar && !inStem {
                return PushTState(agentX: ax, agentY: ay, blockX: blockX, blockY: blockY, blockAngle: blockAngle)
            }
        }
    }

    /// The expert from a gym-pusht start, stopped after a random share of the steps it needs.
    static func expertCutShort(seed: UInt64, random: inout SplitMix64) -> PushTState {
        let simulation = PushTSimulation()
        simulation.reset(seed: seed)
        var expert = PushTHeuristicExpert()
        let budget = 60 + Int(random.nextUnitDouble() * 200)
        for _ in 0..<budget {
            let target = expert.nextTarget(state: simulation.state, agentVelocity: simulation.agentVelocity)
            try? simulation.step(action: (target.x, target.y))
            if simulation.coverage > PushTGeometry.successThreshold { break }
        }
        return simulation.state
    }
}
