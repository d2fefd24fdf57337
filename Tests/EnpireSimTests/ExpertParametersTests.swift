import EnpireSim
import Testing

/// The pin and zip-tie experts' parameters are one table each (`ExpertParameters`): recipe, reading and refusals.
@Suite("Expert parameters")
struct ExpertParametersTests {
    @Test("a recipe round-trips; missing names keep their defaults")
    func roundTrip() throws {
        let pin = PinInsertionExpert.Parameters()
        #expect(pin.recipe == ["descentStep": 1.5, "searchStep": 0.25, "blockForce": 1.5, "lateralGain": 0.5])
        #expect(try PinInsertionExpert.Parameters(recipe: pin.recipe) == pin)
        let zip = try ZipTieExpert.Parameters(recipe: ["tensionFactor": 3])
        #expect(zip.tensionFactor == 3 && zip.pullBeyond == ZipTieExpert.Parameters().pullBeyond)
        #expect(Set(zip.recipe.keys) == ["pullBeyond", "tensionFactor", "approachDistance", "closeTolerance"])
    }

    @Test("unknown names, values out of range and non-finite values are refused with the same messages as before")
    func refusals() {
        #expect(throws: SimulatedTaskError.invalidParameter(
            "pin expert has no parameter speed; known: [\"blockForce\", \"descentStep\", \"lateralGain\", \"searchStep\"]")) {
            try PinInsertionExpert.Parameters(recipe: ["speed": 1])
        }
        #expect(throws: SimulatedTaskError.invalidParameter("pin expert descentStep = 9.0; use 0.1...5.0")) {
            try PinInsertionExpert.Parameters(recipe: ["descentStep": 9])
        }
        #expect(throws: SimulatedTaskError.invalidParameter("zip-tie expert closeTolerance = nan; use 0.05...5.0")) {
            try ZipTieExpert.Parameters(recipe: ["closeTolerance": .nan])
        }
        #expect(throws: SimulatedTaskError.invalidParameter("zip-tie expert pullBeyond = -6.0; use -5.0...15.0")) {
            try ZipTieExpert.Parameters(recipe: ["pullBeyond": -6])
        }
    }
}
