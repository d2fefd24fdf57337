public import Enpire

/// Turns what a station measured on each step into RL rewards: progress of the station reward's score,
/// a bonus on the station's success, a cost per step and an optional penalty on the arms' readings after the
/// step. Nothing here reads a simulator: the inputs are the recorded steps' `reward`/`success` (the station's
/// `RewardFunction` verdicts) and the arm states the station observed.
public struct StationRewardShaping: Sendable {
    /// Weight of the score's change over a step (`weight · (score_t − score_{t−1})`, potential-style).
    public var progressWeight: Float
    /// Added on the step whose verdict is a success (that transition is terminal).
    public var successBonus: Float
    /// Subtracted on every step (prefers shorter episodes).
    public var stepCost: Float
    /// Score assumed before the first step (the station judges only the results of commands).
    public var initialScore: Float
    /// A penalty on the arms' states observed after the step (for example excess contact force), or nil.
    public var penalty: (@Sendable ([RobotState]) -> Float)?

    /// Creates a shaping.
    public init(progressWeight: Float = 1, successBonus: Float = 1, stepCost: Float = 0, initialScore: Float = 0,
                penalty: (@Sendable ([RobotState]) -> Float)? = nil) {
        self.progressWeight = progressWeight
        self.successBonus = successBonus
        self.stepCost = stepCost
        self.initialScore = initialScore
        self.penalty = penalty
    }

    /// The transitions of one episode: `log[t]` is what the actor saw and did on step `t` (in step order),
    /// `steps` the station's records. Steps another source took over are skipped. A step judged a success is
    /// terminal; the last step of an episode cut by its step budget has no next observation and is dropped.
    public func transitions(log: [StationActingPolicy.StepLog], steps: [StepRecord]) -> [Transition] {
        var transitions: [Transition] = []
        transitions.reserveCapacity(steps.count)
        var previous = initialScore
        for (t, step) in steps.enumerated() where t < log.count {
            let score = step.reward.map(Float.init) ?? previous
            let success = step.success ?? false
            defer { previous = score }
            guard step.source == .policy, step.policyRequested == nil else { continue }
            let after = t + 1 < steps.count ? steps[t + 1].arms : []
            var reward = progressWeight * (score - previous) - stepCost
            if let penalty, !after.isEmpty { reward -= penalty(after) }
            if success {
                transitions.append(Transition(observation: log[t].observation, action: log[t].action,
                                              reward: reward + successBonus,
                                              nextObservation: t + 1 < log.count ? log[t + 1].observation
                                                  : log[t].observation, terminal: true))
            } else if t + 1 < log.count {
                transitions.append(Transition(observation: log[t].observation, action: log[t].action, reward: reward,
                                              nextObservation: log[t + 1].observation, terminal: false))
            }
        }
        return transitions
    }
}
