import Enpire
@testable import EnpireLearning

/// Finite-difference gradient checking: objective `L = Σ wᵢ·outᵢ` with fixed random weights `w`, evaluated
/// in Double from Float32 outputs; central differences with a step large enough that Float32 rounding stays
/// well below the tolerance.
enum GradientCheck {
    static let epsilon: Float = 1e-2

    static func relativeError(_ analytic: [Float], _ numeric: [Double]) -> Double {
        var difference = 0.0, a = 0.0, n = 0.0
        for (x, y) in zip(analytic, numeric) {
            difference += (Double(x) - y) * (Double(x) - y)
            a += Double(x) * Double(x)
            n += y * y
        }
        return difference.squareRoot() / max(a.squareRoot(), n.squareRoot(), 1e-12)
    }

    /// Central difference `(f(x + ε) − f(x − ε)) / 2ε` in the one entry of `x` that `entry` reaches, which is
    /// restored afterwards.
    static func centralDifference<Value>(_ x: inout Value, _ entry: WritableKeyPath<Value, Float>, epsilon: Float,
                                         _ objective: (Value) throws -> Double) rethrows -> Double {
        let saved = x[keyPath: entry]
        x[keyPath: entry] = saved + epsilon
        let plus = try objective(x)
        x[keyPath: entry] = saved - epsilon
        let minus = try objective(x)
        x[keyPath: entry] = saved
        return (plus - minus) / Double(2 * epsilon)
    }

    /// The same for a value the objective reads in place (a parameter's storage), restored afterwards.
    static func centralDifference(at value: UnsafeMutablePointer<Float>, epsilon: Float,
                                  _ objective: () throws -> Double) rethrows -> Double {
        let saved = value.pointee
        value.pointee = saved + epsilon
        let plus = try objective()
        value.pointee = saved - epsilon
        let minus = try objective()
        value.pointee = saved
        return (plus - minus) / Double(2 * epsilon)
    }

    static func objective(_ output: UnsafePointer<Float>, _ weights: [Float]) -> Double {
        var total = 0.0
        for index in weights.indices { total += Double(output[index]) * Double(weights[index]) }
        return total
    }

    /// Returns (input-gradient error, per-parameter errors) for a layer.
    static func check(_ layer: any Layer, input: [Float], batchSize: Int, seed: UInt64 = 7,
                      beforeForward: () -> Void = {}) -> (input: Double, parameters: [Double]) {
        var rng = SplitMix64(seed: seed)
        let outCount = batchSize * layer.outputFeatures
        let weights = (0..<outCount).map { _ in Float(rng.nextGaussian()) }
        var x = input
        var output = [Float](repeating: 0, count: outCount)
        func evaluate(_ x: [Float]) -> Double {
            beforeForward()
            x.withUnsafeBufferPointer { xp in
                output.withUnsafeMutableBufferPointer { op in
                    layer.forward(xp.baseAddress!, op.baseAddress!, batchSize: batchSize, training: true)
                }
            }
            return output.withUnsafeBufferPointer { objective($0.baseAddress!, weights) }
        }
        _ = evaluate(x)
        let gradInput = runBackward(layer, input: x, output: output, gradOutput: weights, batchSize: batchSize)
        let parameterGradients = layer.parameters.map { $0.gradient.scalars }
        var numericInput = [Double](repeating: 0, count: x.count)
        for index in x.indices {
            numericInput[index] = centralDifference(&x, \.[index], epsilon: epsilon, evaluate)
        }
        var parameterErrors: [Double] = []
        for (parameter, analytic) in zip(layer.parameters, parameterGradients) {
            var numeric = [Double](repeating: 0, count: parameter.count)
            for index in 0..<parameter.count {
                numeric[index] = centralDifference(at: parameter.storage.pointer + index, epsilon: epsilon) { evaluate(x) }
            }
            parameterErrors.append(relativeError(analytic, numeric))
        }
        return (relativeError(gradInput, numericInput), parameterErrors)
    }

    static func randomInput(count: Int, seed: UInt64, awayFromZero: Float = 0) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            var value = Float(rng.nextGaussian())
            if abs(value) < awayFromZero { value += value < 0 ? -awayFromZero : awayFromZero }
            return value
        }
    }
}
