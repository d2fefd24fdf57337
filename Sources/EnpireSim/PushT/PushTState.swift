/// A snapshot of the Push-T scene in gym-pusht's coordinates and state order.
///
/// `blockX`, `blockY` are the T body's origin (what gym-pusht reports as `block.position`), not its centre of
/// gravity; `blockAngle` is unwrapped (gym-pusht's observation reports it modulo 2π).
public struct PushTState: Sendable, Equatable, Codable {
    /// Agent (pusher disc) centre x.
    public var agentX: Double
    /// Agent centre y.
    public var agentY: Double
    /// Block body origin x.
    public var blockX: Double
    /// Block body origin y.
    public var blockY: Double
    /// Block angle in radians (unwrapped).
    public var blockAngle: Double

    /// Creates a state.
    public init(agentX: Double, agentY: Double, blockX: Double, blockY: Double, blockAngle: Double) {
        self.agentX = agentX
        self.agentY = agentY
        self.blockX = blockX
        self.blockY = blockY
        self.blockAngle = blockAngle
    }

    /// gym-pusht's `obs_type="state"` vector: agent x, y, block x, y, angle modulo 2π.
    public var observationVector: [Double] {
        let twoPi = 2 * Double.pi
        var wrapped = blockAngle.truncatingRemainder(dividingBy: twoPi)
        if wrapped < 0 { wrapped += twoPi }
        return [agentX, agentY, blockX, blockY, wrapped]
    }
}
