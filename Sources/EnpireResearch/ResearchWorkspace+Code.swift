import Enpire
public import EnpireFleet
import Foundation

/// Errors of a code workspace.
public enum CodeWorkspaceError: Error, CustomStringConvertible {
    /// The command needs a code workspace (`enpire init --code`).
    case notCodeWorkspace(String)
    /// A code workspace takes no recipe: its policy is the code in the work tree.
    case recipeGiven(workTree: String)
    /// The trial's policy code did not build or start; the ledger holds it as `build-failed`, no robot time used.
    case buildFailed(id: String, reason: String)
    /// The trial ran on a kept commit that is no longer the station's kept commit.
    case staleTrial(id: String, ranOn: String, kept: String)
    /// The work tree is not at the kept commit (an evaluation scores only kept code).
    case notAtKeptCommit(workTree: String, kept: String)
    /// Adopting found no such station or commit.
    case nothingToAdopt(String)
    /// A Git operation on the work tree failed.
    case git(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .notCodeWorkspace(let path):
            return "\(path) is not a code workspace: create one with `enpire init --code` (a recipe workspace takes `--recipe`)"
        case .recipeGiven(let tree):
            return "this is a code workspace: its policy is the code in \(tree); edit it and run `enpire trial "
                + "--hypothesis ...` without --recipe/--set (or put the recipe into the code)"
        case let .buildFailed(id, reason):
            return "\(id) recorded as build-failed (no robot time used): \(reason)"
        case let .staleTrial(id, ranOn, kept):
            return "\(id) ran on commit \(ranOn.prefix(12)) but the station has since kept \(kept.prefix(12)); "
                + "revert it, or run the change again on the kept code"
        case let .notAtKeptCommit(tree, kept):
            return "the work tree \(tree) is not the kept commit \(kept.prefix(12)) (uncommitted or unkept changes): "
                + "keep or revert the pending trial, or `enpire revert` to reset it, before evaluating"
        case .nothingToAdopt(let what): return "nothing to adopt: \(what)"
        case .git(let reason): return "the policy work tree: \(reason)"
        }
    }
}

extension ResearchWorkspace {
    /// The code a code-workspace trial ran.
    public struct CodeRevision: Codable, Sendable, Equatable {
        /// The station's kept commit when the trial started (the ledger's `parentCommit`).
        public var parentCommit: String
        /// The commit of the work tree the trial built and ran.
        public var commit: String
        /// What changed from parent to commit (paths and Git's short statistics).
        public var diffSummary: String
        /// Seconds the build command took.
        public var buildSeconds: Double
    }

    /// The policy work tree of a code workspace (`<workspace>/policy`), or `nil` for a recipe workspace.
    public func policyWorkTree() throws -> PolicyWorkTree? {
        guard let code = try station().code else { return nil }
        return PolicyWorkTree(folder: folder.appendingPathComponent(code))
    }

    /// The station's kept commit (the start, or the last kept trial's commit) of a code workspace.
    public func keptCommit() throws -> String? {
        try readState().keptCommit
    }

    /// Creates the policy work tree of a code workspace from `template`; returns its first commit.
    func createPolicyWorkTree(template: PolicyCodeTemplate, task: any ResearchTask, station: String) throws -> String {
        do {
            return try PolicyWorkTree.create(
                at: folder.appendingPathComponent(Self.policyFolder),
                files: template.files.sorted { $0.key < $1.key }.map { PolicyWorkTree.File(path: $0.key, contents: $0.value) },
                message: "\(task.name) policy code (enpire init)", author: station)
        } catch {
            throw CodeWorkspaceError.git("cannot create \(Self.policyFolder): \(error)")
        }
    }

    /// The work tree folder's name in a code workspace.
    static let policyFolder = "policy"

    /// The launchers of the work tree's build and run commands under ``policyIsolation``: both in a sandbox
    /// without network that hides the operator folder, the build with the work tree writable, the run with it
    /// writable for development trials and read-only for held-out evaluation (so nothing it is sent can be left
    /// where the agent reads). Throws ``PolicySandboxError`` where bubblewrap cannot run, before anything is
    /// built, charged or recorded.
    func policyLaunchers(workTree: PolicyWorkTree, heldOut: Bool) throws -> (build: PolicyLauncher, run: PolicyLauncher) {
        let bubblewrap: String?
        switch policyIsolation {
        case .unsandboxed: return (.unsandboxed, .unsandboxed)
        case .sandboxed(let chosen): bubblewrap = chosen ?? AgentSandbox.locateBubblewrap()
        }
        guard let bubblewrap else {
            throw PolicySandboxError.unavailable(reason: AgentSandbox.probe(bubblewrap: nil) ?? "bwrap is not installed")
        }
        let manifest = try? PolicyManifest.load(from: workTree.folder)
        let programs = [manifest?.build?.first, manifest?.run.first].compactMap { $0 }
        func launcher(writable: Bool) throws -> PolicyLauncher {
            let sandbox = PolicyLauncher.sandbox(bubblewrap: bubblewrap, workTree: workTree.folder,
                                                 writableWorkTree: writable, programs: programs, hidden: [operatorFolder])
            // A sandbox that would expose the operator folder is refused here, before any trial is charged.
            do { _ = try sandbox.arguments(for: ["/bin/true"]) } catch {
                throw PolicySandboxError.unavailable(reason: "\(error)")
            }
            return PolicyLauncher(sandbox: sandbox)
        }
        let build = try launcher(writable: true)
        if let reason = build.sandbox?.check() { throw PolicySandboxError.unavailable(reason: reason) }
        return (build, try launcher(writable: !heldOut))
    }

    /// Builds the work tree's policy code and starts it through `launchers`; what fails here fails before any
    /// robot time.
    func startCodePolicy(workTree: PolicyWorkTree, task: any ResearchTask, log: URL,
                         launchers: (build: PolicyLauncher, run: PolicyLauncher)) throws
        -> (policy: CodePolicy, buildSeconds: Double) {
        let manifest = try PolicyManifest.load(from: workTree.folder)
        let start = Date()
        if let build = manifest.build {
            let (status, output) = try CommandRunner.run(build, in: workTree.folder, timeout: 900, launcher: launchers.build)
            guard status == 0 else {
                throw CodePolicyError.buildFailed(command: build.joined(separator: " "), status: status, output: output)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        return (try CodePolicy(manifest: manifest, folder: workTree.folder, task: task, standardError: log,
                               launcher: launchers.run), seconds)
    }

    /// Runs the code in the work tree as a trial: commits what the work tree holds (without moving the station's
    /// branch; the commit is kept as `refs/enpire/trials/<id>`), builds it, starts it and runs it on the
    /// development seeds. A build or start failure is appended to the ledger as `build-failed` with the output and
    /// robot time 0, and thrown as ``CodeWorkspaceError/buildFailed(id:reason:)``.
    func runCodeTrial(workTree: PolicyWorkTree, hypothesis: String, progress: (@Sendable (ProgressEvent) -> Void)?,
                      episodes: (@Sendable (_ finished: Int, _ total: Int, _ summary: EpisodeSummary) async -> Void)?)
        async throws -> PendingTrial {
        let file = try station()
        let criteria = try frozenCriteria()
        let task = try task()
        let ledger = try ledger()
        let launchers = try policyLaunchers(workTree: workTree, heldOut: false)
        let (number, kept) = try chargeTrial()
        let id = "\(file.name)-\(number)"
        let start = Date()
        let parent = kept ?? ""
        let commit: String, diff: String
        do {
            commit = try workTree.snapshot(message: "trial \(id): \(hypothesis)", author: file.name).commit
            try workTree.pin(commit, as: "refs/enpire/trials/\(id)")
            diff = try workTree.diffSummary(from: kept, to: commit)
        } catch {
            throw CodeWorkspaceError.git("cannot commit the work tree for \(id): \(error)")
        }
        let started: (policy: CodePolicy, buildSeconds: Double)
        do {
            started = try startCodePolicy(workTree: workTree, task: task,
                                          log: folder.appendingPathComponent("code-logs/\(id).stderr"), launchers: launchers)
        } catch let error as CodePolicyError {
            let reason = error.description
            try await ledger.append(ExperimentRecord(
                id: id, task: file.task, station: file.name, hypothesis: hypothesis, parentCommit: kept, commit: commit,
                failure: String(reason.suffix(CommandRunner.outputLimit)), diffSummary: diff,
                config: ["code": commit], frozenHash: file.frozenHash, trialBudget: 0,
                results: try TrialResults(successes: 0, trials: 0), decision: .buildFailed,
                wallTimeSeconds: Date().timeIntervalSince(start), robotTimeSeconds: 0, tokens: 0,
                startedAtUnixSeconds: start.timeIntervalSince1970, finishedAtUnixSeconds: Date().timeIntervalSince1970))
            throw CodeWorkspaceError.buildFailed(id: id, reason: reason)
        }
        defer { started.policy.finish() }
        let total = criteria.seeds.developmentSeeds.count
        let recorder = try TrialEvidenceRecorder(folder: trialsURL.appendingPathComponent(id)) { finished, summary in
            await episodes?(finished, total, summary)
        }
        let station = try await task.makeStation(role: .workspace, name: file.name, recorder: recorder)
        let tally = try await TrialRunner.run(station: station, policy: started.policy,
                                              seeds: criteria.seeds.developmentSeeds, split: "development",
                                              progress: progress) {
            if let reason = try readState().emergencyStop { throw WorkspaceError.emergencyStopLatched(reason: reason) }
        }
        let trial = PendingTrial(
            id: id, recipe: Recipe(family: Self.codeFamily, parameters: [:]), hypothesis: hypothesis,
            results: try tally.results(), robotSeconds: tally.robotSeconds, wallSeconds: Date().timeIntervalSince(start),
            startedAt: start.timeIntervalSince1970, commit: commit,
            code: CodeRevision(parentCommit: parent, commit: commit, diffSummary: diff, buildSeconds: started.buildSeconds))
        try JSONEncoder().encode(trial).write(to: pendingURL.appendingPathComponent("\(trial.id).json"), options: .atomic)
        return trial
    }

    /// The recipe family pending code trials carry (their policy is a commit, not a recipe).
    static let codeFamily = "code"

    /// Checks the emergency stop and the agent run's budget and charges one trial; returns the trial number and
    /// the kept commit.
    func chargeTrial() throws -> (number: Int, kept: String?) {
        try updateState { state -> (Int, String?) in
            if let reason = state.emergencyStop { throw WorkspaceError.emergencyStopLatched(reason: reason) }
            // A claim left by an agent run whose runner died (kill -9) limits nothing any more.
            if let run = state.agentRun, !Self.isAlive(run.pid) { state.agentRun = nil }
            if let run = state.agentRun {
                guard run.trialsRemaining > 0 else { throw WorkspaceError.trialBudgetExhausted }
                state.agentRun?.trialsRemaining = run.trialsRemaining - 1
            }
            state.trialsStarted += 1
            return (state.trialsStarted, state.keptCommit)
        }
    }

    /// After a decision on a code trial: keep moves the station's branch to the trial's commit (files stay as they
    /// are) and makes it the kept commit; revert resets the branch and the work tree to the kept commit.
    func applyCodeDecision(_ code: CodeRevision, id: String, keep: Bool) throws {
        guard let workTree = try policyWorkTree() else { return }
        do {
            if keep {
                try workTree.moveBranch(to: code.commit, resetWorkTree: false)
                try updateState { $0.keptCommit = code.commit }
            } else if let kept = try keptCommit() {
                try workTree.moveBranch(to: kept, resetWorkTree: true)
            }
        } catch {
            throw CodeWorkspaceError.git("\(keep ? "keep" : "revert") \(id): \(error)")
        }
    }

    /// Refuses to keep a code trial that ran on another kept commit than the current one.
    func checkCodeTrialIsCurrent(_ trial: PendingTrial, keep: Bool) throws {
        guard keep, let code = trial.code, let kept = try keptCommit(), code.parentCommit != kept else { return }
        throw CodeWorkspaceError.staleTrial(id: trial.id, ranOn: code.parentCommit, kept: kept)
    }

    /// Checks out another station's published code (`station`, fetched from the fleet) or a commit (`commit`,
    /// fetched from the fleet when the work tree does not hold it): the station's branch and work tree become that
    /// commit; the kept commit does not change until a trial of it is kept. Returns the commit.
    public func adopt(station other: String? = nil, commit: String? = nil) async throws -> String {
        guard let workTree = try policyWorkTree() else { throw CodeWorkspaceError.notCodeWorkspace(folder.path) }
        let file = try station()
        var target = commit.flatMap { workTree.contains($0) ? $0 : nil }
        if target == nil {
            guard let fleet = file.fleet else {
                throw CodeWorkspaceError.nothingToAdopt(commit.map { "commit \($0) is not in the work tree and the "
                    + "workspace joined no fleet" } ?? "the workspace joined no fleet (enpire init --fleet)")
            }
            let published: [String: String]
            do { published = try workTree.fetchPublished(from: Self.fleetRemote(fleet)) } catch {
                throw CodeWorkspaceError.git("cannot fetch published code from \(fleet): \(error)")
            }
            if let other {
                guard let found = published[other] else {
                    throw CodeWorkspaceError.nothingToAdopt("station \(other) published no code to \(fleet) (published: "
                        + "\(published.keys.sorted().joined(separator: ", ")))")
                }
                target = found
            } else if let commit {
                guard let found = published.values.first(where: { $0.hasPrefix(commit) }) ?? (workTree.contains(commit) ? commit : nil)
                else { throw CodeWorkspaceError.nothingToAdopt("commit \(commit) is in neither the work tree nor the fleet") }
                target = found
            }
        }
        guard let target else { throw CodeWorkspaceError.nothingToAdopt("give a station or a commit") }
        do { try workTree.moveBranch(to: target, resetWorkTree: true) } catch {
            throw CodeWorkspaceError.git("cannot check out \(target): \(error)")
        }
        return target
    }

    /// Publishes a kept code commit as `code/<station>` on the fleet (nothing without a fleet or a commit).
    func publishKeptCode(_ record: ExperimentRecord) throws {
        guard let commit = record.commit, let workTree = try policyWorkTree(), let fleet = try station().fleet else { return }
        try workTree.publish(commit, station: record.station, remote: Self.fleetRemote(fleet))
    }

    /// Held-out evaluation of a code workspace: the kept commit's code, which must be what the work tree holds.
    func evaluateKeptCode(workTree: PolicyWorkTree, task: any ResearchTask) throws -> (policy: CodePolicy, commit: String) {
        let file = try station()
        guard let kept = try keptCommit() else { throw CodeWorkspaceError.notCodeWorkspace(folder.path) }
        let current: String
        do { current = try workTree.snapshot(message: "evaluation", author: file.name).commit } catch {
            throw CodeWorkspaceError.git("\(error)")
        }
        guard current == kept else { throw CodeWorkspaceError.notAtKeptCommit(workTree: workTree.folder.path, kept: kept) }
        let launchers = try policyLaunchers(workTree: workTree, heldOut: true)
        // Held-out episodes' standard error stays in the operator folder, out of the agent's reach.
        let started = try startCodePolicy(workTree: workTree, task: task,
                                          log: operatorFolder.appendingPathComponent("code-logs/evaluation.stderr"),
                                          launchers: launchers)
        return (started.policy, kept)
    }
}
