/// How sure a reward function is of its verdict.
public enum VerdictStatus: String, Sendable, Codable, Hashable {
    /// All evidence agrees the task succeeded.
    case confirmedPass
    /// Evidence points to failure.
    case likelyFail
    /// Evidence is close to the decision threshold or cameras disagree.
    case boundary
    /// The verdict could not be formed (missing camera, corrupt frame, ...). Never counts as success.
    case unknown
}

/// One detector's opinion (usually one camera).
public struct Vote: Sendable, Codable, Equatable {
    /// Source of the vote (camera name or signal name).
    public var source: String
    /// Whether this source sees success.
    public var success: Bool
    /// Score in [0, 1].
    public var score: Double

    /// Creates a vote.
    public init(source: String, success: Bool, score: Double) {
        self.source = source
        self.success = success
        self.score = score
    }
}

/// The result of judging a step or an episode.
public struct Verdict: Sendable, Codable, Equatable {
    /// Whether the task counts as done.
    public var success: Bool
    /// Dense score in [0, 1] (task progress).
    public var score: Double
    /// Confidence class.
    public var status: VerdictStatus
    /// Per-source votes that were fused into this verdict.
    public var votes: [Vote]
    /// Time taken to form the verdict, in seconds.
    public var latencySeconds: Double
    /// Free-form explanation (which check failed, which camera was missing).
    public var detail: String?

    /// Creates a verdict.
    public init(success: Bool, score: Double, status: VerdictStatus, votes: [Vote] = [],
                latencySeconds: Double = 0, detail: String? = nil) {
        self.success = success
        self.score = score
        self.status = status
        self.votes = votes
        self.latencySeconds = latencySeconds
        self.detail = detail
    }

    /// Whether every vote except those from `sources` succeeded: the part of an AND-fused verdict that the other
    /// votes decide. A camera-only classifier that will be fused with the arm's force or tension vote is trained
    /// on `success(ignoring: ["force"])`, the part a camera can see. Without votes, ``success``.
    public func success(ignoring sources: Set<String>) -> Bool {
        guard !votes.isEmpty else { return success }
        return votes.allSatisfy { $0.success || sources.contains($0.source) }
    }

    /// A verdict that could not be formed; never a success.
    public static func unknown(_ detail: String) -> Verdict {
        Verdict(success: false, score: 0, status: .unknown, detail: detail)
    }
}
