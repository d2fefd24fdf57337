import CGit2
import Foundation

extension GitRepository {
    /// Writes a commit whose tree is `base`'s tree plus `files` (added or replaced), with `base` as parent.
    ///
    /// This is how a record is rebased onto whatever the remote holds: the record's files never collide
    /// with another station's, so replaying them on the new tip is always clean. Only the trees on the
    /// files' paths are rebuilt (tree builders seeded from the base's trees), so the cost does not grow with
    /// the number of records on the branch the way reading the whole tree into an index does; the resulting
    /// tree is the one the index would write.
    func commit(base: GitObjectID?, adding files: [(path: String, contents: Data)], message: String,
                author: String) throws -> GitObjectID {
        var staged: [(components: ArraySlice<Substring>, blob: git_oid)] = []
        for file in files {
            var blob = git_oid()
            try file.contents.withUnsafeBytes { bytes in
                try Self.check(git_blob_create_from_buffer(&blob, repo, bytes.baseAddress, bytes.count),
                               "write blob \(file.path)")
            }
            let components = file.path.split(separator: "/", omittingEmptySubsequences: false)
            guard !components.isEmpty, !components.contains(where: \.isEmpty) else {
                throw FleetError.git(operation: "stage \(file.path)", code: -1, message: "invalid path")
            }
            staged.append((components[...], blob))
        }
        var treeOID: git_oid
        if let base {
            treeOID = try withRootTree(of: base) { try writeTree(seededFrom: $0, adding: staged, at: "") }
        } else {
            treeOID = try writeTree(seededFrom: nil, adding: staged, at: "")
        }
        return try createCommit(tree: &treeOID, parents: base.map { [$0] } ?? [], message: message, author: author,
                                email: "\(author)@enpire.fleet")
    }

    /// Writes `tree` (empty when `nil`) plus `entries` (paths relative to it; later entries win), recursing
    /// only into the folders the entries touch. A file in the way of a folder is replaced by the folder.
    private func writeTree(seededFrom tree: OpaquePointer?, adding entries: [(components: ArraySlice<Substring>,
                                                                              blob: git_oid)],
                           at prefix: String) throws -> git_oid {
        var builder: OpaquePointer?
        try Self.check(git_treebuilder_new(&builder, repo, tree), "tree builder for \(prefix)/")
        defer { git_treebuilder_free(builder) }
        var folders: [Substring: [(components: ArraySlice<Substring>, blob: git_oid)]] = [:]
        var folderOrder: [Substring] = []
        for entry in entries {
            guard let name = entry.components.first else { continue }
            if entry.components.count == 1 {
                folders[name] = nil
                folderOrder.removeAll { $0 == name }
                var blob = entry.blob
                try Self.check(git_treebuilder_insert(nil, builder, String(name), &blob, GIT_FILEMODE_BLOB),
                               "stage \(prefix)\(name)")
            } else {
                if folders[name] == nil { folderOrder.append(name) }
                folders[name, default: []].append((entry.components.dropFirst(), entry.blob))
            }
        }
        for name in folderOrder {
            guard let children = folders[name] else { continue }
            let path = "\(prefix)\(name)/"
            var subtree: OpaquePointer?
            defer { git_tree_free(subtree) }
            if let tree, let existing = git_tree_entry_byname(tree, String(name)),
               git_tree_entry_type(existing) == GIT_OBJECT_TREE {
                try Self.check(git_tree_lookup(&subtree, repo, git_tree_entry_id(existing)), "lookup tree \(path)")
            }
            var child = try writeTree(seededFrom: subtree, adding: children, at: path)
            try Self.check(git_treebuilder_insert(nil, builder, String(name), &child, GIT_FILEMODE_TREE),
                           "stage \(path)")
        }
        var written = git_oid()
        try Self.check(git_treebuilder_write(&written, builder), "write tree \(prefix)/")
        return written
    }
}

extension GitRepository {
    /// The id of `commit`'s root tree.
    func treeID(of commit: GitObjectID) throws -> GitObjectID {
        try withRootTree(of: commit) { root in
            guard let id = git_tree_id(root) else {
                throw FleetError.git(operation: "tree of \(commit)", code: -1, message: "no tree id")
            }
            return Self.hex(id.pointee)
        }
    }
}
