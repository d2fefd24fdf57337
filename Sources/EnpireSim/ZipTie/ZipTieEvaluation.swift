import Enpire
import Foundation

/// Headless evaluation of ``ZipTieExpert`` on seeded ties, without a station.
public enum ZipTieEvaluation {
    /// What an evaluation measured (same shape as the pin-insertion result).
    public typealias Result = PinInsertionEvaluation.Result

    /// Runs one episode for `seed` until the reward reports success or `maxSteps`.
    /// Under a `reality`, the episode's departures are drawn from it with the seed (see ``ZipTieReality``); the
    /// expert then reads ``ZipTieSimulation/observation()``.
    public static func runEpisode(seed: UInt64, maxSteps: Int = ZipTieGeometry.maxEpisodeSteps,
                                  parameters: ZipTieExpert.Parameters = .init(),
                                  reality: TaskReality = ZipTieReality.clean) -> (success: Bool, steps: Int) {
        let simulation = ZipTieSimulation()
        simulation.perturbation = ZipTieReality.perturbation(reality, seed: seed)
        simulation.reset(seed: seed)
        var expert = ZipTieExpert(parameters: parameters)
        for step in 1...max(1, maxSteps) {
            expertStep(simulation, expert: &expert)
            if ZipTieReward.verdict(state: simulation.state).success { return (true, step) }
        }
        return (false, maxSteps)
    }

    /// One control step of `expert` reading `simulation`'s observation.
    static func expertStep(_ simulation: ZipTieSimulation, expert: inout ZipTieExpert) {
        let s = simulation.observation()
        let commands = expert.commands(
            left: RobotState(position: s.leftHand, velocity: [0, 0], gripper: s.leftGripper),
            cutter: RobotState(position: s.cutter, velocity: [0, 0, 0], gripper: s.jawOpening),
            anchor: s.anchor, freeEnd: s.freeEnd, mark: s.mark + [s.markDirection], stretch: s.stretch,
            tension: s.tension, grasped: s.grasped, cut: s.cut)
        // Expert commands are finite functions of finite observations.
        try? simulation.step(left: commands[0].target, leftGripper: commands[0].gripper ?? 1,
                             right: commands[1].target, jaws: commands[1].gripper ?? 1)
    }

    /// Runs one episode per seed on `workers` threads and summarises them in seed order.
    public static func evaluateExpert(seeds: [UInt64], maxSteps: Int = ZipTieGeometry.maxEpisodeSteps,
                                      workers: Int = 2, parameters: ZipTieExpert.Parameters = .init(),
                                      reality: TaskReality = ZipTieReality.clean) -> Result {
        let outcomes = ParallelEpisodes.run(count: seeds.count, workers: workers) {
            runEpisode(seed: seeds[$0], maxSteps: maxSteps, parameters: parameters, reality: reality)
        }
        return PinInsertionEvaluation.summarise(seeds: seeds, outcomes: outcomes,
                                                periodSeconds: 1 / ZipTieGeometry.controlRateHz)
    }
}
