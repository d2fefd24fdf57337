import Enpire
import Testing
@testable import EnpireLearning

/// ``ConstantInputs``: a column constant over the training rows passes through the normaliser unscaled and the
/// first layer gets zero weights from it, so a later value there changes nothing.
@Suite("Constant inputs")
struct ConstantInputsTests {
    @Test("constant columns are found, passed through unscaled and cut from the first layer")
    func disconnectsConstantColumns() throws {
        let data = try Tensor(shape: [4, 3], scalars: [1, 0.25, 5, 2, 0.25, 6, 3, 0.25, 7, 4, 0.25, 9])
        #expect(ConstantInputs.columns(of: data) == [1])
        var normalizer = Normalizer.fit(data, kind: .meanStd)
        #expect(normalizer.scale[1] == Normalizer.minimumScale)
        var rng = SplitMix64(seed: 1)
        let network = try MLPSpecification(inputFeatures: 3, hiddenWidths: [8], outputFeatures: 2).makeNetwork(rng: &rng)
        #expect(try ConstantInputs.disconnect(data, normalizer: &normalizer, network: network) == [1])
        #expect(normalizer.offset[1] == 0.25 && normalizer.scale[1] == 1)
        let first = try #require(network.layers.first as? Linear)
        let weight = first.weight.value.scalars
        #expect((0..<8).allSatisfy { weight[$0 * 3 + 1] == 0 })
        #expect((0..<8).contains { weight[$0 * 3] != 0 })
        var a = try Tensor(shape: [1, 3], scalars: [2, 0.25, 6]), b = try Tensor(shape: [1, 3], scalars: [2, 80, 6])
        normalizer.normalize(&a)
        normalizer.normalize(&b)
        #expect(try network.forward(a) == network.forward(b))
    }

    @Test("no rows or no constant column changes nothing")
    func leavesVaryingDataAlone() throws {
        let data = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        var normalizer = Normalizer.fit(data, kind: .meanStd)
        let before = normalizer
        var rng = SplitMix64(seed: 2)
        let network = try MLPSpecification(inputFeatures: 2, hiddenWidths: [4], outputFeatures: 1).makeNetwork(rng: &rng)
        #expect(try ConstantInputs.disconnect(data, normalizer: &normalizer, network: network).isEmpty)
        #expect(normalizer == before)
        #expect(ConstantInputs.columns(of: Tensor.zeros([0, 3])).isEmpty)
    }
}
