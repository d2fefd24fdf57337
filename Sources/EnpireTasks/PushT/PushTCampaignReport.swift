import Enpire
public import Foundation

/// Writes a campaign's report: `report.md` with PNG figures, and `report.json` with every number.
public enum PushTCampaignReport {
    /// Writes the report files into `folder` and returns the Markdown file's URL.
    @discardableResult
    public static func write(_ result: PushTCampaign.Result, to folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result).write(to: folder.appendingPathComponent("report.json"), options: .atomic)

        let stations = result.curves.keys.sorted()
        let bestCurve = LinePlot(
            title: "Best kept success rate vs robot time", xLabel: "robot minutes (simulated)",
            yLabel: "success rate (dev seeds)",
            series: stations.map { name in
                .init(label: name, points: result.curves[name]!.map { ($0.robotSeconds / 60, $0.bestRate) })
            }, yRange: 0...1, referenceLines: [0.95])
        try Data(PNGEncoder.encode(bestCurve.render(), compression: .deflate))
            .write(to: folder.appendingPathComponent("success_vs_robot_time.png"), options: .atomic)
        let trialCurve = LinePlot(
            title: "Every trial (kept or reverted)", xLabel: "iteration", yLabel: "success rate (dev seeds)",
            series: stations.map { name in
                .init(label: name, points: result.curves[name]!.map { (Double($0.iteration), $0.trialRate) })
            }, yRange: 0...1)
        try Data(PNGEncoder.encode(trialCurve.render(), compression: .deflate))
            .write(to: folder.appendingPathComponent("trials.png"), options: .atomic)
        let mru = LinePlot(
            title: "Robot utilisation per station", xLabel: "station", yLabel: "share of wall time",
            series: [
                .init(label: "experiment (MRU)", points: result.utilization.robots.enumerated().map { (Double($0.offset + 1), $0.element.mru) }),
                .init(label: "idle", points: result.utilization.robots.enumerated().map { (Double($0.offset + 1), $0.element.idleShare) }),
            ], yRange: 0...1)
        try Data(PNGEncoder.encode(mru.render(), compression: .deflate))
            .write(to: folder.appendingPathComponent("mru.png"), options: .atomic)

        var md = "# Push-T on a simulated fleet: report\n\n"
        let c = result.configuration
        md += "Stations: \(c.stations); research iterations per station: \(c.iterations); episodes per trial: "
        md += "\(c.episodesPerTrial) (development seeds); frozen criteria hash `\(result.frozenHash.prefix(16))`.\n"
        md += "Simulator: EnpireSim Push-T (gym-pusht 0.1.8 physics and scoring; success = coverage > 0.95 within 300 steps).\n"
        if let camera = c.cameraReward {
            md += "Judge: every station's own 640x480 camera (Push-T camera reward, threshold "
            md += "\(String(format: "%.4f", camera.threshold)), early success confirmed above +\(camera.boundaryMargin)); "
            md += "the simulator's coverage is only read to score held-out episodes.\n"
        }
        md += "Resets: \(c.robotReset ? "the pusher puts the T back itself before every research episode (verified)" : "start states placed directly").\n"
        md += "Researcher: Enpire's built-in researcher (evolution strategy over the planner's recipe; no language model), "
        if let initial = c.initialRecipe {
            md += "every station starting from a recipe an earlier run kept (`\(initial)`) and adopting kept results "
            md += "of the others through Git.\n\n"
        } else {
            md += "every station starting from the same naive baseline and adopting kept results of the others through Git.\n\n"
        }
        md += "## Held-out score (seeds no station saw during research)\n\n"
        md += "| policy | successes | rate | Wilson 95% | mean steps to success | robot time |\n|---|---|---|---|---|---|\n"
        for score in [result.best, result.baseline, result.behaviourCloning, result.learned].compactMap({ $0 }) {
            md += "| \(score.policy) | \(score.successes)/\(score.trials) | \(String(format: "%.1f%%", 100 * Double(score.successes) / Double(max(score.trials, 1)))) | "
            md += "\(percent(score.wilsonLower))–\(percent(score.wilsonUpper)) | \(String(format: "%.1f", score.meanStepsToSuccess)) | "
            md += "\(String(format: "%.1f", score.robotSeconds / 60)) min |\n"
        }
        for score in [result.best, result.baseline].compactMap({ $0 }) {
            if let called = score.cameraSuccesses, let agreed = score.cameraAgreements {
                md += "\n\(score.policy): the camera called \(called) successes; its final verdict agreed with the "
                md += "simulator on \(agreed)/\(score.trials) episodes."
            }
        }
        md += "\nWhat each row reads: the recipes are the planner, which reads the simulator's exact state and plans "
        md += "with a copy of the simulator (privileged: an oracle); the behaviour-cloned MLP reads the exact state too "
        md += "(privileged); the learned primitive selector reads only the evaluator station's 640x480 camera and the "
        md += "pusher's own state, and never runs the simulator.\n"
        md += "\nBest recipe: `\(result.bestRecipe)`.\n"
        if let details = result.learnedDetails, let score = result.learned {
            md += "\n## Learned policy (camera observations)\n\n"
            md += "A primitive selector (MLP, \(PushTPrimitiveFeatures.count) inputs: the block pose measured in the camera "
            md += "frame, the pusher's position and velocity) picks one push primitive of the best recipe's library at "
            md += "each decision point; a scripted executor runs it from geometry alone. Trained by \(details.paradigm) "
            md += "from the best recipe as teacher (privileged: it scores every primitive in a private simulator) in "
            md += "\(String(format: "%.0f", details.trainingWallSeconds)) s wall on this machine "
            md += "(\(String(format: "%.1f", details.trainingRobotSeconds / 60)) simulated robot minutes of data "
            md += "collection and development rollouts); kept round \(details.keptRound + 1) by development rollouts.\n\n"
            md += "Held-out: \(score.successes)/\(score.trials) (Wilson 95% \(percent(score.wilsonLower))–"
            md += "\(percent(score.wilsonUpper))), mean maximum coverage \(String(format: "%.3f", details.meanMaximumCoverage)).\n\n"
            md += "| round | decisions | wall s | robot min | development success | validation agreement |\n|---|---|---|---|---|---|\n"
            for point in details.curve {
                md += "| \(point.round + 1) | \(point.samples) | \(String(format: "%.0f", point.wallSeconds)) | "
                md += "\(String(format: "%.1f", point.robotSeconds / 60)) | \(point.developmentSuccesses)/\(point.developmentEpisodes) | "
                md += "\(String(format: "%.1f%%", 100 * point.validationAgreement)) |\n"
            }
        }
        if !result.confirmation.isEmpty {
            md += "\n## Confirmation round (fresh development seeds, after research)\n\n"
            md += "Every trial used the same \(c.episodesPerTrial) development seeds, so the leaders were re-run on "
            md += "blocks of \(c.confirmationEpisodes) fresh development seeds before the held-out seeds were opened, "
            md += "the better half going on after each block "
            md += "(\(String(format: "%.1f", result.confirmationRobotSeconds / 60)) robot minutes over the stations).\n\n"
            md += "| candidate | research | confirmation | blocks | mean steps to success | station |\n|---|---|---|---|---|---|\n"
            for (index, entry) in result.confirmation.enumerated() {
                let steps = entry.confirmed.meanStepsToSuccess.map { String(format: "%.1f", $0) } ?? "–"
                md += "| \(index + 1)\(entry.recipe == result.bestRecipe ? " (kept)" : "") | "
                md += "\(entry.research.successes)/\(entry.research.trials) | \(entry.confirmed.successes)/\(entry.confirmed.trials) | "
                md += "\(entry.rounds) | \(steps) | \(entry.station) |\n"
            }
        }
        if !result.behaviourCloningMetrics.isEmpty {
            md += "Behaviour cloning metrics: " + result.behaviourCloningMetrics.keys.sorted()
                .map { "\($0) = \(String(format: "%.4g", result.behaviourCloningMetrics[$0]!))" }.joined(separator: ", ") + ".\n"
        }
        md += "\n## Learning\n\n![best kept success vs robot time](success_vs_robot_time.png)\n\n![every trial](trials.png)\n\n"
        md += "| station | iterations | best dev rate | robot minutes | robot minutes to 95% |\n|---|---|---|---|---|\n"
        for name in stations {
            let curve = result.curves[name]!
            md += "| \(name) | \(curve.count) | \(percent(curve.last?.bestRate ?? 0)) | "
            md += "\(String(format: "%.1f", (curve.last?.robotSeconds ?? 0) / 60)) | "
            md += (result.robotSecondsTo95[name].map { String(format: "%.1f", $0 / 60) } ?? "not reached") + " |\n"
        }
        md += "\n## Robot utilisation (research phase, wall clock)\n\n![MRU](mru.png)\n\n"
        md += "In simulation every robot is a task on this machine's cores, so a robot also waits while the others "
        md += "compute: read these shares as the campaign's scheduling, not as hardware idleness.\n\n"
        md += "| station | MRU (executing) | idle (deciding, fleet sync, waiting for the round) |\n|---|---|---|\n"
        for robot in result.utilization.robots {
            md += "| \(robot.robot) | \(percent(robot.mru)) | \(percent(robot.idleShare)) |\n"
        }
        md += "\nFleet MRU \(percent(result.utilization.mru)). Research phase: \(String(format: "%.0f", result.researchWallSeconds)) s wall, "
        md += "\(String(format: "%.1f", result.researchRobotSeconds / 60)) simulated robot minutes over all stations. "
        md += "Whole campaign: \(String(format: "%.0f", result.totalWallSeconds)) s wall.\n\n"
        if result.resumes > 0 {
            md += "Interrupted and resumed \(result.resumes) time(s) (`enpire main --resume`): research trials, "
                + "confirmation blocks and held-out episodes finished before an interruption were kept, the ones in "
                + "flight were run again. Wall times and utilisation run from the first start, so they include the "
                + "time the job was down; a resumed station's earlier trials count as one experiment interval each "
                + "(their idle time is not known), and its researcher was re-seeded.\n\n"
        }
        md += "## Ledger (every iteration of every station)\n\n"
        let table = ExperimentLedger.markdownTable(result.records.sorted {
            ($0.station, $0.startedAtUnixSeconds) < ($1.station, $1.startedAtUnixSeconds)
        })
        // The ledger's own title would nest a second top-level heading here.
        md += table.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { $0.hasPrefix("# ") || $0.isEmpty }.joined(separator: "\n")
        let url = folder.appendingPathComponent("report.md")
        try Data(md.utf8).write(to: url, options: .atomic)
        return url
    }
}
