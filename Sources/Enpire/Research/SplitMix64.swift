import Foundation

/// A small, fast, seedable generator (SplitMix64) so that training is bit-reproducible on one machine.
///
/// Every random decision in EnpireLearning (initialisation, shuffling, dropout masks, exploration noise)
/// draws from a `SplitMix64` passed explicitly, never from the system generator.
public struct SplitMix64: RandomNumberGenerator, Sendable, Codable, Equatable {
    /// Internal state; two generators with the same state produce the same stream.
    public var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }

    /// Next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Standard normal sample (Box–Muller; one of the pair is discarded to keep the state simple).
    public mutating func nextGaussian() -> Double {
        var u1 = nextUnitDouble()
        while u1 <= .leastNormalMagnitude { u1 = nextUnitDouble() }
        let u2 = nextUnitDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Uniform integer in `0..<upperBound` (Lemire's multiply-shift, unbiased enough for shuffling).
    public mutating func nextIndex(below upperBound: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(upperBound)).high)
    }

    /// A child generator for an independent stream (for example one per worker or per network).
    public mutating func split() -> SplitMix64 { SplitMix64(seed: next()) }

    /// A case drawn with probability proportional to its weight in `weights` (negative or missing weights count
    /// as 0), scanning the cases in declaration order; `fallback` when every weight is 0.
    public mutating func pick<Choice: CaseIterable & Hashable>(_ weights: [Choice: Double],
                                                               otherwise fallback: Choice) -> Choice {
        let total = Choice.allCases.reduce(0) { $0 + max(0, weights[$1] ?? 0) }
        var draw = nextUnitDouble() * max(total, 1e-12)
        for choice in Choice.allCases {
            draw -= max(0, weights[choice] ?? 0)
            if draw < 0 { return choice }
        }
        return fallback
    }
}
