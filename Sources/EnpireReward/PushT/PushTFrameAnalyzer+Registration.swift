public import Enpire

extension PushTFrameAnalyzer {
    /// The goal marking's pose measured again in `image`, a frame of the scene as it is (block and pusher
    /// included), with the calibrated colours: the calibration's own goal measurement (a rough pose from the
    /// marking's chroma, then the refinement passes), without its colour sampling, which needs a clear table.
    /// A camera bumped, turned or zoomed since its calibration photo can so be registered again.
    ///
    /// Where the block or the pusher hides part of the marking, the visible area shrinks, and with it the returned
    /// ``PushTImagePose/scale``: a caller compares it with the calibrated scale before trusting the pose.
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the calibration is unusable or too little of the marking is
    ///   visible.
    public func registerGoal(in image: RGBImage, calibration: PushTCameraCalibration) throws(RewardError)
        -> PushTImagePose
    {
        let unmixer = try Self.unmixer(for: calibration)
        let light = try LightPlane(image)
        guard let rough = roughGoal(image, light: light) else {
            throw .badFrame("the goal marking is not visible enough to register on")
        }
        return refinedGoal(image, light: light, unmixer: unmixer, from: rough)
    }

    /// The colour unmixer of a usable calibration.
    static func unmixer(for calibration: PushTCameraCalibration) throws(RewardError) -> ColourUnmixer {
        guard calibration.isUsable,
              let unmixer = ColourUnmixer(block: calibration.blockColor, goal: calibration.goalColor,
                                          agent: calibration.agentColor)
        else { throw .badFrame("the camera calibration is unusable (non-finite or indistinct colours); recalibrate") }
        return unmixer
    }

    /// The goal marking's rough oriented moments from the pixels of its chroma (the camera's colours are not
    /// needed); nil when too little of it is visible.
    func roughGoal(_ image: RGBImage, light: LightPlane)
        -> (x: Double, y: Double, axisX: Double, axisY: Double, area: Double)? {
        let nominalScale = Double(min(image.size.width, image.size.height)) / 512
        let greenMoments = RobustBlob.moments(image, light: light, extent: 90 * nominalScale) { _, _, r, g, b in
            2 * g - r - b > 0.3
        }
        return greenMoments.orientedCentroid(minimumArea: 0.5 * Self.goalArea * nominalScale * nominalScale / 4)
    }

    /// The goal marking's pose from its rough moments, refined with `unmixer`'s goal share.
    func refinedGoal(_ image: RGBImage, light: LightPlane, unmixer: ColourUnmixer,
                     from rough: (x: Double, y: Double, axisX: Double, axisY: Double, area: Double)) -> PushTImagePose {
        let width = image.size.width, height = image.size.height
        var goal = pose(rough, centroidY: Self.goalCentroidY, scale: (4 * rough.area / Self.goalArea).squareRoot(),
                        width: width, height: height)
        var levels = LocalLevels()
        for _ in 0..<Self.refinementPasses {
            let (moments, measured) = refinementMoments(image, light: light, pose: goal, shape: .goal, agent: nil,
                                                        levels: levels) { r, g, b in unmixer.goalShare(r, g, b) }
            levels = measured
            guard let refined = moments.orientedCentroid(minimumArea: 0.5 * Self.goalArea * goal.scale * goal.scale)
            else { break }
            goal = pose(aligned(refined, with: goal), centroidY: Self.goalCentroidY,
                        scale: (refined.area / Self.goalArea).squareRoot(), width: width, height: height)
        }
        return goal
    }
}
