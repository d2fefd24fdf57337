import CGit2
import Foundation

extension GitRepository {
    // Staging: a publish writes about a dozen small objects (two blobs, the trees on their paths, two
    // commits). As loose objects that is a dozen files created, each a temporary file, a link and an unlink;
    // on a busy ext4 disk creating inodes is most of a publish's time. With staging on, new objects go to an
    // in-memory store and are written as one pack (one pack and one index file) just before a reference is
    // moved to them, so no reference ever names an object that is only in memory: a crash loses only
    // objects nothing refers to, as a crash between writing loose objects and moving a reference did.

    /// Sends new objects to an in-memory store from now on; they reach the disk, as one pack, the next time
    /// a reference is set (``setReference(_:to:)``) or ``persistStagedObjects()`` is called.
    func stageObjectsInMemory() throws {
        guard staging == nil else { return }
        var odb: OpaquePointer?
        try Self.check(git_repository_odb(&odb, repo), "open object database")
        defer { git_odb_free(odb) }
        var backend: UnsafeMutablePointer<git_odb_backend>?
        try Self.check(git_mempack_new(&backend), "in-memory object store")
        // The object database owns the backend from here on (freed with the repository).
        try Self.check(git_odb_add_backend(odb, backend, 999), "add in-memory object store")
        staging = backend
    }

    /// Writes every object staged in memory that a staged commit reaches into one pack, then empties the
    /// in-memory store. Objects already on disk are not written again.
    func persistStagedObjects() throws {
        guard let staging, !stagedCommits.isEmpty else { return }
        var pending: [git_oid] = []
        var seen = Set<GitObjectID>()
        func isStaged(_ id: git_oid) -> Bool {
            var copy = id
            guard let exists = staging.pointee.exists else { return false }
            return exists(staging, &copy) != 0
        }
        func visitTree(_ id: git_oid) throws {
            guard isStaged(id), seen.insert(Self.hex(id)).inserted else { return }
            pending.append(id)
            var tree: OpaquePointer?
            var treeID = id
            try Self.check(git_tree_lookup(&tree, repo, &treeID), "lookup staged tree")
            defer { git_tree_free(tree) }
            for position in 0..<git_tree_entrycount(tree) {
                guard let entry = git_tree_entry_byindex(tree, position), let entryID = git_tree_entry_id(entry)
                else { continue }
                switch git_tree_entry_type(entry) {
                case GIT_OBJECT_TREE: try visitTree(entryID.pointee)
                case GIT_OBJECT_BLOB:
                    if isStaged(entryID.pointee), seen.insert(Self.hex(entryID.pointee)).inserted {
                        pending.append(entryID.pointee)
                    }
                default: continue
                }
            }
        }
        for commitID in stagedCommits where isStaged(commitID) && seen.insert(Self.hex(commitID)).inserted {
            pending.append(commitID)
            var commit: OpaquePointer?
            var id = commitID
            try Self.check(git_commit_lookup(&commit, repo, &id), "lookup staged commit")
            defer { git_commit_free(commit) }
            if let tree = git_commit_tree_id(commit) { try visitTree(tree.pointee) }
        }
        if !pending.isEmpty {
            var builder: OpaquePointer?
            try Self.check(git_packbuilder_new(&builder, repo), "pack builder")
            defer { git_packbuilder_free(builder) }
            git_packbuilder_set_threads(builder, 1)
            for var id in pending {
                try Self.check(git_packbuilder_insert(builder, &id, nil), "pack staged object")
            }
            try Self.check(git_packbuilder_write(builder, nil, 0, nil, nil), "write staged objects")
        }
        try Self.check(git_mempack_reset(staging), "empty the in-memory object store")
        stagedCommits.removeAll()
    }
}
