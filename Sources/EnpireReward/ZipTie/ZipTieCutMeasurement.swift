/// What the zip-tie frame analyzer saw in one camera frame.
public struct ZipTieCutMeasurement: Sendable, Equatable, Codable {
    /// Pixels classified as tie (including the mark).
    public var tiePixels: Int
    /// Pixels classified as the painted mark.
    public var markPixels: Int
    /// Connected pieces of tie that hold at least the model's minimum share of the tie.
    public var pieces: Int
    /// Pieces that carry at least the model's minimum share of the mark (2 when the tie is split at the mark).
    public var piecesWithMark: Int
    /// Smallest distance between the mark pixels of the two marked pieces, in pixels (0 unless split).
    public var gapPixels: Double
    /// Tool (gripper, cutter) pixels near the gap: the split may be a tool hiding the tie, not a cut.
    public var occludingPixels: Int

    /// Creates a measurement.
    public init(tiePixels: Int, markPixels: Int, pieces: Int, piecesWithMark: Int, gapPixels: Double,
                occludingPixels: Int) {
        self.tiePixels = tiePixels
        self.markPixels = markPixels
        self.pieces = pieces
        self.piecesWithMark = piecesWithMark
        self.gapPixels = gapPixels
        self.occludingPixels = occludingPixels
    }

    /// Whether the tie shows split at the mark (two pieces each carrying part of it) with no tool at the gap.
    public var cutAtMark: Bool { piecesWithMark == 2 && occludingPixels == 0 }
    /// Whether a tool lies over the split, so this camera cannot tell a cut from an occlusion.
    public var occluded: Bool { piecesWithMark == 2 && occludingPixels > 0 }
}
