import Enpire
import EnpireResearch
import EnpireTesting
import Foundation
import Logging
import Testing

/// A task defined in this test target (a lab's own package) runs through the registry, the research campaign
/// and the agent workspace without any change to Enpire (issue 18).
@Suite("A lab's own task through the research loop")
struct LabTaskTests {
    static func folder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("enpire-lab-\(name)-\(UUID().uuidString)")
    }

    @Test("the registry resolves names and aliases, refuses duplicates and names the known tasks")
    func registry() throws {
        let registry = TaskRegistry()
        try registry.register(ReachTask())
        #expect(try registry.task(named: "reach").name == "reach")
        #expect(try registry.task(named: "REACH-2D").name == "reach")
        #expect(throws: ResearchError.duplicateTask("reach")) { try registry.register(ReachTask()) }
        #expect(throws: ResearchError.unknownTask("pusht", known: ["reach"])) { try registry.task(named: "pusht") }
        #expect(throws: ResearchError.self) { try ReachTask().configured(["speed": "2"]) }
    }

    @Test("a campaign of the lab's task researches past its baseline, confirms, scores held-out and reports")
    func campaign() async throws {
        let registry = TaskRegistry()
        try registry.register(ReachTask())
        let task = try registry.task(named: "reach")
        var configuration = ResearchCampaign.Configuration()
        configuration.stations = 2
        configuration.iterations = 6
        configuration.episodesPerTrial = 6
        configuration.heldOutEpisodes = 40
        configuration.confirmationEpisodes = 6
        configuration.confirmationCandidates = 2
        let output = Self.folder("campaign")
        defer { try? FileManager.default.removeItem(at: output) }
        var campaign = ResearchCampaign(task: task, configuration: configuration, output: output)
        let events = EventBox()
        campaign.progress = { events.append($0) }
        let result = try await campaign.run(logger: .silent)
        // Progress: one event per research round (the last with nothing left), held-out episodes up to the total.
        let research = events.all.filter { $0.phase == "research" }
        #expect(research.map(\.done) == Array(1...6) && research.last?.etaSeconds == 0)
        let heldOut = events.all.filter { $0.phase == "heldout" && $0.label == "best recipe" }
        #expect(heldOut.last?.done == 40 && heldOut.last?.total == 40)
        let best = try #require(result.best)
        let baseline = try #require(result.baseline)
        // The baseline's gain cannot arrive in 20 steps; research finds one that does.
        #expect(baseline.successes == 0)
        #expect(best.successes >= 38, "best \(result.bestRecipe): \(best.successes)/\(best.trials)")
        #expect(best.trials == 40)
        #expect(result.records.count == 12)
        #expect(result.records.allSatisfy { $0.recipe?.family == ReachTask.family && $0.task == "reach" })
        let report = try await ResearchReport.write(result, json: result, title: "reach", introduction: "", to: output)
        let text = try String(contentsOf: report, encoding: .utf8)
        #expect(text.contains("| best recipe | \(best.successes)/40 |"))
        // The figures are SVG files the Markdown links; each names its stations in text (no bitmap font).
        for figure in ["success_vs_robot_time.svg", "trials.svg", "mru.svg"] {
            #expect(text.contains("](\(figure))"), "\(figure) not linked")
            let svg = try String(contentsOf: output.appendingPathComponent(figure), encoding: .utf8)
            #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>\n") && svg.contains("</text>"), "\(figure)")
        }
        // Beside each SVG a PNG of the same size (rsvg-convert), named in the page for tools without SVG.
        for figure in ["success_vs_robot_time", "trials", "mru"] {
            let bytes = [UInt8](try Data(contentsOf: output.appendingPathComponent("\(figure).png")))
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && bytes.count > 1000, "\(figure).png")
            #expect(text.contains("`\(figure).png`"))
        }
        // Without the rasteriser the report still comes, with its SVGs and one line saying why there are no PNGs.
        let bare = Self.folder("bare")
        defer { try? FileManager.default.removeItem(at: bare) }
        let bareReport = try await ResearchReport.write(result, json: result, title: "reach", introduction: "",
                                                  rasterizer: SVGRasterizer(tool: "/nonexistent/rsvg-convert"), to: bare)
        let bareText = try String(contentsOf: bareReport, encoding: .utf8)
        #expect(bareText.contains("PNG copies of the figures were skipped: `/nonexistent/rsvg-convert` is not installed"))
        #expect(FileManager.default.fileExists(atPath: bare.appendingPathComponent("mru.svg").path))
        #expect(!FileManager.default.fileExists(atPath: bare.appendingPathComponent("mru.png").path))
        // report.html is the same page with the three figures inlined: no link back into the folder.
        let html = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<table>") && html.contains("\(best.successes)/40"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 3)
        #expect(!html.contains("src=\"success_vs_robot_time.svg\""))
        // Resuming names the task it ran: another task cannot continue it.
        #expect(try ResearchCampaign.taskName(ofCampaignAt: output) == "reach")
    }

    @Test("the agent workspace runs, keeps and evaluates the lab's task")
    func workspace() async throws {
        let registry = TaskRegistry()
        try registry.register(ReachTask())
        let folder = Self.folder("workspace")
        let workspace = ResearchWorkspace(folder: folder, registry: registry)
        defer {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(at: workspace.operatorFolder)
        }
        let file = try await workspace.initialise(task: ReachTask(), station: "lab-1", fleet: nil, episodesPerTrial: 5,
                                                  heldOut: 20)
        #expect(file.task == "reach")
        let slow = try await workspace.runTrial(recipe: ["gain": 0.05], hypothesis: "baseline")
        #expect(slow.results.successes == 0)
        let fast = try await workspace.runTrial(recipe: ["gain": 0.5], hypothesis: "a higher gain arrives in time")
        #expect(fast.results.successes == 5)
        await #expect(throws: ResearchWorkspace.WorkspaceError.self) {
            _ = try await workspace.runTrial(recipe: ["gain": 3], hypothesis: "out of range")
        }
        _ = try await workspace.decide(slow.id, keep: false)
        let kept = try await workspace.decide(fast.id, keep: true)
        #expect(kept.recipe == Recipe(family: ReachTask.family, parameters: ["gain": 0.5]))
        let evaluation = try await workspace.evaluateBest()
        #expect(evaluation.results.successes == 20)
        #expect(try workspace.brief(budget: AgentBudget(wallSeconds: 60, trials: 3, tokens: 1000)).contains("gain in [0.02, 1.0]"))
    }
}

/// Collects progress events from concurrent tasks.
final class EventBox: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ProgressEvent] = []

    func append(_ event: ProgressEvent) {
        lock.lock()
        events.append(event)
        lock.unlock()
    }

    var all: [ProgressEvent] {
        lock.lock()
        defer { lock.unlock() }
        return events
    }
}
