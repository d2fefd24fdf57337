#!/usr/bin/env bash
# Builds every library target's DocC catalog with warnings as errors (broken symbol links, missing docs pages).
# Output: .build/docs/<Target>.doccarchive. Needs a debug build's modules, which it makes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build
triple=$(swift -print-target-info | sed -n 's/.*"triple": "\(.*\)".*/\1/p' | head -1)
modules=.build/debug/Modules
[ -d "$modules" ] || modules=.build/debug
# EnpireMCP and EnpireCommands import the MCP SDK, whose SystemPackage needs swift-system's C module (CSystem);
# EnpireDashboard imports Hummingbird, whose SwiftNIO and swift-atomics need theirs: every C module of a
# dependency is passed, by its include folder or by the module map the build generated for it.
dependency_c_modules=()
for folder in .build/checkouts/*/Sources/*/include; do
    if [ -f "$folder/module.modulemap" ]; then dependency_c_modules+=(-I "$folder"); fi
done
for map in .build/debug/*.build/module.modulemap; do
    if [ -f "$map" ]; then dependency_c_modules+=(-Xcc "-fmodule-map-file=$map"); fi
done
for target in Enpire EnpireFleet EnpireReward EnpireRewardLearning EnpireReset EnpireLearning EnpireSim EnpireProcess EnpireResearch EnpireTasks EnpireTesting EnpireHardware EnpireMCP EnpireDashboard EnpireCommands; do
    graphs=.build/docs/symbol-graphs/$target
    rm -rf "$graphs" && mkdir -p "$graphs"
    swift symbolgraph-extract -module-name "$target" -target "$triple" -I "$modules" -I Sources/CTurboJPEG \
        -I Sources/CBlas -I Sources/CGit2 -I Sources/CSSH2 -I Sources/CChipmunk -I Sources/CV4L2 -I Sources/CPNG -I Sources/COpenSSL "${dependency_c_modules[@]}" \
        -minimum-access-level public -output-dir "$graphs"
    docc convert "Sources/$target/$target.docc" --additional-symbol-graph-dir "$graphs" \
        --fallback-display-name "$target" --fallback-bundle-identifier "org.enpire.$target" \
        --output-path ".build/docs/$target.doccarchive" --warnings-as-errors
    echo "docs: $target ok"
done
