import CGit2
public import Foundation

/// The Git work tree of a station's policy code (a code workspace's `policy/` folder), driven with libgit2 (no
/// `git` executable needed).
///
/// The station's branch is `policy`: it always points at the station's kept commit (or a commit adopted from
/// another station). A trial commits whatever the work tree holds, without moving the branch
/// (``snapshot(message:author:)``); keep moves the branch to that commit, revert resets the branch and the work
/// tree to the kept commit. Published code lives on the fleet remote as `code/<station>`.
public struct PolicyWorkTree: Sendable {
    /// The work tree's folder.
    public let folder: URL

    /// The station's branch in the work tree.
    public static let branch = "refs/heads/policy"

    /// A work tree at `folder` (which may not exist yet: see ``create(at:files:message:author:)``).
    public init(folder: URL) {
        self.folder = folder.standardizedFileURL
    }

    /// A file of a new work tree.
    public struct File: Sendable, Equatable {
        /// Path relative to the work tree.
        public var path: String
        /// Contents.
        public var contents: String

        /// Creates a file.
        public init(path: String, contents: String) {
            self.path = path
            self.contents = contents
        }
    }

    /// Creates a repository at `folder` (which must not hold one), writes `files` and commits them on the
    /// ``branch``; returns the commit.
    public static func create(at folder: URL, files: [File], message: String, author: String) throws -> String {
        let tree = PolicyWorkTree(folder: folder)
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) {
            throw FleetError.git(operation: "create \(folder.path)", code: -1,
                                 message: "a repository exists there already; choose another folder")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in files {
            let url = folder.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.contents.utf8).write(to: url, options: .atomic)
        }
        let repository = try GitRepository(workTreeAt: folder.path)
        try GitRepository.check(git_repository_set_head(repository.repo, branch), "point HEAD at \(branch)")
        let commit = try tree.snapshot(in: repository, message: message, author: author).commit
        try repository.setReference(branch, to: commit)
        return commit
    }

    /// The commit `HEAD` points at, or `nil` before the first commit.
    public func head() throws -> String? {
        try GitRepository(workTreeAt: folder.path).target(of: "HEAD")
    }

    /// The commit the station's ``branch`` points at.
    public func branchCommit() throws -> String? {
        try GitRepository(workTreeAt: folder.path).target(of: Self.branch)
    }

    /// A commit of exactly what the work tree holds (every file Git does not ignore, deletions included): `HEAD`
    /// itself when the work tree is clean (`created` false), else a new commit whose parent is `HEAD`. No branch
    /// moves; the index is updated to the work tree.
    public func snapshot(message: String, author: String) throws -> (commit: String, created: Bool) {
        try snapshot(in: GitRepository(workTreeAt: folder.path), message: message, author: author)
    }

    private func snapshot(in repository: GitRepository, message: String, author: String) throws
        -> (commit: String, created: Bool) {
        let repo = repository.repo
        var index: OpaquePointer?
        try GitRepository.check(git_repository_index(&index, repo), "open the index of \(folder.path)")
        defer { git_index_free(index) }
        try GitRepository.check(git_index_add_all(index, nil, GIT_INDEX_ADD_DEFAULT.rawValue, nil, nil),
                                "stage the work tree \(folder.path)")
        try GitRepository.check(git_index_update_all(index, nil, nil, nil), "stage deletions in \(folder.path)")
        try GitRepository.check(git_index_write(index), "write the index of \(folder.path)")
        var treeOID = git_oid()
        try GitRepository.check(git_index_write_tree(&treeOID, index), "write the tree of \(folder.path)")
        let head = try repository.target(of: "HEAD")
        if let head {
            var headOID = try GitRepository.oid(head)
            var parent: OpaquePointer?
            try GitRepository.check(git_commit_lookup(&parent, repo, &headOID), "look up HEAD \(head)")
            defer { git_commit_free(parent) }
            if git_oid_equal(git_commit_tree_id(parent), &treeOID) != 0 { return (head, false) }
        }
        if let earlier = try earlierTrialCommit(in: repository, tree: &treeOID, parent: head) { return (earlier, false) }
        let commit = try repository.createCommit(tree: &treeOID, parents: head.map { [$0] } ?? [], message: message,
                                                  author: author, email: "\(author)@enpire.station")
        return (commit, true)
    }

    /// A commit pinned under `refs/enpire/trials/` with this tree and parent: the same work tree tried again is the
    /// same commit.
    private func earlierTrialCommit(in repository: GitRepository, tree: inout git_oid, parent: String?) throws -> String? {
        for name in try repository.references(matching: "refs/enpire/trials/*") {
            guard let id = try repository.target(of: name) else { continue }
            var oid = try GitRepository.oid(id)
            var commit: OpaquePointer?
            guard git_commit_lookup(&commit, repository.repo, &oid) == 0 else { continue }
            defer { git_commit_free(commit) }
            let parentID = git_commit_parentcount(commit) == 1 ? git_commit_parent_id(commit, 0).map { GitRepository.hex($0.pointee) } : nil
            if git_oid_equal(git_commit_tree_id(commit), &tree) != 0, parentID == parent { return id }
        }
        return nil
    }

    /// Points the reference `name` (for example `refs/enpire/trials/<id>`) at `commit`, so that Git keeps it.
    public func pin(_ commit: String, as name: String) throws {
        try GitRepository(workTreeAt: folder.path).setReference(name, to: commit)
    }

    /// Checks out the ``branch`` and moves it to `commit`. With `resetWorkTree` the files become exactly the
    /// commit's (changes and files Git does not ignore are discarded: revert, adopt); without it only the index
    /// follows and the files stay as they are (keep).
    public func moveBranch(to commit: String, resetWorkTree: Bool) throws {
        let repository = try GitRepository(workTreeAt: folder.path)
        let repo = repository.repo
        try repository.setReference(Self.branch, to: commit)
        try GitRepository.check(git_repository_set_head(repo, Self.branch), "check out \(Self.branch)")
        var oid = try GitRepository.oid(commit)
        var object: OpaquePointer?
        try GitRepository.check(git_object_lookup(&object, repo, &oid, GIT_OBJECT_COMMIT), "look up commit \(commit)")
        defer { git_object_free(object) }
        if resetWorkTree {
            var options = git_checkout_options()
            try GitRepository.check(git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)),
                                    "checkout options")
            options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue | GIT_CHECKOUT_REMOVE_UNTRACKED.rawValue
            try GitRepository.check(git_reset(repo, object, GIT_RESET_HARD, &options), "reset to \(commit)")
        } else {
            try GitRepository.check(git_reset(repo, object, GIT_RESET_MIXED, nil), "reset the index to \(commit)")
        }
    }

    /// Whether the repository holds `commit`.
    public func contains(_ commit: String) -> Bool {
        guard let repository = try? GitRepository(workTreeAt: folder.path), var oid = try? GitRepository.oid(commit)
        else { return false }
        var object: OpaquePointer?
        defer { git_object_free(object) }
        return git_object_lookup(&object, repository.repo, &oid, GIT_OBJECT_COMMIT) == 0
    }

    /// What changed from `parent` to `commit`: the changed paths and Git's short statistics, for example
    /// `policy.py: 1 file changed, 1 insertion(+), 1 deletion(-)`; "no change" when the trees are equal.
    public func diffSummary(from parent: String?, to commit: String) throws -> String {
        let repository = try GitRepository(workTreeAt: folder.path)
        // No parent: the diff is against the empty tree (nil), so the first commit lists every file it adds.
        let old = try parent.flatMap { try repository.rootTree(of: $0) }
        defer { git_tree_free(old) }
        let new = try repository.rootTree(of: commit)
        defer { git_tree_free(new) }
        var diff: OpaquePointer?
        try GitRepository.check(git_diff_tree_to_tree(&diff, repository.repo, old, new, nil),
                                "diff \(parent ?? "empty") \(commit)")
        defer { git_diff_free(diff) }
        let count = git_diff_num_deltas(diff)
        guard count > 0 else { return "no change" }
        let paths = (0..<count).compactMap { index -> String? in
            guard let delta = git_diff_get_delta(diff, index), let path = delta.pointee.new_file.path else { return nil }
            return String(cString: path)
        }
        var stats: OpaquePointer?
        try GitRepository.check(git_diff_get_stats(&stats, diff), "diff statistics")
        defer { git_diff_stats_free(stats) }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try GitRepository.check(git_diff_stats_to_buf(&buffer, stats, GIT_DIFF_STATS_SHORT, 0), "format statistics")
        let short = buffer.ptr.map { String(cString: $0) } ?? ""
        return paths.joined(separator: ", ") + ":" + short.trimmingCharacters(in: .newlines)
    }

    /// Publishes `commit` as the branch `code/<station>` of `remote` (replacing what was there: each station owns
    /// its branch).
    public func publish(_ commit: String, station: String, remote: FleetRemote) throws {
        try FleetStation.validate(station, kind: "station name")
        let repository = try GitRepository(workTreeAt: folder.path)
        try repository.setOrigin(remote)
        try repository.setReference("refs/enpire/published", to: commit)
        if case .remoteMoved(let reason) = try repository.push(refspecs: ["+refs/enpire/published:refs/heads/code/\(station)"]) {
            throw FleetError.git(operation: "publish code/\(station) to \(remote)", code: -1, message: reason)
        }
    }

    /// Fetches every station's published code from `remote`; returns station name to commit.
    public func fetchPublished(from remote: FleetRemote) throws -> [String: String] {
        let repository = try GitRepository(workTreeAt: folder.path)
        try repository.setOrigin(remote)
        try repository.fetch(refspecs: ["+refs/heads/code/*:refs/remotes/fleet/code/*"])
        let prefix = "refs/remotes/fleet/code/"
        var published: [String: String] = [:]
        for name in try repository.references(matching: prefix + "*") {
            if let commit = try repository.target(of: name) { published[String(name.dropFirst(prefix.count))] = commit }
        }
        return published
    }
}
