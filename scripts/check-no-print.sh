#!/usr/bin/env bash
# Fails when a shipped target writes to standard output or error itself: libraries log through the swift-log
# Logger their caller passes in (Docs/Architecture.md, "Logging"), and the `enpire` commands (EnpireCommands) write
# through the `CommandOutput` sink their caller chooses; only that sink's terminal writer
# (Sources/EnpireCommands/CommandOutput.swift) touches the process's streams. Examples/ print their human output and
# are not checked. Comment lines (doc snippets) are ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='(^|[^A-Za-z0-9_.])(print|debugPrint|fputs|putchar|puts)\(|FileHandle\.standard(Output|Error)'
found=$(grep -rnE "$pattern" Sources --include='*.swift' \
        | grep -vE '^Sources/EnpireCommands/CommandOutput\.swift:' \
        | grep -vE '^[^:]+:[0-9]+:\s*//' || true)
if [ -n "$found" ]; then
    echo "check-no-print: library targets must log through a Logger and commands write through CommandOutput, not print:" >&2
    echo "$found" >&2
    exit 1
fi
echo "check-no-print: no target prints"
