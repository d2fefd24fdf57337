import CChipmunk
import Enpire
import Foundation

/// The Push-T physics of gym-pusht 0.1.8, reproduced call for call on Chipmunk 7.0.3.
///
/// A fresh Chipmunk space is built on every reset, with the same add order (so the same shape ids, arbiter
/// order and solver order) as gym-pusht's `_setup`; the agent is a kinematic disc driven by gym-pusht's PD
/// update at 100 Hz, ten physics steps per 10 Hz control step. Not thread-safe: own it from one actor
/// (``PushTWorld``) or one task.
public final class PushTSimulation {
    private var space: OpaquePointer?
    private var agent: OpaquePointer?
    private var block: OpaquePointer?
    private var ownedShapes: [OpaquePointer] = []
    private var ownedBodies: [OpaquePointer] = []
    /// Control steps taken since the last reset.
    public private(set) var stepCount = 0
    /// Damping of the space (gym-pusht default 0: the block keeps no momentum between physics steps).
    public let damping: Double
    /// Ranges a perturbation is drawn from at every seeded reset (nil or clean: gym-pusht exactly).
    public var reality: PushTReality?
    /// The departures from gym-pusht in effect (nil: none, the simulation is bit-exact gym-pusht). Drawn from
    /// ``reality`` by ``reset(seed:)``; set directly, it takes effect at the next reset or placement.
    public var perturbation: PushTPerturbation?
    /// Commands on their way to the controller (latency), the target the lagging controller tracks, and the
    /// action-noise stream; all restarted by every reset.
    private var pendingTargets: [(x: Double, y: Double)] = []
    private var trackedTarget: (x: Double, y: Double)?
    private var actionNoise = SplitMix64(seed: 0)

    /// Creates a simulation in gym-pusht's initial layout (agent at (256, 400), block at (256, 300), angle 0).
    public init(damping: Double = 0) {
        self.damping = damping
        setUp()
    }

    deinit { tearDown() }

    /// Largest magnitude accepted for an action target or a value of a state given to ``reset(toState:)``
    /// (pixels or radians): about twenty arena widths (the arena is 512 pixels), far beyond any useful target
    /// and well inside what the physics engine integrates without aborting.
    public static let maximumCoordinate = 10_000.0

    /// Rebuilds the world and places it in `state` with gym-pusht's `reset_to_state` meaning.
    ///
    /// As in gym-pusht's legacy `_set_state`, the block position is set while its angle is still 0 and the
    /// angle is then applied about the centre of gravity, so the body origin ends at
    /// `(x + 45 sin a, y + 45 − 45 cos a)`, not at `(x, y)`. One physics step follows.
    public func reset(toState state: [Double]) throws {
        guard state.count == 5 else { throw PushTError.badStateLength(state.count) }
        guard state.allSatisfy(\.isFinite) else { throw PushTError.nonFiniteValue("initial_state", state) }
        guard state.allSatisfy({ abs($0) <= Self.maximumCoordinate }) else {
            throw PushTError.outOfRange("initial_state", state)
        }
        setUp()
        cpBodySetPosition(agent, cpv(state[0], state[1]))
        cpBodySetPosition(block, cpv(state[2], state[3]))
        cpBodySetAngle(block, state[4])
        cpSpaceStep(space, PushTGeometry.physicsStepSeconds)
    }

    /// Resets to the start state gym-pusht 0.1.8 draws for `env.reset(seed: seed)`.
    public func reset(seed: UInt64) {
        if let reality { perturbation = reality.perturbation(seed: seed) }
        let start = PushTSimulation.startState(seed: seed)
        // A drawn start state is always five finite numbers.
        try? reset(toState: start)
    }

    /// The start state gym-pusht 0.1.8 draws for a seed: numpy `default_rng(seed)` followed by
    /// `integers(50, 450)` twice, `integers(100, 400)` twice and `uniform(-π, π)`.
    public static func startState(seed: UInt64) -> [Double] {
        var rng = NumpyGenerator(seed: seed)
        let agentX = Double(rng.integers(50, 450))
        let agentY = Double(rng.integers(50, 450))
        let blockX = Double(rng.integers(100, 400))
        let blockY = Double(rng.integers(100, 400))
        let angle = rng.uniform(-Double.pi, Double.pi)
        return [agentX, agentY, blockX, blockY, angle]
    }

    /// Places the scene exactly at `state` (block origin and angle as given, no legacy centre-of-gravity shift)
    /// with the given agent velocity, in a fresh space and without stepping: the starting point of a
    /// model-predictive rollout from an observed state.
    public func place(_ state: PushTState, agentVelocity: (x: Double, y: Double) = (0, 0)) {
        setUp()
        cpBodySetPosition(agent, cpv(state.agentX, state.agentY))
        cpBodySetVelocity(agent, cpv(agentVelocity.x, agentVelocity.y))
        cpBodySetAngle(block, state.blockAngle)
        cpBodySetPosition(block, cpv(state.blockX, state.blockY))
    }

    /// The pusher controller's hidden state under a ``perturbation``: the commands sent but not yet arrived
    /// (oldest first, as many as the latency) and the lagging target the controller tracks. Nil before the first
    /// perturbed step after a reset or placement (the controller then starts at rest at the pusher's position).
    ///
    /// A planner rolling out a model of a station restores this with ``place(_:agentVelocity:controller:)``.
    public var controller: PushTControllerState? {
        guard let trackedTarget else { return nil }
        return PushTControllerState(inFlight: pendingTargets.map { SIMD2($0.x, $0.y) },
                                    trackedTarget: SIMD2(trackedTarget.x, trackedTarget.y))
    }

    /// ``place(_:agentVelocity:)`` and then the controller's hidden state: `controller.inFlight` (padded with
    /// its oldest command, or cut to its newest, to ``perturbation``'s latency) and the tracked target. Without
    /// a perturbation the controller state has no effect (gym-pusht has neither latency nor lag).
    public func place(_ state: PushTState, agentVelocity: (x: Double, y: Double), controller: PushTControllerState?) {
        place(state, agentVelocity: agentVelocity)
        guard let controller, let perturbation else { return }
        let latency = perturbation.latencySteps
        var inFlight = controller.inFlight.suffix(latency).map { (x: $0.x, y: $0.y) }
        let pad = inFlight.first ?? (controller.trackedTarget.x, controller.trackedTarget.y)
        while inFlight.count < latency { inFlight.insert(pad, at: 0) }
        pendingTargets = inFlight
        trackedTarget = (controller.trackedTarget.x, controller.trackedTarget.y)
    }

    /// Advances one control step (ten physics steps) with the agent's PD controller targeting `action`.
    ///
    /// Like gym-pusht, the action is not clipped: out-of-range targets are used as given. Non-finite targets
    /// and targets beyond ±``maximumCoordinate`` (which would drive the physics engine into an abort) are
    /// refused before any physics runs.
    public func step(action: (x: Double, y: Double)) throws {
        guard action.x.isFinite, action.y.isFinite else {
            throw PushTError.nonFiniteValue("action", [action.x, action.y])
        }
        guard abs(action.x) <= Self.maximumCoordinate, abs(action.y) <= Self.maximumCoordinate else {
            throw PushTError.outOfRange("action", [action.x, action.y])
        }
        if let perturbation {
            stepPerturbed(action: action, perturbation)
            return
        }
        let dt = PushTGeometry.physicsStepSeconds
        let kp = PushTGeometry.positionGain, kv = PushTGeometry.velocityGain
        for _ in 0..<PushTGeometry.substepsPerControlStep {
            physicsStep(toward: action, kp: kp, kv: kv, dt: dt)
        }
        stepCount += 1
    }

    /// One physics step of the agent's PD controller toward `target`, in gym-pusht's float evaluation order:
    /// k_p * (target - p) + k_v * (0 - v), then v += a * dt, then the space steps.
    private func physicsStep(toward target: (x: Double, y: Double), kp: Double, kv: Double, dt: Double) {
        let p = cpBodyGetPosition(agent)
        let v = cpBodyGetVelocity(agent)
        let ax = kp * (target.x - p.x) + kv * (0 - v.x)
        let ay = kp * (target.y - p.y) + kv * (0 - v.y)
        cpBodySetVelocity(agent, cpv(v.x + ax * dt, v.y + ay * dt))
        cpSpaceStep(space, dt)
    }

    /// One control step with `perturbation`'s departures: noise on the command, the command delayed by whole
    /// control steps, a first-order lag on the tracked target, scaled controller gains, then table friction on
    /// the sliding block after every physics step.
    private func stepPerturbed(action: (x: Double, y: Double), _ perturbation: PushTPerturbation) {
        let dt = PushTGeometry.physicsStepSeconds
        let position = cpBodyGetPosition(agent)
        if trackedTarget == nil {
            trackedTarget = (position.x, position.y)
            pendingTargets = Array(repeating: (position.x, position.y), count: perturbation.latencySteps)
        }
        var command = action
        if perturbation.actionNoisePixels > 0 {
            command.x += perturbation.actionNoisePixels * actionNoise.nextGaussian()
            command.y += perturbation.actionNoisePixels * actionNoise.nextGaussian()
        }
        pendingTargets.append(command)
        let arrived = pendingTargets.removeFirst()
        let kp = PushTGeometry.positionGain * perturbation.trackingGainScale
        let kv = PushTGeometry.velocityGain * perturbation.trackingGainScale.squareRoot()
        let follow = perturbation.trackingLagSeconds > 0 ? 1 - exp(-dt / perturbation.trackingLagSeconds) : 1
        let radiusOfGyration = (cpBodyGetMoment(block) / cpBodyGetMass(block)).squareRoot()
        var target = trackedTarget ?? (position.x, position.y)
        for _ in 0..<PushTGeometry.substepsPerControlStep {
            target.x += (arrived.x - target.x) * follow
            target.y += (arrived.y - target.y) * follow
            physicsStep(toward: target, kp: kp, kv: kv, dt: dt)
            if let deceleration = perturbation.blockTableDeceleration {
                // Coulomb friction, translation and rotation treated apart: the speed drops by μg·dt, the spin by
                // μg·dt·0.9/r_g (a uniform patch's mean lever arm is about 0.9 radii of gyration).
                let velocity = cpBodyGetVelocity(block)
                let speed = (velocity.x * velocity.x + velocity.y * velocity.y).squareRoot()
                let keep = speed > 0 ? max(0, speed - deceleration * dt) / speed : 0
                cpBodySetVelocity(block, cpv(velocity.x * keep, velocity.y * keep))
                let spin = cpBodyGetAngularVelocity(block)
                let spinDrop = deceleration * dt * 0.9 / radiusOfGyration
                cpBodySetAngularVelocity(block, spin > 0 ? max(0, spin - spinDrop) : min(0, spin + spinDrop))
            }
        }
        trackedTarget = target
        stepCount += 1
    }

    /// The current scene.
    public var state: PushTState {
        let a = cpBodyGetPosition(agent)
        let b = cpBodyGetPosition(block)
        return PushTState(agentX: a.x, agentY: a.y, blockX: b.x, blockY: b.y, blockAngle: cpBodyGetAngle(block))
    }

    /// The agent's velocity in pixels per second.
    public var agentVelocity: (x: Double, y: Double) {
        let v = cpBodyGetVelocity(agent)
        return (v.x, v.y)
    }

    /// Fraction of the goal T covered by the block (exact polygon intersection).
    public var coverage: Double { PushTCoverage.coverage(of: state) }

    private func setUp() {
        tearDown()
        _ = ChipmunkSupport.silencedBanner
        let space = cpSpaceNew()!
        cpSpaceSetGravity(space, cpv(0, 0))
        // Table friction lets the block keep its momentum (no damping) and slows it explicitly.
        cpSpaceSetDamping(space, perturbation?.blockTableDeceleration == nil ? damping : 1)
        self.space = space

        // pymunk's Space.static_body: its own static body, added on first use.
        let ground = cpBodyNewStatic()!
        cpSpaceAddBody(space, ground)
        ownedBodies.append(ground)
        for wall in PushTGeometry.walls {
            let shape = cpSegmentShapeNew(ground, cpv(wall.0.x, wall.0.y), cpv(wall.1.x, wall.1.y),
                                          PushTGeometry.wallRadius)!
            cpSpaceAddShape(space, shape)
            ownedShapes.append(shape)
        }

        let agent = cpBodyNewKinematic()!
        cpBodySetPosition(agent, cpv(PushTGeometry.initialAgentPosition.x, PushTGeometry.initialAgentPosition.y))
        let circle = cpCircleShapeNew(agent, PushTGeometry.agentRadius, cpvzero)!
        if let perturbation {
            // Chipmunk multiplies the two shapes' coefficients: the block's are 1, the walls' stay 0.
            cpShapeSetFriction(circle, perturbation.pusherBlockFriction)
        }
        cpSpaceAddBody(space, agent)
        cpSpaceAddShape(space, circle)
        ownedBodies.append(agent)
        ownedShapes.append(circle)
        self.agent = agent

        let block = cpBodyNew(PushTGeometry.blockMass * (perturbation?.blockMassScale ?? 1),
                              PushTGeometry.blockMoment * (perturbation?.blockInertiaScale ?? 1))!
        var bar = PushTGeometry.barVertices.map { cpv($0.x, $0.y) }
        var stem = PushTGeometry.stemVertices.map { cpv($0.x, $0.y) }
        let barShape = cpPolyShapeNew(block, Int32(bar.count), &bar, cpTransformIdentity, 0)!
        let stemShape = cpPolyShapeNew(block, Int32(stem.count), &stem, cpTransformIdentity, 0)!
        cpBodySetCenterOfGravity(block, cpv(PushTGeometry.blockCenterOfGravity.x, PushTGeometry.blockCenterOfGravity.y))
        cpBodySetAngle(block, 0)
        cpBodySetPosition(block, cpv(PushTGeometry.initialBlockPosition.x, PushTGeometry.initialBlockPosition.y))
        cpSpaceAddBody(space, block)
        if perturbation != nil {
            cpShapeSetFriction(barShape, 1)
            cpShapeSetFriction(stemShape, 1)
        }
        cpSpaceAddShape(space, barShape)
        cpSpaceAddShape(space, stemShape)
        ownedBodies.append(block)
        ownedShapes.append(contentsOf: [barShape, stemShape])
        self.block = block
        stepCount = 0
        pendingTargets.removeAll(keepingCapacity: true)
        trackedTarget = nil
        actionNoise = SplitMix64(seed: perturbation?.noiseSeed ?? 0)
    }

    private func tearDown() {
        guard let space else { return }
        ChipmunkSupport.free(space: space, constraints: [], shapes: ownedShapes, bodies: ownedBodies)
        ownedShapes.removeAll(keepingCapacity: true)
        ownedBodies.removeAll(keepingCapacity: true)
        self.space = nil
    }
}

/// The hidden state of a perturbed pusher controller (see ``PushTSimulation/controller``).
public struct PushTControllerState: Sendable, Equatable {
    /// Commands sent but not yet arrived, oldest first.
    public var inFlight: [SIMD2<Double>]
    /// The lagging target the PD controller currently tracks.
    public var trackedTarget: SIMD2<Double>

    /// Creates a controller state.
    public init(inFlight: [SIMD2<Double>], trackedTarget: SIMD2<Double>) {
        self.inFlight = inFlight
        self.trackedTarget = trackedTarget
    }
}

/// Errors from the Push-T simulator.
public enum PushTError: Error, CustomStringConvertible, Equatable {
    /// A state vector did not have five entries.
    case badStateLength(Int)
    /// A value was NaN or infinite.
    case nonFiniteValue(String, [Double])
    /// A value was beyond ±``PushTSimulation/maximumCoordinate``.
    case outOfRange(String, [Double])

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .badStateLength(let n):
            return "Push-T state needs 5 numbers [agent_x, agent_y, block_x, block_y, block_angle], got \(n)"
        case .nonFiniteValue(let what, let values):
            return "Push-T \(what) must be finite numbers, got \(values)"
        case .outOfRange(let what, let values):
            return "Push-T \(what) must be within ±\(PushTSimulation.maximumCoordinate), got \(values)"
        }
    }
}
