public import Enpire
import Foundation

/// A robot-driven reset: extract the pin by moving the hand up along its own axis, re-randomise the hole pose
/// for the seed, move the hand to the start pose, and verify (hand at the start pose within 0.5 mm and at
/// rest, pin hanging free with no contact, hole at the seed's pose).
public struct PinInsertionReset: ResetRoutine {
    private let world: PinInsertionWorld
    /// Attempts before the reset reports an unverified outcome.
    public var maxAttempts: Int

    /// Creates the reset over a world; the station's first arm must be the world's hand.
    public init(world: PinInsertionWorld, maxAttempts: Int = 2) {
        self.world = world
        self.maxAttempts = max(1, maxAttempts)
    }

    /// `"pin.extract-rerandomise-start"`.
    public var identity: String { "pin.extract-rerandomise-start/v1" }

    /// Runs extraction, re-randomisation, the move to the start pose and verification.
    public func reset(_ context: ResetContext) async throws -> ResetOutcome {
        guard let arm = context.arms.first else {
            throw SimulatedTaskError.invalidParameter("pin-insertion reset needs the hand arm in the context")
        }
        let g = PinInsertionGeometry.self
        let period = 1 / g.controlRateHz
        var steps = 0
        var reason: String?
        func move(_ target: [Double]) async throws {
            _ = try await arm.send(.moveTo(target))
            steps += 1
            try await context.clock.sleep(untilSeconds: context.clock.now() + period)
        }
        for attempt in 1...maxAttempts {
            // Extract along the hand's axis (the pin follows the hole) in 3 mm steps until clear of the block.
            var hand = try await arm.observe().position
            let axisX = -sin(hand[2]), axisY = cos(hand[2])
            var lift = 0
            while hand[1] < g.extractionHeight, lift < 60 {
                hand[0] += 3 * axisX
                hand[1] += 3 * axisY
                try await move(hand)
                lift += 1
            }
            await world.randomiseHole(seed: context.seed)
            for _ in 0..<40 {
                try await move(g.startPose)
                let state = await world.state
                if PinInsertionReset.atStart(state) { break }
            }
            let state = await world.state
            if PinInsertionReset.atStart(state) {
                let hole = PinInsertionSimulation.holePose(seed: context.seed)
                if abs(state.hole[0] - hole.x) < 1e-9, abs(state.hole[2] - hole.angle) < 1e-9 {
                    return ResetOutcome(verified: true, attempts: attempt, elapsedSeconds: Double(steps) * period,
                                        reason: reason, strategy: "extract-rerandomise-start")
                }
                reason = "hole pose does not match seed \(context.seed)"
            } else {
                reason = String(format: "hand at (%.2f, %.2f, %.3f), %d pin contacts: not at the start pose",
                                state.hand[0], state.hand[1], state.hand[2], state.contactCount)
            }
        }
        return ResetOutcome(verified: false, attempts: maxAttempts, elapsedSeconds: Double(steps) * period,
                            reason: reason, strategy: "extract-rerandomise-start")
    }

    /// Whether the hand is at the start pose and at rest with the pin free of contact.
    static func atStart(_ state: PinInsertionState) -> Bool {
        let start = PinInsertionGeometry.startPose
        let dx = state.hand[0] - start[0], dy = state.hand[1] - start[1]
        let speed = (state.handVelocity[0] * state.handVelocity[0] + state.handVelocity[1] * state.handVelocity[1])
            .squareRoot()
        return (dx * dx + dy * dy).squareRoot() <= 0.5 && abs(state.hand[2] - start[2]) <= 0.01 && speed < 2
            && state.contactCount == 0 && abs(state.pin[2] - state.hand[2]) < 0.01
    }
}
