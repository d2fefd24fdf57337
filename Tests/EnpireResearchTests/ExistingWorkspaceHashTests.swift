import Enpire
@testable import EnpireResearch
import Foundation
import Testing

/// A workspace written before SHA-256 moved to a library (swift-crypto, then libcrypto) must still verify: its
/// frozen-criteria hash, its sealed held-out digest and the held-out seeds derived from its secret.
@Suite("Hashes of existing workspaces")
struct ExistingWorkspaceHashTests {
    /// `frozen.json` as `enpire init --workspace ws --held-out 5 --episodes-per-trial 2` wrote it at c3dbcfc, with
    /// the hand-written SHA-256 that the library replaced.
    static let frozenJSON = #"""
{
  "resetIdentity" : "pusht.teleport.gym-pusht-0.1.8",
  "rewardIdentity" : "pusht.ground-truth-coverage>0.95",
  "safetyLimits" : "pusher box [0,512]^2",
  "scoreWindow" : 50,
  "seeds" : {
    "developmentSeeds" : [
      0,
      1
    ],
    "heldOutCount" : 5,
    "heldOutDigest" : "36b9027b6a9d856a2e549da38f306914831a4ba4b713ef6b05b52ffa05d5ded6"
  },
  "successDefinition" : "coverage > 0.95 within 300 control steps",
  "task" : {
    "name" : "pusht",
    "parameters" : {
      "maxSteps" : "300",
      "simulator" : "gym-pusht-0.1.8"
    }
  }
}
"""#
    /// `station.json`'s `frozenHash` and `operator.json`'s `heldOutSecret` of the same workspace.
    static let frozenHash = "ef6dfce52f0caa85864e59a7a48710e2d08dc2fcfa88676c5b8b8421a2c7ffa7"
    static let secret = "f8defb702955808f9fb9f8b3619ae08cf2ac6f25e9aee0871726f9a424ed5797"

    @Test("the frozen criteria hash, the held-out digest and the derived seeds of an existing workspace still match")
    func existingWorkspaceVerifies() throws {
        let criteria = try JSONDecoder().decode(FrozenCriteria.self, from: Data(Self.frozenJSON.utf8))
        #expect(try criteria.contentHash() == Self.frozenHash)
        #expect(criteria.seeds.heldOutDigest == "36b9027b6a9d856a2e549da38f306914831a4ba4b713ef6b05b52ffa05d5ded6")
        let seeds = ResearchWorkspace.heldOutSeeds(secret: Self.secret, count: 5,
                                                   excluding: Set(criteria.seeds.developmentSeeds))
        let unsealed = try criteria.seeds.unsealed(heldOut: seeds, secret: Self.secret)
        #expect(try unsealed.heldOutSeeds() == seeds)
    }
}
