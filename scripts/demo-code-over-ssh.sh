#!/usr/bin/env bash
# Issue 20's scripted agent, end to end over a real ssh remote: Debian's sshd on a loopback port (its own host
# key and authorized key, in a temporary folder), a bare fleet repository served through it, and two code
# workspaces. Station A's scripted agent (no language model) edits the Push-T policy code in its work tree, runs
# it as a trial and keeps it; station B adopts A's commit from the ssh remote, runs it and keeps it; both ledgers
# are printed with their commits. Usage: scripts/demo-code-over-ssh.sh [ENPIRE_BINARY] [EPISODES_PER_TRIAL]
set -euo pipefail
cd "$(dirname "$0")/.."
enpire=$(realpath "${1:-.build/debug/enpire}")
episodes=${2:-4}
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || { echo "sshd is not installed (apt-get install openssh-server)"; exit 2; }
[ "$(id -u)" != 0 ] || mkdir -p /run/sshd
work=$(mktemp -d /tmp/enpire-code-ssh.XXXXXX)
trap 'kill $(cat "$work/sshd.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/sshd_config" <<CONFIG
ListenAddress 127.0.0.1:$port
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PidFile $work/sshd.pid
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
LogLevel ERROR
CONFIG
"$sshd" -f "$work/sshd_config" -E "$work/sshd.log"
for _ in $(seq 50); do [ -s "$work/sshd.pid" ] && break; sleep 0.1; done
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host_key.pub")" > "$work/known_hosts"
git init -q --bare "$work/fleet.git"
export ENPIRE_SSH_KEY="$work/client_key" ENPIRE_KNOWN_HOSTS="$work/known_hosts"
fleet="ssh://$(id -un)@127.0.0.1:$port$work/fleet.git"
echo "fleet: $fleet"

run() { echo "\$ enpire $*"; "$enpire" "$@"; }
trial_id() { sed -n 's/^\([^:]*\): .*decide with.*/\1/p'; }

run init --workspace "$work/a" --station station-a --task pusht --code --fleet "$fleet" --episodes-per-trial "$episodes" --held-out 20
# The scripted agent's change: more angle weight near the goal, in the policy code itself.
sed -i 's/^NEAR_GOAL_ANGLE_WEIGHT = .*/NEAR_GOAL_ANGLE_WEIGHT = 100.0/' "$work/a/policy/policy.py"
git -C "$work/a/policy" diff --stat
out=$(run trial --workspace "$work/a" --hypothesis "more angle weight near the goal"); echo "$out"
run keep --workspace "$work/a" "$(echo "$out" | trial_id)"

run init --workspace "$work/b" --station station-b --task pusht --code --fleet "$fleet" --episodes-per-trial "$episodes" --held-out 20
run adopt --workspace "$work/b" --station station-a
out=$(run trial --workspace "$work/b" --hypothesis "station-a's kept code, adopted over ssh"); echo "$out"
run keep --workspace "$work/b" "$(echo "$out" | trial_id)"
run ledger --workspace "$work/a"
run ledger --workspace "$work/b"
echo "fleet branches:"; git -C "$work/fleet.git" for-each-ref --format='%(refname) %(objectname:short)' refs/heads/code
