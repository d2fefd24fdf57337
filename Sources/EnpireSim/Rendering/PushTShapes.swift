/// The Push-T scene's shapes, prepared once in the coordinates they are drawn from.
enum PushTShapes {
    /// Half the width of gym-pusht's outlines and walls (pymunk's debug draw uses radius 2 fat segments).
    static let outlineHalfWidth = 2.0

    /// gym-pusht's whole 512 x 512 image, in world coordinates: shapes are drawn half a pixel off (a world point
    /// lands on a pixel centre), the image's own edges are not.
    static let world: [(x: Double, y: Double)] = [
        (-0.5, -0.5), (PushTGeometry.worldSize - 0.5, -0.5),
        (PushTGeometry.worldSize - 0.5, PushTGeometry.worldSize - 0.5), (-0.5, PushTGeometry.worldSize - 0.5),
    ]
    /// Block-local bar grown by the outline half width: the outline's outer edge.
    static let barOuter = ConvexOutline.grown(PushTGeometry.barVertices, by: outlineHalfWidth)
    /// Block-local bar shrunk by the outline half width: the visible fill.
    static let barInner = ConvexOutline.shrunk(PushTGeometry.barVertices, by: outlineHalfWidth)
    /// Block-local stem grown by the outline half width.
    static let stemOuter = ConvexOutline.grown(PushTGeometry.stemVertices, by: outlineHalfWidth)
    /// Block-local stem shrunk by the outline half width.
    static let stemInner = ConvexOutline.shrunk(PushTGeometry.stemVertices, by: outlineHalfWidth)
    /// World-space wall capsules (segments of radius ``PushTGeometry/wallRadius``).
    static let walls: [[(x: Double, y: Double)]] = PushTGeometry.walls.map { wall in
        ConvexOutline.grown([wall.0, wall.1], by: PushTGeometry.wallRadius)
    }
    /// Radius of the agent's lighter centre.
    static let agentCenterRadius = 11.0
}
