import Enpire
public import Foundation

/// Writes a campaign's report: `report.md` with SVG figures (and a PNG copy of each beside it, for tools that
/// cannot show SVG: ``SVGRasterizer``), `report.html` (the same page with its SVG figures inlined, one file to send
/// around: ``ReportHTML``) and `report.json` with every number.
public enum ResearchReport {
    /// Writes `report.json` (`json`, the caller's full result), `report.md` and `report.html` into `folder` and returns the
    /// Markdown file's URL. `title` heads the page, `introduction` describes the task's set-up (simulator, judge,
    /// resets) and `sections` (task-specific Markdown, a learned policy's training, say) follow the held-out table.
    /// `rasterizer` writes the PNG copies of the figures; when it cannot, the page says so in one line.
    @discardableResult
    public static func write<Full: Encodable>(_ result: ResearchResult, json: Full, title: String,
                                              introduction: String, sections: String = "",
                                              rasterizer: SVGRasterizer = SVGRasterizer(),
                                              to folder: URL) async throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try CampaignFiles.writeJSON(json, to: folder.appendingPathComponent("report.json"))
        let figures = await rasterizer.writePNGs(for: try plots(result, to: folder))
        let c = result.configuration
        var md = "# \(title)\n\n"
        md += "Stations: \(c.stations); research iterations per station: \(c.iterations); episodes per trial: "
        md += "\(c.episodesPerTrial) (development seeds); frozen criteria hash `\(result.frozenHash.prefix(16))`.\n"
        md += introduction
        md += "Researcher: Enpire's built-in researcher (evolution strategy over the task's recipe; no language model), "
        if let initial = c.initialRecipe {
            md += "every station starting from a recipe an earlier run kept (`\(initial)`) and adopting kept results "
            md += "of the others through Git.\n\n"
        } else {
            md += "every station starting from the same naive baseline and adopting kept results of the others through Git.\n\n"
        }
        md += "## Held-out score (seeds no station saw during research)\n\n"
        md += heldOutTable([result.best, result.baseline].compactMap { $0 } + result.followUps.map(\.score))
        for score in [result.best, result.baseline].compactMap({ $0 }) {
            if let called = score.cameraSuccesses, let agreed = score.cameraAgreements {
                md += "\n\(score.policy): the station's camera called \(called) successes; its final verdict agreed "
                md += "with the simulator on \(agreed)/\(score.trials) episodes."
            }
        }
        if let privilege = result.privilege {
            md += "\nThe recipes are privileged: \(privilege).\n"
        }
        for followUp in result.followUps where !followUp.note.isEmpty {
            md += "\n\(followUp.score.policy): \(followUp.note)\n"
        }
        md += "\nBest recipe: `\(result.bestRecipe)`.\n"
        md += sections
        md += confirmationSection(result)
        md += learningSection(result)
        md += figures.note + "\n\n"
        md += ledgerSection(result)
        let url = folder.appendingPathComponent("report.md")
        try Data(md.utf8).write(to: url, options: .atomic)
        try ReportHTML.write(markdown: md, title: title, folder: folder, to: folder.appendingPathComponent("report.html"))
        return url
    }

    /// A Markdown table of held-out scores.
    public static func heldOutTable(_ scores: [HeldOutScore]) -> String {
        var md = "| policy | successes | rate | Wilson 95% | mean steps to success | robot time |\n|---|---|---|---|---|---|\n"
        for score in scores {
            md += "| \(score.policy) | \(score.successes)/\(score.trials) | "
            md += "\(String(format: "%.1f%%", 100 * Double(score.successes) / Double(max(score.trials, 1)))) | "
            md += "\(Percent.text(score.wilsonLower))–\(Percent.text(score.wilsonUpper)) | "
            md += "\(String(format: "%.1f", score.meanStepsToSuccess)) | \(String(format: "%.1f", score.robotSeconds / 60)) min |\n"
        }
        return md
    }

    /// Writes the report's SVG figures into `folder` and returns their URLs.
    static func plots(_ result: ResearchResult, to folder: URL) throws -> [URL] {
        let stations = result.curves.keys.sorted()
        let bestCurve = LinePlot(
            title: "Best kept success rate vs robot time", xLabel: "robot minutes (simulated)",
            yLabel: "success rate (dev seeds)",
            series: stations.map { name in
                .init(label: name, points: (result.curves[name] ?? []).map { ($0.robotSeconds / 60, $0.bestRate) })
            }, yRange: 0...1, referenceLines: [0.95])
        try Data(bestCurve.svg().utf8).write(to: folder.appendingPathComponent("success_vs_robot_time.svg"), options: .atomic)
        let trialCurve = LinePlot(
            title: "Every trial (kept or reverted)", xLabel: "iteration", yLabel: "success rate (dev seeds)",
            series: stations.map { name in
                .init(label: name, points: (result.curves[name] ?? []).map { (Double($0.iteration), $0.trialRate) })
            }, yRange: 0...1)
        try Data(trialCurve.svg().utf8).write(to: folder.appendingPathComponent("trials.svg"), options: .atomic)
        let robots = result.utilization.robots.enumerated()
        let mru = LinePlot(
            title: "Robot utilisation per station", xLabel: "station", yLabel: "share of wall time",
            series: [
                .init(label: "experiment (MRU)", points: robots.map { (Double($0.offset + 1), $0.element.mru) }),
                .init(label: "idle", points: robots.map { (Double($0.offset + 1), $0.element.idleShare) }),
            ], yRange: 0...1)
        try Data(mru.svg().utf8).write(to: folder.appendingPathComponent("mru.svg"), options: .atomic)
        return ["success_vs_robot_time.svg", "trials.svg", "mru.svg"].map { folder.appendingPathComponent($0) }
    }

    static func confirmationSection(_ result: ResearchResult) -> String {
        guard !result.confirmation.isEmpty else { return "" }
        let c = result.configuration
        var md = "\n## Confirmation round (fresh development seeds, after research)\n\n"
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
        return md
    }

    static func learningSection(_ result: ResearchResult) -> String {
        var md = "\n## Learning\n\n![best kept success vs robot time](success_vs_robot_time.svg)\n\n![every trial](trials.svg)\n\n"
        md += "| station | iterations | best dev rate | robot minutes | robot minutes to 95% |\n|---|---|---|---|---|\n"
        for name in result.curves.keys.sorted() {
            let curve = result.curves[name] ?? []
            md += "| \(name) | \(curve.count) | \(Percent.text(curve.last?.bestRate ?? 0)) | "
            md += "\(String(format: "%.1f", (curve.last?.robotSeconds ?? 0) / 60)) | "
            md += (result.robotSecondsTo95[name].map { String(format: "%.1f", $0 / 60) } ?? "not reached") + " |\n"
        }
        md += "\n## Robot utilisation (research phase, wall clock)\n\n![MRU](mru.svg)\n\n"
        md += "In simulation every robot is a task on this machine's cores, so a robot also waits while the others "
        md += "compute: read these shares as the campaign's scheduling, not as hardware idleness.\n\n"
        md += "| station | MRU (executing) | idle (deciding, fleet sync, waiting for the round) |\n|---|---|---|\n"
        for robot in result.utilization.robots {
            md += "| \(robot.robot) | \(Percent.text(robot.mru)) | \(Percent.text(robot.idleShare)) |\n"
        }
        md += "\nFleet MRU \(Percent.text(result.utilization.mru)). Research phase: \(String(format: "%.0f", result.researchWallSeconds)) s wall, "
        md += "\(String(format: "%.1f", result.researchRobotSeconds / 60)) simulated robot minutes over all stations. "
        md += "Whole campaign: \(String(format: "%.0f", result.totalWallSeconds)) s wall.\n\n"
        if result.resumes > 0 {
            md += "Interrupted and resumed \(result.resumes) time(s) (`enpire main --resume`): research trials, "
                + "confirmation blocks and held-out episodes finished before an interruption were kept, the ones in "
                + "flight were run again. Wall times and utilisation run from the first start, so they include the "
                + "time the job was down; a resumed station's earlier trials count as one experiment interval each "
                + "(their idle time is not known), and its researcher was re-seeded.\n\n"
        }
        return md
    }

    static func ledgerSection(_ result: ResearchResult) -> String {
        var md = "## Ledger (every iteration of every station)\n\n"
        let table = ExperimentLedger.markdownTable(result.records.sorted {
            ($0.station, $0.startedAtUnixSeconds) < ($1.station, $1.startedAtUnixSeconds)
        })
        // The ledger's own title would nest a second top-level heading here.
        md += table.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { $0.hasPrefix("# ") || $0.isEmpty }.joined(separator: "\n")
        return md
    }
}
