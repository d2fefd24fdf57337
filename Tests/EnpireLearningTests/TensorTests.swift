import Enpire
import Testing
@testable import EnpireLearning

@Suite("Tensor")
struct TensorTests {
    @Test("matmul with transpose flags matches a naive product", arguments: [(false, false), (true, false),
                                                                             (false, true), (true, true)])
    func matmul(transposes: (Bool, Bool)) throws {
        var rng = SplitMix64(seed: 3)
        let (ta, tb) = transposes
        let a = Tensor.randomNormal(ta ? [4, 3] : [3, 4], using: &rng)
        let b = Tensor.randomNormal(tb ? [5, 4] : [4, 5], using: &rng)
        let c = try a.matmul(b, transposeSelf: ta, transposeOther: tb)
        #expect(c.shape == [3, 5])
        for i in 0..<3 {
            for j in 0..<5 {
                var sum: Float = 0
                for k in 0..<4 { sum += (ta ? a[k, i] : a[i, k]) * (tb ? b[j, k] : b[k, j]) }
                #expect(abs(c[i, j] - sum) < 1e-5)
            }
        }
    }

    @Test("Bad shapes are errors")
    func errors() {
        #expect(throws: TensorError.self) { try Tensor(shape: [2, 3], scalars: [1, 2]) }
        #expect(throws: TensorError.self) { try Tensor.zeros([2, 3]).matmul(.zeros([2, 3])) }
    }

    @Test("Normalisers round-trip and fit mean/std and min/max")
    func normalizers() throws {
        let data = try Tensor(shape: [4, 2], scalars: [0, 10, 2, 10, 4, 10, 6, 10])
        let meanStd = Normalizer.fit(data, kind: .meanStd)
        #expect(meanStd.offset == [3, 10])
        #expect(abs(meanStd.scale[0] - Float(5).squareRoot()) < 1e-5)
        #expect(meanStd.scale[1] == Normalizer.minimumScale)
        let minMax = Normalizer.fit(data, kind: .minMax)
        var x = data
        minMax.normalize(&x)
        #expect(x[0, 0] == -1 && x[3, 0] == 1)
        minMax.denormalize(&x)
        #expect(x.maxAbsoluteDifference(data) < 1e-5)
    }

    @Test("Action chunks repeat the last action past the episode end")
    func chunks() {
        let chunks = ActionChunking.chunks(of: [[1], [2], [3]], size: 2)
        #expect(chunks == [[1, 2], [2, 3], [3, 3]])
    }

    @Test("Mini-batches cover every example once per epoch")
    func batches() throws {
        let inputs = try Tensor(shape: [10, 1], scalars: (0..<10).map(Float.init))
        let dataset = try SupervisedDataset(inputs: inputs, targets: inputs)
        var sampler = MiniBatchSampler(count: 10, batchSize: 5, seed: 1)
        sampler.shuffle()
        var seen: [Float] = []
        var x = Tensor.zeros([0]), y = Tensor.zeros([0])
        for batch in 0..<sampler.batchesPerEpoch {
            sampler.fill(batch: batch, from: dataset, inputs: &x, targets: &y)
            #expect(x == y)
            seen += x.scalars
        }
        #expect(seen.sorted() == (0..<10).map(Float.init))
        #expect(seen != (0..<10).map(Float.init))
    }
}
