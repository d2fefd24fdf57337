/// Success rate over the most recent episodes (the frozen score window, 50 by default).
public struct RollingSuccessWindow: Sendable, Equatable {
    /// Number of episodes the window covers.
    public let capacity: Int
    private var outcomes: [Bool]
    private var next = 0
    private var filled = 0
    private var successesInWindow = 0

    /// Creates an empty window of `capacity` episodes (at least 1).
    public init(capacity: Int = 50) {
        self.capacity = max(1, capacity)
        outcomes = Array(repeating: false, count: self.capacity)
    }

    /// Records one episode's outcome, dropping the oldest when the window is full.
    public mutating func record(success: Bool) {
        if filled == capacity {
            if outcomes[next] { successesInWindow -= 1 }
        } else {
            filled += 1
        }
        outcomes[next] = success
        if success { successesInWindow += 1 }
        next = (next + 1) % capacity
    }

    /// Episodes currently in the window.
    public var count: Int { filled }

    /// Successes currently in the window.
    public var successes: Int { successesInWindow }

    /// Success rate over the window (0 when empty).
    public var rate: Double { filled == 0 ? 0 : Double(successesInWindow) / Double(filled) }

    /// Wilson 95% interval over the window.
    public var interval: WilsonInterval {
        WilsonInterval(checkedSuccesses: successesInWindow, trials: filled)
    }
}
