import Enpire
import EnpireResearch
public import Foundation

/// Writes a Push-T campaign's report: `report.md` with SVG figures, and `report.json` with every number.
public enum PushTCampaignReport {
    /// Writes the report files into `folder` and returns the Markdown file's URL.
    @discardableResult
    public static func write(_ result: PushTCampaign.Result, to folder: URL) async throws -> URL {
        let c = result.configuration
        var intro = "Simulator: EnpireSim Push-T (gym-pusht 0.1.8 physics and scoring; success = coverage > 0.95 within 300 steps).\n"
        if let camera = c.cameraReward {
            intro += "Judge: every station's own 640x480 camera (Push-T camera reward, threshold "
            intro += "\(String(format: "%.4f", camera.threshold)), early success after \(camera.confirmationFrames) consecutive frames above +\(camera.boundaryMargin)); "
            intro += "the simulator's coverage is only read to score held-out episodes.\n"
        }
        intro += "Resets: \(c.robotReset ? "the pusher puts the T back itself before every research episode (verified)" : "start states placed directly").\n"
        var sections = ""
        if let details = result.learnedDetails, let score = result.learned {
            sections += "\n## Learned policy (camera observations)\n\n"
            sections += "A primitive selector (MLP, \(PushTPrimitiveFeatures.count) inputs: the block pose measured in the camera "
            sections += "frame, the pusher's position and velocity) picks one push primitive of the best recipe's library at "
            sections += "each decision point; a scripted executor runs it from geometry alone. Trained by \(details.paradigm) "
            sections += "from the best recipe as teacher (privileged: it scores every primitive in a private simulator) in "
            sections += "\(String(format: "%.0f", details.trainingWallSeconds)) s wall on this machine "
            sections += "(\(String(format: "%.1f", details.trainingRobotSeconds / 60)) simulated robot minutes of data "
            sections += "collection and development rollouts); kept round \(details.keptRound + 1) by development rollouts.\n\n"
            sections += "Held-out: \(score.successes)/\(score.trials) (Wilson 95% \(Percent.text(score.wilsonLower))–"
            sections += "\(Percent.text(score.wilsonUpper))), mean maximum coverage \(String(format: "%.3f", details.meanMaximumCoverage)).\n\n"
            sections += "| round | decisions | wall s | robot min | development success | validation agreement |\n|---|---|---|---|---|---|\n"
            for point in details.curve {
                sections += "| \(point.round + 1) | \(point.samples) | \(String(format: "%.0f", point.wallSeconds)) | "
                sections += "\(String(format: "%.1f", point.robotSeconds / 60)) | \(point.developmentSuccesses)/\(point.developmentEpisodes) | "
                sections += "\(String(format: "%.1f%%", 100 * point.validationAgreement)) |\n"
            }
        }
        if !result.paradigms.isEmpty { sections += paradigmTable(result.paradigms) }
        if !result.behaviourCloningMetrics.isEmpty {
            sections += "\nBehaviour cloning metrics: " + result.behaviourCloningMetrics.keys.sorted()
                .map { "\($0) = \(String(format: "%.4g", result.behaviourCloningMetrics[$0] ?? 0))" }.joined(separator: ", ") + ".\n"
        }
        return try await ResearchReport.write(result.research, json: result, title: "Push-T on a simulated fleet: report",
                                        introduction: intro, sections: sections, to: folder)
    }

    static func paradigmTable(_ entries: [PushTCampaign.ParadigmEntry]) -> String {
        func score(_ s: HeldOutScore?) -> String {
            guard let s else { return "–" }
            return "\(s.successes)/\(s.trials) (\(Percent.text(s.wilsonLower))–\(Percent.text(s.wilsonUpper)))"
        }
        var text = "\n## Paradigms, scored alike\n\n"
        text += "Every paradigm is scored on the same fresh development seeds; the campaign keeps the non-privileged one "
        text += "with the most development successes, equal counts to the one that succeeds in fewer steps (a "
        text += "privileged policy cannot run on a real station: it is the teacher or an oracle). Held-out scores "
        text += "(Wilson 95%) are read only after the choice.\n\n"
        text += "| paradigm | reads | privileged | development | steps to success | held-out | wall s | robot min | kept |\n"
        text += "|---|---|---|---|---|---|---|---|---|\n"
        for e in entries {
            text += "| \(e.paradigm) | \(e.reads) | \(e.privileged ? "yes" : "no") | \(score(e.development)) | "
            let steps = e.development.flatMap { $0.successes > 0 ? String(format: "%.1f", $0.meanStepsToSuccess) : nil }
            text += "\(steps ?? "–") | "
            text += "\(score(e.heldOut)) | \(String(format: "%.0f", e.wallSeconds)) | "
            text += "\(String(format: "%.1f", e.robotSeconds / 60)) | \(e.kept ? "**kept**" : "") |\n"
        }
        return text
    }
}
