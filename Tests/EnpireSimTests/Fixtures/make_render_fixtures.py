"""Record gym-pusht 0.1.8's 96x96 pixel observations for the Swift renderer's fidelity test.

Run with the interpreter that has gym-pusht installed (for example `$ENPIRE_PYTHON` or `python3`):

    python3 Tests/EnpireSimTests/Fixtures/make_render_fixtures.py

Writes render_fixtures.json beside this script: for each case the requested reset state, the agent position
and block pose gym-pusht actually holds after the reset (its legacy centre-of-gravity placement moves the block
origin), and the 96x96x3 observation as base64 of the raw RGB bytes (rows top to bottom).
"""
import base64
import json
import os

import gymnasium as gym
import gym_pusht  # noqa: F401  (registers the environment)
import numpy as np

# (agent x, agent y, block x, block y, block angle): the agent is kept clear of the block so that no contact
# markers are drawn (the Swift renderer's state snapshot has no contacts).
CASES = [
    # Legacy placement puts the origin at (x + 45 sin a, y + 45 - 45 cos a): invert it to land exactly on the goal.
    ("goal", [100.0, 100.0, 256.0 - 45.0 * np.sin(np.pi / 4), 256.0 - 45.0 + 45.0 * np.cos(np.pi / 4), np.pi / 4]),
    ("upright", [420.0, 90.0, 200.0, 220.0, 0.0]),
    ("tilted", [80.0, 430.0, 300.0, 250.0, 1.1]),
    ("upside_down", [256.0, 60.0, 260.0, 300.0, np.pi + 0.3]),
    ("near_wall", [300.0, 300.0, 110.0, 380.0, -0.7]),
    ("agent_edge", [20.0, 495.0, 350.0, 150.0, 2.4]),
]


def main():
    env = gym.make("gym_pusht/PushT-v0", obs_type="pixels")
    cases = []
    for name, state in CASES:
        obs, info = env.reset(options={"reset_to_state": state})
        inner = env.unwrapped
        assert obs.shape == (96, 96, 3) and obs.dtype == np.uint8
        cases.append({
            "name": name,
            "reset_to_state": [float(v) for v in state],
            "agent": [float(v) for v in inner.agent.position],
            "block": [float(inner.block.position[0]), float(inner.block.position[1]), float(inner.block.angle)],
            "contact_points": int(inner.n_contact_points),
            "width": 96,
            "height": 96,
            "rgb_base64": base64.b64encode(np.ascontiguousarray(obs).tobytes()).decode("ascii"),
        })
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "render_fixtures.json")
    with open(out, "w") as f:
        json.dump({"source": "gym-pusht 0.1.8, obs_type=pixels, 96x96", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
