"""Drives `enpire mcp` end to end with the official Python MCP SDK (PyPI `mcp`), as any MCP client would.

Usage: python drive_station.py ENPIRE_BINARY SCRATCH_FOLDER [EPISODES_PER_TRIAL]

Creates two workspaces (`enpire init --task pusht` and `--task pin`), then over stdio: lists tools and resources,
runs 3 Push-T trials (with progress notifications) and 1 pin-insertion trial, keeps one, reverts one, reads a
trial's episode summaries and its latest camera frames as image content, checks tool errors (bad arguments,
unknown trial id, after the e-stop) and that the server keeps answering, and prints a JSON report on stdout.
Any failed check raises (exit status 1).
"""
import asyncio
import base64
import json
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXPECTED_TOOLS = {"tasks", "status", "health", "run_trial", "keep", "revert", "ledger", "episodes", "frames", "estop"}


def field(item, snake, camel):
    """A field of an SDK object: `mcp` 2.x names them in snake case, 1.x in camel case."""
    return getattr(item, snake) if hasattr(item, snake) else getattr(item, camel)


def is_error(result):
    return bool(field(result, "is_error", "isError"))


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def text_of(result):
    return "".join(item.text for item in result.content if getattr(item, "type", "") == "text")


def init(binary, folder, task, station, episodes):
    subprocess.run([binary, "init", "--workspace", str(folder), "--task", task, "--station", station,
                    "--episodes-per-trial", str(episodes), "--held-out", "50"],
                   check=True, capture_output=True, text=True)


async def call(session, name, arguments=None, progress=None):
    return await session.call_tool(name, arguments or {}, progress_callback=progress)


async def ok(session, name, arguments=None, progress=None):
    result = await call(session, name, arguments, progress)
    check(not is_error(result), f"{name} {arguments} failed: {text_of(result)}")
    return result


async def tool_error(session, name, arguments, must_contain):
    result = await call(session, name, arguments)
    message = text_of(result)
    check(is_error(result), f"{name} {arguments} should be a tool error, got {message[:200]}")
    check(must_contain in message, f"{name} {arguments}: error {message!r} lacks {must_contain!r}")
    return message


def frame_images(result):
    images = [item for item in result.content if getattr(item, "type", "") == "image"]
    decoded = []
    for image in images:
        data = base64.b64decode(image.data)
        mime_type = field(image, "mime_type", "mimeType")
        if mime_type == "image/png":
            check(data[:8] == b"\x89PNG\r\n\x1a\n", "frames: image/png content is not a PNG")
            width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        else:
            check(data[:2] == b"\xff\xd8", "frames: image/jpeg content is not a JPEG")
            width = height = None
        decoded.append({"mimeType": mime_type, "bytes": len(data), "width": width, "height": height})
    return decoded


async def serve(binary, workspace, trials, body):
    parameters = StdioServerParameters(command=binary, args=["mcp", "--workspace", str(workspace), "--trials", str(trials)])
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            initialized = await session.initialize()
            return initialized, await body(session)


async def drive_pusht(session, report):
    tools = await session.list_tools()
    names = {tool.name for tool in tools.tools}
    check(EXPECTED_TOOLS <= names, f"missing tools: {EXPECTED_TOOLS - names}")
    report["tools"] = sorted(names)
    resources = await session.list_resources()
    uris = sorted(str(resource.uri) for resource in resources.resources)
    check(uris == ["enpire://brief", "enpire://criteria", "enpire://ledger"], f"resources {uris}")
    report["resources"] = uris
    brief = (await session.read_resource("enpire://brief")).contents[0].text
    check("run_trial" in brief, "brief does not name run_trial")
    criteria = json.loads((await session.read_resource("enpire://criteria")).contents[0].text)
    held_out = criteria["seeds"]
    check("heldOut" not in held_out and held_out.get("heldOutCount") == 50, f"criteria seeds expose {sorted(held_out)}")

    recipes = [({}, "baseline planner"), ({"angleWeight": 60}, "less angle weight, more pushing"),
               ({"angleWeight": 140}, "more angle weight, fewer over-rotations")]
    trials = []
    progress_events = []
    for recipe, hypothesis in recipes:
        events = []

        async def on_progress(progress, total, message, events=events):
            events.append((progress, total, message))

        started = time.monotonic()
        result = await ok(session, "run_trial", {"recipe": recipe, "hypothesis": hypothesis}, on_progress)
        trial = json.loads(text_of(result))
        trial["clientSeconds"] = round(time.monotonic() - started, 2)
        trials.append(trial)
        progress_events.append(len(events))
        check(len(events) >= trial["results"]["trials"], f"{len(events)} progress notifications for "
              f"{trial['results']['trials']} episodes")
    report["pushtTrials"] = [{"id": t["id"], "successes": t["results"]["successes"], "trials": t["results"]["trials"],
                              "clientSeconds": t["clientSeconds"]} for t in trials]
    report["progressNotifications"] = progress_events

    # Keep the best of the first two, revert the other; the third stays pending.
    best, other = sorted(trials[:2], key=lambda t: -t["results"]["successes"])
    kept = json.loads(text_of(await ok(session, "keep", {"id": best["id"], "tokens": 1200})))
    reverted = json.loads(text_of(await ok(session, "revert", {"id": other["id"], "tokens": 800})))
    check(kept["decision"] == "keep" and reverted["decision"] == "revert", "decisions not recorded as asked")

    episodes = json.loads(text_of(await ok(session, "episodes", {"id": best["id"]})))
    check(len(episodes["episodes"]) == best["results"]["trials"], "episodes: one summary per episode")
    report["episodeSummary"] = episodes["episodes"][0]
    frames = await ok(session, "frames", {"id": trials[2]["id"]})
    images = frame_images(frames)
    check(len(images) >= 1, "frames: no image content")
    report["pushtFrames"] = images

    # Errors are tool errors and the server keeps answering.
    report["errors"] = {
        "badArguments": await tool_error(session, "run_trial", {"recipe": {"angleWeight": "high"}, "hypothesis": "x"},
                                         "finite number"),
        "outOfRange": await tool_error(session, "run_trial", {"recipe": {"angleWeight": 1e9}, "hypothesis": "x"},
                                       "outside its range"),
        "unknownTrialKeep": await tool_error(session, "keep", {"id": "no-such-trial"}, "no pending trial"),
        "unknownTrialFrames": await tool_error(session, "frames", {"id": "no-such-trial"}, "no trial"),
        "heldOutEvaluationFrames": await tool_error(session, "episodes", {"id": "../pusht-a.operator"}, "no trial"),
        "unknownTool": await tool_error(session, "eval", {}, "no tool"),
    }
    ledger = json.loads(text_of(await ok(session, "ledger", {"limit": 50})))
    report["pushtLedger"] = [(record["id"], record["decision"]) for record in ledger]
    decided = [(best["id"], "keep"), (other["id"], "revert")]
    check(report["pushtLedger"] == decided,
          f"ledger {report['pushtLedger']}")
    ledger_resource = json.loads((await session.read_resource("enpire://ledger")).contents[0].text)
    check([record["id"] for record in ledger_resource] == [record[0] for record in report["pushtLedger"]],
          "ledger resource")
    status = json.loads(text_of(await ok(session, "status")))
    check([p["id"] for p in status["pending"]] == [trials[2]["id"]], f"pending {status['pending']}")
    return report


async def drive_pin(session, report):
    started = time.monotonic()
    trial = json.loads(text_of(await ok(session, "run_trial", {"hypothesis": "baseline pin insertion"})))
    report["pinTrial"] = {"id": trial["id"], "successes": trial["results"]["successes"],
                          "trials": trial["results"]["trials"], "clientSeconds": round(time.monotonic() - started, 2)}
    report["pinFrames"] = frame_images(await ok(session, "frames", {"id": trial["id"], "episode": 0}))
    check(len(report["pinFrames"]) >= 1, "pin frames: no image content")
    health = json.loads(text_of(await ok(session, "health")))
    check(not health["emergencyStopLatched"], "health: e-stop latched before estop")
    await ok(session, "estop", {"reason": "client test"})
    health = json.loads(text_of(await ok(session, "health")))
    check(health["emergencyStopLatched"], "health: e-stop not latched after estop")
    report["afterEStop"] = await tool_error(session, "run_trial", {"hypothesis": "after the stop"}, "emergency stop")
    ledger = json.loads(text_of(await ok(session, "ledger")))
    check(ledger == [], f"pin ledger should be empty (trial pending), got {ledger}")
    return report


async def main():
    binary, scratch = sys.argv[1], Path(sys.argv[2])
    episodes = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    init(binary, scratch / "pusht", "pusht", "pusht-a", episodes)
    init(binary, scratch / "pin", "pin", "pin-a", max(1, episodes // 2))
    report = {"episodesPerTrial": episodes}
    started = time.monotonic()
    initialized, _ = await serve(binary, scratch / "pusht", 5, lambda s: drive_pusht(s, report))
    info = field(initialized, "server_info", "serverInfo")
    report["server"] = {"name": info.name, "version": info.version,
                        "protocolVersion": str(field(initialized, "protocol_version", "protocolVersion")),
                        "client": "python mcp " + version("mcp")}
    await serve(binary, scratch / "pin", 2, lambda s: drive_pin(s, report))
    report["seconds"] = round(time.monotonic() - started, 2)
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main())
