#!/usr/bin/env bash
# The fleet over a real ssh remote: installs openssh-server when missing (scripts/setup.sh), builds, and runs the
# ssh tests, which start Debian's sshd on a loopback port themselves (skipped where it cannot start).
# ENPIRE_HEAVY=1 adds the 8-station spread measurement (ENPIRE_SSH_ROUNDS rounds, default 10; ENPIRE_SSH_POLL_MS
# between a station's syncs, default 0) and prints its p50/p95.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --build-tests
swift test --skip-build --filter 'FleetSSHTests|FleetCredentialsTests'
