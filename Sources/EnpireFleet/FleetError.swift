/// Errors from the Git fleet and the checkpoint store.
public enum FleetError: Error, Equatable, CustomStringConvertible {
    /// A libgit2 call failed.
    case git(operation: String, code: Int, message: String)
    /// Publishing kept failing because other stations kept moving the remote.
    case pushRetriesExhausted(station: String, attempts: Int, lastReason: String)
    /// The push lock of a path remote stayed taken too long.
    case lockTimeout(path: String, waitedSeconds: Double)
    /// A station name or record id cannot be used in branch or file names.
    case invalidName(kind: String, value: String)
    /// Only kept results are shared with the fleet.
    case notKept(recordID: String)
    /// No checkpoint with this hash is in the store.
    case checkpointNotFound(hash: String)
    /// A stored checkpoint no longer matches its hash.
    case checkpointCorrupted(hash: String, actualHash: String, path: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// The remote's history of these branches no longer contains what this station saw before (a force-push
    /// or a deleted and recreated branch); the station keeps its last good view.
    case historyRewritten(station: String, branches: [String])
    /// Another workspace or clone already publishes under this station name.
    case stationNameTaken(station: String, remote: String)
    /// A record cannot be published: it would be rejected by every reader.
    case invalidRecord(id: String, reason: String)
    /// A network remote refused every credential offered, or none could be offered.
    case authenticationFailed(remote: String, tried: [String], reason: String)
    /// An ssh remote's host key was not accepted (unknown host, changed key or revoked key).
    case hostKeyRejected(host: String, knownHosts: String, reason: String)
    /// This libgit2 was built without the transport the remote needs (ssh or https).
    case transportUnavailable(remote: String, transport: String)

    /// A message saying what failed and what to do.
    public var description: String {
        switch self {
        case let .git(operation, code, message):
            return "git \(operation) failed (libgit2 error \(code)): \(message)"
        case let .pushRetriesExhausted(station, attempts, lastReason):
            return "station \(station) could not publish after \(attempts) attempts (last: \(lastReason)); "
                + "the record is still in the local ledger, call publish again later"
        case let .lockTimeout(path, waited):
            return "push lock \(path) stayed taken for \(waited) s; if no station is pushing, remove the "
                + "stale lock file"
        case let .invalidName(kind, value):
            return "\(kind) \"\(value)\" cannot be used in Git branch or file names; use letters, digits, "
                + "'.', '_' or '-' (not starting with '.')"
        case let .notKept(recordID):
            return "record \(recordID) was reverted; only kept results are published to the fleet"
        case let .checkpointNotFound(hash):
            return "no checkpoint \(hash) in the store; publish it with put(_:) on the station that made it"
        case let .checkpointCorrupted(hash, actual, path):
            return "checkpoint \(path) should hash to \(hash) but hashes to \(actual); delete it and fetch "
                + "it again from the station that made it"
        case let .io(path, reason):
            return "\(path): \(reason)"
        case let .historyRewritten(station, branches):
            return "the fleet's history of \(branches.joined(separator: ", ")) was rewritten (not a fast-forward of "
                + "what station \(station) saw before, e.g. a force-push); its last good view is kept and nothing "
                + "was adopted from those branches. Find out who rewrote it; then every station whose records are "
                + "missing runs `enpire fleet republish --workspace DIR` to restore them from its ledger"
        case let .stationNameTaken(station, remote):
            return "station name \(station) is already taken in fleet \(remote) by another workspace; choose "
                + "another name (enpire init --station NAME)"
        case let .invalidRecord(id, reason):
            return "record \(id) cannot be published: \(reason)"
        case let .authenticationFailed(remote, tried, reason):
            return "could not authenticate to \(remote): \(reason); tried: "
                + (tried.isEmpty ? "nothing" : tried.joined(separator: "; ")) + ". Load a key into the ssh agent, "
                + "set ENPIRE_SSH_KEY (and ENPIRE_SSH_KEY_PASSPHRASE) or ENPIRE_GIT_TOKEN, and check that the "
                + "server accepts that key or token"
        case let .hostKeyRejected(host, knownHosts, reason):
            return "host key of \(host) refused (\(knownHosts)): \(reason)"
        case let .transportUnavailable(remote, transport):
            return "this libgit2 has no \(transport) support, so \(remote) cannot be reached; install a libgit2 "
                + "built with \(transport) (Debian's libgit2-1.5 has ssh through libssh2) or use a path remote"
        }
    }
}
