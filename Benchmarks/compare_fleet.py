#!/usr/bin/env python3
"""Compare the Git fleet's publish (EnpireFleet.FleetStation.publish) with pygit2 doing the same work, alternating sides.

Usage (from the repository root, one command):
    source scripts/python-env.sh pygit2 && $ENPIRE_PYTHON Benchmarks/compare_fleet.py [--rounds 5]
        [--publishes 200] [--json Benchmarks/.build/compare_fleet.json]

Both sides start from a fresh bare repository on a local path (the fleet's remote) and a bare station clone with
`origin` pointing at it, publish one kept record as a warm-up (it also writes the station's claim file), then time
`--publishes` publishes of one record each. One publish, on both sides: two blobs (the record and its recipe), a
commit on the station branch and one on the `results` branch (each the base commit's tree plus the two files),
the outgoing refs set, the push lock (`flock` on `<remote>/enpire-push.lock`) taken, both refs pushed in one push
through libgit2's local transport, the lock released and the tracking refs moved. The pygit2 side also reads the
claim file from the station tip, as our side checks ownership before building. Builds `FleetTimings` (release) in
Benchmarks/ first. Every round runs each side as its own process, rotating the order, and records the CPU other
processes used meanwhile (harness.py); rounds with more than 0.1 foreign cores are flagged.
"""
import argparse, fcntl, json, os, shutil, subprocess, sys, tempfile, time, uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import harness  # noqa: E402

STATION = "bench"


def record_files(index):
    """The record and recipe files of record `index`, shaped like our ledger records (pretty, sorted keys)."""
    rid = f"exp-{index:05d}"
    config = {"id": rid, "lr": "0.001"}
    record = {"checkpointRefs": [], "config": config, "dataRefs": [f"episodes/{STATION}"],
              "decision": "keep", "diffSummary": "1 file changed", "finishedAtUnixSeconds": 1700000012.5,
              "frozenHash": "f00d", "hypothesis": f"try {rid}", "id": rid, "parentCommit": "abc123",
              "results": {"successes": 12, "trials": 20}, "robotTimeSeconds": 10,
              "startedAtUnixSeconds": 1700000000, "station": STATION, "task": "pusht", "tokens": 1000,
              "trialBudget": 20, "wallTimeSeconds": 12.5}
    dump = lambda value: (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()
    return rid, [(f"records/{STATION}/{rid}.json", dump(record)), (f"recipes/{STATION}/{rid}.json", dump(config))]


def pygit2_timings(publishes):
    import pygit2
    tmp = tempfile.mkdtemp(prefix="pygit2-fleet-")
    try:
        remote_path = os.path.join(tmp, "remote.git")
        pygit2.init_repository(remote_path, bare=True)
        repo = pygit2.init_repository(os.path.join(tmp, "clone"), bare=True)
        remote = repo.remotes.create("origin", remote_path)
        branch, results = f"stations/{STATION}", "results"
        seen = "refs/enpire/seen/"
        token = str(uuid.uuid4())
        signature = pygit2.Signature(STATION, f"{STATION}@enpire.fleet")

        def with_files(base_tree, files):
            """A tree: `base_tree` plus `files` (paths two folders deep), rebuilding only the touched trees."""
            def insert(tree, parts, blob_id):
                builder = repo.TreeBuilder(tree) if tree is not None else repo.TreeBuilder()
                if len(parts) == 1:
                    builder.insert(parts[0], blob_id, pygit2.GIT_FILEMODE_BLOB)
                else:
                    child = tree[parts[0]] if tree is not None and parts[0] in tree else None
                    sub = repo[child.id] if child is not None else None
                    builder.insert(parts[0], insert(sub, parts[1:], blob_id), pygit2.GIT_FILEMODE_TREE)
                return builder.write()
            tree = base_tree
            for path, contents in files:
                tree = repo[insert(tree, path.split("/"), repo.create_blob(contents))]
            return tree.id

        def target(ref):
            try:
                return repo.references[ref].target
            except KeyError:
                return None

        class Callbacks(pygit2.RemoteCallbacks):
            def __init__(self):
                super().__init__()
                self.rejected = []

            def push_update_reference(self, refname, message):
                if message:
                    self.rejected.append((refname, message))

        def publish(index):
            rid, files = record_files(index)
            message = f"keep {rid} on {STATION}: 12/20 pusht\n\ntry {rid}\n"
            station_base = target(seen + branch)
            station_files = list(files)
            if station_base is None:
                claim = {"owner": token, "station": STATION, "frozenHash": "f00d"}
                station_files.append((f"owners/{STATION}.json", json.dumps(claim, indent=2, sort_keys=True).encode()))
            else:
                claim = json.loads(repo[repo[station_base].tree[f"owners/{STATION}.json"].id].data)
                assert claim["owner"] == token
            base_tree = repo[station_base].tree if station_base else None
            station_commit = repo.create_commit(None, signature, signature, message,
                                                with_files(base_tree, station_files),
                                                [station_base] if station_base else [])
            results_base = target(seen + results)
            results_commit = repo.create_commit(None, signature, signature, message,
                                                with_files(repo[results_base].tree if results_base else None, files),
                                                [results_base] if results_base else [])
            lock = os.open(os.path.join(remote_path, "enpire-push.lock"), os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX)
                repo.references.create("refs/enpire/outgoing/station", station_commit, force=True)
                repo.references.create("refs/enpire/outgoing/results", results_commit, force=True)
                callbacks = Callbacks()
                remote.push([f"refs/enpire/outgoing/station:refs/heads/{branch}",
                             f"refs/enpire/outgoing/results:refs/heads/{results}"], callbacks=callbacks)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
                os.close(lock)
            if callbacks.rejected:
                raise RuntimeError(f"push rejected: {callbacks.rejected}")
            repo.references.create(seen + branch, station_commit, force=True)
            repo.references.create(f"refs/heads/{branch}", station_commit, force=True)
            repo.references.create(seen + results, results_commit, force=True)

        publish(0)  # warm-up; writes the claim file
        samples = []
        cpu0 = time.process_time()
        for index in range(1, publishes + 1):
            t0 = time.perf_counter()
            publish(index)
            samples.append(time.perf_counter() - t0)
        cpu = time.process_time() - cpu0
        ordered = sorted(samples)
        half = sorted(samples[:publishes // 2 + 1])
        return {"cpu_seconds_per_publish": cpu / publishes, "publishes": publishes,
                "median_seconds": ordered[len(ordered) // 2],
                "p95_seconds": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
                "mean_seconds": sum(samples) / len(samples), "first_half_median_seconds": half[len(half) // 2],
                "pygit2": pygit2.__version__, "libgit2": pygit2.LIBGIT2_VERSION}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


ROWS = [("fleet publish median", "median_seconds", "enpire", "pygit2", False),
        ("fleet publish p95", "p95_seconds", "enpire", "pygit2", False),
        ("fleet publish mean", "mean_seconds", "enpire", "pygit2", False),
        ("fleet publish CPU (user+sys)", "cpu_seconds_per_publish", "enpire", "pygit2", False)]


def unit(key, value):
    return "-" if value is None else f"{value * 1e3:.3f}ms"


def main():
    parser = argparse.ArgumentParser(description="EnpireFleet publish vs pygit2, alternating sides")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (>= 3)")
    parser.add_argument("--publishes", type=int, default=200, help="timed publishes per side and round")
    parser.add_argument("--json", default=str(HERE / ".build" / "compare_fleet.json"), help="output file")
    parser.add_argument("--side", choices=["pygit2"], help=argparse.SUPPRESS)
    parser.add_argument("--ours", help="use this FleetTimings binary instead of building one")
    args = parser.parse_args()
    if args.side == "pygit2":
        print(json.dumps(pygit2_timings(args.publishes)))
        return
    pygit2 = harness.preflight(args.rounds, "pygit2", "pygit2")
    if args.ours:
        ours = args.ours
    else:
        print("building FleetTimings (release) ...", flush=True)
        ours = harness.build_release_product("FleetTimings")
    me = [sys.executable, str(Path(sys.argv[0]).resolve()), "--publishes", str(args.publishes)]
    sides = [("enpire", [ours, str(args.publishes)]), ("pygit2", me + ["--side", "pygit2"])]
    print(f"pygit2 {pygit2.__version__} (libgit2 {pygit2.LIBGIT2_VERSION}), {args.publishes} publishes per side, "
          f"{args.rounds} rounds, load average {harness.load_average()}", flush=True)
    rounds = harness.alternate(sides, args.rounds, log=lambda line: print(line, flush=True))
    summary = harness.ratio_summary(rounds, ROWS)
    harness.print_summary(summary, rounds, unit)
    harness.write_json(args.json, {"pygit2_version": pygit2.__version__, "libgit2_pygit2": pygit2.LIBGIT2_VERSION,
                                   "publishes": args.publishes, "rounds": rounds, "summary": summary,
                                   "foreign_limit_cores": harness.FOREIGN_LIMIT})


if __name__ == "__main__":
    main()
