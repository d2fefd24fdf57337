public import Enpire

/// Which parts of an observation a policy sees, concatenated in a fixed order into one vector:
/// the named feature vectors in `featureKeys` order, then (optionally) each arm's position and velocity.
public struct ObservationEncoding: Sendable, Codable, Equatable {
    /// Keys of `Observation.features` (and `StepRecord.features`) to concatenate, in order.
    public var featureKeys: [String]
    /// Append every arm's position, in station order.
    public var includeArmPositions: Bool
    /// Append every arm's velocity, in station order.
    public var includeArmVelocities: Bool

    /// Creates an encoding.
    public init(featureKeys: [String] = [], includeArmPositions: Bool = true, includeArmVelocities: Bool = false) {
        self.featureKeys = featureKeys
        self.includeArmPositions = includeArmPositions
        self.includeArmVelocities = includeArmVelocities
    }

    /// Encodes a live observation.
    public func encode(_ observation: Observation) throws(BCError) -> [Float] {
        try encode(features: observation.features, arms: observation.arms)
    }

    /// Encodes a recorded step's observation part.
    public func encode(_ step: StepRecord) throws(BCError) -> [Float] {
        try encode(features: step.features, arms: step.arms)
    }

    func encode(features: [String: [Double]], arms: [RobotState]) throws(BCError) -> [Float] {
        var vector: [Float] = []
        for key in featureKeys {
            guard let values = features[key] else {
                throw .missingFeature(key: key, available: Array(features.keys))
            }
            vector.append(contentsOf: values.map(Float.init))
        }
        for arm in arms {
            if includeArmPositions { vector.append(contentsOf: arm.position.map(Float.init)) }
            if includeArmVelocities { vector.append(contentsOf: arm.velocity.map(Float.init)) }
        }
        return vector
    }
}
