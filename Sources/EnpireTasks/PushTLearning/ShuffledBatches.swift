import Enpire

/// One pass over `order` in mini-batches: shuffles it in place (Fisher–Yates from the end, drawing from `rng`), then
/// hands `body` each full batch of `batch` indices in turn (a last partial batch is left out).
func forEachShuffledBatch(_ order: inout [Int], batch: Int, rng: inout SplitMix64,
                          _ body: (ArraySlice<Int>) throws -> Void) rethrows {
    for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextIndex(below: i + 1)) }
    var offset = 0
    while offset + batch <= order.count {
        try body(order[offset..<(offset + batch)])
        offset += batch
    }
}
