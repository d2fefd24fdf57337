import Enpire
/// Paired inputs and targets, one example per row.
public struct SupervisedDataset: Sendable {
    /// `[examples, inputFeatures]`.
    public var inputs: Tensor
    /// `[examples, targetFeatures]`.
    public var targets: Tensor

    /// Creates a dataset, failing when row counts differ.
    public init(inputs: Tensor, targets: Tensor) throws(TensorError) {
        guard inputs.rows == targets.rows else {
            throw .shapeMismatch("inputs have \(inputs.rows) rows, targets \(targets.rows)")
        }
        self.inputs = inputs
        self.targets = targets
    }

    /// Number of examples.
    public var count: Int { inputs.rows }

    /// Splits off the last `fraction` of a seeded permutation as a validation set.
    public func split(validationFraction: Double, seed: UInt64) -> (train: SupervisedDataset,
                                                                     validation: SupervisedDataset) {
        var rng = SplitMix64(seed: seed)
        var order = Array(0..<count)
        order.shuffle(using: &rng)
        let validationCount = min(max(Int((Double(count) * validationFraction).rounded()), 0), count)
        let trainRows = Array(order.dropLast(validationCount)), validationRows = Array(order.suffix(validationCount))
        return (subset(trainRows), subset(validationRows))
    }

    /// The examples at `rows`, in that order.
    public func subset(_ rows: [Int]) -> SupervisedDataset {
        func gather(_ tensor: Tensor) -> Tensor {
            let width = tensor.columns
            var scalars = [Float]()
            scalars.reserveCapacity(rows.count * width)
            for row in rows { scalars.append(contentsOf: tensor.scalars[(row * width)..<((row + 1) * width)]) }
            return (try? Tensor(shape: [rows.count, width], scalars: scalars)) ?? .zeros([0, width])
        }
        // Both gathers keep row counts equal, so this cannot fail.
        return (try? SupervisedDataset(inputs: gather(inputs), targets: gather(targets))) ?? self
    }
}

/// Seeded shuffled mini-batches that fill caller-owned tensors (no allocation per batch once sized).
public struct MiniBatchSampler: Sendable {
    /// Examples per batch; the last partial batch of an epoch is dropped when `dropLast` is set.
    public let batchSize: Int
    /// Drop the incomplete final batch (keeps every step at the preallocated size).
    public let dropLast: Bool
    private var rng: SplitMix64
    private var order: [Int]

    /// Creates a sampler over `count` examples.
    public init(count: Int, batchSize: Int, seed: UInt64, dropLast: Bool = true) {
        self.batchSize = max(1, min(batchSize, max(count, 1)))
        self.dropLast = dropLast
        rng = SplitMix64(seed: seed)
        order = Array(0..<count)
    }

    /// Batches in the next epoch.
    public var batchesPerEpoch: Int {
        dropLast ? order.count / batchSize : (order.count + batchSize - 1) / batchSize
    }

    /// Reshuffles for a new epoch.
    public mutating func shuffle() { order.shuffle(using: &rng) }

    /// Copies batch `index` of the current epoch into `inputs` and `targets`.
    public func fill(batch index: Int, from dataset: SupervisedDataset, inputs: inout Tensor, targets: inout Tensor) {
        let start = index * batchSize
        let batch = order[start..<min(start + batchSize, order.count)]
        gather(rows: batch, of: dataset.inputs, into: &inputs)
        gather(rows: batch, of: dataset.targets, into: &targets)
    }

    /// Copies the given rows of `source`, in order, into `destination` (resized to fit).
    private func gather(rows selected: ArraySlice<Int>, of source: Tensor, into destination: inout Tensor) {
        let width = source.columns
        destination.resize(rows: selected.count, columns: width)
        source.scalars.withUnsafeBufferPointer { from in
            destination.scalars.withUnsafeMutableBufferPointer { to in
                for (r, row) in selected.enumerated() {
                    (to.baseAddress! + r * width).update(from: from.baseAddress! + row * width, count: width)
                }
            }
        }
    }
}
