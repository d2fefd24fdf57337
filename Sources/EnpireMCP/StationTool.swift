import MCP

/// The tools the server offers. There is no held-out evaluation tool (operators run `enpire eval`). The emergency
/// stop latches in the operator folder: a workspace's trials run on a station made for each trial, so the latch
/// refuses every later trial and ends a running one before its next episode.
enum StationTool: String, CaseIterable {
    case tasks, status, health, runTrial = "run_trial", keep, revert, ledger, episodes, frames, estop
    case fleetSync = "fleet_sync"
}

/// The resources the server offers.
enum StationResource: String, CaseIterable {
    case brief = "enpire://brief"
    case criteria = "enpire://criteria"
    case ledger = "enpire://ledger"

    var resource: Resource {
        switch self {
        case .brief:
            Resource(name: "brief", uri: rawValue, title: "Agent brief",
                     description: "What to improve, what is frozen, the tools and this session's remaining budget.",
                     mimeType: "text/markdown")
        case .criteria:
            Resource(name: "criteria", uri: rawValue, title: "Frozen evaluation criteria (read-only)",
                     description: "Task, reward, reset, safety limits, success definition, development seeds and the "
                         + "sealed held-out count and digest (the held-out seeds themselves are never served).",
                     mimeType: "application/json")
        case .ledger:
            Resource(name: "ledger", uri: rawValue, title: "Experiment ledger",
                     description: "Every kept, reverted and evaluation record of this station, oldest first.",
                     mimeType: "application/json")
        }
    }
}
