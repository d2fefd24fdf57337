import Enpire
public import Foundation

/// What a campaign keeps on disk so that `enpire main --resume DIR` can continue after a crash or `kill -9`.
///
/// ```
/// <output>/operator/campaign.json        configuration, frozen hash, held-out seeds and secret (0600)
/// <output>/stations/<name>/ledger.jsonl  every finished research trial (the research state)
/// <output>/fleet.git                     every kept result (republished from the ledgers on resume)
/// <output>/progress/confirmation.json    confirmation blocks finished so far
/// <output>/progress/heldout-<label>.jsonl one line per held-out episode scored
/// <output>/progress/behaviour-cloning.json the distilled policy's score once it is done
/// ```
///
/// Each file is written when the work it records is finished (atomic renames, appends flushed to disk), so a
/// kill loses only what was in flight: the research trials running at that moment (one per station), the
/// confirmation block running, the held-out episodes running (one per scoring worker), or behaviour cloning
/// (retrained from its demonstrations).
extension PushTCampaign {
    /// The campaign's own record of what it is, written before any work starts.
    struct State: Codable, Sendable {
        var configuration: Configuration
        var heldOutSeeds: [UInt64]
        var secret: String
        var researchStartUnixSeconds: Double
        var resumes: Int
    }

    /// Confirmation progress after a finished block.
    struct ConfirmationProgress: Codable, Sendable {
        var candidates: [Recipe]
        var successes: [Int]
        var trials: [Int]
        var successSteps: [Int]
        var robotSeconds: [Double]
        var rounds: [Int]
        var alive: [Int]
        var nextSeed: Int
    }

    /// One scored held-out episode, as appended to `progress/heldout-<label>.jsonl`.
    struct ScoredEpisode: Codable, Sendable {
        var seed: UInt64
        var success: Bool
        var called: Bool
        var steps: Int
        var robotSeconds: Double
    }

    static func stateURL(_ output: URL) -> URL { output.appendingPathComponent("operator/campaign.json") }
    static func progressURL(_ output: URL, _ name: String) -> URL {
        output.appendingPathComponent("progress").appendingPathComponent(name)
    }

    /// A campaign that continues the one in `output` (started by ``run(log:)`` and interrupted), with the
    /// configuration it was started with.
    public static func resuming(output: URL) throws -> PushTCampaign {
        let state = try loadState(output)
        var campaign = PushTCampaign(configuration: state.configuration, output: output)
        campaign.resume = true
        return campaign
    }

    static func loadState(_ output: URL) throws -> State {
        let url = stateURL(output)
        guard let data = try? Data(contentsOf: url) else {
            throw CampaignError.notResumable(output.path, reason: "\(url.path) is missing (the campaign was killed "
                                             + "before it started, or this is not an `enpire main` folder)")
        }
        do {
            return try JSONDecoder().decode(State.self, from: data)
        } catch {
            throw CampaignError.notResumable(output.path, reason: "\(url.path) does not parse: \(error)")
        }
    }

    static func save(_ state: State, to output: URL) throws {
        let url = stateURL(output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try writeJSON(state, to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(value).write(to: url, options: .atomic)
    }

    static func readJSON<T: Decodable>(_ type: T.Type, from url: URL) -> T? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
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
    nonisolated func finished() -> [UInt64: PushTCampaign.ScoredEpisode] {
        guard let data = try? Data(contentsOf: url) else { return [:] }
        var done: [UInt64: PushTCampaign.ScoredEpisode] = [:]
        for line in data.split(separator: 0x0a) {
            if let episode = try? JSONDecoder().decode(PushTCampaign.ScoredEpisode.self, from: Data(line)) {
                done[episode.seed] = episode
            }
        }
        return done
    }

    func append(_ episode: PushTCampaign.ScoredEpisode) throws {
        if handle == nil {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: url.path) {
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw CampaignError.notResumable(url.path, reason: "cannot create the held-out progress file")
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
