/// Action chunking: each example's target is the next `k` actions, so a policy can execute them as a queue.
public enum ActionChunking {
    /// For one episode's actions (`[steps][actionWidth]`), returns one chunk per step: actions `t ..< t+k`
    /// concatenated, repeating the last action past the end of the episode.
    public static func chunks(of actions: [[Float]], size k: Int) -> [[Float]] {
        guard let last = actions.last, k > 0 else { return [] }
        return actions.indices.map { t in
            var chunk = [Float]()
            chunk.reserveCapacity(k * last.count)
            for offset in 0..<k {
                let index = t + offset
                chunk.append(contentsOf: index < actions.count ? actions[index] : last)
            }
            return chunk
        }
    }
}
