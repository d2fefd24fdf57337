#!/usr/bin/env python3
"""Push-T speed: gym-pusht 0.1.8's env.step (state observations) against EnpireSim, in one run, one core each.

Usage (from the repository root):
    ${ENPIRE_PYTHON:-python3} Benchmarks/compare_pusht.py [--rounds 3] [--min-seconds 3] [--pixels]
        [--json Benchmarks/.build/compare_pusht.json]

Both loops send the same deterministic target sweep (x = 256 + 200 sin(0.37 t), y = 256 + 200 cos(0.23 t)),
reset with seed = episode index every 300 steps, and compute the state observation and coverage reward per
step. Ours runs as the release `SimTimings` executable of this nested package (built on demand).
With --pixels both sides also produce the 96x96 RGB observation every step (gym-pusht: pygame + cv2 resize;
ours: PushTRenderer at 96x96).
Sides alternate over rounds, each timed for at least --min-seconds, and the CPU used by other processes
during each side is recorded (harness.py); rounds above 0.1 foreign cores are flagged.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402


def gym_steps_per_second(min_seconds, pixels=False):
    """Runs the sweep in blocks of 300 steps until at least `min_seconds` have passed."""
    from gym_pusht.envs.pusht import PushTEnv
    import numpy as np

    env = PushTEnv(obs_type="pixels" if pixels else "state")
    env.reset(seed=0)
    for t in range(300):  # warm-up, same as ours
        env.step(np.array([256 + 200 * math.sin(0.37 * t), 256 + 200 * math.cos(0.23 * t)]))
    env.reset(seed=0)
    episode = 0
    t = 0
    start = time.perf_counter()
    while True:
        if t > 0 and t % 300 == 0:
            episode += 1
            env.reset(seed=episode)
            if time.perf_counter() - start >= min_seconds:
                break
        env.step(np.array([256 + 200 * math.sin(0.37 * t), 256 + 200 * math.cos(0.23 * t)]))
        t += 1
    elapsed = time.perf_counter() - start
    return {"steps": t, "seconds": elapsed, "steps_per_second": t / elapsed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30000, help="initial steps for EnpireSim (doubled as needed)")
    parser.add_argument("--min-seconds", type=float, default=3.0, help="minimum timed seconds per side")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (>= 3)")
    parser.add_argument("--pixels", action="store_true", help="96x96 pixel observations on both sides")
    parser.add_argument("--json", default=None, help="output file (default Benchmarks/.build/compare_pusht.json)")
    parser.add_argument("--side", choices=["gym"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "gym":
        os.sched_setaffinity(0, {0})
        print(json.dumps(gym_steps_per_second(args.min_seconds, args.pixels)))
        return
    if args.rounds < 3:
        sys.exit("--rounds must be at least 3 so the range means something")
    try:
        import gym_pusht  # noqa: F401
    except ImportError as error:
        sys.exit(f"gym-pusht is not importable with {sys.executable}: {error}")
    package = os.path.dirname(os.path.abspath(__file__))
    ours = harness.build_release_product("SimTimings", package)
    pixel_flag = ["--pixels"] if args.pixels else []
    sides = [("enpire", ["taskset", "-c", "0", ours, str(args.steps), "--min-seconds", str(args.min_seconds)]
              + pixel_flag),
             ("gym", [sys.executable, os.path.abspath(__file__), "--side", "gym", "--min-seconds",
                      str(args.min_seconds)] + pixel_flag)]
    print(f"Push-T ({'pixels' if args.pixels else 'state'}), both pinned to core 0, {args.rounds} rounds, "
          f"load average {harness.load_average()}", flush=True)
    rounds = harness.alternate(sides, args.rounds, log=lambda line: print(line, flush=True))
    summary = harness.ratio_summary(rounds, [("Push-T env steps/s", "steps_per_second", "enpire", "gym", True)])
    harness.print_summary(summary, rounds, lambda key, value: "-" if value is None else f"{value:,.0f}/s")
    path = args.json or os.path.join(package, ".build", f"compare_pusht{'_pixels' if args.pixels else ''}.json")
    harness.write_json(path, {"obs": "pixels" if args.pixels else "state", "rounds": rounds, "summary": summary,
                              "foreign_limit_cores": harness.FOREIGN_LIMIT})


if __name__ == "__main__":
    main()
