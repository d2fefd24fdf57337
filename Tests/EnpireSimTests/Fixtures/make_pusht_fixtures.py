"""Records Push-T trajectories from gym-pusht itself, for EnpireSim's fidelity test.

Usage: python make_pusht_fixtures.py [out.json]   (needs `pip install gym-pusht`)
Writes cases in `enpire sim replay` input form plus gym-pusht's per-step results, and measures how far
gym-pusht drifts from itself when the initial state is perturbed by 1e-6 (printed, and stored as "drift").
"""
import json
import sys

import gymnasium as gym
import gym_pusht  # noqa: F401  (registers the env)
import numpy as np

N_CASES, N_STEPS = 24, 40


def rollout(env, initial_state, actions):
    env.reset(options={"reset_to_state": np.array(initial_state, dtype=np.float64)})
    u = env.unwrapped
    steps = []
    for a in actions:
        _, reward, _, _, info = env.step(np.array(a, dtype=np.float64))
        steps.append({
            "agent": [float(u.agent.position[0]), float(u.agent.position[1])],
            "block": [float(u.block.position[0]), float(u.block.position[1]), float(u.block.angle)],
            "coverage": float(info["coverage"]), "reward": float(reward), "success": bool(info["is_success"]),
        })
    return steps


def make_actions(rng, initial_state, kind):
    agent = np.array(initial_state[:2], dtype=np.float64)
    block = np.array(initial_state[2:4], dtype=np.float64)
    actions = []
    for t in range(N_STEPS):
        if kind == "random":
            target = rng.uniform(0, 512, size=2)
        elif kind == "walk":
            agent = np.clip(agent + rng.normal(0, 25, size=2), 0, 512)
            target = agent
        else:  # push through the block's neighbourhood so that contacts happen
            phase = t / N_STEPS
            target = block + 80 * np.array([np.cos(6 * phase + kind), np.sin(6 * phase + kind)]) * (1 - phase)
        actions.append([float(target[0]), float(target[1])])
    return actions


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "pusht_cases.json"
    env = gym.make("gym_pusht/PushT-v0", obs_type="state")
    rng = np.random.default_rng(2024)
    cases = []
    for i in range(N_CASES):
        state = [float(rng.integers(50, 450)), float(rng.integers(50, 450)), float(rng.integers(100, 400)),
                 float(rng.integers(100, 400)), float(rng.uniform(-np.pi, np.pi))]
        if i % 4 == 3:  # start in contact: agent next to the block
            state[0], state[1] = state[2] + 30, state[3] + 40
        kind = ["random", "walk", 0.5 * i, 1.3 * i][i % 4]
        actions = make_actions(rng, state, kind)
        steps = rollout(env, state, actions)
        perturbed = rollout(env, [v + 1e-6 for v in state], actions)
        drift = [max(abs(a - b) for a, b in zip(s["agent"] + s["block"][:2], p["agent"] + p["block"][:2]))
                 for s, p in zip(steps, perturbed)]
        drift_angle = [abs(s["block"][2] - p["block"][2]) for s, p in zip(steps, perturbed)]
        cases.append({"initial_state": state, "actions": actions, "expected": steps,
                      "drift_px": drift, "drift_rad": drift_angle})
    json.dump({"gym_pusht": "0.1.8", "cases": cases}, open(out, "w"))
    print(f"wrote {len(cases)} cases of {N_STEPS} steps to {out}")
    for t in (9, 29, N_STEPS - 1):
        print(f"gym-pusht self-drift under 1e-6 perturbation after {t + 1} steps: "
              f"max {max(c['drift_px'][t] for c in cases):.3g} px, {max(c['drift_rad'][t] for c in cases):.3g} rad")


if __name__ == "__main__":
    main()
