public import Enpire
import Logging
import Foundation

/// A best kept recipe re-run on fresh development seeds after research.
public struct ConfirmationEntry: Sendable, Codable, Equatable {
    /// The recipe.
    public var recipe: Recipe
    /// Its kept trial result during research.
    public var research: TrialResults
    /// Its result on the confirmation seeds.
    public var confirmed: TrialResults
    /// Station that ran it.
    public var station: String
    /// Confirmation blocks it ran (successive halving drops the weaker half after each block).
    public var rounds: Int
}

/// Confirmation by successive halving: trials all use the same development seeds, so several recipes end at
/// 20/20; the leaders (one candidate per station, in parallel) run on a block of fresh development seeds (never the
/// held-out ones), the better half runs a second block, and so on until one is left; the winner has the most
/// successes over every block it ran (ties: fewer steps to success, then research order).
enum Confirmation {
    struct Outcome {
        var entries: [ConfirmationEntry] = []
        var robotSeconds = 0.0
        var winner: Recipe?
    }

    /// Progress after a finished block (`progress/confirmation.json`).
    struct Progress: Codable, Sendable {
        var candidates: [Recipe]
        var tallies: [TrialTally]
        var rounds: [Int]
        var alive: [Int]
        var nextSeed: Int
    }

    static func run(ranked: [ExperimentRecord], stations: [CampaignStation],
                    configuration: ResearchCampaign.Configuration, output: URL,
                    checkpoint: (@Sendable (CampaignCheckpoint) throws -> Void)?,
                    progress: (@Sendable (ProgressEvent) -> Void)? = nil,
                    logger: Logger) async throws -> Outcome {
        var outcome = Outcome()
        guard configuration.confirmationEpisodes > 0, configuration.confirmationCandidates > 1 else { return outcome }
        var candidates: [(recipe: Recipe, research: TrialResults)] = []
        for record in ranked {
            guard let recipe = record.recipe, !candidates.contains(where: { $0.recipe == recipe }) else { continue }
            candidates.append((recipe, record.results))
            if candidates.count == min(configuration.confirmationCandidates, stations.count) { break }
        }
        var tallies = Array(repeating: TrialTally(), count: candidates.count)
        var rounds = Array(repeating: 0, count: candidates.count)
        var alive = Array(candidates.indices)
        var nextSeed = configuration.episodesPerTrial
        let progressURL = CampaignFiles.progressURL(output, "confirmation.json")
        if let saved = CampaignFiles.readJSON(Progress.self, from: progressURL),
           saved.candidates == candidates.map(\.recipe), saved.rounds.count == candidates.count,
           saved.tallies.count == candidates.count {
            (tallies, rounds, alive, nextSeed) = (saved.tallies, saved.rounds, saved.alive, saved.nextSeed)
            outcome.robotSeconds = tallies.map(\.robotSeconds).reduce(0, +)
            logger.info("confirmation: resuming after \(rounds.max() ?? 0) finished blocks (\(alive.count) recipes left)")
        }
        var blocksDone = 0
        // Candidate i runs on station i while it is in service; a candidate whose station an emergency stop took
        // out of service runs its block again on a free station still in service.
        let pool = ConfirmationPool(stations)
        var ranOn = stations.prefix(candidates.count).map(\.name)
        while alive.count > 1 {
            let seeds = Array(ResearchCampaign.developmentSeeds.dropFirst(nextSeed)
                .prefix(configuration.confirmationEpisodes))
            guard let first = seeds.first, let last = seeds.last else { break }
            nextSeed += seeds.count
            logger.info("confirmation: \(alive.count) leading recipes on \(seeds.count) fresh development seeds each (seeds \(first)-\(last))")
            let block = try await withThrowingTaskGroup(of: (Int, String, TrialTally).self) { group in
                for index in alive {
                    let recipe = candidates[index].recipe
                    group.addTask {
                        while true {
                            let station = try await pool.acquire(preferring: index)
                            let tally = try await station.confirm(recipe: recipe, seeds: seeds)
                            await pool.release(station, inService: tally != nil)
                            if let tally { return (index, station.name, tally) }
                        }
                    }
                }
                var block: [(Int, String, TrialTally)] = []
                for try await run in group { block.append(run) }
                return block.sorted { $0.0 < $1.0 }
            }
            for (index, name, run) in block {
                ranOn[index] = name
                tallies[index].add(run)
                rounds[index] += 1
                outcome.robotSeconds += run.robotSeconds
                logger.info("confirmation: candidate \(index + 1) (\(candidates[index].research.successes)/\(candidates[index].research.trials) in research) -> \(run.called)/\(run.episodes) (\(tallies[index].called)/\(tallies[index].episodes) so far)")
            }
            let order = alive.sorted {
                tallies[$0].isBetter(than: tallies[$1]) || (!tallies[$1].isBetter(than: tallies[$0]) && $0 < $1)
            }
            alive = Array(order.prefix((alive.count + 1) / 2))
            try CampaignFiles.writeJSON(Progress(candidates: candidates.map(\.recipe), tallies: tallies,
                                                 rounds: rounds, alive: alive, nextSeed: nextSeed), to: progressURL)
            blocksDone += 1
            try checkpoint?(.confirmationBlock(blocksDone))
            // Successive halving: the number of blocks left is known only when one recipe remains.
            progress?(ProgressEvent(phase: "confirmation", done: rounds.max() ?? blocksDone,
                                    total: alive.count > 1 ? nil : rounds.max(), etaSeconds: alive.count > 1 ? nil : 0))
        }
        for index in candidates.indices where rounds[index] > 0 {
            outcome.entries.append(ConfirmationEntry(recipe: candidates[index].recipe,
                                                     research: candidates[index].research,
                                                     confirmed: try tallies[index].results(),
                                                     station: ranOn[index], rounds: rounds[index]))
        }
        if let winner = alive.first, rounds[winner] > 0 {
            outcome.winner = candidates[winner].recipe
            logger.info("confirmation: keeping candidate \(winner + 1) (\(tallies[winner].called)/\(tallies[winner].episodes)): \(candidates[winner].recipe)")
        }
        return outcome
    }
}

/// The research stations confirmation blocks run on, lent one block at a time; a station an emergency stop took
/// out of service is not given back.
actor ConfirmationPool {
    private var free: [Int: CampaignStation]
    private var busy = 0

    init(_ stations: [CampaignStation]) {
        free = Dictionary(stations.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Station `preferred` when it is free, else the free station with the lowest index; waits while every
    /// station in service is busy, and throws when none is left in service.
    func acquire(preferring preferred: Int) async throws -> CampaignStation {
        while true {
            if let index = free[preferred] != nil ? preferred : free.keys.min(), let station = free.removeValue(forKey: index) {
                if await station.stopped { continue }
                busy += 1
                return station
            }
            if busy == 0 { throw ResearchError.stationsStopped(phase: "confirmation") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Gives `station` back when it is still in service.
    func release(_ station: CampaignStation, inService: Bool) async {
        busy -= 1
        guard inService else { return }
        free[station.index] = station
    }
}
