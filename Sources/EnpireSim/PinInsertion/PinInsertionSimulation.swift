import CChipmunk
import Enpire
import Foundation

/// The pin-insertion physics on Chipmunk: a kinematic hand drives a dynamic pin through two damped springs
/// (translation at the grasp point, rotation), so contact with the block makes the pin comply slightly; the
/// block is two static boxes with a hole of pin width plus ``PinInsertionGeometry/clearance`` between them.
///
/// Not thread-safe: own it from one actor (``PinInsertionWorld``) or one task.
public final class PinInsertionSimulation {
    private var space: OpaquePointer?
    private var hand: OpaquePointer?
    private var pin: OpaquePointer?
    private var ownedShapes: [OpaquePointer] = []
    private var ownedBodies: [OpaquePointer] = []
    private var ownedConstraints: [OpaquePointer] = []
    private var lastForce = cpvzero
    /// Hole mouth x in mm and block angle in rad.
    public private(set) var holeX = PinInsertionGeometry.nominalHoleX
    /// Block angle in rad.
    public private(set) var holeAngle = 0.0
    /// Consecutive control steps whose contact force stayed at or below the success bound.
    public private(set) var lowForceStreak = 0
    /// Control steps since the last rebuild.
    public private(set) var stepCount = 0
    /// Departures from the clean simulator (nil: none, the clean code path). Takes effect at the next rebuild
    /// (``setHole(x:angle:)`` or ``placeHand(_:)``); the force-sensor errors act on ``state``'s `force` (what the
    /// sensor reports), never on the success check's true force.
    public var perturbation: PinInsertionPerturbation?
    private var measuredForce = cpvzero
    private var sensorNoise = SplitMix64(seed: 0)

    /// Creates a scene with the hole at its nominal pose and the hand at the start pose.
    public init() {
        build(handPose: PinInsertionGeometry.startPose)
    }

    deinit { tearDown() }

    /// The hole pose a seed draws: x in [nominal − 20, nominal + 20] mm, angle in [−0.05, 0.05] rad.
    public static func holePose(seed: UInt64) -> (x: Double, angle: Double) {
        var rng = SplitMix64(seed: seed ^ 0x5049_4E5F_484F_4C45)
        let x = PinInsertionGeometry.nominalHoleX + (rng.nextUnitDouble() * 2 - 1) * PinInsertionGeometry.holeXRange
        let angle = (rng.nextUnitDouble() * 2 - 1) * PinInsertionGeometry.holeAngleRange
        return (x, angle)
    }

    /// The bias of the published hole-pose estimate a seed draws (x in mm), modelling an imperfect tracker.
    public static func holeEstimateBias(seed: UInt64) -> Double {
        var rng = SplitMix64(seed: seed ^ 0x4249_4153)
        return (rng.nextUnitDouble() * 2 - 1) * PinInsertionGeometry.holeEstimateBiasRange
    }

    /// Moves the block to a new hole pose, keeping the hand and pin where they are (at rest).
    ///
    /// The caller must have lifted the pin clear of the block first (the reset routine does).
    public func setHole(x: Double, angle: Double) {
        let handPose = currentHandPose
        holeX = x
        holeAngle = angle
        build(handPose: handPose)
    }

    /// Teleports the hand to `pose` with the pin hanging at rest in the grasp (tests and initial layout).
    public func placeHand(_ pose: [Double]) {
        build(handPose: pose)
    }

    /// Advances one control period with the hand's PD controller targeting `target` = [x, y, angle].
    public func step(target: [Double]) throws {
        guard target.count == 3 else {
            throw SimulatedTaskError.badCommandLength(task: "pin insertion", expected: 3, got: target.count)
        }
        guard target.allSatisfy(\.isFinite) else {
            throw SimulatedTaskError.nonFiniteCommand(task: "pin insertion", values: target)
        }
        let g = PinInsertionGeometry.self
        let dt = g.physicsStepSeconds
        var impulse = cpvzero
        for _ in 0..<g.substepsPerControlStep {
            let p = cpBodyGetPosition(hand)
            let v = cpBodyGetVelocity(hand)
            var vx = v.x + (g.handPositionGain * (target[0] - p.x) - g.handVelocityGain * v.x) * dt
            var vy = v.y + (g.handPositionGain * (target[1] - p.y) - g.handVelocityGain * v.y) * dt
            let speed = (vx * vx + vy * vy).squareRoot()
            if speed > g.handMaxSpeed {
                vx *= g.handMaxSpeed / speed
                vy *= g.handMaxSpeed / speed
            }
            let a = cpBodyGetAngle(hand)
            let w = cpBodyGetAngularVelocity(hand)
            let wNew = w + (g.handPositionGain * (target[2] - a) - g.handVelocityGain * w) * dt
            cpBodySetVelocity(hand, cpv(vx, vy))
            cpBodySetAngularVelocity(hand, min(max(wNew, -g.handMaxAngularSpeed), g.handMaxAngularSpeed))
            cpSpaceStep(space, dt)
            withUnsafeMutablePointer(to: &impulse) { sum in
                cpBodyEachArbiter(pin, { _, arbiter, data in
                    guard let data else { return }
                    let j = cpArbiterTotalImpulse(arbiter)
                    let total = data.assumingMemoryBound(to: cpVect.self)
                    total.pointee = cpv(total.pointee.x + j.x, total.pointee.y + j.y)
                }, sum)
            }
        }
        // Impulses are in kg·mm/s; over the control period they average to a force in mN.
        let seconds = dt * Double(g.substepsPerControlStep)
        lastForce = cpv(impulse.x / seconds / 1000, impulse.y / seconds / 1000)
        let magnitude = (lastForce.x * lastForce.x + lastForce.y * lastForce.y).squareRoot()
        lowForceStreak = magnitude <= g.forceBound ? lowForceStreak + 1 : 0
        if let perturbation {
            measuredForce = cpv(lastForce.x + perturbation.forceBias[0] + perturbation.forceNoise * sensorNoise.nextGaussian(),
                                lastForce.y + perturbation.forceBias[1] + perturbation.forceNoise * sensorNoise.nextGaussian())
        }
        stepCount += 1
    }

    /// The current scene.
    public var state: PinInsertionState {
        let h = cpBodyGetPosition(hand), hv = cpBodyGetVelocity(hand)
        let p = cpBodyGetPosition(pin), pa = cpBodyGetAngle(pin)
        let half = PinInsertionGeometry.pinLength / 2
        // Pin local −y (the tip) rotated by the pin angle.
        let tipX = p.x + half * sin(pa), tipY = p.y - half * cos(pa)
        let dx = tipX - holeX, dy = tipY
        let depth = dx * sin(holeAngle) - dy * cos(holeAngle)
        let lateral = dx * cos(holeAngle) + dy * sin(holeAngle)
        var contacts = 0
        withUnsafeMutablePointer(to: &contacts) { count in
            cpBodyEachArbiter(pin, { _, _, data in
                data?.assumingMemoryBound(to: Int.self).pointee += 1
            }, count)
        }
        return PinInsertionState(
            hand: [h.x, h.y, cpBodyGetAngle(hand)], handVelocity: [hv.x, hv.y, cpBodyGetAngularVelocity(hand)],
            pin: [p.x, p.y, pa], hole: [holeX, 0, holeAngle],
            force: perturbation == nil ? [lastForce.x, lastForce.y] : [measuredForce.x, measuredForce.y],
            depth: depth, lateralOffset: lateral, angleError: pa - holeAngle, contactCount: contacts)
    }

    private var currentHandPose: [Double] {
        guard let hand else { return PinInsertionGeometry.startPose }
        let h = cpBodyGetPosition(hand)
        return [h.x, h.y, cpBodyGetAngle(hand)]
    }

    private func build(handPose: [Double]) {
        tearDown()
        _ = ChipmunkSupport.silencedBanner
        let g = PinInsertionGeometry.self
        let space = cpSpaceNew()!
        cpSpaceSetGravity(space, cpvzero)
        cpSpaceSetIterations(space, 20)
        cpSpaceSetCollisionSlop(space, 0.01)
        self.space = space

        let block = cpBodyNewStatic()!
        cpBodySetPosition(block, cpv(holeX, 0))
        cpBodySetAngle(block, holeAngle)
        cpSpaceAddBody(space, block)
        ownedBodies.append(block)
        let w = (perturbation.map { g.pinWidth + $0.clearance } ?? g.holeWidth) / 2, b = g.blockHalfWidth, bottom = -g.holeDepth - 10
        let boxes = [cpBBNew(-w - b, bottom, -w, 0), cpBBNew(w, bottom, w + b, 0), cpBBNew(-w, bottom, w, -g.holeDepth)]
        for box in boxes {
            let shape = cpBoxShapeNew2(block, box, 0)!
            cpShapeSetFriction(shape, perturbation?.friction ?? 0.3)
            cpSpaceAddShape(space, shape)
            ownedShapes.append(shape)
        }

        let hand = cpBodyNewKinematic()!
        cpBodySetPosition(hand, cpv(handPose[0], handPose[1]))
        cpBodySetAngle(hand, handPose[2])
        cpSpaceAddBody(space, hand)
        ownedBodies.append(hand)
        self.hand = hand

        let pin = cpBodyNew(g.pinMass, cpMomentForBox(g.pinMass, g.pinWidth, g.pinLength))!
        let a = handPose[2]
        // The grasp point sits graspOffset above the pin centre along the pin axis.
        cpBodySetPosition(pin, cpv(handPose[0] + g.graspOffset * sin(a), handPose[1] - g.graspOffset * cos(a)))
        cpBodySetAngle(pin, a)
        cpSpaceAddBody(space, pin)
        ownedBodies.append(pin)
        let pinShape = cpBoxShapeNew(pin, g.pinWidth, g.pinLength, 0)!
        cpShapeSetFriction(pinShape, perturbation?.friction ?? 0.3)
        cpSpaceAddShape(space, pinShape)
        ownedShapes.append(pinShape)
        self.pin = pin

        // Stiffness in N/mm is 1000 kg/s² in Chipmunk units (mm, kg, s); damping near critical.
        let compliance = perturbation?.graspStiffnessScale ?? 1
        let k = g.graspStiffness * 1000 * compliance
        let spring = cpDampedSpringNew(hand, pin, cpvzero, cpv(0, g.graspOffset), 0, k, 10)!
        let kTheta = g.graspAngularStiffness * 1000 * compliance
        let rotary = cpDampedRotarySpringNew(hand, pin, 0, kTheta, 1200)!
        for constraint in [spring, rotary] {
            cpSpaceAddConstraint(space, constraint)
            ownedConstraints.append(constraint)
        }
        lastForce = cpvzero
        measuredForce = cpv(perturbation?.forceBias[0] ?? 0, perturbation?.forceBias[1] ?? 0)
        sensorNoise = SplitMix64(seed: perturbation?.noiseSeed ?? 0)
        lowForceStreak = 0
        stepCount = 0
    }

    private func tearDown() {
        guard let space else { return }
        ChipmunkSupport.free(space: space, constraints: ownedConstraints, shapes: ownedShapes, bodies: ownedBodies)
        ownedConstraints.removeAll(keepingCapacity: true)
        ownedShapes.removeAll(keepingCapacity: true)
        ownedBodies.removeAll(keepingCapacity: true)
        self.space = nil
        hand = nil
        pin = nil
    }
}
