import EnpireSim
import EnpireTasks
import Testing

/// Pin insertion's and zip-tie's `reality=` / `held-out-reality=` task options.
@Suite("Pin and zip-tie research tasks under a reality")
struct TaskRealityOptionsTests {
    @Test func optionsLoadRealitiesAndFreezeThemInTheCriteria() throws {
        let clean = PinResearchTask()
        #expect(clean.criteria.task.parameters == ["maxSteps": "300"])
        let pin = try #require(try clean.configured(["reality": "mild", "held-out-reality": "harsh"]) as? PinResearchTask)
        #expect(pin.realities.reality == PinInsertionReality.mild)
        #expect(pin.realities.heldOutReality == PinInsertionReality.harsh)
        #expect(pin.criteria.task.parameters["reality"] == "mild")
        #expect(pin.criteria.task.parameters["heldOutReality"] == "harsh")
        let tie = try #require(try ZipTieResearchTask().configured(["reality": "harsh"]) as? ZipTieResearchTask)
        #expect(tie.realities.reality == ZipTieReality.harsh && tie.realities.heldOutReality == nil)
        #expect(throws: (any Error).self) { try ZipTieResearchTask().configured(["reality": "no-such-reality"]) }
        #expect(throws: (any Error).self) { try PinResearchTask().configured(["robot-reset": "true"]) }
    }
}
