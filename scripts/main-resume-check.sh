#!/usr/bin/env bash
# Kills `enpire main` with SIGKILL at three points (during research, during confirmation, during held-out
# scoring), resumes each with `enpire main --resume DIR`, and prints the final held-out scores.
#
# Usage: scripts/main-resume-check.sh [OUT_ROOT] [extra `enpire main` options...]
# Build first: swift build -c release --product enpire   (ENPIRE_BIN overrides the binary)
set -euo pipefail
BIN=${ENPIRE_BIN:-.build/release/enpire}
ROOT=${1:-/tmp/enpire-resume-check}
shift || true
mkdir -p "$ROOT"

wait_for() { # file pattern timeout-seconds
    local waited=0
    until grep -Eq "$2" "$1" 2>/dev/null; do
        sleep 0.2
        waited=$((waited + 1))
        if [ "$waited" -gt $(($3 * 5)) ]; then echo "timed out waiting for '$2' in $1" >&2; return 1; fi
    done
}

for point in research confirmation heldout; do
    out="$ROOT/$point"
    rm -rf "$out"
    log="$ROOT/$point.log"
    start=$(date +%s)
    "$BIN" main --output "$out" "$@" >/dev/null 2>"$log" &
    pid=$!
    case $point in
        research) wait_for "$log" '\[station-1\] 4/' 600; sleep 1 ;;
        confirmation) wait_for "$log" 'confirmation: 2 leading recipes' 900; sleep 2 ;;
        heldout) wait_for "$log" 'held-out: best recipe scoring' 900; sleep 8 ;;
    esac
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    killed=$(date +%s)
    ledgers=$(cat "$out"/stations/station-*/ledger.jsonl | wc -l)
    scored=$( (cat "$out"/progress/heldout-*.jsonl 2>/dev/null || true) | grep -c seed || true)
    echo "$point: killed after $((killed - start)) s: $ledgers research trials in the ledgers, $scored held-out episodes saved, last line: $(tail -1 "$log")"
    "$BIN" main --resume "$out" >"$ROOT/$point.resume.out" 2>"$ROOT/$point.resume.log"
    echo "$point: resumed in $(($(date +%s) - killed)) s: $(grep -E 'resuming|held-out: .*resuming' "$ROOT/$point.resume.log" | sed 's/^\[[ 0-9.]*s\] //' | tr '\n' ' ')"
    echo "$point: $(grep 'held-out:' "$ROOT/$point.resume.out")"
    python3 - "$out/report.json" <<'PY'
import json, sys
full = json.load(open(sys.argv[1]))
r = dict(full.get("research", full), behaviourCloning=full.get("behaviourCloning"))
kept = sum(1 for x in r["records"] if x["decision"] == "keep")
print(f"  report: {len(r['records'])} trials ({kept} kept), resumes {r['resumes']}, best {r['best']['successes']}/{r['best']['trials']}"
      + (f", baseline {r['baseline']['successes']}/{r['baseline']['trials']}" if r.get('baseline') else "")
      + (f", behaviour cloning {r['behaviourCloning']['successes']}/{r['behaviourCloning']['trials']}" if r.get('behaviourCloning') else ""))
PY
done
