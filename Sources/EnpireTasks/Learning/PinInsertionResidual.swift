import EnpireSim
import Foundation

/// The residual-RL reward for pin insertion, computed only from what the station measures: the policy input
/// (tip depth and lateral offset from the hand's proprioception against the hole pose the side camera
/// located, and the wrist force), never from the simulator's exact pin state.
///
/// Per step: depth progress `Δ clamp(depth, −10, 25) / 20`, minus `0.01` per newton of force above the 3 N
/// bound, minus `0.002` (time). Success (terminal, `+1`): the measured tip depth is at least the 20 mm success
/// depth and the measured force has stayed within 3 N for the 5-step settle window, the ground-truth rule's
/// depth and force votes applied to station measurements (a pin that deep is held aligned by the hole's walls).
struct PinInsertionStationReward: StationReward {
    private var lowForceStreak = 0

    mutating func reset() { lowForceStreak = 0 }

    mutating func step(previous: [Float], next: [Float]) -> (reward: Float, success: Bool) {
        guard previous.count >= 6, next.count >= 6 else { return (0, false) }
        let g = PinInsertionGeometry.self
        func clamped(_ depth: Float) -> Float { min(max(depth, -10), 25) }
        let force = (next[4] * next[4] + next[5] * next[5]).squareRoot()
        lowForceStreak = Double(force) <= g.forceBound ? lowForceStreak + 1 : 0
        var reward = (clamped(next[1]) - clamped(previous[1])) / Float(g.successDepth)
        reward -= 0.01 * max(0, force - Float(g.forceBound)) + 0.002
        let success = Double(next[1]) >= g.successDepth && lowForceStreak >= g.settledSteps
        return (success ? reward + 1 : reward, success)
    }

    static let description = "station-measured: depth progress of the tip (hand proprioception against the "
        + "camera-located hole) per 20 mm, −0.01/N of wrist force above 3 N, −0.002/step; +1 and episode end when "
        + "measured depth ≥ 20 mm with |F| ≤ 3 N for 5 steps (no simulator state)"
}

extension PinInsertionImitationEpisode: RobotResettableEpisode {
    /// Runs `PinInsertionReset`'s motion on this episode's simulation: extract along the hand's axis in 3 mm
    /// steps until the hand is at the extraction height (at most 60 steps), then command the start pose until
    /// the hand is there within 0.5 mm and at rest (at most 40 steps). Returns the control steps it took.
    func robotReset() -> Int {
        let g = PinInsertionGeometry.self
        var steps = 0
        var hand = simulation.state.hand
        let axisX = -sin(hand[2]), axisY = cos(hand[2])
        var lift = 0
        while hand[1] < g.extractionHeight, lift < 60 {
            hand[0] += 3 * axisX
            hand[1] += 3 * axisY
            guard (try? simulation.step(target: hand)) != nil else { return steps }
            steps += 1
            lift += 1
        }
        for _ in 0..<40 {
            guard (try? simulation.step(target: g.startPose)) != nil else { return steps }
            steps += 1
            let state = simulation.state
            let dx = state.hand[0] - g.startPose[0], dy = state.hand[1] - g.startPose[1]
            let speed = (state.handVelocity[0] * state.handVelocity[0]
                + state.handVelocity[1] * state.handVelocity[1]).squareRoot()
            if (dx * dx + dy * dy).squareRoot() <= 0.5, abs(state.hand[2] - g.startPose[2]) <= 0.01, speed < 2 {
                break
            }
        }
        return steps
    }
}
