import Enpire
import Foundation
import Testing

@Suite("Frozen evaluation")
struct EvaluationTests {
    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256Vectors() {
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million 'a', fed in uneven pieces to exercise the buffering across block boundaries.
        var hasher = SHA256()
        let piece = Data(repeating: 0x61, count: 999)
        var fed = 0
        while fed + piece.count <= 1_000_000 {
            hasher.update(piece)
            fed += piece.count
        }
        hasher.update(Data(repeating: 0x61, count: 1_000_000 - fed))
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("a copy of a fed SHA-256 hasher continues on its own; the original is not disturbed")
    func sha256CopiesAreIndependent() {
        var first = SHA256()
        first.update(Data("ab".utf8))
        var second = first
        second.update(Data("c".utf8))
        first.update(Data("d".utf8))
        #expect(second.finalizeHex() == SHA256.hex("abc"))
        #expect(first.finalizeHex() == SHA256.hex("abd"))
        var third = SHA256()
        third.update(bytes: UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(third.finalize().map { String(format: "%02x", $0) }.joined() == SHA256.hex(""))
    }

    static func criteria(heldOut: [UInt64] = [9_001, 9_002, 9_003], secret: String = "operator-secret") throws
        -> FrozenCriteria
    {
        FrozenCriteria(
            task: TaskSpec(name: "pusht", parameters: ["maxSteps": "300", "successCoverage": "0.95"]),
            rewardIdentity: "coverage-reward@sha256:1234", resetIdentity: "teleport-reset@v2",
            safetyLimits: "workspace [0,512]^2 px; max step 20 px",
            seeds: try SeedSplit(development: [1, 2, 3, 4], heldOut: heldOut, secret: secret),
            successDefinition: "coverage >= 0.95 within 300 steps")
    }

    @Test("the content hash is stable and canonical (sorted keys)")
    func stableHash() throws {
        let a = try Self.criteria()
        let b = try Self.criteria()
        #expect(try a.contentHash() == b.contentHash())
        #expect(try a.contentHash().count == 64)
        let json = try a.canonicalJSON()
        let keys = ["resetIdentity", "rewardIdentity", "safetyLimits", "scoreWindow", "seeds", "successDefinition",
                    "task"]
        let positions = keys.compactMap { json.range(of: "\"\($0)\"")?.lowerBound }
        #expect(positions.count == keys.count)
        #expect(positions == positions.sorted())
    }

    @Test("a trial with changed criteria is refused, naming the changed fields")
    func mismatchRefused() throws {
        let gate = try FrozenEvaluationGate(criteria: try Self.criteria())
        try gate.admit(try Self.criteria())
        try gate.admit(hash: try Self.criteria().contentHash())

        var changed = try Self.criteria()
        changed.rewardIdentity = "coverage-reward@sha256:9999"
        changed.task.parameters["maxSteps"] = "400"
        do {
            try gate.admit(changed)
            Issue.record("a trial with a different reward was admitted")
        } catch let error as EvaluationError {
            guard case let .frozenCriteriaChanged(fields, _, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(fields == ["task.parameters.maxSteps", "rewardIdentity"])
            #expect(error.description.contains("rewardIdentity"))
            #expect(error.description.contains("task.parameters.maxSteps"))
        }

        // Swapping one held-out seed changes only the held-out identity.
        let otherSeeds = try Self.criteria(heldOut: [9_001, 9_002, 9_004])
        #expect(throws: EvaluationError.frozenCriteriaChanged(
            changedFields: ["seeds.heldOut"], expectedHash: gate.frozenHash,
            trialHash: try otherSeeds.contentHash())) {
            try gate.admit(otherSeeds)
        }
        #expect(throws: EvaluationError.frozenHashMismatch(expectedHash: gate.frozenHash, trialHash: "beef")) {
            try gate.admit(hash: "beef")
        }
    }

    @Test("held-out seeds never appear in descriptions or JSON; decoding seals them")
    func heldOutRedacted() throws {
        let heldOut: [UInt64] = [987_654_321, 123_456_789_012, 555_555_555]
        let criteria = try Self.criteria(heldOut: heldOut)
        let texts = [
            criteria.seeds.description, criteria.seeds.debugDescription, String(describing: criteria),
            String(reflecting: criteria.seeds), try criteria.canonicalJSON(),
            String(decoding: try JSONEncoder().encode(criteria), as: UTF8.self),
        ]
        for text in texts {
            for seed in heldOut {
                #expect(!text.contains(String(seed)), "held-out seed \(seed) leaked in \(text)")
            }
        }
        #expect(try criteria.seeds.heldOutSeeds() == heldOut)
        #expect(criteria.seeds.description.contains("3 redacted"))

        let decoded = try JSONDecoder().decode(FrozenCriteria.self, from: try CanonicalJSON.encode(criteria))
        #expect(decoded == criteria)
        #expect(try decoded.contentHash() == criteria.contentHash())
        #expect(decoded.seeds.isSealed)
        #expect(throws: EvaluationError.heldOutSeedsSealed(count: 3)) { _ = try decoded.seeds.heldOutSeeds() }
        #expect(throws: EvaluationError.heldOutSeedsMismatch(expectedCount: 3, givenCount: 3)) {
            _ = try decoded.seeds.unsealed(heldOut: heldOut, secret: "wrong secret")
        }
        let unsealed = try decoded.seeds.unsealed(heldOut: heldOut, secret: "operator-secret")
        #expect(try unsealed.heldOutSeeds() == heldOut)
        #expect(throws: EvaluationError.overlappingSeeds(count: 1)) {
            _ = try SeedSplit(development: [1, 2], heldOut: [2, 3], secret: "s")
        }
    }

    @Test("Wilson 95% interval matches reference values", arguments: [
        (0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (95, 100, 0.8882, 0.9785),
    ])
    func wilson(successes: Int, trials: Int, lower: Double, upper: Double) throws {
        let interval = try WilsonInterval(successes: successes, trials: trials)
        #expect(abs(interval.lower - lower) < 5e-4)
        #expect(abs(interval.upper - upper) < 5e-4)
        #expect(interval.rate == Double(successes) / Double(trials))
    }

    @Test("Wilson interval refuses impossible counts and knows nothing without trials")
    func wilsonEdges() throws {
        #expect(throws: EvaluationError.invalidCounts(successes: 11, trials: 10)) {
            _ = try WilsonInterval(successes: 11, trials: 10)
        }
        let empty = try WilsonInterval(successes: 0, trials: 0)
        #expect(empty.lower == 0 && empty.upper == 1)
    }

    @Test("the rolling window covers only the most recent episodes")
    func rollingWindow() {
        var window = RollingSuccessWindow()
        #expect(window.capacity == 50)
        for _ in 0..<50 { window.record(success: false) }
        #expect(window.rate == 0)
        for _ in 0..<25 { window.record(success: true) }
        #expect(window.count == 50)
        #expect(window.successes == 25)
        #expect(window.rate == 0.5)
        for _ in 0..<50 { window.record(success: true) }
        #expect(window.rate == 1)
        #expect(abs(window.interval.lower - 0.9287) < 5e-4)
    }
}
