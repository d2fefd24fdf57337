import Enpire
import Foundation
import Testing

/// Ledger records carry a typed recipe; records written before (recipe only in `config` strings) still decode.
@Suite("Typed recipes in ledger records")
struct TypedRecipeTests {
    @Test("an old record's config becomes its typed recipe; a new record round-trips its recipe")
    func oldAndNew() throws {
        let old = """
            {"id":"station-1-3","task":"pusht","station":"station-1","hypothesis":"h","config":{"family":"pusht.planner","angleWeight":"100.0","contactsPerEdge":"2.0"},"dataRefs":[],"checkpointRefs":[],"frozenHash":"abc","trialBudget":20,"results":{"successes":19,"trials":20,"rate":0.95,"wilsonLower":0.76,"wilsonUpper":0.99},"decision":"keep","wallTimeSeconds":1,"robotTimeSeconds":2,"tokens":0,"startedAtUnixSeconds":0,"finishedAtUnixSeconds":1}
            """
        let decoded = try JSONDecoder().decode(ExperimentRecord.self, from: Data(old.utf8))
        #expect(decoded.recipe == Recipe(family: "pusht.planner", parameters: ["angleWeight": 100, "contactsPerEdge": 2]))
        // A config that is not a recipe (no family, or a value that is not a number) gives no recipe, not an error.
        let free = old.replacingOccurrences(of: #""family":"pusht.planner","#, with: "")
        #expect(try JSONDecoder().decode(ExperimentRecord.self, from: Data(free.utf8)).recipe == nil)
        var record = decoded
        record.recipe = Recipe(family: "pin.expert", parameters: ["descentStep": 1.5])
        record.config = [:]
        let again = try JSONDecoder().decode(ExperimentRecord.self, from: JSONEncoder().encode(record))
        #expect(again == record)
        #expect(Recipe(config: record.recipe!.config) == record.recipe)
    }
}
