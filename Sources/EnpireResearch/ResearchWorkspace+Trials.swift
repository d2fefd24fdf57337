public import Enpire
public import EnpireFleet
import Foundation

extension ResearchWorkspace {
    // MARK: Trials, decisions, evaluation

    /// Runs a trial of a recipe of the workspace's task on the development seeds and stores it as pending.
    ///
    /// Everything that can refuse the trial (criteria, recipe, ledger) is checked before the budget is charged,
    /// and the budget is charged (under the operator lock) before any episode runs.
    ///
    /// Each episode's summary and the last frame of each camera are kept in the operator folder (see
    /// ``trialEvidence(_:)``); `episodes` is called after each episode with the number finished, the total and the
    /// episode's summary, and `progress` gets a `trial` event with an ETA. The commit of the workspace's Git work
    /// tree (when it is one) is recorded as the trial's ``PendingTrial/commit``.
    ///
    /// In a code workspace `parameters` must be empty: the trial commits, builds and runs the policy work tree
    /// instead (see ``CodePolicy``); a build that fails is recorded as `build-failed` and thrown as
    /// ``CodeWorkspaceError/buildFailed(id:reason:)`` before any robot time is used.
    public func runTrial(recipe parameters: [String: Double], hypothesis: String,
                         progress: (@Sendable (ProgressEvent) -> Void)? = nil,
                         episodes: (@Sendable (_ finished: Int, _ total: Int, _ summary: EpisodeSummary) async -> Void)? = nil)
        async throws -> PendingTrial {
        if let workTree = try policyWorkTree() {
            guard parameters.isEmpty else { throw CodeWorkspaceError.recipeGiven(workTree: workTree.folder.path) }
            return try await runCodeTrial(workTree: workTree, hypothesis: hypothesis, progress: progress, episodes: episodes)
        }
        let file = try station()
        let criteria = try frozenCriteria()
        let task = try task()
        let recipe = Recipe(family: task.space.family, parameters: parameters)
        let policy: any Policy
        do { policy = try task.policy(for: recipe) } catch {
            throw WorkspaceError.badRecipe(Self.reason(error))
        }
        _ = try ledger()
        let commit = try Self.headCommit(of: folder)
        let number = try chargeTrial().number
        let start = Date()
        let id = "\(file.name)-\(number)"
        let total = criteria.seeds.developmentSeeds.count
        let recorder = try TrialEvidenceRecorder(folder: trialsURL.appendingPathComponent(id)) { finished, summary in
            await episodes?(finished, total, summary)
        }
        // Marks the trial as running (process and start) for ``runningTrial()`` until it ends, however it ends.
        let marker = trialsURL.appendingPathComponent(id).appendingPathComponent(RunningTrial.markerName)
        try JSONEncoder().encode(RunningTrial.Marker(pid: getpid(), startedAt: start.timeIntervalSince1970, episodes: total))
            .write(to: marker, options: .atomic)
        defer { try? FileManager.default.removeItem(at: marker) }
        let station = try await task.makeStation(role: .workspace, name: file.name, recorder: recorder)
        let tally = try await TrialRunner.run(station: station, policy: policy, seeds: criteria.seeds.developmentSeeds,
                                              split: "development", progress: progress) {
            // The emergency stop also ends a running trial, at the next episode.
            if let reason = try readState().emergencyStop { throw WorkspaceError.emergencyStopLatched(reason: reason) }
        }
        let trial = PendingTrial(id: id, recipe: recipe, hypothesis: hypothesis,
                                 results: try tally.results(),
                                 robotSeconds: tally.robotSeconds, wallSeconds: Date().timeIntervalSince(start),
                                 startedAt: start.timeIntervalSince1970, commit: commit)
        try JSONEncoder().encode(trial).write(to: pendingURL.appendingPathComponent("\(trial.id).json"), options: .atomic)
        return trial
    }

    /// Records the decision on a pending trial in the ledger; a kept result is published to the fleet.
    public func decide(_ id: String, keep: Bool, tokens: Int = 0) async throws -> ExperimentRecord {
        let file = try station()
        let ledger = try ledger()
        // Claiming the pending trial must happen once: a rename is atomic, so of two parallel decisions on one id
        // the second finds nothing. The claim is undone if the ledger refuses the record.
        guard let (trial, pendingFile) = try pendingTrialFiles().first(where: { $0.trial.id == id }) else {
            // A keep recorded earlier whose publish failed: publishing it now completes the keep.
            if keep, let record = try await keptRecord(id) {
                try await publishKept(record)
                return record
            }
            throw WorkspaceError.noSuchTrial(id)
        }
        try checkCodeTrialIsCurrent(trial, keep: keep)
        let claimed = pendingURL.appendingPathComponent("\(trial.id).claimed-\(getpid())")
        guard rename(pendingFile.path, claimed.path) == 0 else { throw WorkspaceError.noSuchTrial(id) }
        let code = trial.code
        let record = ExperimentRecord(
            id: trial.id, task: file.task, station: file.name, hypothesis: trial.hypothesis,
            parentCommit: code?.parentCommit ?? trial.commit, commit: code?.commit,
            diffSummary: code.map { "code \($0.diffSummary)" } ?? "recipe \(trial.recipe)",
            recipe: code == nil ? trial.recipe : nil, config: code.map { ["code": $0.commit] } ?? trial.recipe.config,
            frozenHash: file.frozenHash, trialBudget: trial.results.trials, results: trial.results,
            decision: keep ? .keep : .revert, wallTimeSeconds: trial.wallSeconds, robotTimeSeconds: trial.robotSeconds,
            tokens: max(0, tokens), startedAtUnixSeconds: trial.startedAt, finishedAtUnixSeconds: Date().timeIntervalSince1970)
        do { try await ledger.append(record) } catch {
            _ = rename(claimed.path, pendingFile.path)
            throw error
        }
        if keep { try recordKept(record) }
        try? FileManager.default.removeItem(at: claimed)
        if let code { try applyCodeDecision(code, id: trial.id, keep: keep) }
        if keep { try await publishKept(record) }
        return record
    }

    /// The commit `HEAD` of the Git work tree `folder` is in, or `nil` when it is in none.
    static func headCommit(of folder: URL) throws -> String? {
        do { return try WorkTreeCommit.head(of: folder) } catch {
            throw WorkspaceError.io(path: folder.path, reason: "cannot read the Git work tree's HEAD: \(error)")
        }
    }

    // MARK: Emergency stop and recorded evidence

    /// Latches the station's emergency stop: no trial starts until ``clearEmergencyStop()``, and a running trial
    /// stops before its next episode. Latching again keeps the first reason.
    public func latchEmergencyStop(reason: String) throws {
        try updateState { state in
            if state.emergencyStop == nil { state.emergencyStop = reason.isEmpty ? "no reason given" : reason }
        }
    }

    /// Clears a latched emergency stop (the operator's decision, after checking the station).
    public func clearEmergencyStop() throws {
        try updateState { state in state.emergencyStop = nil }
    }

    /// Why the emergency stop is latched, or `nil` when it is not.
    public func emergencyStopReason() throws -> String? {
        try readState().emergencyStop
    }

    /// The episode summaries and latest camera frames a trial of this workspace recorded (so far, for the trial
    /// running now). Throws ``WorkspaceError/noRecordedTrial(_:)`` for an id that is neither running, pending nor
    /// in the ledger as a kept or reverted trial (held-out evaluations record no episodes).
    public func trialEvidence(_ id: String) async throws -> TrialEvidence {
        let pending = try pendingTrialFiles().contains { $0.trial.id == id }
        let decided = try await ledger().allRecords().contains { $0.id == id && $0.decision != .evaluation }
        let running = try !pending && !decided && runningTrial()?.id == id
        guard pending || decided || running, TrialEvidence.fileSafe(id) == id else { throw WorkspaceError.noRecordedTrial(id) }
        return try TrialEvidence.read(trial: id, folder: trialsURL.appendingPathComponent(id))
    }

    /// The station's fleet handle, if the workspace joined a fleet.
    public func fleetStation() async throws -> FleetStation? {
        let file = try station()
        guard let fleet = file.fleet else { return nil }
        return try await FleetStation(name: file.name, remote: Self.fleetRemote(fleet),
                                      clonePath: folder.appendingPathComponent("fleet-clone"))
    }

    /// Held-out score of the best kept recipe (own or fleet). Only aggregates leave this function.
    ///
    /// Each call counts against the workspace's evaluation limit (checked and counted under the operator lock
    /// before any episode runs) and is appended to the ledger as an `evaluation` record
    /// (`ExperimentDecision.evaluation`). `progress` gets a `heldout` event with an ETA after each episode (counts
    /// only, never an episode's outcome).
    public func evaluateBest(progress: (@Sendable (ProgressEvent) -> Void)? = nil) async throws
        -> (recipe: Recipe, results: TrialResults) {
        let file = try station()
        let criteria = try frozenCriteria()
        let ledger = try ledger()
        let task = try task()
        let best: ExperimentRecord?, recipe: Recipe, policy: any Policy, code: (policy: CodePolicy, commit: String)?
        if let workTree = try policyWorkTree() {
            let started = try evaluateKeptCode(workTree: workTree, task: task)
            code = started
            best = await ledger.allRecords().last { $0.decision == .keep && $0.commit == started.commit }
            recipe = Recipe(family: Self.codeFamily, parameters: [:])
            policy = started.policy
        } else {
            code = nil
            let choice = try await bestKeptRecipe()
            best = choice.best
            recipe = choice.recipe
            do { policy = try task.policy(for: recipe) } catch { throw WorkspaceError.badRecipe(Self.reason(error)) }
        }
        defer { code?.policy.finish() }
        let (number, limit, secret, count) = try updateState { state in
            guard state.evaluationsUsed < state.evaluationLimit else {
                throw WorkspaceError.evaluationLimitReached(limit: state.evaluationLimit)
            }
            state.evaluationsUsed += 1
            return (state.evaluationsUsed, state.evaluationLimit, state.heldOutSecret, state.heldOutCount)
        }
        let seeds = Self.heldOutSeeds(secret: secret, count: count, excluding: Set(criteria.seeds.developmentSeeds))
        // The derived seeds must be the ones frozen at init (digest check): a changed secret cannot score.
        _ = try criteria.seeds.unsealed(heldOut: seeds, secret: secret)
        let start = Date()
        let station = try await task.makeStation(role: .evaluation(lane: 0), name: "evaluator")
        let tally = try await TrialRunner.run(station: station, policy: policy, seeds: seeds, split: "heldout",
                                              phase: "heldout", progress: progress)
        // Held-out results count the ground truth where the station has one.
        let results = try TrialResults(successes: tally.successes, trials: seeds.count,
                                       meanStepsToSuccess: tally.successes > 0
                                           ? Double(tally.successSteps) / Double(tally.successes) : nil)
        let robot = tally.robotSeconds
        try await ledger.append(ExperimentRecord(
            id: "\(file.name)-eval-\(number)", task: file.task, station: file.name,
            hypothesis: "held-out evaluation \(number) of \(limit) (best kept: \(best?.id ?? "baseline"))",
            parentCommit: code?.commit ?? Self.headCommit(of: folder), commit: code?.commit,
            diffSummary: code.map { "code \($0.commit)" } ?? "recipe \(recipe)", recipe: code == nil ? recipe : nil,
            config: code.map { ["code": $0.commit] } ?? recipe.config, frozenHash: file.frozenHash,
            trialBudget: seeds.count, results: results, decision: .evaluation, wallTimeSeconds: Date().timeIntervalSince(start),
            robotTimeSeconds: robot, tokens: 0, startedAtUnixSeconds: start.timeIntervalSince1970,
            finishedAtUnixSeconds: Date().timeIntervalSince1970))
        return (recipe, results)
    }

    /// The brief handed to an external agent: what is frozen, how to run trials, the budget.
    public func brief(budget: AgentBudget) throws -> String {
        let file = try station()
        let criteria = try frozenCriteria()
        let task = try task()
        let names = task.space.ranges.map { "\($0.name) in [\($0.lower), \($0.upper)]" }
        let workTree = try policyWorkTree()
        let policy = workTree.map { tree in
            """
            The policy is code: the Git work tree \(tree.folder.path) (branch `policy` = the kept commit). Edit it;
            `enpire trial` commits what the work tree holds, builds it (a build error is the trial's result, recorded
            as build-failed, and uses no robot time) and runs it; keep moves the branch to that commit and publishes it,
            revert resets the work tree to the kept commit. `\(PolicyManifest.fileName)` says how it is built and run;
            the program's docstring or header describes the line protocol. A `recipe` answer runs the task's built-in
            policy with these parameters: \(names.joined(separator: "; ")).
            \((try? PolicyManifest.load(from: tree.folder).privilege).flatMap { $0 }.map { "Note: the policy is privileged: \($0)." } ?? "")
            """
        } ?? """
            The policy is configured by a recipe of numbers (family \(task.space.family)):
            \(names.joined(separator: "; ")).
            \(task.privilege.map { "Note: the policy is privileged: \($0)." } ?? "")
            """
        let trial = workTree == nil ? "--recipe '{\"angleWeight\": 100, ...}' --hypothesis \"why\""
            : "--hypothesis \"why\"                 (runs the work tree)"
        let adopt = workTree == nil ? "" : "\n  enpire adopt  --workspace \(folder.path) --station NAME   (check out a station's published code)"
        return """
        # Enpire station brief: \(file.name) (task \(file.task))

        Goal: raise the success rate (\(criteria.successDefinition)) of this station's policy: \(task.summary).
        \(policy)

        Frozen (you cannot change them; trials under changed criteria are refused): reward
        `\(criteria.rewardIdentity)`, reset `\(criteria.resetIdentity)`, safety `\(criteria.safetyLimits)`,
        \(criteria.seeds.developmentSeeds.count) development seeds per trial, \(criteria.seeds.heldOutCount) sealed
        held-out seeds scored only by `enpire eval` (each evaluation is counted in the ledger and the number allowed
        is limited: use it for a final check, not as a search signal). Frozen hash \(file.frozenHash.prefix(16)).

        Commands (all accept --json; run them from any folder):
          enpire status --workspace \(folder.path)
          enpire trial  --workspace \(folder.path) \(trial)\(adopt)
          enpire keep ID --workspace \(folder.path)      (or: enpire revert ID ...)
          enpire ledger --workspace \(folder.path)
          enpire fleet sync --workspace \(folder.path)   (see what other stations kept)

        Budget: \(budget.trials) trials, \(Int(budget.wallSeconds)) s wall, \(budget.tokens) tokens. Report your token use
        by printing lines `ENPIRE_TOKENS <n>`.
        """
    }

    /// Why a task refused a recipe, without a second "invalid recipe" prefix.
    static func reason(_ error: any Error) -> String {
        if case ResearchError.badRecipe(let reason) = error { return reason }
        return "\(error)"
    }
}
