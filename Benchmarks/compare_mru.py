#!/usr/bin/env python3
"""MRU of a station driven through MCP by a scripted agent, against the built-in researcher, same budget.

Usage (from the repository root, after `swift build -c release --product enpire`):
    source scripts/python-env.sh mcp && $ENPIRE_PYTHON Benchmarks/compare_mru.py [--task pusht] [--trials 8]
        [--episodes 20] [--binary .build/release/enpire] [--json FILE]

MCP side: `enpire init` one station, then the official Python MCP SDK starts `enpire mcp` and a scripted agent
(no language model: a fixed hill climber over one recipe parameter) runs `--trials` trials, keeping a trial that
beats the best so far and reverting the others. Built-in side: `enpire main --stations 1` with the same number
of research iterations and episodes per trial (no confirmation, no baseline, no learned follow-ups). MRU is the
share of wall time the station spends executing trials, measured the same way on both sides: MCP side, the
trials' execution wall times in the ledger (`wallTimeSeconds`, the server's own timing of each trial) over the
wall time from the first `run_trial` to the last decision; built-in side, the report's research-phase MRU (trial
execution intervals over the research window). The simulated stations run faster than real time, so this
measures how much of the wall clock the loop around the robot costs, not the robot's own pace. Both sides run the same simulated episodes, so the gap is
what the protocol, the agent's round trips and the decisions cost. The agent here thinks for no time at all: a
language model's thinking time adds to the MCP side's idle time on a real station.
"""
import argparse, asyncio, json, os, subprocess, sys, tempfile, time
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

# One parameter a scripted agent can walk per task, with the values it tries in turn.
WALKS = {
    "pusht": ("angleWeight", [20, 60, 100, 140, 40, 80, 120, 160, 30, 50, 70, 90]),
    "pin": ("searchStep", [0.8, 0.6, 0.4, 0.3, 0.5, 0.7, 0.2, 0.25, 0.35, 0.45, 0.55, 0.65]),
    "ziptie": ("tensionFactor", [1, 1.5, 2, 0.5, 2.5, 3, 1.25, 1.75, 2.25, 0.75, 3.5, 4]),
}


def text_of(result):
    return "".join(item.text for item in result.content if getattr(item, "type", "") == "text")


def foreign_load():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


async def scripted_agent(binary, workspace, trials):
    name, values = WALKS[args.task]
    params = StdioServerParameters(command=binary, args=["mcp", "--workspace", str(workspace),
                                                         "--trials", str(trials), "--wall-seconds", "7200"])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            best = -1.0
            started = time.monotonic()
            for index in range(trials):
                recipe = {name: values[index % len(values)]}
                result = await session.call_tool("run_trial", {"recipe": recipe, "hypothesis": f"{name}={recipe[name]}"})
                if getattr(result, "isError", getattr(result, "is_error", False)):
                    raise SystemExit(f"run_trial failed: {text_of(result)}")
                trial = json.loads(text_of(result))
                rate = trial["results"]["successes"] / max(1, trial["results"]["trials"])
                decision = "keep" if rate > best else "revert"
                best = max(best, rate)
                await session.call_tool(decision, {"id": trial["id"], "tokens": 0})
            wall = time.monotonic() - started
    return wall


def mcp_side(binary, scratch):
    workspace = scratch / "ws"
    subprocess.run([binary, "init", "--workspace", str(workspace), "--task", args.task, "--station", "mcp-a",
                    "--episodes-per-trial", str(args.episodes), "--held-out", "20"], check=True, capture_output=True)
    load = foreign_load()
    wall = asyncio.run(scripted_agent(binary, workspace, args.trials))
    robot = 0.0
    records = 0
    for line in (workspace / "ledger.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record.get("decision") in ("keep", "revert"):
            robot += record.get("wallTimeSeconds", 0.0)
            records += 1
    return {"wallSeconds": round(wall, 2), "trialSeconds": round(robot, 2), "mru": robot / wall,
            "records": records, "loadAverageBefore": load}


def builtin_side(binary, scratch):
    output = scratch / "main"
    load = foreign_load()
    started = time.monotonic()
    subprocess.run([binary, "main", "--task", args.task, "--stations", "1", "--iterations", str(args.trials),
                    "--episodes-per-trial", str(args.episodes), "--held-out", "20", "--demonstrations", "0",
                    "--confirmation-episodes", "0", "--no-baseline", "--no-learned", "--output", str(output)],
                   check=True, capture_output=True)
    report = json.loads((output / "report.json").read_text())
    research = report.get("research", report)
    robots = research["utilization"]["robots"]
    window = sum(r["windowSeconds"] for r in robots)
    busy = sum(r["experimentSeconds"] for r in robots)
    return {"wallSeconds": round(research["researchWallSeconds"], 2), "mru": busy / window if window else 0.0,
            "commandSeconds": round(time.monotonic() - started, 2), "loadAverageBefore": load}


parser = argparse.ArgumentParser()
parser.add_argument("--task", default="pusht", choices=sorted(WALKS))
parser.add_argument("--trials", type=int, default=8)
parser.add_argument("--episodes", type=int, default=20)
parser.add_argument("--binary", default=".build/release/enpire")
parser.add_argument("--json")
args = parser.parse_args()

binary = str(Path(args.binary).resolve())
with tempfile.TemporaryDirectory(prefix="enpire-mru-") as folder:
    scratch = Path(folder)
    result = {"task": args.task, "trials": args.trials, "episodesPerTrial": args.episodes,
              "mcp": mcp_side(binary, scratch)}
    print(f"MCP side done: {result['mcp']}", file=sys.stderr)
    result["builtIn"] = builtin_side(binary, scratch)
result["loadAverageAfter"] = foreign_load()
print(f"{args.task}: {args.trials} trials x {args.episodes} episodes")
print(f"  MCP, scripted agent: MRU {result['mcp']['mru']:.1%} ({result['mcp']['trialSeconds']} s executing trials / "
      f"{result['mcp']['wallSeconds']} s wall)")
print(f"  built-in researcher: MRU {result['builtIn']['mru']:.1%} ({result['builtIn']['wallSeconds']} s research wall)")
print(f"  load average before {result['mcp']['loadAverageBefore']:.2f} / {result['builtIn']['loadAverageBefore']:.2f}, "
      f"after {result['loadAverageAfter']:.2f}")
if args.json:
    Path(args.json).write_text(json.dumps(result, indent=2))
