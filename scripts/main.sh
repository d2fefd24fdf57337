#!/usr/bin/env bash
# README's main command: installs missing system packages, builds in release mode, and runs the main job
# (`enpire main`), which writes its report under reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product enpire
exec .build/release/enpire main "$@"
