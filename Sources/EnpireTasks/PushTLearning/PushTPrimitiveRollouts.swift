import Enpire
public import EnpireSim
import Foundation
import Synchronization

/// Headless Push-T episodes driven by primitive decisions (the teacher's or a learned selector's), used to
/// collect DAgger data and for fast development rollouts. Success is gym-pusht's rule on the exact state
/// (coverage above 0.95 within 300 steps); the learner's inputs carry pose noise like a camera estimate.
public enum PushTPrimitiveRollouts {
    /// One labelled decision.
    public struct Decision: Sendable {
        /// The learner's input (from the noisy observed pose).
        public var features: [Float]
        /// The teacher's soft target over primitives (empty when not labelled).
        public var target: [Float]
        /// The teacher's best primitive (−1 when not labelled).
        public var best: Int
    }

    /// One episode.
    public struct Episode: Sendable {
        /// Its seed.
        public var seed: UInt64
        /// Whether gym-pusht's success rule was met.
        public var success: Bool
        /// Control steps run.
        public var steps: Int
        /// Highest coverage reached.
        public var maximumCoverage: Double
        /// Decisions, labelled when asked.
        public var decisions: [Decision]
    }

    /// A batch of episodes.
    public struct Batch: Sendable {
        /// Episodes in seed order.
        public var episodes: [Episode]
        /// Successful episodes.
        public var successes: Int { episodes.filter(\.success).count }
        /// Control steps over all episodes.
        public var steps: Int { episodes.reduce(0) { $0 + $1.steps } }
        /// Mean of the episodes' highest coverage.
        public var meanMaximumCoverage: Double {
            episodes.isEmpty ? 0 : episodes.reduce(0) { $0 + $1.maximumCoverage } / Double(episodes.count)
        }
    }

    /// The teacher's soft target and best primitive from candidate scores: reaching candidates cost
    /// `−20 + 0.2 · steps`, others their predicted cost; target ∝ exp(−(cost − min) / temperature).
    public static func softTarget(_ scores: [PushTPushPlanner.CandidateScore], temperature: Double) -> ([Float], Int) {
        let costs = scores.map { $0.reachesGoal ? -20 + 0.2 * Double($0.steps) : ($0.cost.isFinite ? $0.cost : 1e9) }
        var best = 0
        for index in costs.indices where costs[index] < costs[best] { best = index }
        let low = costs[best]
        let weights = costs.map { exp(-($0 - low) / temperature) }
        let sum = weights.reduce(0, +)
        return (weights.map { Float($0 / sum) }, best)
    }

    /// Runs one episode per seed on `workers` threads. A decision is the teacher's with probability
    /// `teacherShare` (or when there is no learner), else the learner's; with `label`, every decision is scored
    /// by the teacher (privileged). `onEpisode` is called with the count of finished episodes.
    ///
    /// Under a `reality`, each episode's departures from gym-pusht are drawn from it with the seed (the teacher
    /// still scores primitives with clean gym-pusht as its model).
    public static func run(seeds: [UInt64], library: PushTPlannerParameters, learner: PushTPrimitiveModel?,
                           teacherShare: Double, label: Bool, temperature: Double, positionNoise: Double,
                           angleNoise: Double, noiseSeed: UInt64, workers: Int, reality: PushTReality? = nil,
                           onEpisode: @Sendable (Int) -> Void = { _ in }) -> Batch {
        let finished = Atomic<Int>(0)
        let episodes = ParallelEpisodes.run(count: seeds.count, workers: workers) { index in
            let episode = runEpisode(seed: seeds[index], library: library, learner: learner,
                                     teacherShare: teacherShare, label: label, temperature: temperature,
                                     positionNoise: positionNoise, angleNoise: angleNoise,
                                     noiseSeed: noiseSeed ^ (seeds[index] &* 0x9E37_79B9_7F4A_7C15), reality: reality)
            onEpisode(finished.add(1, ordering: .relaxed).newValue)
            return episode
        }
        return Batch(episodes: episodes.sorted { $0.seed < $1.seed })
    }

    /// Runs one episode (see ``run(seeds:library:learner:teacherShare:label:temperature:positionNoise:angleNoise:noiseSeed:workers:reality:onEpisode:)``).
    public static func runEpisode(seed: UInt64, library: PushTPlannerParameters, learner: PushTPrimitiveModel?,
                                  teacherShare: Double, label: Bool, temperature: Double, positionNoise: Double,
                                  angleNoise: Double, noiseSeed: UInt64, reality: PushTReality? = nil) -> Episode {
        let simulation = PushTSimulation()
        simulation.reality = reality
        simulation.reset(seed: seed)
        let teacher = PushTPushPlanner(parameters: library, successCoverage: PushTGeometry.successThreshold)
        var rng = SplitMix64(seed: noiseSeed)
        var queue: [SIMD2<Double>] = []
        var position = 0
        var decisions: [Decision] = []
        var maximumCoverage = simulation.coverage
        for step in 1...PushTGeometry.maxEpisodeSteps {
            if position >= queue.count {
                let exact = simulation.state
                let observed = PushTObservedBlock(x: exact.blockX + positionNoise * rng.nextGaussian(),
                                                  y: exact.blockY + positionNoise * rng.nextGaussian(),
                                                  angle: exact.blockAngle + angleNoise * rng.nextGaussian())
                let agent = SIMD2(exact.agentX, exact.agentY)
                let velocity = simulation.agentVelocity
                let features = PushTPrimitiveFeatures.vector(block: observed, agent: agent,
                                                             velocity: SIMD2(velocity.x, velocity.y))
                let useTeacher = learner == nil || rng.nextUnitDouble() < teacherShare
                var choice = 0
                if label || useTeacher {
                    let scores = teacher.scoreCandidates(state: exact, agentVelocity: velocity)
                    let (target, best) = softTarget(scores, temperature: temperature)
                    if label { decisions.append(Decision(features: features, target: target, best: best)) }
                    choice = best
                }
                if !useTeacher, let learner { choice = learner.choose(features) }
                // The teacher's primitive runs from the exact scene (as the planner would); the learner's from the
                // observed one (as on a station).
                queue = teacher.candidateTargets(choice, state: useTeacher ? exact : observed.scene(agent: agent))
                position = 0
            }
            let target = queue[position]
            position += 1
            try? simulation.step(action: (target.x, target.y))
            let coverage = simulation.coverage
            maximumCoverage = max(maximumCoverage, coverage)
            if coverage > PushTGeometry.successThreshold {
                return Episode(seed: seed, success: true, steps: step, maximumCoverage: maximumCoverage,
                               decisions: decisions)
            }
        }
        return Episode(seed: seed, success: false, steps: PushTGeometry.maxEpisodeSteps,
                       maximumCoverage: maximumCoverage, decisions: decisions)
    }
}
