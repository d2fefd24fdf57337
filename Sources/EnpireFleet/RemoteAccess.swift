import CGit2
import Foundation

/// The credential and host-key callbacks of one libgit2 connection (a fetch or a push) to a ``FleetRemote``.
///
/// libgit2 calls the credential callback again after every rejected credential; this object hands out each
/// configured method at most once and stops after ``FleetCredentials/maxAttempts``, recording why, so the
/// caller can throw a ``FleetError`` naming what was tried instead of libgit2's bare message.
final class RemoteAccess {
    let remote: FleetRemote
    /// What was offered or skipped, in order, for the error message.
    private(set) var tried: [String] = []
    /// Credentials offered so far.
    private(set) var attempts = 0
    /// Why the connection was refused by this side (credentials exhausted, host key rejected), if it was.
    private(set) var failure: FleetError?
    /// References the remote refused during a push (`name: reason`), filled by the push callback.
    var rejectedReferences: [String] = []
    private var remaining: [FleetCredentials.Method]
    private var gaveUsername = false
    private let environment: [String: String]

    init(remote: FleetRemote, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.remote = remote
        self.remaining = remote.credentials.methods
        self.environment = environment
    }

    /// A credential libgit2 can be handed.
    enum Offer: Equatable {
        case username(String)
        case sshAgent(username: String)
        case sshKey(username: String, publicKey: String?, privateKey: String, passphrase: String?)
        case userPassword(username: String, password: String)
    }

    /// What the remote may accept, from libgit2's `allowed_types`.
    struct Allowed: OptionSet {
        let rawValue: UInt32
        static let userPassword = Allowed(rawValue: GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue)
        static let sshKey = Allowed(rawValue: GIT_CREDENTIAL_SSH_KEY.rawValue)
        static let username = Allowed(rawValue: GIT_CREDENTIAL_USERNAME.rawValue)
    }

    /// The next credential to offer, or `nil` (with ``failure`` set) when the connection should give up.
    func nextOffer(usernameFromURL: String?, allowed: Allowed) -> Offer? {
        let username = usernameFromURL ?? remote.credentials.sshUsername ?? Self.loginName(environment)
        // libgit2 asks for the user name alone first when the ssh URL names none.
        if allowed.contains(.username), usernameFromURL == nil, !gaveUsername {
            gaveUsername = true
            return .username(username)
        }
        guard attempts < remote.credentials.maxAttempts else {
            return giveUp("gave up after \(attempts) rejected credentials (limit \(remote.credentials.maxAttempts))")
        }
        while !remaining.isEmpty {
            let method = remaining.removeFirst()
            guard let offer = offer(for: method, username: username, allowed: allowed) else { continue }
            attempts += 1
            tried.append(method.description)
            return offer
        }
        return giveUp(attempts == 0 ? "no configured credential applies to this remote"
                                    : "the remote rejected every credential offered")
    }

    private func offer(for method: FleetCredentials.Method, username: String, allowed: Allowed) -> Offer? {
        switch method {
        case .sshAgent:
            guard allowed.contains(.sshKey) else { return nil }
            guard let socket = environment["SSH_AUTH_SOCK"], !socket.isEmpty else {
                tried.append("ssh agent (skipped: SSH_AUTH_SOCK is not set)")
                return nil
            }
            return .sshAgent(username: username)
        case let .sshKey(privateKey, publicKey, passphraseVariable):
            guard allowed.contains(.sshKey) else { return nil }
            guard FileManager.default.fileExists(atPath: privateKey) else {
                tried.append("ssh key \(privateKey) (skipped: no such file)")
                return nil
            }
            let pub = publicKey ?? (FileManager.default.fileExists(atPath: privateKey + ".pub") ? privateKey + ".pub" : nil)
            let passphrase = passphraseVariable.flatMap { environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            return .sshKey(username: username, publicKey: pub, privateKey: privateKey, passphrase: passphrase)
        case let .httpsToken(variable, user):
            guard allowed.contains(.userPassword) else { return nil }
            guard let token = environment[variable], !token.isEmpty else {
                tried.append("https token (skipped: $\(variable) is not set)")
                return nil
            }
            return .userPassword(username: user, password: token)
        }
    }

    private func giveUp(_ reason: String) -> Offer? {
        if failure == nil {
            failure = .authenticationFailed(remote: remote.url, tried: tried, reason: reason)
        }
        return nil
    }

    private static func loginName(_ environment: [String: String]) -> String {
        if let user = getpwuid(geteuid())?.pointee.pw_name { return String(cString: user) }
        return environment["USER"] ?? "git"
    }

    // MARK: Host keys

    /// Checks an ssh host key against the remote's known_hosts policy; `nil` means accepted.
    func checkHostKey(_ key: KnownHosts.HostKey, host: String) -> FleetError? {
        let port = remote.sshEndpoint?.port ?? 22
        let policy = remote.hostKeys
        let file = policy.knownHostsFile
        let pattern = KnownHosts.pattern(host: host, port: port)
        do {
            switch try KnownHosts.check(key, host: host, port: port, path: file) {
            case .match:
                return nil
            case .revoked:
                return .hostKeyRejected(host: pattern, knownHosts: file,
                                        reason: "its \(key.typeName) key \(key.fingerprint) is marked @revoked")
            case .mismatch:
                return .hostKeyRejected(host: pattern, knownHosts: file, reason: "it presented the \(key.typeName) "
                    + "key \(key.fingerprint), which differs from the one listed: someone may be intercepting the "
                    + "connection, or the host key was changed. Verify the new fingerprint with the host's owner, "
                    + "then remove the old line (ssh-keygen -R '\(pattern)' -f \(file))")
            case .unknown:
                if policy.trustOnFirstUse {
                    try KnownHosts.add(key, host: host, port: port, path: file)
                    return nil
                }
                return .hostKeyRejected(host: pattern, knownHosts: file, reason: "the host is not listed with a "
                    + "\(key.typeName) key (it presented \(key.fingerprint)). Verify that fingerprint with the "
                    + "host's owner, then add it (ssh-keyscan -p \(port) \(host) >> \(file)), or allow trust on "
                    + "first use (ENPIRE_SSH_TRUST_ON_FIRST_USE=1)")
            }
        } catch let error as FleetError {
            return error
        } catch {
            return .io(path: file, reason: "\(error)")
        }
    }

    // MARK: libgit2 callbacks

    /// Installs the credential and certificate callbacks with `self` as payload (the caller keeps `self` alive
    /// for the duration of the libgit2 call).
    func install(into callbacks: inout git_remote_callbacks) {
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.credentials = { out, _, usernameFromURL, allowedTypes, payload in
            guard let out, let payload else { return -1 }
            let access = Unmanaged<RemoteAccess>.fromOpaque(payload).takeUnretainedValue()
            guard let offer = access.nextOffer(usernameFromURL: usernameFromURL.map { String(cString: $0) },
                                               allowed: Allowed(rawValue: allowedTypes)) else {
                git_error_set_str(Int32(GIT_ERROR_SSH.rawValue), access.failure?.description ?? "no credentials")
                return GIT_EAUTH.rawValue
            }
            switch offer {
            case let .username(name):
                return git_credential_username_new(out, name)
            case let .sshAgent(name):
                return git_credential_ssh_key_from_agent(out, name)
            case let .sshKey(name, publicKey, privateKey, passphrase):
                return git_credential_ssh_key_new(out, name, publicKey, privateKey, passphrase)
            case let .userPassword(name, password):
                return git_credential_userpass_plaintext_new(out, name, password)
            }
        }
        callbacks.certificate_check = { cert, _, host, payload in
            guard let cert, let payload else { return -1 }
            // https: keep libgit2's own TLS verification.
            guard cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else { return GIT_PASSTHROUGH.rawValue }
            let access = Unmanaged<RemoteAccess>.fromOpaque(payload).takeUnretainedValue()
            let hostName = host.map { String(cString: $0) } ?? access.remote.sshEndpoint?.host ?? "?"
            let verdict: FleetError? = UnsafeMutableRawPointer(cert)
                .withMemoryRebound(to: git_cert_hostkey.self, capacity: 1) { hostkey in
                    guard let key = RemoteAccess.hostKey(hostkey.pointee) else {
                        return .hostKeyRejected(host: hostName, knownHosts: access.remote.hostKeys.knownHostsFile,
                                                reason: "libgit2 did not hand over the raw host key, or its type is "
                                                    + "not one known_hosts can hold")
                    }
                    return access.checkHostKey(key, host: hostName)
                }
            guard let verdict else { return 0 }
            access.failure = verdict
            git_error_set_str(Int32(GIT_ERROR_SSH.rawValue), verdict.description)
            return GIT_ECERTIFICATE.rawValue
        }
    }

    private static func hostKey(_ cert: git_cert_hostkey) -> KnownHosts.HostKey? {
        guard cert.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = cert.hostkey, cert.hostkey_len > 0 else {
            return nil
        }
        let name: String
        switch cert.raw_type {
        case GIT_CERT_SSH_RAW_TYPE_RSA: name = "ssh-rsa"
        case GIT_CERT_SSH_RAW_TYPE_DSS: name = "ssh-dss"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256: name = "ecdsa-sha2-nistp256"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384: name = "ecdsa-sha2-nistp384"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521: name = "ecdsa-sha2-nistp521"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ED25519: name = "ssh-ed25519"
        default: return nil
        }
        guard let type = KnownHosts.knownHostType(ofTypeName: name) else { return nil }
        var fingerprint = "(no SHA256 fingerprint)"
        if cert.type.rawValue & GIT_CERT_SSH_SHA256.rawValue != 0 {
            let digest = withUnsafeBytes(of: cert.hash_sha256) { Data($0) }
            fingerprint = "SHA256:" + digest.base64EncodedString().replacingOccurrences(of: "=", with: "")
        }
        return KnownHosts.HostKey(typeName: name, blob: Data(bytes: raw, count: cert.hostkey_len),
                                  knownHostType: type, fingerprint: fingerprint)
    }

    /// The error to throw for a failed libgit2 call made with these callbacks: this side's reason when it
    /// refused, else libgit2's error (an authentication error names what was tried).
    func error(code: Int32, operation: String) -> FleetError {
        if let failure { return failure }
        let message = GitRepository.lastErrorMessage()
        if code == GIT_EAUTH.rawValue || (!tried.isEmpty && message.localizedCaseInsensitiveContains("auth")) {
            return .authenticationFailed(remote: remote.url, tried: tried, reason: message)
        }
        return .git(operation: operation, code: Int(code), message: message)
    }

    /// Refuses a remote this libgit2 cannot reach (built without ssh or https).
    static func checkTransport(for remote: FleetRemote) throws {
        _ = libgit2Initialized
        let features = git_libgit2_features()
        if remote.sshEndpoint != nil, features & Int32(GIT_FEATURE_SSH.rawValue) == 0 {
            throw FleetError.transportUnavailable(remote: remote.url, transport: "ssh")
        }
        if remote.url.hasPrefix("https://"), features & Int32(GIT_FEATURE_HTTPS.rawValue) == 0 {
            throw FleetError.transportUnavailable(remote: remote.url, transport: "https")
        }
    }
}
