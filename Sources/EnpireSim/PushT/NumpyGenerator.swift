/// numpy's `default_rng(seed)` (SeedSequence → PCG64) with the two draws gym-pusht uses, `integers(low, high)`
/// and `uniform(low, high)`, reproduced bit for bit so that a seed gives gym-pusht's exact start state.
struct NumpyGenerator {
    private var state: UInt128
    private var increment: UInt128
    private var bufferedUInt32: UInt32?

    private static let multiplier = UInt128(2_549_297_995_355_413_924) << 64 | UInt128(4_865_540_595_714_422_341)

    init(seed: UInt64) {
        let words = NumpyGenerator.seedSequenceState(seed: seed, words: 8)
        func u64(_ i: Int) -> UInt64 { UInt64(words[2 * i]) | UInt64(words[2 * i + 1]) << 32 }
        let initState = UInt128(u64(0)) << 64 | UInt128(u64(1))
        let initSequence = UInt128(u64(2)) << 64 | UInt128(u64(3))
        state = 0
        increment = (initSequence << 1) | 1
        advance()
        state &+= initState
        advance()
    }

    private mutating func advance() {
        state = state &* NumpyGenerator.multiplier &+ increment
    }

    mutating func nextUInt64() -> UInt64 {
        advance()
        let high = UInt64(truncatingIfNeeded: state >> 64), low = UInt64(truncatingIfNeeded: state)
        let rotation = UInt64(truncatingIfNeeded: state >> 122)
        let x = high ^ low
        return (x >> rotation) | (x << ((64 &- rotation) & 63))
    }

    mutating func nextUInt32() -> UInt32 {
        if let buffered = bufferedUInt32 {
            bufferedUInt32 = nil
            return buffered
        }
        let next = nextUInt64()
        bufferedUInt32 = UInt32(truncatingIfNeeded: next >> 32)
        return UInt32(truncatingIfNeeded: next)
    }

    /// `Generator.integers(low, high)` for int64 with 16-bit bounds, so the range is always below 2^32 (Lemire's
    /// method on 32-bit draws, numpy's path for such ranges). `high` must exceed `low`; otherwise `low` is returned.
    mutating func integers(_ low: Int16, _ high: Int16) -> Int64 {
        guard Int64(high) > Int64(low) + 1 else { return Int64(low) }
        let range = UInt64(Int64(high) - Int64(low) - 1)
        let exclusive = UInt64(range + 1)
        var m = UInt64(nextUInt32()) * exclusive
        var leftover = UInt32(truncatingIfNeeded: m)
        if UInt64(leftover) < exclusive {
            let threshold = UInt32((UInt64(UInt32.max) - range) % exclusive)
            while leftover < threshold {
                m = UInt64(nextUInt32()) * exclusive
                leftover = UInt32(truncatingIfNeeded: m)
            }
        }
        return Int64(low) + Int64(m >> 32)
    }

    /// `Generator.uniform(low, high)`: `low + (high - low) * next_double`.
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        let unit = Double(nextUInt64() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return low + (high - low) * unit
    }

    /// numpy `SeedSequence(seed).generate_state(words, uint32)`.
    static func seedSequenceState(seed: UInt64, words: Int) -> [UInt32] {
        let initA: UInt32 = 0x43b0_d7e5, multA: UInt32 = 0x931e_8875
        let initB: UInt32 = 0x8b51_f9dd, multB: UInt32 = 0x58f3_8ded
        let mixL: UInt32 = 0xca01_f9dd, mixR: UInt32 = 0x4973_f715
        var entropy: [UInt32] = []
        var n = seed
        repeat {
            entropy.append(UInt32(truncatingIfNeeded: n))
            n >>= 32
        } while n > 0
        var hashConst = initA
        func hash(_ value: UInt32) -> UInt32 {
            var v = value ^ hashConst
            hashConst = hashConst &* multA
            v = v &* hashConst
            return v ^ (v >> 16)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let r = mixL &* x &- mixR &* y
            return r ^ (r >> 16)
        }
        var pool = [UInt32](repeating: 0, count: 4)
        for i in 0..<4 { pool[i] = hash(i < entropy.count ? entropy[i] : 0) }
        for source in 0..<4 {
            for destination in 0..<4 where source != destination {
                pool[destination] = mix(pool[destination], hash(pool[source]))
            }
        }
        if entropy.count > 4 {
            for source in 4..<entropy.count {
                for destination in 0..<4 { pool[destination] = mix(pool[destination], hash(entropy[source])) }
            }
        }
        var output = [UInt32](repeating: 0, count: words)
        var constant = initB
        for i in 0..<words {
            var value = pool[i % 4] ^ constant
            constant = constant &* multB
            value = value &* constant
            output[i] = value ^ (value >> 16)
        }
        return output
    }
}
