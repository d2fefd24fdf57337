import Foundation

/// One robot station: arms, cameras, a reward, a reset routine and a safety envelope per arm, run in
/// budgeted episodes at the control rate.
///
/// Every step records what was observed, what the policy (or a person, a script, a reset) requested, what the
/// safety layer let through and what the arms applied.
///
/// Every command, whatever its source (policy, reset, homing, teleoperation through ``send(_:source:)``, the
/// watchdog), passes one ``SafetyGate``: the arm's ``SafetyEnvelope`` and the emergency stop. The station keeps
/// its arms private; reset routines get ``GuardedArm`` handles through their ``ResetContext``.
///
/// Time comes from an injectable ``StationClock``: the same code runs hardware in real time, simulations at CPU speed.
public actor Station {
    /// Station name.
    public nonisolated let name: String
    /// Task name.
    public nonisolated let task: String
    /// Specifications of the arms, in station order (the arms themselves are reachable only through the gate).
    public nonisolated let armSpecifications: [ArmSpecification]
    private let gate: SafetyGate
    /// Cameras.
    public nonisolated let cameras: [any Camera]
    /// The clock every timestamp comes from.
    public nonisolated let clock: any StationClock
    /// Control period in seconds.
    public nonisolated let controlPeriodSeconds: Double
    private let reward: (any RewardFunction)?
    private let resetRoutine: (any ResetRoutine)?
    private let recorder: (any EpisodeRecorder)?
    private let featureSources: [any FeatureSource]
    private var watchdog: CommandWatchdog
    private var health: StationHealth
    private var stopRequested = false
    private var episodeCounter = 0
    /// Whether ``runEpisode(policy:seed:maxSteps:stopOnSuccess:tags:interventions:)`` is between its first observation and its end.
    private var episodeRunning = false
    /// What ``send(_:source:)`` applied during the running episode's current control period, not yet recorded.
    private var takeover: Takeover?

    /// Creates a station. `safety` holds one envelope per arm; by default each arm's own limits.
    public init(configuration: Configuration, arms: [any RobotArm], cameras: [any Camera] = [],
                safety: [SafetyEnvelope]? = nil, reward: (any RewardFunction)? = nil,
                reset: (any ResetRoutine)? = nil, recorder: (any EpisodeRecorder)? = nil,
                featureSources: [any FeatureSource] = [], clock: any StationClock = SystemClock()) throws {
        guard !arms.isEmpty else { throw StationError.invalidConfiguration("a station needs at least one arm") }
        let envelopes = try safety ?? arms.map { try SafetyEnvelope(specification: $0.specification) }
        guard envelopes.count == arms.count else {
            throw StationError.invalidConfiguration("\(envelopes.count) safety envelopes for \(arms.count) arms")
        }
        do {
            gate = try SafetyGate(arms: arms, envelopes: envelopes, clock: clock)
        } catch {
            throw StationError.invalidConfiguration("\(error)")
        }
        let rate = configuration.controlRateHz ?? arms.map(\.specification.controlRateHz).min()!
        guard rate.isFinite, rate > 0 else {
            throw StationError.invalidConfiguration("control rate must be positive, got \(rate)")
        }
        name = configuration.name
        task = configuration.task
        armSpecifications = arms.map(\.specification)
        self.cameras = cameras
        self.clock = clock
        controlPeriodSeconds = 1 / rate
        self.reward = reward
        resetRoutine = reset
        self.recorder = recorder
        self.featureSources = featureSources
        watchdog = CommandWatchdog(timeoutSeconds: configuration.watchdogTimeoutSeconds)
        health = StationHealth(name: configuration.name, connected: false, paused: false, pauseReason: nil,
                               emergencyStopLatched: false, episodes: 0, successes: 0, aborted: 0, steps: 0,
                               interventions: [:], episodeSeconds: 0, resetSeconds: 0, resetAttempts: 0,
                               resetFailures: 0, lastFault: nil)
    }

    /// Connects every arm.
    public func connect() async throws {
        try await gate.connectAll()
        health.connected = true
    }

    /// A snapshot of counters and state.
    public var currentHealth: StationHealth { health }

    /// The latest frame of each camera (a camera that has none now is absent), for a live view of the station.
    public func currentFrames() async -> [String: Frame] { await latestFrames() }

    /// The names of the station's cameras, in the order they were given.
    public nonisolated var cameraNames: [String] { cameras.map(\.name) }

    /// The safety envelope of arm `index`.
    public func envelope(ofArm index: Int) async throws -> SafetyEnvelope { try await gate.envelope(ofArm: index) }

    /// Pauses episodes (the running one stops at its next step).
    public func pause(reason: String = "paused by request") {
        health.paused = true
        health.pauseReason = reason
    }

    /// Resumes after a pause.
    public func resume() {
        health.paused = false
        health.pauseReason = nil
    }

    /// Latches the emergency stop: stops every arm now; every later command becomes a hold until cleared.
    public func emergencyStop() async {
        health.emergencyStopLatched = true
        stopRequested = true
        await gate.latchEmergencyStop()
    }

    /// Clears a latched emergency stop (explicit operator action).
    public func clearEmergencyStop() async {
        await gate.clearEmergencyStop()
        health.emergencyStopLatched = false
        stopRequested = false
    }

    /// Homes every arm through the safety envelopes: one position command per control period toward each arm's
    /// ``ArmSpecification/homePosition`` (default: the centre of its workspace), projected into its workspace,
    /// until every arm is within `tolerance` on every axis. The envelope's step limit applies, so an arm outside
    /// its workspace walks back in. Throws when the e-stop is latched (or latches meanwhile) and when the arms
    /// have not arrived after `timeoutSeconds` of robot time.
    public func home(tolerance: Double = 1e-3, timeoutSeconds: Double = 60) async throws {
        guard tolerance.isFinite, tolerance > 0, timeoutSeconds.isFinite, timeoutSeconds > 0 else {
            throw StationError.invalidConfiguration(
                "homing needs a positive finite tolerance and timeout, got \(tolerance) and \(timeoutSeconds) s")
        }
        var targets: [[Double]] = []
        for (index, specification) in armSpecifications.enumerated() {
            let workspace = try await gate.envelope(ofArm: index).workspace
            targets.append(workspace.project(specification.homePosition ?? workspace.interiorPoint))
        }
        let deadline = clock.now() + timeoutSeconds
        while true {
            guard !health.emergencyStopLatched else { throw StationError.emergencyStopLatched }
            let states = try await gate.observeAll()
            let worst = zip(states, targets).map { state, target in
                state.position.count == target.count
                    ? zip(state.position, target).map { abs($0 - $1) }.max() ?? 0 : .infinity
            }.max() ?? 0
            if worst <= tolerance { return }
            guard clock.now() < deadline else {
                throw StationError.homingTimedOut(seconds: timeoutSeconds, remainingError: worst)
            }
            let outcome = try await gate.submitAll(targets.map { .moveTo($0) }, source: .script)
            count(outcome.interventions)
            if health.emergencyStopLatched { throw StationError.emergencyStopLatched }
            try await clock.sleep(untilSeconds: clock.now() + controlPeriodSeconds)
        }
    }

    /// Sends commands from a non-policy source (a person, a script), through the safety gate: the envelopes and
    /// the emergency stop. Returns what the arms applied (holds when the e-stop is latched: nothing is sent).
    ///
    /// The commands go to the arms at once. While an episode runs, they also take over the episode's current
    /// control period and are recorded as data: the policy's command for that step is not sent (or, when the
    /// policy's command was already sent, it is superseded), and the step's ``StepRecord`` carries `source`,
    /// these commands as `requested`/`applied` and the policy's own request as
    /// ``StepRecord/policyRequested``. Several sends in one period are recorded as the last one (their safety
    /// interventions are all kept). Commands sent during the reset are kept with their source in
    /// ``RecordedEpisode/resetCommands``; commands sent after the episode's last step are applied but recorded
    /// in no step. See Docs/Station.md.
    @discardableResult
    public func send(_ commands: [ArmCommand], source: ActionSource) async throws
        -> (applied: [ArmCommand], interventions: [SafetyIntervention]) {
        let outcome = try await gate.submitAll(commands, source: source)
        watchdog.noteCommand(at: clock.now())
        count(outcome.interventions)
        if episodeRunning {
            takeover = Takeover(source: source, requested: commands, applied: outcome.applied,
                                interventions: (takeover?.interventions ?? []) + outcome.interventions)
        }
        return outcome
    }

    /// Checks the command watchdog; if commands stopped arriving for longer than the timeout, commands every
    /// arm to hold and returns the interventions. Call once per control period (``runWatchdog()`` does).
    @discardableResult
    public func watchdogTick() async -> [SafetyIntervention] {
        guard watchdog.shouldHold(at: clock.now()) else { return [] }
        var records: [SafetyIntervention] = []
        for index in armSpecifications.indices {
            let applied = (try? await gate.submit(.hold, toArm: index, source: .safety))?.applied ?? .hold
            records.append(SafetyIntervention(armIndex: index, kind: .watchdogHold, requested: .hold, applied: applied,
                                              detail: "no command for more than \(watchdog.timeoutSeconds) s"))
        }
        health.interventions[SafetyIntervention.Kind.watchdogHold.rawValue, default: 0] += records.count
        return records
    }

    /// Runs ``watchdogTick()`` every control period until the task is cancelled.
    public func runWatchdog() async {
        while !Task.isCancelled {
            do { try await clock.sleep(untilSeconds: clock.now() + controlPeriodSeconds) } catch { return }
            await watchdogTick()
        }
    }

    /// Arms the watchdog as if a command had just been sent (for stations driven by an external source).
    public func armWatchdog() {
        watchdog.noteCommand(at: clock.now())
    }

    /// Runs one episode: reset (when a routine is set), then policy steps until success (if `stopOnSuccess`),
    /// `maxSteps`, a stop request or a fault; returns the recorded episode. The reward hears of the episode
    /// through ``RewardFunction/beginEpisode(_:firstObservation:)`` after the reset and
    /// ``RewardFunction/endEpisode(_:)`` once the summary is formed.
    ///
    /// With `interventions`, a person (or a scripted stand-in) is asked after the policy on every step and may take
    /// the step over (see ``InterventionSource``): the person's commands pass the same safety gate and the step is
    /// recorded with source ``ActionSource/human``; the summary counts the interventions and the steps held.
    public func runEpisode(policy: any Policy, seed: UInt64? = nil, maxSteps: Int, stopOnSuccess: Bool = true,
                           tags: [String: String] = [:], interventions: (any InterventionSource)? = nil)
        async throws -> RecordedEpisode {
        if health.emergencyStopLatched { throw StationError.emergencyStopLatched }
        if health.paused { throw StationError.paused(reason: health.pauseReason ?? "paused") }
        guard maxSteps > 0 else { throw StationError.invalidConfiguration("maxSteps must be positive, got \(maxSteps)") }
        stopRequested = false

        var resetOutcome: ResetOutcome?
        var resetCommands: [ArmCommandRecord] = []
        if let resetRoutine {
            let started = clock.now()
            let outcome: ResetOutcome
            await gate.startRecording()
            do {
                let context = ResetContext(arms: gate.guardedArms(source: .reset), cameras: cameras,
                                           seed: seed ?? 0, clock: clock)
                outcome = try await resetRoutine.reset(context)
            } catch {
                outcome = ResetOutcome(verified: false, attempts: 1, elapsedSeconds: clock.now() - started,
                                       reason: "reset threw: \(error)", strategy: resetRoutine.identity)
            }
            resetCommands = await gate.stopRecording()
            for record in resetCommands { count(record.interventions) }
            health.resetAttempts += outcome.attempts
            health.resetSeconds += max(outcome.elapsedSeconds, clock.now() - started)
            // An e-stop during the reset ends the episode here, whatever the routine reported.
            if health.emergencyStopLatched { throw StationError.emergencyStopLatched }
            if !outcome.verified {
                health.resetFailures += 1
                let reason = outcome.reason ?? "unverified start state"
                pause(reason: "reset failed: \(reason)")
                throw StationError.resetFailed(reason: reason)
            }
            resetOutcome = outcome
        }

        var policy = policy
        policy.reset()
        var person = interventions
        var interventionSummary: InterventionSummary? = person == nil ? nil : InterventionSummary()
        var personHeldLastStep = false
        episodeCounter += 1
        let metadata = EpisodeMetadata(
            id: "\(name)-\(Int(Date().timeIntervalSince1970 * 1000))-\(episodeCounter)", task: task, station: name,
            seed: seed, policy: policy.name, startedAtUnixSeconds: Date().timeIntervalSince1970,
            arms: armSpecifications, cameras: cameras.map(\.name), tags: tags)
        let recording = try await recorder?.begin(metadata)
        let start = clock.now()
        episodeRunning = true
        takeover = nil
        defer {
            episodeRunning = false
            takeover = nil
        }
        var steps: [StepRecord] = []
        steps.reserveCapacity(min(maxSteps, 4096))
        var lastVerdict: Verdict?
        var status = EpisodeStatus.complete
        var reason: String?

        // Each observation serves twice: the reward judges it as the result of the previous command, and the
        // policy acts on it. Observations are taken on control-period boundaries.
        var observation: Observation?
        do {
            observation = try await observe(stepIndex: 0, start: start)
        } catch {
            status = .aborted
            reason = "fault before the first step: \(error)"
            health.lastFault = reason
        }
        await reward?.beginEpisode(metadata, firstObservation: observation)
        loop: for index in 0..<maxSteps {
            guard let current = observation else { break }
            if stopRequested || health.paused || health.emergencyStopLatched {
                status = .aborted
                reason = health.emergencyStopLatched ? "emergency stop" : (health.pauseReason ?? "stop requested")
                break
            }
            do {
                if index == 0 { try await person?.beginEpisode() }
                let requested = try await policy.action(for: current)
                var step: StepRecord
                if let commands = try await person?.commands(for: current, policyRequested: requested) {
                    // The person holds this step: their commands replace the policy's, through the same gate.
                    let (applied, interventions) = takeover == nil
                        ? try await apply(commands, source: .human) : ([], [])
                    step = StepRecord(index: index, timeSeconds: current.elapsedSeconds, source: .human,
                                      arms: current.arms, features: current.features, requested: commands,
                                      applied: applied, interventions: interventions, policyRequested: requested)
                    interventionSummary?.steps += 1
                    if !personHeldLastStep { interventionSummary?.count += 1 }
                    personHeldLastStep = true
                } else {
                    // A command sent (`send`) since this step began takes precedence: the policy's is not sent.
                    let (applied, interventions) = takeover == nil ? try await apply(requested) : ([], [])
                    step = StepRecord(index: index, timeSeconds: current.elapsedSeconds, source: .policy,
                                      arms: current.arms, features: current.features, requested: requested,
                                      applied: applied, interventions: interventions)
                    personHeldLastStep = false
                }
                try await clock.sleep(untilSeconds: start + Double(index + 1) * controlPeriodSeconds)
                takeover?.record(in: &step)
                takeover = nil
                let next = try await observe(stepIndex: index + 1, start: start)
                if let reward {
                    let verdict = try await reward.evaluate(EpisodeContext(observation: next, isFinal: index == maxSteps - 1))
                    step.reward = verdict.score
                    step.success = verdict.success
                    lastVerdict = verdict
                }
                steps.append(step)
                health.steps += 1
                try await recording?.append(step, frames: Array(current.frames.values))
                observation = next
                if stopOnSuccess, lastVerdict?.success == true { break loop }
            } catch {
                status = .aborted
                reason = "fault at step \(index): \(error)"
                health.lastFault = reason
                for index in armSpecifications.indices {
                    _ = try? await gate.submit(.hold, toArm: index, source: .safety)
                }
                break loop
            }
        }
        watchdog.disarm()
        // The episode's robot time ends with its last control period.
        try await clock.sleep(untilSeconds: start + Double(steps.count) * controlPeriodSeconds)
        let duration = clock.now() - start
        health.episodes += 1
        health.episodeSeconds += duration
        if status == .aborted { health.aborted += 1 }
        if lastVerdict?.success == true { health.successes += 1 }
        let summary = EpisodeSummary(metadata: metadata, status: status, stepCount: steps.count,
                                     durationSeconds: duration, verdict: lastVerdict, reset: resetOutcome,
                                     reason: reason, interventions: interventionSummary)
        await reward?.endEpisode(summary)
        if !steps.isEmpty, let final = observation, !final.frames.isEmpty {
            try await recording?.appendFinalFrames(Array(final.frames.values), stepIndex: steps.count)
        }
        try await recording?.finish(summary)
        return RecordedEpisode(summary: summary, steps: steps, resetCommands: resetCommands)
    }

    private func observe(stepIndex: Int, start: Double) async throws -> Observation {
        let states = try await observeArms()
        let frames = await latestFrames()
        let features = try await collectFeatures()
        return Observation(stepIndex: stepIndex, elapsedSeconds: clock.now() - start, arms: states, frames: frames,
                           features: features)
    }

    private func observeArms() async throws -> [RobotState] {
        try await gate.observeAll()
    }

    private func latestFrames() async -> [String: Frame] {
        var frames: [String: Frame] = [:]
        for camera in cameras {
            // A camera that fails this step is simply absent from the observation; rewards report `unknown`.
            if let frame = try? await camera.latestFrame() { frames[camera.name] = frame }
        }
        return frames
    }

    private func collectFeatures() async throws -> [String: [Double]] {
        var features: [String: [Double]] = [:]
        for source in featureSources {
            features.merge(try await source.features()) { _, new in new }
        }
        return features
    }

    private func apply(_ requested: [ArmCommand], source: ActionSource = .policy) async throws
        -> (applied: [ArmCommand], interventions: [SafetyIntervention]) {
        let outcome = try await gate.submitAll(requested, source: source)
        watchdog.noteCommand(at: clock.now())
        count(outcome.interventions)
        return outcome
    }

    private func count(_ interventions: [SafetyIntervention]) {
        for record in interventions { health.interventions[record.kind.rawValue, default: 0] += 1 }
    }
}
