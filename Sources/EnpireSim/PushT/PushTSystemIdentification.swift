import Foundation

/// Estimates a Push-T station's command latency, tracking lag, controller gain and block-table friction from
/// recorded episodes (commands and observed states), by least squares over the simulator.
///
/// The pusher does not feel the block (gym-pusht's agent is kinematic), so latency, lag and gain are fitted on the
/// pusher's track alone: every candidate replays the recorded commands through the pusher's controller and the
/// squared position error is summed; a coarse grid (latency 0...``maximumLatency``, lag, gain) is refined once
/// around its best point. Friction is then fitted with those three fixed: each candidate coefficient (and "none",
/// gym-pusht's block that stops dead) replays the episodes in the full simulator from their recorded start, and the
/// block's position error over the first ``frictionHorizon`` steps is summed (contacts make long replays chaotic,
/// so the horizon is short). Action noise, mass and camera are not estimated.
public enum PushTSystemIdentification {
    /// One recorded episode: where it started, the commands sent and the states observed after each.
    public struct Recording: Sendable, Codable, Equatable {
        /// The scene at the start (placed exactly, block origin as given).
        public var start: PushTState
        /// Commanded targets, one per control step.
        public var commands: [[Double]]
        /// Observed scene after each command.
        public var states: [PushTState]

        /// Creates a recording.
        public init(start: PushTState, commands: [[Double]], states: [PushTState]) {
            self.start = start
            self.commands = commands
            self.states = states
        }
    }

    /// What was estimated.
    public struct Estimate: Sendable, Codable, Equatable {
        /// Control steps of latency.
        public var latencySteps: Int
        /// Tracking lag time constant, seconds.
        public var trackingLagSeconds: Double
        /// Controller stiffness multiplier.
        public var trackingGainScale: Double
        /// Block-table friction coefficient (nil: the block stops dead, as in gym-pusht).
        public var blockTableFriction: Double?
        /// Root-mean-square pusher position error of the fit, pixels.
        public var pusherRMS: Double
    }

    /// Largest latency considered, control steps.
    public static let maximumLatency = 3
    /// Steps of each episode the friction fit replays.
    public static let frictionHorizon = 40

    /// Records `episodes` episodes of `steps` steps in a simulation with the hidden `truth`, driven by the planner
    /// (which knows nothing of `truth`) from the start states of seeds `firstSeed`, `firstSeed + 1`, ...
    public static func record(truth: PushTPerturbation, firstSeed: UInt64, episodes: Int, steps: Int = 60)
        -> [Recording] {
        (0..<UInt64(max(0, episodes))).map { index in
            let simulation = PushTSimulation()
            let start = PushTSimulation.startState(seed: firstSeed &+ index)
            let state = PushTState(agentX: start[0], agentY: start[1], blockX: start[2], blockY: start[3],
                                   blockAngle: start[4])
            simulation.perturbation = truth
            simulation.place(state)
            var expert = PushTHeuristicExpert()
            var commands: [[Double]] = [], states: [PushTState] = []
            for _ in 0..<steps {
                let target = expert.nextTarget(state: simulation.state, agentVelocity: simulation.agentVelocity)
                // Planned targets are finite and inside the arena.
                try? simulation.step(action: (target.x, target.y))
                commands.append([target.x, target.y])
                states.append(simulation.state)
            }
            return Recording(start: state, commands: commands, states: states)
        }
    }

    /// Estimates latency, lag, gain and friction from `recordings`.
    public static func estimate(_ recordings: [Recording]) -> Estimate {
        let best = estimatePusher(recordings)
        let samples = recordings.reduce(0) { $0 + $1.states.count }
        var perturbation = PushTPerturbation()
        perturbation.latencySteps = best.latency
        perturbation.trackingLagSeconds = best.lag
        perturbation.trackingGainScale = best.gain
        var friction: (error: Double, mu: Double?) = (blockError(recordings, perturbation), nil)
        for index in 0...24 {
            let mu = 0.05 * pow(40, Double(index) / 24)  // 0.05 ... 2, geometric
            perturbation.blockTableDeceleration = mu * 9.81 * 1000
            let error = blockError(recordings, perturbation)
            if error < friction.error { friction = (error, mu) }
        }
        return Estimate(latencySteps: best.latency, trackingLagSeconds: best.lag, trackingGainScale: best.gain,
                        blockTableFriction: friction.mu,
                        pusherRMS: samples == 0 ? 0 : (best.error / Double(samples)).squareRoot())
    }

    /// Least-squares latency, lag and gain of the pusher alone (summed squared position error of the best fit):
    /// a grid over latency 0...``maximumLatency``, lag 0...0.1 s and gain 0.5...1.5, refined once around its best
    /// point. `coarse` takes a grid half as fine (for fitting online, every few control steps).
    public static func estimatePusher(_ recordings: [Recording], coarse: Bool = false)
        -> (latency: Int, lag: Double, gain: Double, error: Double) {
        var best = (error: Double.infinity, latency: 0, lag: 0.0, gain: 1.0)
        func consider(latency: Int, lag: Double, gain: Double) {
            let error = recordings.reduce(0) { $0 + pusherError($1, latency: latency, lag: lag, gain: gain) }
            if error < best.error { best = (error, latency, lag, gain) }
        }
        let cells = coarse ? 10 : 20, fine = coarse ? 4 : 10
        for latency in 0...maximumLatency {
            for lagIndex in 0...cells {
                for gainIndex in 0...cells {
                    consider(latency: latency, lag: Double(lagIndex) * 0.1 / Double(cells),
                             gain: 0.5 + Double(gainIndex) / Double(cells))
                }
            }
        }
        let grid = best
        let lagStep = 0.01 / Double(cells), gainStep = 0.1 / Double(cells)
        for lagIndex in -fine...fine {
            for gainIndex in -fine...fine {
                let lag = grid.lag + Double(lagIndex) * lagStep * 10 / Double(fine)
                let gain = grid.gain + Double(gainIndex) * gainStep * 10 / Double(fine)
                if lag >= 0, gain > 0 { consider(latency: grid.latency, lag: lag, gain: gain) }
            }
        }
        return (best.latency, best.lag, best.gain, best.error)
    }

    /// Squared pusher position error of replaying `recording`'s commands through the controller with these
    /// settings (the same update as the simulator: the delayed command, the lagging target, then the PD step).
    static func pusherError(_ recording: Recording, latency: Int, lag: Double, gain: Double) -> Double {
        replayPusher(recording, latency: latency, lag: lag, gain: gain).error
    }

    /// Replays `recording`'s commands through the pusher controller with these settings: the squared position
    /// error against the observed track and the target the lagging controller tracks at the end.
    static func replayPusher(_ recording: Recording, latency: Int, lag: Double, gain: Double)
        -> (error: Double, trackedTarget: SIMD2<Double>) {
        let dt = PushTGeometry.physicsStepSeconds
        let kp = PushTGeometry.positionGain * gain, kv = PushTGeometry.velocityGain * gain.squareRoot()
        let follow = lag > 0 ? 1 - exp(-dt / lag) : 1
        var p = (x: recording.start.agentX, y: recording.start.agentY), v = (x: 0.0, y: 0.0)
        var target = p
        var error = 0.0
        for (step, observed) in recording.states.enumerated() where step < recording.commands.count {
            let index = step - latency
            let arrived = index >= 0 ? (x: recording.commands[index][0], y: recording.commands[index][1])
                : (x: recording.start.agentX, y: recording.start.agentY)
            for _ in 0..<PushTGeometry.substepsPerControlStep {
                target.x += (arrived.x - target.x) * follow
                target.y += (arrived.y - target.y) * follow
                v = (v.x + (kp * (target.x - p.x) + kv * (0 - v.x)) * dt, v.y + (kp * (target.y - p.y) + kv * (0 - v.y)) * dt)
                p = (p.x + v.x * dt, p.y + v.y * dt)
            }
            error += (p.x - observed.agentX) * (p.x - observed.agentX) + (p.y - observed.agentY) * (p.y - observed.agentY)
        }
        return (error, SIMD2(target.x, target.y))
    }

    /// Squared block position error of replaying the recordings' first ``frictionHorizon`` commands in the
    /// simulator with `perturbation`.
    static func blockError(_ recordings: [Recording], _ perturbation: PushTPerturbation) -> Double {
        var error = 0.0
        let simulation = PushTSimulation()
        for recording in recordings {
            simulation.perturbation = perturbation
            simulation.place(recording.start)
            for (command, observed) in zip(recording.commands, recording.states).prefix(frictionHorizon) {
                try? simulation.step(action: (command[0], command[1]))
                let s = simulation.state
                error += (s.blockX - observed.blockX) * (s.blockX - observed.blockX)
                    + (s.blockY - observed.blockY) * (s.blockY - observed.blockY)
            }
        }
        return error
    }
}
