public import Foundation
import Enpire

/// Replays gym-pusht cases through ``PushTSimulation``: the fidelity check anyone can run against gym-pusht.
public enum PushTReplay {
    /// One case: a start state in gym-pusht's `reset_to_state` meaning and a list of target actions.
    public struct Case: Sendable, Codable, Equatable {
        /// `[agent_x, agent_y, block_x, block_y, block_angle]`.
        public var initialState: [Double]
        /// Targets `[x, y]`, one per control step.
        public var actions: [[Double]]

        enum CodingKeys: String, CodingKey {
            case initialState = "initial_state"
            case actions
        }

        /// Creates a case.
        public init(initialState: [Double], actions: [[Double]]) {
            self.initialState = initialState
            self.actions = actions
        }
    }

    /// The scene after one control step.
    public struct Step: Sendable, Codable, Equatable {
        /// Agent position.
        public var agent: [Double]
        /// Block origin x, y and unwrapped angle.
        public var block: [Double]
        /// Coverage of the goal.
        public var coverage: Double
        /// gym-pusht's reward.
        public var reward: Double
        /// Coverage above the success threshold.
        public var success: Bool
    }

    /// Errors reading cases.
    public enum ReplayError: Error, CustomStringConvertible {
        /// The input was not a JSON array of cases.
        case malformed(String)
        /// A case was invalid.
        case invalidCase(index: Int, reason: String)

        /// A message a user can act on.
        public var description: String {
            switch self {
            case .malformed(let reason):
                return "cases must be a JSON array of {\"initial_state\": [5 numbers], \"actions\": [[x, y], ...]}: \(reason)"
            case .invalidCase(let index, let reason):
                return "case \(index): \(reason)"
            }
        }
    }

    private struct Wrapped: Decodable {
        var cases: [Case]
    }

    /// Largest cases file accepted, in bytes (8 MiB: 100,000 actions at full double precision fit).
    public static let maximumInputBytes = 1 << 23
    /// Most actions accepted over all cases of one input (each becomes a step of output).
    public static let maximumActions = 100_000

    /// Decodes and validates a JSON array of cases (or an object whose `cases` key holds that array, as the
    /// fixture files do): at most ``maximumInputBytes`` bytes and ``maximumActions`` actions, every number
    /// finite and within ±``PushTSimulation/maximumCoordinate``.
    public static func decodeCases(_ data: Data) throws -> [Case] {
        guard data.count <= maximumInputBytes else {
            throw ReplayError.malformed("the input holds \(data.count) bytes; at most \(maximumInputBytes)")
        }
        let cases: [Case]
        do {
            if let wrapped = try? JSONDecoder().decode(Wrapped.self, from: data) {
                cases = wrapped.cases
            } else {
                cases = try JSONDecoder().decode([Case].self, from: data)
            }
        } catch let error as DecodingError {
            throw ReplayError.malformed(ErrorMessage.describe(error))
        }
        let actions = cases.reduce(0) { $0 + $1.actions.count }
        guard actions <= maximumActions else {
            throw ReplayError.malformed("the cases hold \(actions) actions; at most \(maximumActions) per input")
        }
        let limit = PushTSimulation.maximumCoordinate
        for (index, item) in cases.enumerated() {
            if item.initialState.count != 5 {
                throw ReplayError.invalidCase(index: index, reason: "initial_state has \(item.initialState.count) numbers, needs 5")
            }
            if !item.initialState.allSatisfy(\.isFinite) {
                throw ReplayError.invalidCase(index: index, reason: "initial_state has a non-finite number")
            }
            if !item.initialState.allSatisfy({ abs($0) <= limit }) {
                throw ReplayError.invalidCase(index: index, reason: "initial_state has a number beyond ±\(limit)")
            }
            for (step, action) in item.actions.enumerated()
            where action.count != 2 || !action.allSatisfy({ $0.isFinite && abs($0) <= limit }) {
                throw ReplayError.invalidCase(
                    index: index, reason: "action \(step) must be 2 finite numbers within ±\(limit), got \(action)")
            }
        }
        return cases
    }

    /// Runs every case and returns one step list per case.
    public static func run(_ cases: [Case]) throws -> [[Step]] {
        let simulation = PushTSimulation()
        return try cases.map { item in
            try simulation.reset(toState: item.initialState)
            return try item.actions.map { action in
                try simulation.step(action: (action[0], action[1]))
                let state = simulation.state
                let coverage = PushTCoverage.coverage(of: state)
                return Step(agent: [state.agentX, state.agentY], block: [state.blockX, state.blockY, state.blockAngle],
                            coverage: coverage, reward: PushTCoverage.reward(coverage: coverage),
                            success: coverage > PushTGeometry.successThreshold)
            }
        }
    }

    /// Encodes trajectories as JSON with full double precision.
    public static func encode(_ trajectories: [[Step]]) throws -> Data {
        try JSONEncoder().encode(trajectories)
    }
}
