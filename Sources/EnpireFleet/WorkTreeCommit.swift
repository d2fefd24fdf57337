import CGit2
public import Foundation

/// The commit a Git work tree has checked out, read with libgit2 (no `git` executable needed).
public enum WorkTreeCommit {
    /// The commit `HEAD` points at in the repository containing `folder` (the folder itself or a parent), or
    /// `nil` when `folder` is in no repository or the repository has no commit yet.
    ///
    /// A repository that exists but cannot be read (corrupt `HEAD`, say) throws ``FleetError/git(operation:code:message:)``.
    public static func head(of folder: URL) throws -> String? {
        _ = libgit2Initialized
        var repository: OpaquePointer?
        let opened = git_repository_open_ext(&repository, folder.path, 0, nil)
        if opened == GIT_ENOTFOUND.rawValue { return nil }
        try GitRepository.check(opened, "open the repository of \(folder.path)")
        defer { git_repository_free(repository) }
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, repository, "HEAD")
        // A new repository's HEAD names a branch without commits.
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EUNBORNBRANCH.rawValue { return nil }
        try GitRepository.check(code, "resolve HEAD of \(folder.path)")
        return GitRepository.hex(oid)
    }
}
