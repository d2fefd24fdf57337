public import Enpire

/// Fuses per-camera and per-signal votes into one verdict.
public enum VoteFusion {
    /// Combines `votes` under `rule`; `expectedSources` not among the votes make the verdict `unknown`.
    ///
    /// The status is `confirmedPass` when every vote agrees on success, `likelyFail` when every vote agrees on
    /// failure, and `boundary` when they disagree (whatever the rule decided).
    public static func fuse(_ votes: [Vote], rule: FusionRule, expectedSources: [String] = []) -> Verdict {
        let present = Set(votes.map(\.source))
        let missing = expectedSources.filter { !present.contains($0) }
        guard missing.isEmpty else {
            return Verdict(success: false, score: 0, status: .unknown, votes: votes,
                           detail: "missing votes from \(missing.joined(separator: ", "))")
        }
        guard !votes.isEmpty else { return .unknown("no votes to fuse") }
        let yes = votes.filter(\.success).count
        let meanScore = votes.map { min(1, max(0, $0.score)) }.reduce(0, +) / Double(votes.count)
        let success: Bool
        var score = meanScore
        switch rule {
        case .all:
            success = yes == votes.count
        case .majority:
            success = 2 * yes > votes.count
        case .weighted(let weights, let threshold):
            var total = 0.0, sum = 0.0
            for vote in votes {
                let weight = max(0, weights[vote.source] ?? 1)
                total += weight
                sum += weight * min(1, max(0, vote.score))
            }
            score = total > 0 ? sum / total : 0
            success = total > 0 && score >= threshold
        }
        let status: VerdictStatus = yes == votes.count ? .confirmedPass : (yes == 0 ? .likelyFail : .boundary)
        return Verdict(success: success, score: score, status: status, votes: votes)
    }
}
