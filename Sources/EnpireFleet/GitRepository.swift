import Enpire
import CGit2
import Foundation

/// libgit2 needs one global initialisation per process; Swift runs a global's initialiser exactly once.
let libgit2Initialized: Bool = {
    git_libgit2_init()
    return true
}()

/// Object id as 40 hex characters.
typealias GitObjectID = String

/// The thin, synchronous libgit2 wrapper the fleet uses. Not thread-safe: one owner (an actor) per instance.
final class GitRepository {
    let repo: OpaquePointer
    /// The remote `origin` points at, with its credentials and host-key policy (set by ``setOrigin(_:)``).
    private var origin: FleetRemote?
    /// The in-memory object store new objects go to when staging is on (see ``stageObjectsInMemory()``).
    var staging: UnsafeMutablePointer<git_odb_backend>?
    /// Commits written into `staging` since it was last persisted.
    var stagedCommits: [git_oid] = []

    /// Opens the repository at `path`, creating a bare one there when none exists.
    convenience init(openingOrCreatingBareAt path: String) throws {
        try self.init(openingOrCreating: path, bare: true)
    }

    /// Opens the non-bare repository whose work tree is `path`, creating one there when none exists.
    convenience init(workTreeAt path: String) throws {
        try self.init(openingOrCreating: path, bare: false)
    }

    private init(openingOrCreating path: String, bare: Bool) throws {
        _ = libgit2Initialized
        var pointer: OpaquePointer?
        if git_repository_open(&pointer, path) < 0 {
            try Self.check(git_repository_init(&pointer, path, bare ? 1 : 0), "init \(path)")
        }
        guard let pointer else { throw FleetError.git(operation: "open \(path)", code: -1, message: "no handle") }
        repo = pointer
    }

    deinit {
        git_repository_free(repo)
    }

    static func check(_ code: Int32, _ operation: String) throws {
        guard code < 0 else { return }
        throw FleetError.git(operation: operation, code: Int(code), message: lastErrorMessage())
    }

    static func lastErrorMessage() -> String {
        guard let error = git_error_last(), let message = error.pointee.message else { return "unknown error" }
        return String(cString: message)
    }

    // MARK: Remote

    /// Points remote `origin` at `remote`, creating it when missing; fetches and pushes authenticate with the
    /// remote's credentials and check its host key.
    func setOrigin(_ remote: FleetRemote) throws {
        try RemoteAccess.checkTransport(for: remote)
        try setOrigin(url: remote.url)
        origin = remote
    }

    /// Points remote `origin` at `url`, creating it when missing.
    private func setOrigin(url: String) throws {
        var remote: OpaquePointer?
        if git_remote_lookup(&remote, repo, "origin") == 0 {
            git_remote_free(remote)
            try Self.check(git_remote_set_url(repo, "origin", url), "set origin url")
        } else {
            try Self.check(git_remote_create(&remote, repo, "origin", url), "create remote origin \(url)")
            git_remote_free(remote)
        }
    }

    /// Fetches with explicit refspecs (forced updates into remote-tracking refs).
    func fetch(refspecs: [String]) throws {
        var remote: OpaquePointer?
        try Self.check(git_remote_lookup(&remote, repo, "origin"), "lookup origin")
        defer { git_remote_free(remote) }
        var options = git_fetch_options()
        try Self.check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "fetch options")
        options.update_fetchhead = 0
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
        let access = remoteAccess()
        access.install(into: &options.callbacks)
        let code = try withStringArray(refspecs) { array in
            withExtendedLifetime(access) { git_remote_fetch(remote, &array, &options, nil) }
        }
        if code < 0 { throw access.error(code: code, operation: "fetch") }
    }

    /// Callbacks for one connection to origin (no credentials, every host key refused, before ``setOrigin(_:)``).
    private func remoteAccess() -> RemoteAccess {
        RemoteAccess(remote: origin ?? FleetRemote("origin", credentials: FleetCredentials(methods: []),
                                                   hostKeys: FleetHostKeyPolicy(knownHostsFile: "/dev/null")))
    }

    /// Outcome of a push.
    enum PushOutcome {
        case pushed
        /// The remote moved (non-fast-forward, locked or rejected ref): fetch, rebase, retry.
        case remoteMoved(String)
    }

    /// Pushes `refspecs` to origin; reports a moved remote instead of throwing so the caller can retry.
    func push(refspecs: [String]) throws -> PushOutcome {
        var remote: OpaquePointer?
        try Self.check(git_remote_lookup(&remote, repo, "origin"), "lookup origin")
        defer { git_remote_free(remote) }
        var options = git_push_options()
        try Self.check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "push options")
        // One payload serves every callback: the remote's credentials and host-key check, and the collector
        // of rejected references.
        let access = remoteAccess()
        access.install(into: &options.callbacks)
        options.callbacks.push_update_reference = { refname, status, payload in
            guard let status, let payload else { return 0 }
            let access = Unmanaged<RemoteAccess>.fromOpaque(payload).takeUnretainedValue()
            access.rejectedReferences.append("\(refname.map { String(cString: $0) } ?? "?"): \(String(cString: status))")
            return 0
        }
        // git_remote_upload, not git_remote_push: the push without its remote-tracking update, which would
        // write refs/remotes/origin/* that nothing reads (the adopted tips live under refs/enpire/seen/).
        // Rejected references still reach push_update_reference.
        let code = try withStringArray(refspecs) { array in
            withExtendedLifetime(access) { git_remote_upload(remote, &array, &options) }
        }
        git_remote_disconnect(remote)
        let retryable: Set<Int32> = [GIT_ENONFASTFORWARD.rawValue, GIT_ELOCKED.rawValue, GIT_EMODIFIED.rawValue]
        if code < 0 {
            if retryable.contains(code) { return .remoteMoved(Self.lastErrorMessage()) }
            throw access.error(code: code, operation: "push")
        }
        if !access.rejectedReferences.isEmpty {
            return .remoteMoved(access.rejectedReferences.joined(separator: "; "))
        }
        return .pushed
    }

    // MARK: References

    func target(of reference: String) throws -> GitObjectID? {
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, repo, reference)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try Self.check(code, "resolve \(reference)")
        return Self.hex(oid)
    }

    /// Points `name` at `id`, persisting staged objects first so a reference never names an object that
    /// exists only in memory.
    func setReference(_ name: String, to id: GitObjectID) throws {
        try persistStagedObjects()
        var oid = try Self.oid(id)
        var reference: OpaquePointer?
        try Self.check(git_reference_create(&reference, repo, name, &oid, 1, "enpire fleet"), "update \(name)")
        git_reference_free(reference)
    }

    func references(matching glob: String) throws -> [String] {
        var iterator: OpaquePointer?
        try Self.check(git_reference_iterator_glob_new(&iterator, repo, glob), "list \(glob)")
        defer { git_reference_iterator_free(iterator) }
        var names: [String] = []
        while true {
            var name: UnsafePointer<CChar>?
            let code = git_reference_next_name(&name, iterator)
            if code == GIT_ITEROVER.rawValue { break }
            try Self.check(code, "list \(glob)")
            if let name { names.append(String(cString: name)) }
        }
        return names.sorted()
    }

    // MARK: Objects

    /// Writes a commit with `parents` whose tree is `treeOf`'s tree (empty when `nil`), minus the folders in
    /// `removing`, plus `copying` (entries taken from other commits by blob id) and `files`.
    func commit(parents parentIDs: [GitObjectID], treeOf base: GitObjectID?, removing: [String] = [],
                copying: [(path: String, id: GitObjectID)] = [], adding files: [(path: String, contents: Data)],
                message: String, author: String) throws -> GitObjectID {
        var index: OpaquePointer?
        try Self.check(git_index_new(&index), "new index")
        defer { git_index_free(index) }
        if let base {
            try withRootTree(of: base) { try Self.check(git_index_read_tree(index, $0), "read tree of \(base)") }
        }
        for folder in removing {
            try Self.check(git_index_remove_directory(index, folder, 0), "unstage \(folder)")
        }
        var staged = copying
        for file in files {
            var blob = git_oid()
            try file.contents.withUnsafeBytes { bytes in
                try Self.check(git_blob_create_from_buffer(&blob, repo, bytes.baseAddress, bytes.count),
                               "write blob \(file.path)")
            }
            staged.append((file.path, Self.hex(blob)))
        }
        for file in staged {
            var entry = git_index_entry()
            entry.mode = GIT_FILEMODE_BLOB.rawValue
            entry.id = try Self.oid(file.id)
            try file.path.withCString { path in
                entry.path = path
                try Self.check(git_index_add(index, &entry), "stage \(file.path)")
            }
        }
        var treeOID = git_oid()
        try Self.check(git_index_write_tree_to(&treeOID, index, repo), "write tree")
        return try createCommit(tree: &treeOID, parents: parentIDs, message: message, author: author,
                                email: "\(author)@enpire.fleet")
    }

    /// Writes a commit of the tree `treeOID` with `parents`, moving no reference.
    func createCommit(tree treeOID: inout git_oid, parents parentIDs: [GitObjectID], message: String, author: String,
                      email: String) throws -> GitObjectID {
        var tree: OpaquePointer?
        try Self.check(git_tree_lookup(&tree, repo, &treeOID), "lookup tree")
        defer { git_tree_free(tree) }
        var signature: UnsafeMutablePointer<git_signature>?
        try Self.check(git_signature_now(&signature, author, email), "signature")
        defer { git_signature_free(signature) }
        var parents: [OpaquePointer?] = []
        defer { parents.forEach { git_commit_free($0) } }
        for parentID in parentIDs {
            var parentOID = try Self.oid(parentID)
            var parent: OpaquePointer?
            try Self.check(git_commit_lookup(&parent, repo, &parentOID), "lookup commit \(parentID)")
            parents.append(parent)
        }
        var commitOID = git_oid()
        try parents.withUnsafeMutableBufferPointer { buffer in
            try Self.check(git_commit_create(&commitOID, repo, nil, signature, signature, nil, message, tree,
                                             buffer.count, buffer.baseAddress), "commit")
        }
        if staging != nil { stagedCommits.append(commitOID) }
        return Self.hex(commitOID)
    }

    /// Whether `commit` is `ancestor` or has it in its history (a fast-forward from `ancestor`).
    func contains(_ ancestor: GitObjectID, inHistoryOf commit: GitObjectID) throws -> Bool {
        if ancestor == commit { return true }
        var commitOID = try Self.oid(commit)
        var ancestorOID = try Self.oid(ancestor)
        let code = git_graph_descendant_of(repo, &commitOID, &ancestorOID)
        try Self.check(code, "compare history of \(commit) and \(ancestor)")
        return code == 1
    }

    /// A tree entry found by ``entries(inTwoLevelFolder:of:)``.
    struct TreeEntry {
        /// Path from the repository root.
        var path: String
        /// Name of the first-level folder, or `nil` for an entry directly in the folder.
        var folder: String?
        /// File name.
        var name: String
        /// Object id.
        var id: GitObjectID
        /// Whether the entry is a plain file (not a symlink, submodule or folder).
        var isRegularFile: Bool
    }

    /// Every entry one or two levels below `folder` in `commit`'s tree (first-level folders are descended
    /// into, everything else is listed so callers can report it).
    func entries(inTwoLevelFolder folder: String, of commit: GitObjectID) throws -> [TreeEntry] {
        try withRootTree(of: commit) { root in try entries(inTwoLevelFolder: folder, root: root) }
    }

    /// Looks up `commit`'s root tree and hands it to `body` (freed afterwards).
    func withRootTree<T>(of commit: GitObjectID, _ body: (OpaquePointer?) throws -> T) throws -> T {
        let root = try rootTree(of: commit)
        defer { git_tree_free(root) }
        return try body(root)
    }

    /// `commit`'s root tree, which the caller frees with `git_tree_free` (prefer ``withRootTree(of:_:)`` where
    /// one tree at a time is enough).
    func rootTree(of commit: GitObjectID) throws -> OpaquePointer? {
        var commitOID = try Self.oid(commit)
        var commitObject: OpaquePointer?
        try Self.check(git_commit_lookup(&commitObject, repo, &commitOID), "lookup commit \(commit)")
        defer { git_commit_free(commitObject) }
        var root: OpaquePointer?
        try Self.check(git_commit_tree(&root, commitObject), "tree of \(commit)")
        return root
    }

    private func entries(inTwoLevelFolder folder: String, root: OpaquePointer?) throws -> [TreeEntry] {
        var folderEntry: OpaquePointer?
        let code = git_tree_entry_bypath(&folderEntry, root, folder)
        if code == GIT_ENOTFOUND.rawValue { return [] }
        try Self.check(code, "find \(folder)")
        defer { git_tree_entry_free(folderEntry) }
        guard git_tree_entry_type(folderEntry) == GIT_OBJECT_TREE else {
            let id = git_tree_entry_id(folderEntry).map { Self.hex($0.pointee) } ?? ""
            return [TreeEntry(path: folder, folder: nil, name: folder, id: id, isRegularFile: false)]
        }
        var result: [TreeEntry] = []
        try forEachEntry(ofTree: git_tree_entry_id(folderEntry)) { name, id, type, _ in
            guard type == GIT_OBJECT_TREE else {
                result.append(TreeEntry(path: "\(folder)/\(name)", folder: nil, name: name, id: Self.hex(id),
                                        isRegularFile: false))
                return
            }
            var subID = id
            try forEachEntry(ofTree: &subID) { leaf, leafID, leafType, mode in
                let regular = leafType == GIT_OBJECT_BLOB
                    && (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE)
                result.append(TreeEntry(path: "\(folder)/\(name)/\(leaf)", folder: name, name: leaf,
                                        id: Self.hex(leafID), isRegularFile: regular))
            }
        }
        return result
    }

    /// The blob at `path` in `commit`'s tree, if it is a plain file.
    func blob(atPath path: String, of commit: GitObjectID) throws -> GitObjectID? {
        try withRootTree(of: commit) { root in try blob(atPath: path, root: root) }
    }

    private func blob(atPath path: String, root: OpaquePointer?) throws -> GitObjectID? {
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, root, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try Self.check(code, "find \(path)")
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_filemode(entry) == GIT_FILEMODE_BLOB, let id = git_tree_entry_id(entry) else { return nil }
        return Self.hex(id.pointee)
    }

    /// Size of a blob in bytes, without reading it.
    func blobSize(_ id: GitObjectID) throws -> Int {
        var oid = try Self.oid(id)
        var blob: OpaquePointer?
        try Self.check(git_blob_lookup(&blob, repo, &oid), "lookup blob \(id)")
        defer { git_blob_free(blob) }
        return Int(clamping: git_blob_rawsize(blob))
    }

    private func forEachEntry(ofTree id: UnsafePointer<git_oid>?,
                              _ body: (String, git_oid, git_object_t, git_filemode_t) throws -> Void) throws {
        var tree: OpaquePointer?
        try Self.check(git_tree_lookup(&tree, repo, id), "lookup tree")
        defer { git_tree_free(tree) }
        for position in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, position), let id = git_tree_entry_id(entry) else {
                continue
            }
            try body(String(cString: git_tree_entry_name(entry)), id.pointee, git_tree_entry_type(entry),
                     git_tree_entry_filemode(entry))
        }
    }

    func blobContents(_ id: GitObjectID) throws -> Data {
        var oid = try Self.oid(id)
        var blob: OpaquePointer?
        try Self.check(git_blob_lookup(&blob, repo, &oid), "lookup blob \(id)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: raw, count: size)
    }

    // MARK: Helpers

    static func hex(_ oid: git_oid) -> GitObjectID {
        var copy = oid
        guard let text = git_oid_tostr_s(&copy) else { return "" }
        return String(cString: text)
    }

    static func oid(_ hex: GitObjectID) throws -> git_oid {
        var oid = git_oid()
        try check(git_oid_fromstr(&oid, hex), "parse object id \(hex)")
        return oid
    }

    private func withStringArray<Result>(_ strings: [String],
                                         _ body: (inout git_strarray) throws -> Result) throws -> Result {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        return try pointers.withUnsafeMutableBufferPointer { buffer in
            var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            return try body(&array)
        }
    }
}
