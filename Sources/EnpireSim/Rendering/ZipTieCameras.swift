public import Enpire

/// The zip-tie station's two cameras over one world: ``ZipTieRenderer/View/top`` and
/// ``ZipTieRenderer/View/oblique``, each with its own noise seed (two mounted cameras in one room).
public enum ZipTieCameras {
    /// Both cameras, top first; `noiseSeed` seeds the top camera and `noiseSeed + 1` the oblique one.
    ///
    /// - Throws: ``RenderingError`` for an invalid resolution.
    public static func make(world: ZipTieWorld, clock: any StationClock, realistic: Bool = true,
                            noiseSeed: UInt64 = 0, resolution: ImageSize = ZipTieRenderer.defaultSize)
        throws(RenderingError) -> [ZipTieCamera] {
        var cameras: [ZipTieCamera] = []
        for (offset, view) in ZipTieRenderer.View.allCases.enumerated() {
            let noise = realistic ? ZipTieRenderer.realisticNoise(seed: noiseSeed &+ UInt64(offset)) : .none
            cameras.append(try ZipTieCamera(view: view, resolution: resolution, noise: noise, clock: clock) {
                await world.scene
            })
        }
        return cameras
    }
}
