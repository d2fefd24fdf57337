public import Enpire

/// A reset step the robot cannot do: a person (or a fixture standing in for one) must act, for example
/// installing a new zip tie after a cut. Used as a stage of an ``EscalatingReset``, it makes the need for a
/// person explicit: every outcome whose ladder attempted it carries ``instruction`` as its `operatorAction`,
/// and the ladder's verifier still checks the scene afterwards.
///
/// `perform` carries the step out: on hardware it asks the operator (a prompt, a fleet notification) and
/// returns once they confirm; in simulation it stands in for the person (the world installs the new part).
public struct OperatorStep: ResetStrategy {
    /// Short name recorded in outcomes and statistics (for example `"replace-tie"`).
    public let name: String
    /// What the person must do, in words they can act on.
    public let instruction: String
    private let perform: @Sendable (ResetContext, Double) async throws -> Void

    /// Creates the step; `perform` receives the context and the deadline (a time on `context.clock`).
    public init(name: String, instruction: String,
                perform: @escaping @Sendable (_ context: ResetContext, _ deadlineSeconds: Double) async throws -> Void) {
        self.name = name
        self.instruction = instruction
        self.perform = perform
    }

    /// ``instruction``: this strategy needs a person.
    public var operatorInstruction: String? { instruction }

    /// Has the person (or the stand-in) carry the step out.
    public func attempt(_ context: ResetContext, deadlineSeconds: Double) async throws {
        try await perform(context, deadlineSeconds)
    }
}
