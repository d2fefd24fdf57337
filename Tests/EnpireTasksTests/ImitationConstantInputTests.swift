import Enpire
import EnpireLearning
@testable import EnpireTasks
import Foundation
import Testing

/// An input that never varied in the training data (a force sensor that read exactly 0 in every simulated
/// episode) is disconnected, so a station that sends it with a bias gets the same action.
@Suite("Imitation: constant inputs")
struct ImitationConstantInputTests {
    @Test("a policy ignores an input that was constant in training; varying inputs still drive it")
    func constantInputIsIgnored() throws {
        var data = ImitationData()
        var rng = SplitMix64(seed: 4)
        for _ in 0..<12 {
            var rows: [(input: [Float], output: [Float])] = []
            for _ in 0..<20 {
                let a = Float(rng.nextUnitDouble() * 2 - 1), b = Float(rng.nextUnitDouble() * 2 - 1)
                rows.append((input: [a, 0, b], output: [a + 0.5 * b, a - b]))
            }
            data.append(episode: rows)
        }
        let fitter = try ImitationFitter(inputs: 3, outputs: 2, hiddenWidths: [32, 32], learningRate: 3e-3,
                                         batchSize: 32, seed: 9)
        _ = try fitter.fit(data, epochs: 30) { _ in }
        let model = try fitter.snapshot(task: "test", observe: .state, inputNames: ["a", "force", "b"],
                                        outputNames: ["u", "v"], stage: "test", devSuccesses: 0, devEpisodes: 0,
                                        rows: data.count)
        let clean = try model.predict([0.3, 0, -0.2])
        for bias: Float in [0.2, -0.8, 1e3] {
            #expect(try model.predict([0.3, bias, -0.2]) == clean, "bias \(bias) changed the action")
        }
        // The varying inputs were learned: the prediction follows a + 0.5 b and a − b.
        #expect(abs(clean[0] - 0.2) < 0.15 && abs(clean[1] - 0.5) < 0.15, "\(clean)")
        #expect(try model.predict([-0.3, 0, -0.2]) != clean)
    }
}
