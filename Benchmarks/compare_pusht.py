#!/usr/bin/env python3
"""Push-T speed: gym-pusht 0.1.8's env.step (state observations) against EnpireSim, in one run, one core each.

Usage (from the repository root):
    ${ENPIRE_PYTHON:-python3} Benchmarks/compare_pusht.py [--steps 30000] [--gym-steps 3000]

Both loops send the same deterministic target sweep (x = 256 + 200 sin(0.37 t), y = 256 + 200 cos(0.23 t)),
reset with seed = episode index every 300 steps, and compute the state observation and coverage reward per
step. Ours runs as the release `SimTimings` executable of this nested package (built on demand).
With --pixels both sides also produce the 96x96 RGB observation every step (gym-pusht: pygame + cv2 resize;
ours: PushTRenderer at 96x96).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time


def gym_steps_per_second(steps, pixels=False):
    from gym_pusht.envs.pusht import PushTEnv
    import numpy as np

    env = PushTEnv(obs_type="pixels" if pixels else "state")
    env.reset(seed=0)
    for t in range(300):  # warm-up, same as ours
        env.step(np.array([256 + 200 * math.sin(0.37 * t), 256 + 200 * math.cos(0.23 * t)]))
    env.reset(seed=0)
    episode = 0
    start = time.perf_counter()
    for t in range(steps):
        if t > 0 and t % 300 == 0:
            episode += 1
            env.reset(seed=episode)
        env.step(np.array([256 + 200 * math.sin(0.37 * t), 256 + 200 * math.cos(0.23 * t)]))
    elapsed = time.perf_counter() - start
    return steps / elapsed


def ours_steps_per_second(steps, package, pixels=False):
    build = subprocess.run(["swift", "build", "-c", "release", "--product", "SimTimings", "--package-path", package],
                           capture_output=True, text=True)
    if build.returncode != 0:
        sys.exit(f"building SimTimings failed:\n{build.stderr[-2000:]}")
    binary = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path", "--package-path", package],
                            capture_output=True, text=True, check=True).stdout.strip()
    run = subprocess.run(["taskset", "-c", "0", os.path.join(binary, "SimTimings"), str(steps)] + (["--pixels"] if pixels else []),
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"SimTimings failed: {run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1])["steps_per_second"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30000, help="steps for EnpireSim")
    parser.add_argument("--gym-steps", type=int, default=3000, help="steps for gym-pusht")
    parser.add_argument("--pixels", action="store_true", help="96x96 pixel observations on both sides")
    args = parser.parse_args()
    try:
        import gym_pusht  # noqa: F401
    except ImportError as error:
        sys.exit(f"gym-pusht is not importable with {sys.executable}: {error}")
    os.sched_setaffinity(0, {0})
    package = os.path.dirname(os.path.abspath(__file__))
    ours = ours_steps_per_second(args.steps, package, args.pixels)
    gym = gym_steps_per_second(args.gym_steps, args.pixels)
    print(json.dumps({"obs": "pixels" if args.pixels else "state", "gym_pusht_steps_per_second": round(gym, 1),
                      "enpire_steps_per_second": round(ours, 1), "ratio": round(ours / gym, 1)}))


if __name__ == "__main__":
    main()
