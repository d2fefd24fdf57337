public import Enpire

/// A reset by taught keyposes: every arm visits each keypose in turn with a safe approach and retreat
/// (up or out along a clearance axis, traverse at the clearance value, come down), one command per
/// control period on the station clock.
///
/// Use it as a ``ResetStrategy`` inside an ``EscalatingReset`` (verified by a scene verifier, retried,
/// escalated), or on its own as a `ResetRoutine`, which then verifies with its own ``verifier`` (by default
/// an ``ArmPoseVerifier`` on the last keypose: proprioception only, it cannot see the objects).
public struct KeyposeSequenceReset: ResetStrategy, ResetRoutine {
    /// How arms move between keyposes.
    public struct Motion: Sendable, Codable, Equatable {
        /// Axis index that leads away from the scene (for example `z` for a tabletop arm); `nil` moves in
        /// straight lines.
        public var clearanceAxis: Int?
        /// Value of the clearance axis at which traversing cannot hit the scene (for example 0.25 m up).
        public var clearanceValue: Double
        /// Largest change of any axis per control period (command-space units).
        public var maxStepPerPeriod: Double
        /// Distance (largest axis error) below which an arm counts as arrived.
        public var arrivalTolerance: Double
        /// Control periods to wait for the arms to arrive after the last command of a segment.
        public var settlePeriods: Int

        /// Creates motion settings.
        public init(clearanceAxis: Int? = nil, clearanceValue: Double = 0, maxStepPerPeriod: Double,
                    arrivalTolerance: Double, settlePeriods: Int = 10) {
            self.clearanceAxis = clearanceAxis
            self.clearanceValue = clearanceValue
            self.maxStepPerPeriod = maxStepPerPeriod
            self.arrivalTolerance = arrivalTolerance
            self.settlePeriods = settlePeriods
        }
    }

    /// The keyposes, visited in order.
    public let keyposes: [Keypose]
    /// Motion settings.
    public let motion: Motion
    /// Robot time allowed when run as a routine on its own, in seconds.
    public let timeBudgetSeconds: Double
    /// Verifier used when run as a routine on its own.
    public let verifier: any ResetVerifier
    /// Strategy name.
    public let name: String

    /// Creates a keypose sequence; throws when it is empty, a keypose's arm count differs from the first's, or
    /// a motion setting is not a positive number.
    public init(name: String = "keyposes", keyposes: [Keypose], motion: Motion, timeBudgetSeconds: Double = 60,
                verifier: (any ResetVerifier)? = nil) throws {
        guard let last = keyposes.last else {
            throw ResetStrategyError.invalidConfiguration("a keypose sequence needs at least one keypose")
        }
        for pose in keyposes where pose.targets.count != last.targets.count || pose.grippers.count != pose.targets.count {
            throw ResetStrategyError.invalidConfiguration(
                "keypose \(pose.name) has \(pose.targets.count) targets and \(pose.grippers.count) grippers; "
                + "every keypose needs one of each per arm (\(last.targets.count))")
        }
        guard motion.maxStepPerPeriod.isFinite, motion.maxStepPerPeriod > 0 else {
            throw ResetStrategyError.invalidConfiguration("maxStepPerPeriod must be positive, got \(motion.maxStepPerPeriod)")
        }
        guard motion.arrivalTolerance.isFinite, motion.arrivalTolerance > 0 else {
            throw ResetStrategyError.invalidConfiguration("arrivalTolerance must be positive, got \(motion.arrivalTolerance)")
        }
        guard timeBudgetSeconds.isFinite, timeBudgetSeconds > 0 else {
            throw ResetStrategyError.invalidConfiguration("time budget must be positive, got \(timeBudgetSeconds)")
        }
        self.name = name
        self.keyposes = keyposes
        self.motion = motion
        self.timeBudgetSeconds = timeBudgetSeconds
        self.verifier = verifier ?? ArmPoseVerifier(targets: last.targets, tolerance: motion.arrivalTolerance)
    }

    /// `"keyposes:<name>:<count>/<verifier>"`.
    public var identity: String { "keyposes:\(name):\(keyposes.count)/\(verifier.identity)" }

    /// Visits every keypose once, then verifies (one attempt, no retries: wrap in ``EscalatingReset`` for those).
    public func reset(_ context: ResetContext) async throws -> ResetOutcome {
        let started = context.clock.now()
        var failure: String?
        do {
            try await attempt(context, deadlineSeconds: started + timeBudgetSeconds)
        } catch let error as ResetStrategyError {
            failure = "\(error)"
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            failure = "arm error: \(error)"
        }
        if failure == nil {
            let check = try await verifier.verify(context)
            if !check.passed { failure = check.reason ?? "verifier did not pass the scene" }
        }
        return ResetOutcome(verified: failure == nil, attempts: 1, elapsedSeconds: context.clock.now() - started,
                            reason: failure, strategy: name)
    }

    /// Moves through every keypose with the safe approach and retreat.
    public func attempt(_ context: ResetContext, deadlineSeconds: Double) async throws {
        let arms = context.arms
        guard arms.count == keyposes[0].targets.count else {
            throw ResetStrategyError.invalidConfiguration(
                "keyposes are taught for \(keyposes[0].targets.count) arms but the station has \(arms.count)")
        }
        for pose in keyposes {
            for (index, arm) in arms.enumerated() where pose.targets[index].count != arm.specification.dimension {
                throw ResetStrategyError.invalidConfiguration(
                    "keypose \(pose.name) gives arm \(index) \(pose.targets[index].count) axes; "
                    + "\(arm.specification.name) has \(arm.specification.dimension)")
            }
        }
        let period = arms.map(\.specification.controlPeriodSeconds).max() ?? 0.1
        for pose in keyposes {
            var current: [[Double]] = []
            for arm in arms { current.append(try await arm.observe().position) }
            for waypoint in waypoints(from: current, to: pose.targets) {
                try await move(arms, from: current, to: waypoint, grippers: pose.grippers, period: period,
                               context: context, deadline: deadlineSeconds)
                current = waypoint
            }
        }
    }

    /// Up (or out) to the clearance value, across at it, and down: only the clearance axis changes on the first
    /// and last legs, so the arm never sweeps through the scene.
    func waypoints(from current: [[Double]], to targets: [[Double]]) -> [[[Double]]] {
        guard let axis = motion.clearanceAxis else { return [targets] }
        func lifted(_ poses: [[Double]]) -> [[Double]] {
            poses.map { pose in
                var p = pose
                if axis < p.count { p[axis] = motion.clearanceValue }
                return p
            }
        }
        return [lifted(current), lifted(targets), targets]
    }

    private func move(_ arms: [GuardedArm], from start: [[Double]], to goal: [[Double]], grippers: [Double?],
                      period: Double, context: ResetContext, deadline: Double) async throws {
        var steps = 1
        for (a, b) in zip(start, goal) {
            for (x, y) in zip(a, b) {
                // The small slack keeps 0.25 / 0.05 from rounding up to 6 periods.
                steps = max(steps, Int((abs(y - x) / motion.maxStepPerPeriod - 1e-9).rounded(.up)))
            }
        }
        for k in 1...steps {
            let fraction = Double(k) / Double(steps)
            try await sendAll(arms, grippers: grippers, context: context, deadline: deadline, period: period) { index in
                zip(start[index], goal[index]).map { $0 + ($1 - $0) * fraction }
            }
        }
        for _ in 0..<motion.settlePeriods {
            var arrived = true
            for (index, arm) in arms.enumerated() {
                let position = try await arm.observe().position
                let error = zip(position, goal[index]).map { abs($0 - $1) }.max() ?? 0
                if error > motion.arrivalTolerance { arrived = false }
            }
            if arrived { return }
            try await sendAll(arms, grippers: grippers, context: context, deadline: deadline, period: period) {
                goal[$0]
            }
        }
    }

    private func sendAll(_ arms: [GuardedArm], grippers: [Double?], context: ResetContext, deadline: Double,
                         period: Double, target: (Int) -> [Double]) async throws {
        let now = context.clock.now()
        guard now < deadline else { throw ResetStrategyError.deadlineReached(strategy: name, atSeconds: now) }
        for (index, arm) in arms.enumerated() {
            _ = try await arm.send(.moveTo(target(index), gripper: grippers[index]))
        }
        try await context.clock.sleep(untilSeconds: now + period)
    }
}
