import Enpire
import Foundation

extension FleetStation {
    // Station names: claims, ownership, name validation and record files.

    /// What `owners/<name>.json` on a station branch holds.
    struct StationClaim: Codable, Equatable {
        var station: String
        var owner: String
        var frozenHash: String?
    }

    enum OwnerStatus { case mine, unclaimed, taken }

    /// Who owns this station's name at `tip` of its branch.
    ///
    /// A branch without a claim file (written before names were claimed) is this clone's only when the clone's
    /// own branch is in its history; anything else is another clone's.
    func ownerStatus(at tip: GitObjectID?) throws -> OwnerStatus {
        guard let tip else { return .unclaimed }
        if let blob = try repository.blob(atPath: "owners/\(name).json", of: tip) {
            guard try repository.blobSize(blob) <= Self.maxRecordBytes,
                  let claim = try? JSONDecoder().decode(StationClaim.self, from: repository.blobContents(blob))
            else { return .taken }
            return claim.owner == ownerToken && claim.station == name ? .mine : .taken
        }
        if let local = try repository.target(of: "refs/heads/\(branch)"),
           try repository.contains(local, inHistoryOf: tip) {
            return .unclaimed
        }
        return .taken
    }

    func claimFile(frozenHash: String?) throws -> (path: String, contents: Data) {
        ("owners/\(name).json",
         try CanonicalJSON.encodePretty(StationClaim(station: name, owner: ownerToken, frozenHash: frozenHash)))
    }

    /// The random token that identifies this clone as the owner of its station name (created once).
    static func ownerToken(in clonePath: URL) throws -> String {
        let url = clonePath.appendingPathComponent("enpire-owner")
        if let data = try? SafeFile.read(url, limit: 4096) {
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty { return token }
        }
        let token = UUID().uuidString
        do {
            try Data(token.utf8).write(to: url, options: .atomic)
        } catch {
            throw FleetError.io(path: url.path, reason: "cannot write the station's owner token: \(error)")
        }
        return token
    }

    func checkOwn(_ record: ExperimentRecord) throws {
        guard record.station == name else {
            throw FleetError.invalidRecord(id: record.id, reason: "station \"\(record.station)\" is not \(name)")
        }
        if let problem = Self.problems(with: record).first {
            throw FleetError.invalidRecord(id: record.id, reason: problem)
        }
    }

    static func files(for record: ExperimentRecord, station: String) throws
        -> [(path: String, contents: Data)]
    {
        [
            (path: "records/\(station)/\(record.id).json", contents: try CanonicalJSON.encodePretty(record)),
            (path: "recipes/\(station)/\(record.id).json", contents: try CanonicalJSON.encodePretty(record.config)),
        ]
    }

    /// Checks that `value` can be used as a station name or record id in Git branch and file names: 1 to 100
    /// letters, digits, `.`, `_` or `-`, not starting with `.`, no `..`, not ending in `.lock`.
    public static func validate(_ value: String, kind: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !value.isEmpty, value.count <= 100, !value.hasPrefix("."), !value.hasSuffix(".lock"),
              !value.contains(".."), value.allSatisfy({ allowed.contains($0) })
        else {
            throw FleetError.invalidName(kind: kind, value: value)
        }
    }
}
