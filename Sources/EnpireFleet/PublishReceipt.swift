/// What publishing a kept result did.
public struct PublishReceipt: Sendable, Equatable {
    /// The record published.
    public let recordID: String
    /// Commit on `stations/<name>`.
    public let stationCommit: String
    /// Commit on the shared `results` branch.
    public let resultsCommit: String
    /// Push attempts it took (1 when nobody else pushed in between).
    public let attempts: Int
}
