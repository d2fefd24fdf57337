public import Enpire
import EnpireFleet
public import Foundation

/// A station's working folder for a coding agent, and the operator folder that seals it: any registered
/// ``ResearchTask`` (the station file names it; ``TaskRegistry`` resolves it).
///
/// The workspace is what the agent sees (inside `enpire agent`'s sandbox it is the only writable folder). The
/// operator folder holds everything the agent must not read or change: the held-out secret, the frozen hash,
/// pending trial results, the trial budget of the current agent run and the evaluation count. It must not lie
/// inside the workspace; by default it is the sibling folder `<workspace>.operator`.
///
/// ```
/// <workspace>/station.json             name, task, fleet remote, frozen hash (a copy for the agent to read)
/// <workspace>/frozen.json              FrozenCriteria with a sealed seed split (count and digest only)
/// <workspace>/ledger.jsonl, results.md decisions and held-out evaluations
/// <operator>/operator.json             station, frozen hash, held-out secret, evaluation limit and count,
///                                      trial counter, the running agent's trial budget (mode 0600)
/// <operator>/frozen.original.json      the criteria as frozen, to name changed fields
/// <operator>/pending/<id>.json         finished trials waiting for keep/revert
/// <operator>/kept/<id>.json            the operator's copy of each kept record (what the fleet may receive)
/// <operator>/lock                      every change to operator.json or pending/ happens under flock on it
/// ```
///
/// Held-out seeds are derived from the secret (SHA-256 of the secret and an index), so they are neither a
/// fixed range nor stored anywhere the agent can read; only aggregates leave ``evaluateBest(progress:)``.
public struct ResearchWorkspace: Sendable {
    /// What `station.json` holds.
    public struct StationFile: Codable, Sendable, Equatable {
        /// Station name.
        public var name: String
        /// Task.
        public var task: String
        /// Fleet remote (path or URL), if the station shares results.
        public var fleet: String?
        /// Hash of the frozen criteria at init.
        public var frozenHash: String
        /// Task options the workspace was initialised with (``ResearchTask/configured(_:)``; nil: none).
        public var taskOptions: [String: String]?
        /// The policy work tree's folder inside the workspace when this is a code workspace (`policy`), else nil.
        public var code: String?
    }

    /// A finished trial waiting for a decision.
    public struct PendingTrial: Codable, Sendable {
        /// Identifier (`<station>-<n>`).
        public var id: String
        /// The recipe tried.
        public var recipe: Recipe
        /// What the agent expected.
        public var hypothesis: String
        /// Successes and trials on the development seeds.
        public var results: TrialResults
        /// Robot seconds used.
        public var robotSeconds: Double
        /// Wall seconds used.
        public var wallSeconds: Double
        /// Start, seconds since 1970.
        public var startedAt: Double
        /// The commit the workspace's Git work tree had checked out when the trial ran (`nil` outside a repository);
        /// in a code workspace the commit of the policy code the trial built and ran.
        public var commit: String?
        /// The code a code-workspace trial ran (`nil` for a recipe trial).
        public var code: CodeRevision?
    }

    /// Errors a workspace reports.
    public enum WorkspaceError: Error, CustomStringConvertible {
        /// The folder is not an initialised workspace.
        case notInitialised(String)
        /// `init` was asked to overwrite an existing workspace or operator folder.
        case alreadyExists(String)
        /// The operator folder is inside the workspace (or the workspace inside it).
        case operatorInsideWorkspace(operator: String, workspace: String)
        /// The operator folder cannot be read (absent, or hidden by the agent sandbox).
        case operatorFolderUnavailable(String)
        /// The operator folder belongs to another workspace.
        case operatorFolderMismatch(operator: String, recordedWorkspace: String)
        /// The frozen criteria changed since init.
        case frozenCriteriaChanged(fields: [String])
        /// The trial budget of this agent run is spent.
        case trialBudgetExhausted
        /// Another agent run holds the trial budget of this workspace.
        case agentRunActive(pid: Int32)
        /// The held-out evaluations allowed for this workspace are used up.
        case evaluationLimitReached(limit: Int)
        /// No pending trial with that id.
        case noSuchTrial(String)
        /// No trial with that id was recorded (pending or decided).
        case noRecordedTrial(String)
        /// The station's emergency stop is latched.
        case emergencyStopLatched(reason: String)
        /// A recipe was not valid.
        case badRecipe(String)
        /// A value given to `init` is out of range.
        case badValue(String)
        /// Reading or writing a file failed.
        case io(path: String, reason: String)

        /// A message a user can act on.
        public var description: String {
            switch self {
            case .notInitialised(let path): return "\(path) is not an Enpire workspace: run `enpire init --workspace \(path)` first"
            case .alreadyExists(let path):
                return "\(path) already exists: `enpire init` never replaces a workspace or its operator folder "
                    + "(frozen criteria and held-out seeds); choose a new folder or remove this one yourself"
            case .operatorInsideWorkspace(let op, let workspace):
                return "operator folder \(op) overlaps the workspace \(workspace): the agent could read it; "
                    + "give --operator a folder outside the workspace"
            case .operatorFolderUnavailable(let path):
                return "operator folder \(path) is not readable: this command needs it (give --operator DIR; "
                    + "inside `enpire agent` the station commands reach it through the runner)"
            case .operatorFolderMismatch(let op, let recorded):
                return "operator folder \(op) belongs to the workspace \(recorded); give the matching --operator"
            case .frozenCriteriaChanged(let fields):
                return "frozen evaluation criteria changed (\(fields.joined(separator: ", "))): trials are refused; restore frozen.json"
            case .trialBudgetExhausted: return "the trial budget of this agent run is spent: decide keep/revert and stop"
            case .agentRunActive(let pid):
                return "an agent run (process \(pid)) holds this workspace's trial budget; wait for it to end or stop it"
            case .evaluationLimitReached(let limit):
                return "the \(limit) held-out evaluations allowed for this workspace are used (see the ledger); "
                    + "the held-out set is not an oracle: initialise a new workspace for a new evaluation generation"
            case .noSuchTrial(let id): return "no pending trial '\(id)': run `enpire status` to list pending trials"
            case .noRecordedTrial(let id):
                return "no trial '\(id)' was run in this workspace: give the id of a pending or decided trial (see `enpire status` and the ledger)"
            case .emergencyStopLatched(let reason):
                return "the station's emergency stop is latched (\(reason)): no trial runs until the operator clears it "
                    + "(`enpire estop --clear --workspace DIR`) after checking the station"
            case .badRecipe(let reason): return "invalid recipe: \(reason)"
            case .badValue(let reason): return reason
            case .io(let path, let reason): return "cannot use \(path): \(reason)"
            }
        }
    }

    /// The workspace folder.
    public let folder: URL
    /// The operator folder (held-out secret, frozen hash, budgets, pending trials): never inside ``folder``.
    public let operatorFolder: URL
    /// Where the station file's task name is resolved.
    public let registry: TaskRegistry
    /// How a code workspace's trials and evaluations run the policy code: sandboxed (the default; refused where
    /// bubblewrap cannot run) or, when the operator opts out, unsandboxed.
    public var policyIsolation: PolicyIsolation

    /// Opens a workspace folder (which may not be initialised yet) with its operator folder; `nil` selects
    /// ``defaultOperatorFolder(for:)``. The workspace's task is looked up in `registry`; a code workspace runs
    /// its policy code with `policyIsolation`.
    public init(folder: URL, operatorFolder: URL? = nil, registry: TaskRegistry = .shared,
                policyIsolation: PolicyIsolation = .sandboxed) {
        self.folder = folder.standardizedFileURL
        self.operatorFolder = (operatorFolder ?? Self.defaultOperatorFolder(for: folder)).standardizedFileURL
        self.registry = registry
        self.policyIsolation = policyIsolation
    }

    /// The workspace's task.
    public func task() throws -> any ResearchTask {
        let station = try station()
        let task = try registry.task(named: station.task)
        guard let options = station.taskOptions, !options.isEmpty else { return task }
        return try task.configured(options)
    }

    /// The default operator folder of a workspace: the sibling `<workspace>.operator`.
    public static func defaultOperatorFolder(for workspace: URL) -> URL {
        let standard = workspace.standardizedFileURL
        return standard.deletingLastPathComponent().appendingPathComponent(standard.lastPathComponent + ".operator")
    }

    var stationURL: URL { folder.appendingPathComponent("station.json") }
    var frozenURL: URL { folder.appendingPathComponent("frozen.json") }
    var ledgerURL: URL { folder.appendingPathComponent("ledger.jsonl") }
    var operatorStateURL: URL { operatorFolder.appendingPathComponent("operator.json") }
    var originalCriteriaURL: URL { operatorFolder.appendingPathComponent("frozen.original.json") }
    var pendingURL: URL { operatorFolder.appendingPathComponent("pending") }
    var lockURL: URL { operatorFolder.appendingPathComponent("lock") }
    var keptURL: URL { operatorFolder.appendingPathComponent("kept") }
    var trialsURL: URL { operatorFolder.appendingPathComponent("trials") }

    /// What `operator.json` holds. Only the runner side (outside the agent sandbox) reads or writes it.
    struct OperatorState: Codable {
        /// A running agent's claim on the trial budget.
        struct AgentRun: Codable {
            var pid: Int32
            var trialsRemaining: Int
        }

        var workspace: String
        var station: StationFile
        var heldOutSecret: String
        var heldOutCount: Int
        var evaluationLimit: Int
        var evaluationsUsed: Int
        var trialsStarted: Int
        var agentRun: AgentRun?
        /// Why the emergency stop was latched; trials are refused while it is set.
        var emergencyStop: String?
        /// A code workspace's kept commit: where revert resets the work tree, every trial's parent.
        var keptCommit: String?
    }

    /// Most held-out evaluations `init` accepts per workspace.
    public static let maximumEvaluationLimit = 1000
    /// Largest JSON document of a workspace or operator folder read (16 MiB: station, frozen criteria, operator
    /// state, pending trials, kept records, episode summaries). An agent can write to the workspace, so no file
    /// there is read whole before its size is checked.
    public static let maximumDocumentBytes = 1 << 24

    /// Initialises the workspace: frozen criteria (development seeds visible, held-out seeds derived from a
    /// random secret kept in the operator folder), an empty ledger, and optionally a fleet remote (a bare
    /// repository is created at a local path if absent). Refuses an existing workspace or operator folder.
    /// `taskOptions` configure the task (for example Push-T's `reality=mild`); they are kept in `station.json`, so
    /// every trial and evaluation of the workspace runs the same configured task. With `code` the workspace is a
    /// code workspace: its policy is the Git work tree `<workspace>/policy`, created from the task's
    /// ``ResearchTask/codeTemplate`` (or, with `language` `.swift`, ``PolicyCodeTemplate/swiftPackage(for:)``) and
    /// committed on its branch `policy` (the first kept commit).
    public func initialise(task unconfigured: any ResearchTask, station: String, fleet: String?, episodesPerTrial: Int,
                           heldOut: Int, evaluationLimit: Int = 10, taskOptions: [String: String] = [:],
                           code: Bool = false, language: PolicyLanguage = .python) async throws -> StationFile {
        let task = taskOptions.isEmpty ? unconfigured : try unconfigured.configured(taskOptions)
        let fm = FileManager.default
        try FleetStation.validate(station, kind: "station name")
        guard (0...Self.maximumEvaluationLimit).contains(evaluationLimit) else {
            throw WorkspaceError.badValue("--eval-limit \(evaluationLimit) is out of range: give 0...\(Self.maximumEvaluationLimit)")
        }
        let workspacePath = folder.resolvingSymlinksInPath().path
        let operatorPath = operatorFolder.resolvingSymlinksInPath().path
        if Self.overlaps(workspacePath, operatorPath) {
            throw WorkspaceError.operatorInsideWorkspace(operator: operatorPath, workspace: workspacePath)
        }
        if fm.fileExists(atPath: operatorFolder.path) { throw WorkspaceError.alreadyExists(operatorFolder.path) }
        if fm.fileExists(atPath: folder.path),
           !((try? fm.contentsOfDirectory(atPath: folder.path)) ?? ["?"]).isEmpty {
            throw WorkspaceError.alreadyExists(folder.path)
        }
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        try fm.createDirectory(at: pendingURL, withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: operatorFolder.path)
        let development = (0..<UInt64(episodesPerTrial)).map { $0 }
        let secret = Self.randomSecret()
        let seeds = Self.heldOutSeeds(secret: secret, count: heldOut, excluding: Set(development))
        let split = try SeedSplit(development: development, heldOut: seeds, secret: secret)
        let criteria = task.criteria.frozen(seeds: split)
        let file = StationFile(name: station, task: task.name, fleet: fleet, frozenHash: try criteria.contentHash(),
                               taskOptions: taskOptions.isEmpty ? nil : taskOptions, code: code ? Self.policyFolder : nil)
        let kept = code ? try createPolicyWorkTree(template: language.template(for: task), task: task, station: station) : nil
        let state = OperatorState(workspace: folder.resolvingSymlinksInPath().path, station: file, heldOutSecret: secret,
                                  heldOutCount: heldOut, evaluationLimit: evaluationLimit, evaluationsUsed: 0,
                                  trialsStarted: 0, agentRun: nil, keptCommit: kept)
        try writeState(state)
        let encoder = Self.encoder
        try encoder.encode(criteria).write(to: originalCriteriaURL, options: .atomic)
        try encoder.encode(criteria).write(to: frozenURL, options: .atomic)
        if let fleet, !fleet.contains("://"), !fm.fileExists(atPath: fleet) {
            _ = try FleetRemote.createBare(at: URL(fileURLWithPath: fleet))
        }
        if let fleet { try await claimStationName(station, fleet: fleet, frozenHash: file.frozenHash) }
        try encoder.encode(file).write(to: stationURL, options: .atomic)
        _ = try ExperimentLedger(fileURL: ledgerURL, createIfMissing: true)
        return file
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }()

    static func overlaps(_ a: String, _ b: String) -> Bool {
        a == b || a.hasPrefix(b.hasSuffix("/") ? b : b + "/") || b.hasPrefix(a.hasSuffix("/") ? a : a + "/")
    }

    /// 32 bytes from the system's cryptographic generator, as hexadecimal.
    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in generator.next() as UInt64 }.map { String(format: "%016llx", $0) }.joined()
    }

    /// Held-out seeds derived from the secret: seed *i* is the first 64 bits of
    /// SHA-256("enpire-heldout-seed-v1\n" + secret + "\n" + i), skipping repeats and development seeds.
    static func heldOutSeeds(secret: String, count: Int, excluding: Set<UInt64>) -> [UInt64] {
        var seeds: [UInt64] = []
        var seen = excluding
        var index = 0
        seeds.reserveCapacity(count)
        while seeds.count < count {
            let digest = SHA256.hex("enpire-heldout-seed-v1\n\(secret)\n\(index)")
            index += 1
            guard let seed = UInt64(digest.prefix(16), radix: 16), seen.insert(seed).inserted else { continue }
            seeds.append(seed)
        }
        return seeds
    }

    // MARK: Operator state

    func readState() throws -> OperatorState {
        guard let data = try? SafeFile.read(operatorStateURL, limit: Self.maximumDocumentBytes) else {
            throw WorkspaceError.operatorFolderUnavailable(operatorFolder.path)
        }
        let state: OperatorState
        do { state = try JSONDecoder().decode(OperatorState.self, from: data) } catch {
            throw WorkspaceError.io(path: operatorStateURL.path, reason: "not a valid operator state: \(error)")
        }
        guard state.workspace == folder.resolvingSymlinksInPath().path else {
            throw WorkspaceError.operatorFolderMismatch(operator: operatorFolder.path, recordedWorkspace: state.workspace)
        }
        return state
    }

    func writeState(_ state: OperatorState) throws {
        do {
            try Self.encoder.encode(state).write(to: operatorStateURL, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: operatorStateURL.path)
        } catch {
            throw WorkspaceError.io(path: operatorStateURL.path, reason: "\(error)")
        }
    }

    /// Runs `body` on the operator state under an exclusive `flock` on `<operator>/lock`, writing the state back
    /// if `body` changed it. Parallel `enpire` processes on one workspace serialise here.
    func updateState<T>(_ body: (inout OperatorState) throws -> T) throws -> T {
        _ = try readState()
        let fd = open(lockURL.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WorkspaceError.io(path: lockURL.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw WorkspaceError.io(path: lockURL.path, reason: String(cString: strerror(errno))) }
        }
        defer { flock(fd, LOCK_UN) }
        var state = try readState()
        let result = try body(&state)
        try writeState(state)
        return result
    }
}
