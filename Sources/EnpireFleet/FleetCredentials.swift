public import Foundation

/// How a station authenticates to a network remote (ssh or https): the methods offered, in order, and how many
/// credential requests one connection may make.
///
/// Secrets never live in this value: a key's passphrase and an https token are read from environment variables
/// when the remote asks for them, so a `FleetCredentials` can be logged or compared without leaking anything.
/// libgit2 asks again after every rejected credential and would ask forever; a connection stops after
/// ``maxAttempts`` offered credentials (or when no method is left) with
/// ``FleetError/authenticationFailed(remote:tried:reason:)``, which names every method tried or skipped.
/// Path remotes never ask for credentials.
public struct FleetCredentials: Sendable, Equatable, CustomStringConvertible {
    /// One way to authenticate.
    public enum Method: Sendable, Equatable, CustomStringConvertible {
        /// The keys of the running ssh agent (`SSH_AUTH_SOCK`); skipped when no agent socket is set.
        case sshAgent
        /// An ssh private key file; `publicKey` defaults to `privateKey` + `.pub` when that file exists (else
        /// libssh2 derives it). The passphrase, if any, is read from the environment variable
        /// `passphraseVariable`. Skipped when the key file is missing.
        case sshKey(privateKey: String, publicKey: String? = nil, passphraseVariable: String? = nil)
        /// An https user name and token, the token read from the environment variable `variable` (for GitHub,
        /// user `x-access-token` and a token with contents access). Skipped when the variable is unset or empty.
        case httpsToken(variable: String, username: String)

        /// What the method is, for messages (never the secret itself).
        public var description: String {
            switch self {
            case .sshAgent: return "ssh agent"
            case let .sshKey(privateKey, _, passphraseVariable):
                return "ssh key \(privateKey)" + (passphraseVariable.map { " (passphrase from $\($0))" } ?? "")
            case let .httpsToken(variable, username): return "https token $\(variable) as user \(username)"
            }
        }
    }

    /// Methods offered, in order; each is offered at most once per connection.
    public var methods: [Method]
    /// The ssh user when the URL names none (`ssh://host/path`); `nil` uses the current user's login name.
    public var sshUsername: String?
    /// Most credentials offered in one connection before giving up.
    public var maxAttempts: Int

    /// Credentials from explicit methods.
    public init(methods: [Method], sshUsername: String? = nil, maxAttempts: Int = 5) {
        self.methods = methods
        self.sshUsername = sshUsername
        self.maxAttempts = max(1, maxAttempts)
    }

    /// The default methods, configured by environment variables read now:
    /// - the ssh agent;
    /// - `ENPIRE_SSH_KEY` (a private key path, passphrase in `ENPIRE_SSH_KEY_PASSPHRASE`), else
    ///   `~/.ssh/id_ed25519`, `~/.ssh/id_ecdsa` and `~/.ssh/id_rsa` (passphrase in `ENPIRE_SSH_KEY_PASSPHRASE`);
    /// - an https token in `ENPIRE_GIT_TOKEN`, as user `ENPIRE_GIT_USER` (default `x-access-token`);
    /// - `ENPIRE_SSH_USER` names the ssh user when the URL has none.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> FleetCredentials
    {
        let passphrase = "ENPIRE_SSH_KEY_PASSPHRASE"
        var methods: [Method] = [.sshAgent]
        if let key = environment["ENPIRE_SSH_KEY"], !key.isEmpty {
            methods.append(.sshKey(privateKey: key, passphraseVariable: passphrase))
        } else {
            let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
            for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
                methods.append(.sshKey(privateKey: "\(home)/.ssh/\(name)", passphraseVariable: passphrase))
            }
        }
        let user = environment["ENPIRE_GIT_USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "x-access-token"
        methods.append(.httpsToken(variable: "ENPIRE_GIT_TOKEN", username: user))
        return FleetCredentials(methods: methods,
                                sshUsername: environment["ENPIRE_SSH_USER"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The methods in order and the attempt bound.
    public var description: String {
        methods.map(\.description).joined(separator: ", ") + " (at most \(maxAttempts) attempts)"
    }
}

/// How a station checks an ssh remote's host key: against an OpenSSH `known_hosts` file.
///
/// A host whose key matches an entry is accepted; a host listed with another key of the same type, or a key
/// marked `@revoked`, is refused (``FleetError/hostKeyRejected(host:knownHosts:reason:)``). An unknown host is
/// refused unless ``trustOnFirstUse`` is set, in which case its key is appended to the file and required from
/// then on. Plain and hashed host names and `[host]:port` entries are understood (libssh2's reader, as
/// OpenSSH writes them); `@cert-authority` lines are not supported and are ignored. https remotes keep
/// libgit2's TLS certificate verification.
public struct FleetHostKeyPolicy: Sendable, Equatable, CustomStringConvertible {
    /// The `known_hosts` file.
    public var knownHostsFile: String
    /// Whether an unknown host's key is accepted (and recorded) on first contact.
    public var trustOnFirstUse: Bool

    /// A policy for `knownHostsFile`.
    public init(knownHostsFile: String, trustOnFirstUse: Bool = false) {
        self.knownHostsFile = knownHostsFile
        self.trustOnFirstUse = trustOnFirstUse
    }

    /// The default policy, configured by environment variables read now: the file `ENPIRE_KNOWN_HOSTS`
    /// (default `~/.ssh/known_hosts`); trust on first use only when `ENPIRE_SSH_TRUST_ON_FIRST_USE=1`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> FleetHostKeyPolicy
    {
        let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        let file = environment["ENPIRE_KNOWN_HOSTS"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.ssh/known_hosts"
        return FleetHostKeyPolicy(knownHostsFile: file,
                                  trustOnFirstUse: environment["ENPIRE_SSH_TRUST_ON_FIRST_USE"] == "1")
    }

    /// The file and whether unknown hosts are trusted.
    public var description: String {
        "known hosts \(knownHostsFile)" + (trustOnFirstUse ? " (trust on first use)" : "")
    }
}
