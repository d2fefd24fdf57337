public import Enpire
public import Foundation

/// A behaviour-cloned MLP acting as a `Policy`: normalise the observation, run the network, restore action
/// units, and split each action into one `ArmCommand.moveTo` per arm.
///
/// With action chunking (`chunkSize > 1`) the network predicts several future actions at once; the policy
/// executes them in order from a queue and only queries the network again when the queue is empty.
/// ``reset()`` clears the queue.
public struct MLPPolicy: Policy {
    /// The shared trained model.
    public let model: BCModel
    private var queue: [[Double]] = []
    private var queueIndex = 0

    /// Wraps a trained model.
    public init(model: BCModel) { self.model = model }

    /// Loads a checkpoint directory written by ``BCModel/save(to:)``.
    public init(checkpoint directory: URL) throws { model = try BCModel.load(from: directory) }

    /// `"bc-mlp@<weights hash>"`.
    public var name: String { "bc-mlp@\(model.weightsHash)" }

    /// Clears the action queue.
    public mutating func reset() {
        queue.removeAll(keepingCapacity: true)
        queueIndex = 0
    }

    /// Next queued action, querying the network when the queue is empty.
    public mutating func action(for observation: Observation) async throws -> [ArmCommand] {
        if queueIndex >= queue.count {
            queue = try predictChunk(for: observation)
            queueIndex = 0
        }
        let action = queue[queueIndex]
        queueIndex += 1
        return split(action)
    }

    /// The full predicted chunk (`chunkSize` actions of all arms concatenated) without touching the queue.
    public func predictChunk(for observation: Observation) throws -> [[Double]] {
        guard observation.arms.count == model.armWidths.count else {
            throw BCError.widthMismatch("policy was trained for \(model.armWidths.count) arms, observation has "
                + "\(observation.arms.count)")
        }
        let encoded = try model.configuration.observation.encode(observation)
        let flat = try model.predict(encodedObservation: encoded)
        let width = model.actionWidth
        let anchor: [Double] = model.configuration.relativeToArmPosition
            ? zip(observation.arms, model.armWidths).flatMap { state, width in
                (0..<width).map { $0 < state.position.count ? state.position[$0] : 0 }
            }
            : [Double](repeating: 0, count: width)
        return (0..<model.configuration.chunkSize).map { step in
            flat[(step * width)..<((step + 1) * width)].enumerated().map { Double($0.element) + anchor[$0.offset] }
        }
    }

    private func split(_ action: [Double]) -> [ArmCommand] {
        var start = 0
        return model.armWidths.map { width in
            defer { start += width }
            return .moveTo(Array(action[start..<(start + width)]))
        }
    }
}
