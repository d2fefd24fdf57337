public import Enpire

/// Renders an episode of the scripted expert as a grid of frames (a contact sheet), for documentation and for
/// looking at what a policy did.
public enum PushTContactSheet {
    /// The outcome of rendering one episode.
    public struct Sheet: Sendable {
        /// The grid image.
        public var image: RGBImage
        /// Control steps the episode took.
        public var steps: Int
        /// Whether coverage exceeded 0.95.
        public var success: Bool
        /// Final coverage.
        public var coverage: Double
    }

    /// Runs the expert from `seed`'s gym-pusht start state and lays out `columns x rows` evenly spaced frames
    /// (first and last included) of `tileSize` pixels.
    public static func expertEpisode(seed: UInt64, tileSize: Int = 192, columns: Int = 4, rows: Int = 2,
                                     parameters: PushTPlannerParameters = PushTPlannerParameters()) throws -> Sheet {
        let simulation = PushTSimulation()
        simulation.reset(seed: seed)
        var expert = PushTHeuristicExpert(parameters: parameters)
        var states = [simulation.state]
        var success = false
        for _ in 0..<PushTGeometry.maxEpisodeSteps {
            let target = expert.nextTarget(state: simulation.state, agentVelocity: simulation.agentVelocity)
            try simulation.step(action: (target.x, target.y))
            states.append(simulation.state)
            if simulation.coverage > PushTGeometry.successThreshold {
                success = true
                break
            }
        }
        let tiles = columns * rows
        let picks = (0..<tiles).map { i in tiles == 1 ? states.count - 1 : i * (states.count - 1) / (tiles - 1) }
        var renderer = try PushTRenderer(outputSize: ImageSize(width: tileSize, height: tileSize))
        let gap = 4
        let width = columns * tileSize + (columns + 1) * gap, height = rows * tileSize + (rows + 1) * gap
        var sheet = RGBImage(size: ImageSize(width: width, height: height), fill: (60, 60, 60))
        for (slot, index) in picks.enumerated() {
            let tile = renderer.render(states[index])
            let x0 = gap + (slot % columns) * (tileSize + gap), y0 = gap + (slot / columns) * (tileSize + gap)
            for y in 0..<tileSize {
                let source = y * tileSize * 3, destination = ((y0 + y) * width + x0) * 3
                sheet.pixels.replaceSubrange(destination..<(destination + tileSize * 3),
                                             with: tile.pixels[source..<(source + tileSize * 3)])
            }
        }
        return Sheet(image: sheet, steps: states.count - 1, success: success, coverage: simulation.coverage)
    }
}
