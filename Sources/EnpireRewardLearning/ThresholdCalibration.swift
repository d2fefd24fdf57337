/// Picks the decision threshold on P(success) from held-out scored frames, the way `RewardCalibration` does for an
/// analyser's scalar: the threshold that minimises `falsePositiveCost · FP + FN`, ties broken towards the
/// middle of the widest gap between neighbouring scores.
public enum ThresholdCalibration {
    /// The chosen threshold (a frame is a success when its score is strictly above it) and its cost.
    ///
    /// Candidates are the midpoints between consecutive distinct scores, plus just below the lowest and at the
    /// highest score (everything a success, nothing a success). With no scores it returns 0.5.
    public static func pick(scores: [Double], labels: [Bool], falsePositiveCost: Double)
        -> (threshold: Double, cost: Double) {
        let pairs = zip(scores, labels).filter { $0.0.isFinite }.sorted { $0.0 < $1.0 }
        guard !pairs.isEmpty else { return (0.5, 0) }
        var candidates: [(threshold: Double, gap: Double)] = [(pairs[0].0 - 1e-9, 0)]
        for i in 1..<pairs.count where pairs[i].0 > pairs[i - 1].0 {
            candidates.append(((pairs[i].0 + pairs[i - 1].0) / 2, pairs[i].0 - pairs[i - 1].0))
        }
        candidates.append((pairs[pairs.count - 1].0, 0))
        var best = (threshold: 0.5, cost: Double.infinity, gap: -1.0)
        for candidate in candidates {
            var cost = 0.0
            for (score, label) in pairs {
                let predicted = score > candidate.threshold
                if predicted && !label { cost += falsePositiveCost }
                if !predicted && label { cost += 1 }
            }
            if cost < best.cost - 1e-12 || (abs(cost - best.cost) <= 1e-12 && candidate.gap > best.gap) {
                best = (candidate.threshold, cost, candidate.gap)
            }
        }
        return (best.threshold, best.cost)
    }
}
