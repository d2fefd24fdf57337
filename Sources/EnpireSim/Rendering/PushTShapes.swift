/// The Push-T scene's shapes, prepared once in the coordinates they are drawn from.
enum PushTShapes {
    /// Half the width of gym-pusht's outlines and walls (pymunk's debug draw uses radius 2 fat segments).
    static let outlineHalfWidth = 2.0

    /// World square (the white arena image of gym-pusht).
    static let world: [(x: Double, y: Double)] = [
        (0, 0), (PushTGeometry.worldSize, 0), (PushTGeometry.worldSize, PushTGeometry.worldSize),
        (0, PushTGeometry.worldSize),
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
