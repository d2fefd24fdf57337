public import Enpire
import Foundation

/// Everything the zip-tie camera verifier assumes about the station: its cameras, how large the tie looks, and
/// the rules (the tie split at the painted mark in every camera; at least 1 N of grasp force on the free end when
/// the jaws closed).
///
/// The numbers describe the simulated station by default; a lab enters its own.
public struct ZipTieVerifierModel: Sendable, Codable, Equatable {
    /// Names of the cameras whose votes are AND-fused.
    public var cameraNames = ["top", "oblique"]
    /// Resolution every camera delivers.
    public var resolution = ImageSize(width: 640, height: 480)
    /// Fewest tie pixels a usable frame shows (the whole tie shows several thousand at 640 x 480).
    public var minimumTiePixels = 1200
    /// A connected piece of tie counts when it holds at least this share of all tie pixels.
    public var minimumPieceShare = 0.12
    /// A piece carries part of the mark when it holds at least this share of the mark's pixels.
    public var minimumMarkShare = 0.2
    /// Fewest mark pixels a usable frame shows.
    public var minimumMarkPixels = 20
    /// Radius around the gap, beyond half its width, within which tool pixels mean the gap may be an occlusion.
    public var occlusionMarginPixels = 8.0
    /// Grasp force at the jaws' closure that counts as tensioned, in newtons.
    public var minimumTension = 1.0
    /// Jaw opening at or below which the jaws count as closed.
    public var closedJawOpening = 0.05
    /// Name of the tension vote.
    public var tensionSource = "tension"

    /// The default model (the simulated station).
    public init() {}

    /// A stable description of every number, part of a frozen evaluation's hash.
    public var identity: String { stableIdentity("ziptie.camera-verifier/v1") }
}
