import CChipmunk
import Enpire
import Foundation

/// The zip-tie physics on Chipmunk: a chain of rigid segments joined by pivots with weak bending springs,
/// pinned and clamped at a seeded anchor; the left hand is a kinematic body that grasps the free end through a
/// damped spring; the cutter is a kinematic pose with two jaws and no collision shapes (the cut is decided
/// geometrically when the jaws close, then the pivot at the cut is removed).
///
/// Not thread-safe: own it from one actor (``ZipTieWorld``) or one task.
public final class ZipTieSimulation {
    private var space: OpaquePointer?
    private var hand: OpaquePointer?
    private var segments: [OpaquePointer] = []
    private var pivots: [OpaquePointer] = []
    private var rotaries: [OpaquePointer] = []
    private var grasp: OpaquePointer?
    private var ownedBodies: [OpaquePointer] = []
    private var anchor = (x: 0.0, y: 0.0, angle: 0.0)
    private var cutter = [Double](repeating: 0, count: 3)
    private var cutterVelocity = [Double](repeating: 0, count: 3)
    private var leftGripper = 1.0
    private var jawOpening = 1.0
    private var cutOffset: Double?
    private var cutWhileTensioned = false
    private var missedClosures = 0
    /// Control steps since the last reset.
    public private(set) var stepCount = 0
    /// Departures from the clean simulator (nil: none, the clean code path), in effect from the next
    /// ``reset(seed:)``. The observation errors act on ``observation()`` only, never on ``state`` (ground truth,
    /// which the cut rule and the reward read).
    public var perturbation: ZipTiePerturbation?
    private var pendingJaws: [Double] = []
    private var readingNoise = SplitMix64(seed: 0)

    /// Creates the scene for seed 0.
    public init() {
        reset(seed: 0)
    }

    deinit { tearDown() }

    /// The anchor pose a seed draws: x, y within ±30 mm of the origin and direction within ±π/6.
    public static func anchorPose(seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed ^ 0x5A49_5054_4945)
        let g = ZipTieGeometry.self
        return [(rng.nextUnitDouble() * 2 - 1) * g.anchorRange, (rng.nextUnitDouble() * 2 - 1) * g.anchorRange,
                (rng.nextUnitDouble() * 2 - 1) * g.anchorAngleRange]
    }

    /// Rebuilds a fresh, uncut tie with the seed's anchor pose and curl, and both arms at their start poses.
    public func reset(seed: UInt64) {
        tearDown()
        _ = ChipmunkSupport.silencedBanner
        let g = ZipTieGeometry.self
        let pose = ZipTieSimulation.anchorPose(seed: seed)
        anchor = (pose[0], pose[1], pose[2])
        var rng = SplitMix64(seed: seed ^ 0x4355_524C)
        let space = cpSpaceNew()!
        cpSpaceSetGravity(space, cpvzero)
        cpSpaceSetDamping(space, 0.05)
        cpSpaceSetIterations(space, 20)
        self.space = space

        let ground = cpSpaceGetStaticBody(space)
        var point = cpv(anchor.x, anchor.y)
        var angle = anchor.angle
        var previous: OpaquePointer? = ground
        var previousAngle = 0.0
        let half = g.segmentLength / 2
        let moment = cpMomentForSegment(g.segmentMass, cpv(-half, 0), cpv(half, 0), 0)
        for index in 0..<g.segmentCount {
            if index > 0 { angle += (rng.nextUnitDouble() * 2 - 1) * g.curlRange }
            let direction = cpv(cos(angle), sin(angle))
            let body = cpBodyNew(g.segmentMass, moment)!
            cpBodySetPosition(body, cpv(point.x + half * direction.x, point.y + half * direction.y))
            cpBodySetAngle(body, angle)
            cpSpaceAddBody(space, body)
            ownedBodies.append(body)
            let anchorA = index == 0 ? point : cpv(half, 0)
            let pivot = cpPivotJointNew2(previous, body, anchorA, cpv(-half, 0))!
            // The clamp at the anchor and the bending springs keep the seeded curl until the tie is pulled.
            // Chipmunk's rotary spring measures angle(a) − angle(b).
            let rest = index == 0 ? -angle : previousAngle - angle
            let stiffness = perturbation.map { g.bendingStiffness * $0.tieStiffnessScale } ?? g.bendingStiffness
            let rotary = cpDampedRotarySpringNew(previous, body, rest, stiffness * 1000, 20)!
            cpSpaceAddConstraint(space, pivot)
            cpSpaceAddConstraint(space, rotary)
            pivots.append(pivot)
            rotaries.append(rotary)
            segments.append(body)
            point = cpv(point.x + g.segmentLength * direction.x, point.y + g.segmentLength * direction.y)
            previous = body
            previousAngle = angle
        }
        let hand = cpBodyNewKinematic()!
        cpBodySetPosition(hand, cpv(g.leftStart[0], g.leftStart[1]))
        cpSpaceAddBody(space, hand)
        ownedBodies.append(hand)
        self.hand = hand
        cutter = g.rightStart
        cutterVelocity = [0, 0, 0]
        leftGripper = 1
        jawOpening = 1
        cutOffset = nil
        cutWhileTensioned = false
        missedClosures = 0
        stepCount = 0
        pendingJaws = Array(repeating: 1, count: perturbation?.jawDelaySteps ?? 0)
        readingNoise = SplitMix64(seed: perturbation?.noiseSeed ?? 0)
    }

    /// Advances one control period: the left hand toward `left` = [x, y] with gripper `leftGripper`, the cutter
    /// toward `right` = [x, y, angle] with jaw command `jaws` (0 closed, 1 open).
    public func step(left: [Double], leftGripper leftCommand: Double, right: [Double], jaws: Double) throws {
        guard left.count == 2 else {
            throw SimulatedTaskError.badCommandLength(task: "zip-tie left arm", expected: 2, got: left.count)
        }
        guard right.count == 3 else {
            throw SimulatedTaskError.badCommandLength(task: "zip-tie cutter", expected: 3, got: right.count)
        }
        guard (left + [leftCommand]).allSatisfy(\.isFinite) else {
            throw SimulatedTaskError.nonFiniteCommand(task: "zip-tie left arm", values: left + [leftCommand])
        }
        guard (right + [jaws]).allSatisfy(\.isFinite) else {
            throw SimulatedTaskError.nonFiniteCommand(task: "zip-tie cutter", values: right + [jaws])
        }
        let g = ZipTieGeometry.self
        let dt = g.physicsStepSeconds
        let leftTarget = min(max(leftCommand, 0), 1)
        var jawTarget = min(max(jaws, 0), 1)
        var jawRate = g.gripperSpeed * dt
        if let perturbation {
            pendingJaws.append(jawTarget)
            jawTarget = pendingJaws.removeFirst()
            jawRate *= perturbation.jawSpeedScale
        }
        for _ in 0..<g.substepsPerControlStep {
            let p = cpBodyGetPosition(hand), v = cpBodyGetVelocity(hand)
            let hv = ZipTieSimulation.pd(position: [p.x, p.y], velocity: [v.x, v.y], target: left, dt: dt)
            cpBodySetVelocity(hand, cpv(hv[0], hv[1]))
            cutterVelocity = ZipTieSimulation.pd(position: cutter, velocity: cutterVelocity, target: right, dt: dt)
            for axis in 0..<3 { cutter[axis] += cutterVelocity[axis] * dt }
            leftGripper += max(-g.gripperSpeed * dt, min(g.gripperSpeed * dt, leftTarget - leftGripper))
            let wasOpen = jawOpening > g.closedOpening
            jawOpening += max(-jawRate, min(jawRate, jawTarget - jawOpening))
            updateGrasp()
            if wasOpen, jawOpening <= g.closedOpening { closeJaws() }
            cpSpaceStep(space, dt)
        }
        stepCount += 1
    }

    /// The current scene.
    public var state: ZipTieState {
        let g = ZipTieGeometry.self
        let last = segments[g.segmentCount - 1]
        let end = cpBodyLocalToWorld(last, cpv(g.segmentLength / 2, 0))
        let markBody = segments[g.markJoint]
        let mark = cpBodyLocalToWorld(markBody, cpv(-g.segmentLength / 2, 0))
        let h = cpBodyGetPosition(hand)
        let reach = hypot(end.x - anchor.x, end.y - anchor.y) / g.tieLength
        let tension = grasp == nil ? 0
            : hypot(end.x - h.x, end.y - h.y) * g.graspStiffness * (perturbation?.graspStiffnessScale ?? 1)
        return ZipTieState(
            anchor: [anchor.x, anchor.y, anchor.angle], freeEnd: [end.x, end.y], mark: [mark.x, mark.y],
            markDirection: cpBodyGetAngle(markBody), leftHand: [h.x, h.y], leftGripper: leftGripper,
            grasped: grasp != nil, cutter: cutter, jawOpening: jawOpening, stretch: reach, tension: tension, cut: cutOffset != nil,
            cutOffset: cutOffset, cutWhileTensioned: cutWhileTensioned, missedClosures: missedClosures)
    }

    /// The scene as the station's sensors report it: ``state`` with the perturbation's observation errors (the
    /// tie's anchor, free end and mark shifted, noise on the measured pull); ``state`` itself when clean. Each
    /// call draws new noise.
    public func observation() -> ZipTieState {
        var s = state
        guard let perturbation else { return s }
        let e = perturbation.tiePositionError
        s.anchor[0] += e[0]
        s.anchor[1] += e[1]
        s.freeEnd[0] += e[0]
        s.freeEnd[1] += e[1]
        s.mark[0] += e[0]
        s.mark[1] += e[1]
        if perturbation.graspForceNoise > 0 { s.tension += perturbation.graspForceNoise * readingNoise.nextGaussian() }
        return s
    }

    /// The scene as cameras draw it (segment poses, anchor, tools).
    public var scene: ZipTieScene {
        var poses: [Double] = []
        poses.reserveCapacity(segments.count * 3)
        for body in segments {
            let p = cpBodyGetPosition(body)
            poses.append(p.x)
            poses.append(p.y)
            poses.append(cpBodyGetAngle(body))
        }
        let h = cpBodyGetPosition(hand)
        return ZipTieScene(segments: poses, anchor: [anchor.x, anchor.y, anchor.angle], leftHand: [h.x, h.y],
                           leftGripper: leftGripper, cutter: cutter, jawOpening: jawOpening, isCut: cutOffset != nil)
    }

    private static func pd(position: [Double], velocity: [Double], target: [Double], dt: Double) -> [Double] {
        let g = ZipTieGeometry.self
        var v = velocity
        for axis in position.indices {
            v[axis] += (g.handPositionGain * (target[axis] - position[axis]) - g.handVelocityGain * v[axis]) * dt
        }
        let speed = (v[0] * v[0] + v[1] * v[1]).squareRoot()
        if speed > g.handMaxSpeed {
            v[0] *= g.handMaxSpeed / speed
            v[1] *= g.handMaxSpeed / speed
        }
        return v
    }

    private func updateGrasp() {
        let g = ZipTieGeometry.self
        if leftGripper > 0.5 {
            if let grasp {
                cpSpaceRemoveConstraint(space, grasp)
                cpConstraintFree(grasp)
                self.grasp = nil
            }
            return
        }
        guard grasp == nil else { return }
        let last = segments[g.segmentCount - 1]
        let end = cpBodyLocalToWorld(last, cpv(g.segmentLength / 2, 0))
        let h = cpBodyGetPosition(hand)
        guard hypot(end.x - h.x, end.y - h.y) <= g.graspRadius else { return }
        let stiffness = perturbation.map { g.graspStiffness * $0.graspStiffnessScale } ?? g.graspStiffness
        let spring = cpDampedSpringNew(hand, last, cpvzero, cpv(g.segmentLength / 2, 0), 0, stiffness * 1000, 5)!
        cpSpaceAddConstraint(space, spring)
        grasp = spring
    }

    /// Decides the cut when the jaws reach closed: the mark must lie on the blade line within the tolerance,
    /// within the jaws' span, with the tie crossing the blade nearly square.
    private func closeJaws() {
        let g = ZipTieGeometry.self
        guard cutOffset == nil else { return }
        let s = state
        let c = cos(cutter[2]), sn = sin(cutter[2])
        let dx = s.mark[0] - cutter[0], dy = s.mark[1] - cutter[1]
        let along = dx * c + dy * sn
        let across = -dx * sn + dy * c
        // The blade runs along the cutter's local x; the tie should cross it along local y.
        var crossing = remainder(s.markDirection - (cutter[2] + Double.pi / 2), Double.pi)
        crossing = abs(crossing)
        guard abs(across) <= g.cutTolerance, abs(along) <= g.jawHalfLength, crossing <= g.cutAngleTolerance else {
            missedClosures += 1
            return
        }
        cutOffset = abs(across)
        cutWhileTensioned = s.tension >= g.minimumTension
        let pivot = pivots[g.markJoint], rotary = rotaries[g.markJoint]
        cpSpaceRemoveConstraint(space, pivot)
        cpSpaceRemoveConstraint(space, rotary)
    }

    private func tearDown() {
        guard let space else { return }
        if let grasp {
            cpSpaceRemoveConstraint(space, grasp)
            cpConstraintFree(grasp)
        }
        grasp = nil
        for constraint in pivots + rotaries {
            if cpSpaceContainsConstraint(space, constraint) != 0 { cpSpaceRemoveConstraint(space, constraint) }
            cpConstraintFree(constraint)
        }
        for body in ownedBodies {
            cpSpaceRemoveBody(space, body)
            cpBodyFree(body)
        }
        pivots.removeAll(keepingCapacity: true)
        rotaries.removeAll(keepingCapacity: true)
        segments.removeAll(keepingCapacity: true)
        ownedBodies.removeAll(keepingCapacity: true)
        cpSpaceFree(space)
        self.space = nil
        hand = nil
    }
}
