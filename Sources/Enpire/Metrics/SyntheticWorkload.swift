/// A synthetic research workload in simulated seconds: agents think, then ask for trials that robots run.
///
/// Used to compare robot utilisation with and without the ``TrialScheduler``; see ``WorkloadSimulation``.
public struct SyntheticWorkload: Sendable, Equatable {
    /// Number of robots (stations).
    public var robots: Int
    /// Number of agents (in the sequential baseline, agent *i* owns robot *i*).
    public var agents: Int
    /// Agent thinking time per trial, drawn uniformly from this range, in seconds.
    public var thinkSeconds: ClosedRange<Double>
    /// Episodes per trial.
    public var episodesPerTrial: Int
    /// Robot time per episode, in seconds.
    public var episodeSeconds: Double
    /// Reset time before each episode, in seconds.
    public var resetSeconds: Double
    /// Length of the simulated run, in seconds.
    public var horizonSeconds: Double
    /// Trials an agent may have queued or running while it thinks about the next (scheduler only).
    public var maxOutstandingPerAgent: Int
    /// Seed of the think-time draws (the same draws are used with and without the scheduler).
    public var seed: UInt64

    /// Creates a workload; the defaults are the one reported in Docs/Fleet.md.
    public init(robots: Int = 8, agents: Int = 8, thinkSeconds: ClosedRange<Double> = 60...240,
                episodesPerTrial: Int = 10, episodeSeconds: Double = 20, resetSeconds: Double = 8,
                horizonSeconds: Double = 8 * 3_600, maxOutstandingPerAgent: Int = 2, seed: UInt64 = 1) {
        self.robots = max(1, robots)
        self.agents = max(1, agents)
        self.thinkSeconds = thinkSeconds
        self.episodesPerTrial = max(1, episodesPerTrial)
        self.episodeSeconds = max(0, episodeSeconds)
        self.resetSeconds = max(0, resetSeconds)
        self.horizonSeconds = max(0, horizonSeconds)
        self.maxOutstandingPerAgent = max(1, maxOutstandingPerAgent)
        self.seed = seed
    }

    /// Robot names `robot-0` ... .
    public var robotNames: [String] { (0..<robots).map { "robot-\($0)" } }
}

/// Deterministic think-time draws (SplitMix64), one stream per agent so both runs see the same thinking.
struct ThinkTimes {
    private var state: UInt64
    private let range: ClosedRange<Double>

    init(seed: UInt64, agent: Int, range: ClosedRange<Double>) {
        state = seed &+ UInt64(agent) &* 0x9E37_79B9_7F4A_7C15
        self.range = range
    }

    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let unit = Double(z >> 11) / Double(1 << 53)
        return range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }
}
