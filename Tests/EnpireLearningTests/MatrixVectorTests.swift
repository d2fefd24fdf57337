import Enpire
import Foundation
import Testing
@testable import EnpireLearning

/// The batch-1 matrix-vector kernel (AVX-512F or AVX2+FMA where the CPU has it, portable otherwise) against a
/// double-precision reference, on shapes that exercise every remainder path (rows not a multiple of 4,
/// columns not a multiple of 16 or 32) and the accumulate-into-output contract.
@Suite("Matrix-vector kernel")
struct MatrixVectorTests {
    @Test(arguments: [(1, 1), (3, 7), (4, 16), (5, 17), (8, 31), (9, 64), (7, 33), (13, 100), (256, 256), (8, 256)])
    func matchesAReferenceProduct(shape: (rows: Int, columns: Int)) {
        var rng = SplitMix64(seed: UInt64(shape.rows * 1000 + shape.columns))
        let weights = (0..<shape.rows * shape.columns).map { _ in Float(rng.nextUnitDouble() * 2 - 1) }
        let vector = (0..<shape.columns).map { _ in Float(rng.nextUnitDouble() * 2 - 1) }
        let start = (0..<shape.rows).map { Float($0) * 0.5 - 1 }
        var output = start
        weights.withUnsafeBufferPointer { w in
            vector.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    MatrixVector.multiplyAdd(rows: shape.rows, columns: shape.columns, weights: w.baseAddress!,
                                             vector: x.baseAddress!, into: y.baseAddress!)
                }
            }
        }
        for row in 0..<shape.rows {
            var expected = Double(start[row])
            for column in 0..<shape.columns {
                expected += Double(weights[row * shape.columns + column]) * Double(vector[column])
            }
            // Float accumulation of up to 256 products of magnitude ≤ 1: well inside 1e-4 relative to √n.
            let tolerance = 1e-5 * Double(shape.columns).squareRoot() + 1e-6
            #expect(abs(Double(output[row]) - expected) <= tolerance,
                    "row \(row) of \(shape.rows)x\(shape.columns): \(output[row]) vs \(expected)")
        }
    }

    @Test func reportsTheVariantThisCPUUses() {
        // The flag is what benchmarks print; on x86-64 it must agree with the CPU's own feature list.
        #if arch(x86_64) && os(Linux)
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = flags.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        let words = Set(line.split(separator: " ").map(String.init))
        #expect(MatrixVector.isVectorised == (words.contains("avx2") && words.contains("fma")))
        #endif
    }
}
