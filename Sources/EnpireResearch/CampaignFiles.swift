import Enpire
public import Foundation

/// What a campaign keeps on disk so that `enpire main --resume DIR` can continue after a crash or `kill -9`.
///
/// ```
/// <output>/operator/campaign.json         task, configuration, held-out seeds and secret (0600)
/// <output>/stations/<name>/ledger.jsonl   every finished research trial (the research state)
/// <output>/fleet.git                      every kept result (republished from the ledgers on resume)
/// <output>/progress/confirmation.json     confirmation blocks finished so far
/// <output>/progress/heldout-<label>.jsonl one line per held-out episode scored
/// ```
///
/// Each file is written when the work it records is finished (atomic renames, appends flushed to disk), so a kill
/// loses only what was in flight.
struct CampaignState: Codable, Sendable {
    var task: String
    var configuration: ResearchCampaign.Configuration
    var heldOutSeeds: [UInt64]
    var secret: String
    var researchStartUnixSeconds: Double
    var resumes: Int
}

/// Reading and writing a campaign's files.
public enum CampaignFiles {
    static func stateURL(_ output: URL) -> URL { output.appendingPathComponent("operator/campaign.json") }

    /// `<output>/progress/<name>`: where a campaign (or a follow-up) keeps its progress.
    public static func progressURL(_ output: URL, _ name: String) -> URL {
        output.appendingPathComponent("progress").appendingPathComponent(name)
    }

    static func loadState(_ output: URL) throws -> CampaignState {
        let url = stateURL(output)
        guard let data = try? SafeFile.read(url, limit: 64 << 20) else {
            throw ResearchError.notResumable(output.path, reason: "\(url.path) is missing or unreadable (the campaign "
                                             + "was killed before it started, or this is not an `enpire main` folder)")
        }
        do {
            return try JSONDecoder().decode(CampaignState.self, from: data)
        } catch {
            throw ResearchError.notResumable(output.path, reason: "\(url.path) does not parse: \(error)")
        }
    }

    static func save(_ state: CampaignState, to output: URL) throws {
        let url = stateURL(output)
        try writeJSON(state, to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// Writes `value` as pretty, key-sorted JSON atomically, creating folders.
    public static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(value).write(to: url, options: .atomic)
    }

    /// The value in `url`, or `nil` when it is missing or does not parse (progress not saved yet).
    public static func readJSON<T: Decodable>(_ type: T.Type, from url: URL) -> T? {
        guard let data = try? SafeFile.read(url, limit: 256 << 20) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }
}

/// One scored held-out episode, as appended to `progress/heldout-<label>.jsonl`.
struct ScoredEpisode: Codable, Sendable {
    var seed: UInt64
    var success: Bool
    var called: Bool
    var steps: Int
    var robotSeconds: Double
    var maximumScore: Double?

    init(seed: UInt64, outcome: EpisodeOutcome) {
        self.seed = seed
        success = outcome.success
        called = outcome.called
        steps = outcome.steps
        robotSeconds = outcome.robotSeconds
        maximumScore = outcome.maximumScore
    }

    var outcome: EpisodeOutcome {
        EpisodeOutcome(success: success, called: called, steps: steps, robotSeconds: robotSeconds,
                       maximumScore: maximumScore)
    }
}

/// Appends scored held-out episodes to a progress file, one flushed line each, and reads back what a killed run
/// finished (a torn last line is ignored: that episode was in flight).
actor HeldOutProgressFile {
    let url: URL
    private var handle: FileHandle?

    init(url: URL) {
        self.url = url
    }

    /// Episodes already scored, by seed.
    nonisolated func finished() -> [UInt64: ScoredEpisode] {
        guard let data = try? SafeFile.read(url, limit: 256 << 20) else { return [:] }
        var done: [UInt64: ScoredEpisode] = [:]
        for line in data.split(separator: 0x0a) {
            if let episode = try? JSONDecoder().decode(ScoredEpisode.self, from: Data(line)) {
                done[episode.seed] = episode
            }
        }
        return done
    }

    func append(_ episode: ScoredEpisode) throws {
        if handle == nil {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: url.path) {
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw ResearchError.notResumable(url.path, reason: "cannot create the held-out progress file")
                }
            }
            let opened = try FileHandle(forWritingTo: url)
            // A torn line from a kill gets its own line end so the next record starts clean.
            let end = try opened.seekToEnd()
            if end > 0 { try opened.write(contentsOf: Data([0x0a])) }
            handle = opened
        }
        var line = try JSONEncoder().encode(episode)
        line.append(0x0a)
        try handle?.write(contentsOf: line)
        try handle?.synchronize()
    }

    func close() {
        try? handle?.close()
        handle = nil
    }
}
