/// Splits a white-normalised colour into shares of block and goal (the rest being arena white).
///
/// A pixel on an edge is a linear blend of the colours on either side, so the block share of an edge pixel is the
/// share of that pixel the block covers: summed over a region it gives the block's area, and its weighted moments
/// give a sub-pixel centroid. The least-squares split over all three channels uses brightness as well as chroma
/// (brightness survives JPEG's halved colour resolution). A second split with grey as a third colour ignores
/// shading, walls and the table: it classifies pixels, the first one weighs them.
struct ColourUnmixer: Sendable {
    /// Rows of the least-squares inverse of [block − white, goal − white]: the block and goal shares.
    let blockRow: (Double, Double, Double)
    let goalRow: (Double, Double, Double)
    /// The same with grey as a third colour: insensitive to shading and grey surfaces, for classification.
    let greyBlockRow: (Double, Double, Double)
    let greyGoalRow: (Double, Double, Double)
    /// Blue-minus-red level above which a pixel is the agent (midway between block and agent).
    let agentThreshold: Double

    /// Builds the unmixer, or nil when the colours are too close to tell apart.
    init?(block: [Double], goal: [Double], agent: [Double]) {
        guard block.count == 3, goal.count == 3, agent.count == 3 else { return nil }
        let f = (block[0] - 1, block[1] - 1, block[2] - 1), g = (goal[0] - 1, goal[1] - 1, goal[2] - 1)
        do {
            // Columns: block − white, goal − white, (−1, −1, −1); first two rows of the inverse.
            let a = [[f.0, g.0, -1.0], [f.1, g.1, -1.0], [f.2, g.2, -1.0]]
            let det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
                - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
            guard det.isFinite, abs(det) > 1e-4 else { return nil }
            greyBlockRow = ((a[1][1] * a[2][2] - a[1][2] * a[2][1]) / det,
                            (a[0][2] * a[2][1] - a[0][1] * a[2][2]) / det, (a[0][1] * a[1][2] - a[0][2] * a[1][1]) / det)
            greyGoalRow = ((a[1][2] * a[2][0] - a[1][0] * a[2][2]) / det,
                           (a[0][0] * a[2][2] - a[0][2] * a[2][0]) / det, (a[0][2] * a[1][0] - a[0][0] * a[1][2]) / det)
        }
        do {
            // Least squares over the two colours: (AᵀA)⁻¹Aᵀ with A = [block − white, goal − white].
            let ff = f.0 * f.0 + f.1 * f.1 + f.2 * f.2, gg = g.0 * g.0 + g.1 * g.1 + g.2 * g.2
            let fg = f.0 * g.0 + f.1 * g.1 + f.2 * g.2
            let det = ff * gg - fg * fg
            guard det.isFinite, det > 1e-6 * max(ff * gg, 1e-12) else { return nil }
            blockRow = ((gg * f.0 - fg * g.0) / det, (gg * f.1 - fg * g.1) / det, (gg * f.2 - fg * g.2) / det)
            goalRow = ((ff * g.0 - fg * f.0) / det, (ff * g.1 - fg * f.1) / det, (ff * g.2 - fg * f.2) / det)
        }
        let blockBlue = block[2] - block[0], agentBlue = agent[2] - agent[0]
        guard agentBlue > blockBlue + 0.05 else { return nil }
        agentThreshold = 0.5 * (blockBlue + agentBlue)
    }

    @inline(__always) func blockShare(_ r: Double, _ g: Double, _ b: Double) -> Double {
        blockRow.0 * (r - 1) + blockRow.1 * (g - 1) + blockRow.2 * (b - 1)
    }

    @inline(__always) func goalShare(_ r: Double, _ g: Double, _ b: Double) -> Double {
        goalRow.0 * (r - 1) + goalRow.1 * (g - 1) + goalRow.2 * (b - 1)
    }

    @inline(__always) func greyBlockShare(_ r: Double, _ g: Double, _ b: Double) -> Double {
        greyBlockRow.0 * (r - 1) + greyBlockRow.1 * (g - 1) + greyBlockRow.2 * (b - 1)
    }

    @inline(__always) func greyGoalShare(_ r: Double, _ g: Double, _ b: Double) -> Double {
        greyGoalRow.0 * (r - 1) + greyGoalRow.1 * (g - 1) + greyGoalRow.2 * (b - 1)
    }

    @inline(__always) func isAgent(_ r: Double, _ b: Double) -> Bool { b - r > agentThreshold }

    /// gym-pusht's palette (fill, outline, goal, agent) relative to its white arena.
    static let paletteFill = [143.0 / 255, 163.0 / 255, 184.0 / 255]
    static let paletteOutline = [119.0 / 255, 136.0 / 255, 153.0 / 255]
    static let paletteGoal = [144.0 / 255, 238.0 / 255, 144.0 / 255]
    static let paletteAgent = [65.0 / 255, 105.0 / 255, 225.0 / 255]

    /// Block share of the outline colour when the fill counts 1: the outline ring's weight in the block model.
    static let outlineWeight: Double = {
        guard let palette = ColourUnmixer(block: paletteFill, goal: paletteGoal, agent: paletteAgent) else { return 1 }
        let o = paletteOutline
        return palette.blockShare(o[0], o[1], o[2])
    }()
}
