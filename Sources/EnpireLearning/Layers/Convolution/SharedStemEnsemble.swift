import Enpire

/// An ensemble of convolutional networks evaluated on one example, sharing the work of their first convolutions:
/// every member reads the same input through a first ``Conv2d`` of the same geometry, so the input's columns
/// (im2col) are laid out once instead of once per member; each member's product and remaining layers then run as
/// in its own forward pass.
///
/// Built for a cross-fitted classifier judging camera frames one at a time (`SuccessClassifier` of
/// EnpireRewardLearning). The results equal each member's own evaluation forward pass float for float (the same
/// columns, the same products; tests compare every output). Stacking the members' filters into one product was
/// tried and rounds differently (the matrix library's kernels for 16 and 80 rows differ). Evaluation only (no
/// augmentation, no backward pass); the members' weights are read at every call, so training them in between is
/// seen. Not thread-safe: it owns a buffer, and it shares the members' layers (their parameters keep their names).
public final class SharedStemEnsemble {
    private let stems: [Conv2d]
    private let tails: [Sequential]
    private let stemOutputs = FloatBuffer()

    /// Wraps `members`, or returns `nil` when they cannot share a stem: fewer than two, a layer other than
    /// ``RandomShift`` before a member's first ``Conv2d``, first convolutions of different geometry or on the
    /// Winograd path, or nothing after them.
    public init?(members: [Sequential]) {
        guard members.count > 1, let first = members.first,
              let index = first.layers.firstIndex(where: { $0 is Conv2d }), index + 1 < first.layers.count,
              first.layers[..<index].allSatisfy({ $0 is RandomShift }) else { return nil }
        var stems: [Conv2d] = [], tails: [Sequential] = []
        for member in members {
            guard member.layers.count == first.layers.count, member.layers[..<index].allSatisfy({ $0 is RandomShift }),
                  let stem = member.layers[index] as? Conv2d, let reference = first.layers[index] as? Conv2d,
                  reference.sharesColumns(with: stem),
                  let tail = try? Sequential(Array(member.layers[(index + 1)...]), naming: false) else { return nil }
            stems.append(stem)
            tails.append(tail)
        }
        self.stems = stems
        self.tails = tails
    }

    /// Members.
    public var count: Int { stems.count }
    /// Floats of the one example the members read.
    public var inputFeatures: Int { stems[0].inputFeatures }
    /// Floats each member outputs.
    public var outputFeatures: Int { tails[0].outputFeatures }

    /// Runs every member on the example at `example` (``inputFeatures`` floats) in evaluation mode and calls
    /// `body` with each member's index and output (``outputFeatures`` floats, valid during the call).
    public func forEachOutput(of example: UnsafePointer<Float>, _ body: (Int, UnsafePointer<Float>) -> Void) {
        let perMember = stems[0].outputFeatures
        stemOutputs.reserve(count * perMember)
        // The layers before the stems (RandomShift) copy their input unchanged in evaluation mode: the stems read
        // the example directly.
        stems[0].forwardSharingColumns(stems, example: example, into: stemOutputs.pointer)
        for (member, tail) in tails.enumerated() {
            body(member, tail.forward(stemOutputs.pointer + member * perMember, batchSize: 1, training: false))
        }
    }
}
