#!/usr/bin/env bash
# README's test command: installs missing system packages, builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# Python interoperability checks (safetensors files read by Python, gym-pusht fixtures) run when
# python3 has these packages; install them into a private venv when pip can reach PyPI. The Python MCP client
# (`mcp`) is only needed by the heavy PythonClientTests, and Selenium by the dashboard's browser test (which also
# needs Debian's chromium and chromium-driver, about 127 MiB to download; this script does not install them), so
# they are installed only with ENPIRE_HEAVY=1.
heavy_python=()
[ "${ENPIRE_HEAVY:-}" = 1 ] && heavy_python=(mcp selenium)
python_packages=(numpy safetensors pillow:PIL feetech-servo-sdk:scservo_sdk dynamixel-sdk:dynamixel_sdk pyarrow av pandas "${heavy_python[@]}")
# pip downloads while Swift builds (it mostly waits on the network); the second call below, after the build, only
# checks the imports and exports ENPIRE_PYTHON.
python_log=$(mktemp)
(source scripts/python-env.sh "${python_packages[@]}") >"$python_log" 2>&1 &
python_job=$!
# Declared target dependencies must match what each target imports.
bash scripts/check-imports.sh
bash scripts/check-imports.sh Benchmarks
# Library targets log through a Logger; only the CLI and the examples print.
bash scripts/check-no-print.sh
swift build --build-tests
wait "$python_job" || true
cat "$python_log" >&2 && rm -f "$python_log"
source scripts/python-env.sh "${python_packages[@]}" || echo "test: Python interop checks will be skipped" >&2
swift test --skip-build --parallel
# Every target's DocC catalog must build without warnings (broken symbol links fail it).
if command -v docc >/dev/null; then
    bash scripts/docs.sh
else
    echo "test: docc is not in this toolchain; DocC catalogs not checked" >&2
fi
