#!/usr/bin/env bash
# Lines of code specific to each built-in task at a commit (default HEAD): the Swift files under Sources/ and
# Examples/ whose path names the task (PushT/pusht, PinInsertion/PinResearch, ZipTie/ziptie), counted without
# blank lines and comment lines. Files shared by the tasks (kits, protocols, the research loop, the CLI) count for
# none. Columns: all of it; `research`, the task's research wiring (its example executable, its ResearchTask,
# campaign and workspace files); `learning`, the learned-policy code (EnpireTasks/Learning, PushTLearning, the
# zip-tie scene estimator the learned policy observes through); `world`, the rest (simulator, expert, renderer,
# camera, verifier, reset). Usage: scripts/task-lines.sh [REV]
set -euo pipefail
rev="${1:-HEAD}"
printf "%-7s %6s %6s %6s %6s %6s  %s\n" task lines world resrch learn files folders
git ls-tree -r --name-only "$rev" Sources Examples | grep '\.swift$' | while read -r path; do
    case "$path" in
        *PushT*|*pusht*) task=pusht ;;
        *PinInsertion*|*PinResearch*) task=pin ;;
        *ZipTie*|*ziptie*) task=ziptie ;;
        *) continue ;;
    esac
    case "$path" in
        */Learning/*|*PushTLearning*|*ZipTieSceneEstimat*) part=learning ;;
        Examples/*|*Campaign*|*Workspace*|*ResearchTask*) part=research ;;
        *) part=world ;;
    esac
    lines=$(git show "$rev:$path" | grep -cvE '^[[:space:]]*($|//)' || true)
    echo "$task $part $(cut -d/ -f1-2 <<<"$path") $lines"
done | awk '{ all[$1] += $4; part[$1 FS $2] += $4; files[$1]++; if (!seen[$1 FS $3]++) targets[$1] = targets[$1] " " $3 }
    END {
        for (t in all) printf "%-7s %6d %6d %6d %6d %6d %s\n", t, all[t], part[t FS "world"], part[t FS "research"],
            part[t FS "learning"], files[t], targets[t]
    }' | sort -k1,1r
