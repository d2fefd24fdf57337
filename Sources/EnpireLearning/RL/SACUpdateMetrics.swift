/// Diagnostics of one ``SoftActorCritic/update(online:demonstrations:)`` call.
public struct SACUpdateMetrics: Sendable, Equatable {
    /// Mean critic MSE over the critic updates of the call.
    public var criticLoss: Float
    /// Actor loss `mean(α·log π − Q̄ + w·‖π − a‖²)` of the last actor update.
    public var actorLoss: Float
    /// Temperature α after the call.
    public var temperature: Float
    /// Mean policy entropy estimate `−log π` of the last actor batch.
    public var entropy: Float
}
