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
source scripts/python-env.sh numpy safetensors pillow:PIL feetech-servo-sdk:scservo_sdk dynamixel-sdk:dynamixel_sdk pyarrow av pandas "${heavy_python[@]}" || echo "test: Python interop checks will be skipped" >&2
# Declared target dependencies must match what each target imports.
bash scripts/check-imports.sh
bash scripts/check-imports.sh Benchmarks
# Library targets log through a Logger; only the CLI and the examples print.
bash scripts/check-no-print.sh
swift build --build-tests
swift test --skip-build --parallel
# Every target's DocC catalog must build without warnings (broken symbol links fail it).
if command -v docc >/dev/null; then
    bash scripts/docs.sh
else
    echo "test: docc is not in this toolchain; DocC catalogs not checked" >&2
fi
