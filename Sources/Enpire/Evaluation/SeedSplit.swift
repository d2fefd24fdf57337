/// Evaluation seeds split into a development set the agent may see and a held-out set used only for final
/// scoring.
///
/// Held-out seeds never leave this value in readable form: `description` and the `Codable` encoding carry
/// only their count and a salted digest, so ledgers, fleet commits and logs cannot leak them. A value decoded
/// from JSON is therefore *sealed*: it knows the digest but not the seeds, and ``heldOutSeeds()`` throws
/// until ``unsealed(heldOut:secret:)`` re-attaches the operator's copy.
public struct SeedSplit: Sendable, Codable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Seeds the agent may see and use while iterating.
    public let developmentSeeds: [UInt64]
    /// Number of held-out seeds.
    public let heldOutCount: Int
    /// SHA-256 over the secret and the held-out seeds: identifies the set without revealing it.
    public let heldOutDigest: String
    private let heldOut: [UInt64]?

    /// Creates a split; `secret` salts the digest so small seed values cannot be recovered by brute force.
    ///
    /// Keep `secret` and the held-out seeds where the agent cannot read them (operator configuration).
    public init(development: [UInt64], heldOut: [UInt64], secret: String) throws {
        let overlap = Set(development).intersection(heldOut)
        if !overlap.isEmpty {
            throw EvaluationError.overlappingSeeds(count: overlap.count)
        }
        developmentSeeds = development
        heldOutCount = heldOut.count
        heldOutDigest = Self.digest(heldOut, secret: secret)
        self.heldOut = heldOut
    }

    /// Whether the held-out seeds are available in this value (false after decoding).
    public var isSealed: Bool { heldOut == nil }

    /// The held-out seeds, for the final scoring run only; throws when the value is sealed.
    public func heldOutSeeds() throws -> [UInt64] {
        guard let heldOut else { throw EvaluationError.heldOutSeedsSealed(count: heldOutCount) }
        return heldOut
    }

    /// Re-attaches held-out seeds to a sealed split after checking them against the digest.
    public func unsealed(heldOut seeds: [UInt64], secret: String) throws -> SeedSplit {
        guard seeds.count == heldOutCount, Self.digest(seeds, secret: secret) == heldOutDigest else {
            throw EvaluationError.heldOutSeedsMismatch(expectedCount: heldOutCount, givenCount: seeds.count)
        }
        return SeedSplit(development: developmentSeeds, count: heldOutCount, digest: heldOutDigest, heldOut: seeds)
    }

    private init(development: [UInt64], count: Int, digest: String, heldOut: [UInt64]?) {
        developmentSeeds = development
        heldOutCount = count
        heldOutDigest = digest
        self.heldOut = heldOut
    }

    private static func digest(_ seeds: [UInt64], secret: String) -> String {
        SHA256.hex("enpire-heldout-v1\n\(secret)\n" + seeds.map(String.init).joined(separator: ","))
    }

    private enum CodingKeys: String, CodingKey {
        case developmentSeeds, heldOutCount, heldOutDigest
    }

    /// Decodes a sealed split (held-out seeds are never encoded).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        developmentSeeds = try container.decode([UInt64].self, forKey: .developmentSeeds)
        heldOutCount = try container.decode(Int.self, forKey: .heldOutCount)
        heldOutDigest = try container.decode(String.self, forKey: .heldOutDigest)
        heldOut = nil
    }

    /// Encodes development seeds, held-out count and digest; never the held-out seeds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(developmentSeeds, forKey: .developmentSeeds)
        try container.encode(heldOutCount, forKey: .heldOutCount)
        try container.encode(heldOutDigest, forKey: .heldOutDigest)
    }

    /// Equal when development seeds and the held-out identity (count and digest) agree.
    public static func == (lhs: SeedSplit, rhs: SeedSplit) -> Bool {
        lhs.developmentSeeds == rhs.developmentSeeds && lhs.heldOutCount == rhs.heldOutCount
            && lhs.heldOutDigest == rhs.heldOutDigest
    }

    /// Development seeds in full; held-out seeds redacted to count and digest prefix.
    public var description: String {
        "SeedSplit(development: \(developmentSeeds), heldOut: <\(heldOutCount) redacted, "
            + "sha256 \(heldOutDigest.prefix(12))>)"
    }

    /// Same as ``description``: debugging output must not leak held-out seeds either.
    public var debugDescription: String { description }
}
