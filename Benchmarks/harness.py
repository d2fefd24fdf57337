"""Shared measurement harness for the peer comparisons (compare_torch.py, compare_pusht.py).

Each "side" (ours, the Python peer, ...) runs as its own child process that prints one JSON object on its last
stdout line. Sides alternate over rounds (round r runs them in order rotated by r), and for every side run we
record how much CPU the *rest of the machine* used meanwhile:

    foreign cores = (busy jiffies of all CPUs from /proc/stat − CPU time of our child process tree) / wall time

Our own child's CPU time comes from RUSAGE_CHILDREN deltas around the run (sides run one at a time), so the figure counts only other processes (other users,
other agents, builds). A round whose side saw more than `FOREIGN_LIMIT` (0.1) foreign cores is flagged; the
summary prints the median ratio and its range over all rounds and over the clean rounds only.
"""
import json
import os
import statistics
import subprocess
import sys
import time

FOREIGN_LIMIT = 0.1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _busy_seconds():
    """Busy CPU seconds of the whole machine since boot (all cores): user+nice+system+irq+softirq+steal."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    values = [int(v) for v in fields]
    user, nice, system, idle, iowait, irq, softirq = values[:7]
    steal = values[7] if len(values) > 7 else 0
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


class SideRunner:
    """Runs sides and attributes CPU time to them through RUSAGE_CHILDREN deltas (sides run one at a time)."""

    def __init__(self):
        self.rounds = []

    @staticmethod
    def _children_cpu():
        import resource
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def run(self, name, command, env=None):
        own0, busy0, t0 = self._children_cpu(), _busy_seconds(), time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        stdout, stderr = process.communicate()
        wall, busy = time.monotonic() - t0, _busy_seconds() - busy0
        own, code = self._children_cpu() - own0, process.returncode
        if code != 0:
            sys.exit(f"side {name} failed ({command[0]} exit {code}):\n{stderr[-3000:]}")
        lines = [line for line in stdout.strip().splitlines() if line.strip()]
        if not lines:
            sys.exit(f"side {name} printed nothing; stderr:\n{stderr[-3000:]}")
        result = json.loads(lines[-1])
        foreign = max(0.0, (busy - own) / wall) if wall > 0 else 0.0
        return result, {"side": name, "wall_seconds": round(wall, 3), "own_cpu_seconds": round(own, 3),
                        "foreign_cores": round(foreign, 3), "flagged": foreign > FOREIGN_LIMIT}


def load_average():
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


def alternate(sides, rounds, log=print):
    """Runs `sides` ([(name, command)]) for `rounds` rounds, rotating the order each round.

    Returns a list of rounds: {"round": r, "order": [...], "results": {name: json}, "load": {name: measurement}}.
    """
    runner = SideRunner()
    out = []
    for r in range(rounds):
        order = sides[r % len(sides):] + sides[:r % len(sides)]
        entry = {"round": r + 1, "order": [name for name, _ in order], "results": {}, "load": {},
                 "load_average_before": load_average()}
        for name, command in order:
            result, measurement = runner.run(name, command)
            entry["results"][name] = result
            entry["load"][name] = measurement
            flag = "  FLAGGED (> %.1f foreign cores)" % FOREIGN_LIMIT if measurement["flagged"] else ""
            log(f"  round {r + 1} {name:>8}: {measurement['wall_seconds']:7.2f} s wall, "
                f"foreign {measurement['foreign_cores']:.2f} cores{flag}")
        entry["flagged"] = any(m["flagged"] for m in entry["load"].values())
        out.append(entry)
    return out


def ratio_summary(rounds, rows):
    """Per row (label, key, ours_side, peer_side, higher_is_better): ratios per round, median and range.

    The ratio is "how many times faster ours is": peer/ours for times, ours/peer for rates.
    """
    summary = []
    for label, key, ours, peer, higher_is_better in rows:
        ratios, clean = [], []
        for entry in rounds:
            a = entry["results"].get(ours, {}).get(key)
            b = entry["results"].get(peer, {}).get(key)
            if a is None or b is None or a <= 0 or b <= 0:
                continue
            ratio = a / b if higher_is_better else b / a
            ratios.append(ratio)
            if not (entry["load"][ours]["flagged"] or entry["load"][peer]["flagged"]):
                clean.append(ratio)
        ours_values = [e["results"][ours][key] for e in rounds if key in e["results"].get(ours, {})]
        peer_values = [e["results"][peer][key] for e in rounds if key in e["results"].get(peer, {})]
        summary.append({
            "label": label, "key": key, "ours": ours, "peer": peer,
            "ours_median": statistics.median(ours_values) if ours_values else None,
            "peer_median": statistics.median(peer_values) if peer_values else None,
            "ratios": [round(x, 3) for x in ratios],
            "median_ratio": round(statistics.median(ratios), 3) if ratios else None,
            "range": [round(min(ratios), 3), round(max(ratios), 3)] if ratios else None,
            "clean_rounds": len(clean),
            "clean_median_ratio": round(statistics.median(clean), 3) if clean else None,
        })
    return summary


def print_summary(summary, rounds, unit_format):
    foreign = [m["foreign_cores"] for e in rounds for m in e["load"].values()]
    flagged = sum(1 for e in rounds if e["flagged"])
    print()
    print(f"{'benchmark':38} {'ours':>11} {'peer':>11} {'×faster (median, range)':>26} {'clean rounds':>13}")
    for row in summary:
        if row["median_ratio"] is None:
            continue
        clean = (f"{row['clean_rounds']}: {row['clean_median_ratio']:.2f}×" if row["clean_rounds"]
                 else "0")
        ratio = f"{row['median_ratio']:.2f}× ({row['range'][0]:.2f}–{row['range'][1]:.2f})"
        print(f"{row['label']:38} {unit_format(row['key'], row['ours_median']):>11} "
              f"{unit_format(row['key'], row['peer_median']):>11} {ratio:>26} {clean:>13}")
    print(f"\nforeign CPU per side: median {statistics.median(foreign):.2f}, max {max(foreign):.2f} cores; "
          f"{flagged} of {len(rounds)} rounds flagged (> {FOREIGN_LIMIT} foreign cores).")
    if flagged:
        print("WARNING: the machine was not idle; flagged rounds measure contention, not the code. "
              "Re-run on an idle machine for figures to publish.")


def write_json(path, payload):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(payload, f, indent=1, sort_keys=True)
    print(f"wrote {path}")


def build_release_product(product, package=None):
    """Builds `product` of the Benchmarks package (or `package`) in release and returns the executable's path."""
    package = str(package or os.path.dirname(os.path.abspath(__file__)))
    build = subprocess.run(["swift", "build", "-c", "release", "--product", product, "--package-path", package],
                           capture_output=True, text=True)
    if build.returncode != 0:
        sys.exit(f"building {product} failed:\n{build.stderr[-3000:]}{build.stdout[-3000:]}")
    binary = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path", "--package-path", package],
                            capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(binary, product)


def preflight(rounds, module, packages):
    """Refuses fewer than 3 rounds and a Python side that cannot import `module`; returns the module."""
    if rounds < 3:
        sys.exit("--rounds must be at least 3 so the range means something")
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as error:
        sys.exit(f"{module} is not importable with {sys.executable} ({error}); "
                 f"run `source scripts/python-env.sh {packages}` and use $ENPIRE_PYTHON")
