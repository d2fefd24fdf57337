import Enpire
import EnpireTasks
import Testing

/// `policy(for:)` of the built-in tasks: another family, or values the policy cannot use, are refused recipes.
@Suite("Built-in research tasks refuse bad recipes")
struct ResearchTaskRecipeTests {
    @Test("wrong family and out-of-range values are badRecipe; the baseline builds a policy")
    func refusals() throws {
        let pin = PinResearchTask(), zip = ZipTieResearchTask(), pusht = PushTResearchTask()
        _ = try pin.policy(for: pin.baseline)
        _ = try zip.policy(for: zip.baseline)
        _ = try pusht.policy(for: pusht.baseline)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try pin.policy(for: zip.baseline) } == "invalid recipe: family ziptie.expert is not pin.expert")
        #expect(message { _ = try pusht.policy(for: pin.baseline) }.hasPrefix("invalid recipe: family pin.expert is not "))
        #expect(message { _ = try zip.policy(for: Recipe(family: "ziptie.expert", parameters: ["tensionFactor": 7])) }
            == "invalid recipe: zip-tie expert tensionFactor = 7.0; use 0.0...6.0")
    }
}
