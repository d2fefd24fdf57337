public import Foundation

/// Where the fleet's shared bare repository lives: a local or shared-filesystem path, or an ssh/https URL.
///
/// Network URLs are passed to libgit2 as they are (`ssh://user@host:port/path`, `user@host:path`,
/// `https://host/path`). A network remote authenticates with ``credentials`` (ssh agent, ssh key file, https
/// token from the environment; a bounded number of attempts) and an ssh remote's host key is checked against
/// a `known_hosts` file (``hostKeys``). Path remotes use neither.
public struct FleetRemote: Sendable, Equatable, CustomStringConvertible {
    /// The URL or path handed to libgit2.
    public let url: String
    /// The local path when the remote is a path (plain or `file://`), which enables the push lock.
    public let localPath: String?
    /// How the station authenticates to a network remote.
    public var credentials: FleetCredentials
    /// How an ssh remote's host key is checked.
    public var hostKeys: FleetHostKeyPolicy

    /// A remote from a URL or path string; credentials and host-key policy default to the environment's
    /// (``FleetCredentials/fromEnvironment(_:)``, ``FleetHostKeyPolicy/fromEnvironment(_:)``).
    public init(_ url: String, credentials: FleetCredentials = .fromEnvironment(),
                hostKeys: FleetHostKeyPolicy = .fromEnvironment()) {
        self.url = url
        self.credentials = credentials
        self.hostKeys = hostKeys
        if url.hasPrefix("file://") {
            localPath = String(url.dropFirst("file://".count))
        } else if url.contains("://") || Self.looksLikeSCP(url) {
            localPath = nil
        } else {
            localPath = url
        }
    }

    /// A path remote.
    public init(path: URL) {
        self.init(path.path)
    }

    /// Creates an empty bare repository at `path` to serve as the fleet's shared remote.
    @discardableResult
    public static func createBare(at path: URL) throws -> FleetRemote {
        _ = try GitRepository(openingOrCreatingBareAt: path.path)
        return FleetRemote(path: path)
    }

    /// The URL or path.
    public var description: String { url }

    /// Host and port of an ssh remote (`ssh://`, `ssh+git://`, `git+ssh://` URLs, or scp-like `user@host:path`),
    /// `nil` for any other remote.
    var sshEndpoint: (host: String, port: Int)? {
        for scheme in ["ssh://", "ssh+git://", "git+ssh://"] where url.hasPrefix(scheme) {
            var authority = url.dropFirst(scheme.count).prefix { $0 != "/" }
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
                let host = String(authority[authority.index(after: authority.startIndex)..<close])
                let rest = authority[authority.index(after: close)...]
                return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) ?? 22 : 22)
            }
            if let colon = authority.lastIndex(of: ":") {
                return (String(authority[..<colon]), Int(authority[authority.index(after: colon)...]) ?? 22)
            }
            return (String(authority), 22)
        }
        guard localPath == nil, !url.contains("://"), let colon = url.firstIndex(of: ":") else { return nil }
        var host = url[..<colon]
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        return (String(host), 22)
    }

    private static func looksLikeSCP(_ text: String) -> Bool {
        // user@host:path, as git understands it; a path with a colon before any slash.
        guard let colon = text.firstIndex(of: ":") else { return false }
        return !text[..<colon].contains("/")
    }
}
