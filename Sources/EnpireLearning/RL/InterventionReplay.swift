public import Enpire

/// Fills RLPD's two replay buffers from recorded station episodes, HIL-SERL style: the steps a person drove
/// (source `human`, from `Station`'s intervention hook) go to the demonstration side of the symmetric sampling
/// with the person's own commands, and, by default, to the online side as well (HIL-SERL adds intervention data
/// to both buffers); the policy's own steps go to the online side.
///
/// Each step becomes one transition: the observation encoded from the step, the action encoded from its commands
/// (the person's on a `human` step; what the policy had asked for on such a step, `StepRecord.policyRequested`,
/// is not used), the reward after the step, and the next step's observation. The last step of an episode has no
/// next observation: it is kept only when it ended in success (a terminal transition, which does not bootstrap).
/// `script` steps (scripted demonstrations) are treated as demonstrations; `reset` and `safety` steps are dropped.
/// Pass the result to ``SoftActorCritic/update(online:demonstrations:)``.
public struct InterventionReplay: Sendable {
    /// Which commands of a step form its action.
    public enum Commands: String, Sendable, Codable {
        /// The commands as requested (on a `human` step, the person's).
        case requested
        /// The commands the arms reported as applied (after the safety envelope's clamping): what the robot did.
        case applied
    }

    /// What was put where.
    public struct Counts: Sendable, Equatable {
        /// Transitions added to the demonstration buffer.
        public var demonstrationTransitions = 0
        /// Transitions added to the online buffer.
        public var onlineTransitions = 0
        /// `human` steps seen.
        public var humanSteps = 0
        /// Steps dropped: `reset`/`safety` sources, unencodable actions, or a last step without success.
        public var droppedSteps = 0
    }

    /// Encodes the observation before a step (the same encoding the policy acts on).
    public var observation: @Sendable (StepRecord) -> [Float]
    /// Encodes a step's commands as an action in `[-1, 1]`, or nil when it has none (the step is dropped).
    public var action: @Sendable ([ArmCommand]) -> [Float]?
    /// The reward of a transition; by default the step's dense reward (0 when none ran).
    public var reward: @Sendable (StepRecord) -> Float
    /// Which commands form the action (default: applied).
    public var commands: Commands
    /// Whether intervention steps are also added to the online buffer (HIL-SERL: yes).
    public var interventionsAlsoOnline: Bool

    /// Creates the mapping from recorded steps to transitions.
    public init(observation: @escaping @Sendable (StepRecord) -> [Float],
                action: @escaping @Sendable ([ArmCommand]) -> [Float]?,
                reward: @escaping @Sendable (StepRecord) -> Float = { Float($0.reward ?? 0) },
                commands: Commands = .applied, interventionsAlsoOnline: Bool = true) {
        self.observation = observation
        self.action = action
        self.reward = reward
        self.commands = commands
        self.interventionsAlsoOnline = interventionsAlsoOnline
    }

    /// Appends every usable step of `episodes` to `online` or `demonstrations` (or both).
    ///
    /// - Throws: ``RLError/widthMismatch(_:)`` when an encoded observation or action does not fit the buffers.
    @discardableResult
    public func fill(online: inout ReplayBuffer, demonstrations: inout ReplayBuffer,
                     from episodes: [RecordedEpisode]) throws(RLError) -> Counts {
        var counts = Counts()
        for episode in episodes {
            let steps = episode.steps
            for (position, step) in steps.enumerated() {
                if step.source == .human { counts.humanSteps += 1 }
                let toDemonstrations = step.source == .human || step.source == .script
                let toOnline = step.source == .policy || (step.source == .human && interventionsAlsoOnline)
                guard toDemonstrations || toOnline,
                      let action = action(commands == .requested ? step.requested : step.applied) else {
                    counts.droppedSteps += 1
                    continue
                }
                let next: StepRecord? = position + 1 < steps.count ? steps[position + 1] : nil
                let terminal = step.success == true
                guard next != nil || terminal else {
                    counts.droppedSteps += 1
                    continue
                }
                let before = observation(step)
                let transition = Transition(observation: before, action: action, reward: reward(step),
                                            nextObservation: next.map(observation) ?? before, terminal: terminal)
                if toDemonstrations {
                    try demonstrations.append(transition)
                    counts.demonstrationTransitions += 1
                }
                if toOnline {
                    try online.append(transition)
                    counts.onlineTransitions += 1
                }
            }
        }
        return counts
    }
}
