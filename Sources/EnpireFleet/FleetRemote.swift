public import Foundation

/// Where the fleet's shared bare repository lives: a local or shared-filesystem path, or an ssh/https URL.
///
/// Network URLs are passed to libgit2 as they are. Credentials are out of scope: no credential callback is
/// installed, so a remote that asks for authentication fails with libgit2's message; use a path remote or
/// an ssh agent/URL that needs no interactive credentials.
public struct FleetRemote: Sendable, Equatable, CustomStringConvertible {
    /// The URL or path handed to libgit2.
    public let url: String
    /// The local path when the remote is a path (plain or `file://`), which enables the push lock.
    public let localPath: String?

    /// A remote from a URL or path string.
    public init(_ url: String) {
        self.url = url
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

    private static func looksLikeSCP(_ text: String) -> Bool {
        // user@host:path, as git understands it; a path with a colon before any slash.
        guard let colon = text.firstIndex(of: ":") else { return false }
        return !text[..<colon].contains("/")
    }
}
