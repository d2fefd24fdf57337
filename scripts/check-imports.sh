#!/usr/bin/env bash
# Fails when a target's declared dependencies in Package.swift differ from the modules its sources import:
# every package target or product a target imports must be declared, and every declared one must be imported.
# Reads the package through `swift package dump-package` (no hand parsing of Package.swift). Imports inside
# Swift multi-line string literals (embedded Python, for instance) are ignored; only lines that start with an
# import count (comments never do); `#if canImport` branches count as imports.
# Usage: scripts/check-imports.sh [package-folder]   (default: the repository root; Benchmarks is the other one)
set -euo pipefail
cd "$(dirname "$0")/.."
cd "${1:-.}"
command -v python3 >/dev/null || { echo "check-imports: needs python3 on PATH" >&2; exit 1; }
package_json=$(swift package dump-package)
PACKAGE_JSON="$package_json" python3 - <<'PY'
import json, os, re, sys

package = json.loads(os.environ["PACKAGE_JSON"])
import_line = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+"
    r"(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.M)

def strip_multiline_literals(source):
    return re.sub(r'"""(?:.|\n)*?"""', "", source)

def dependency_name(dependency):
    for kind in ("byName", "target", "product"):
        if kind in dependency:
            return dependency[kind][0]
    raise SystemExit(f"check-imports: unknown dependency form {dependency}")

targets = [t for t in package["targets"] if t["type"] != "plugin"]
# Modules a target can import from this package: its targets, and products of package dependencies (a
# product's module is assumed to carry the product's name, as ArgumentParser does).
module_names = {t["name"] for t in targets}
for t in targets:
    for d in t["dependencies"]:
        if "product" in d:
            module_names.add(d["product"][0])

problems = []
for t in targets:
    if t["type"] == "system":
        continue
    folder = t.get("path") or os.path.join("Tests" if t["type"] == "test" else "Sources", t["name"])
    if not os.path.isdir(folder):
        problems.append(f"{t['name']}: source folder {folder} not found")
        continue
    imported = set()
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".swift"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    source = strip_multiline_literals(f.read())
                imported |= {m for m in import_line.findall(source) if m in module_names and m != t["name"]}
    declared = {dependency_name(d) for d in t["dependencies"]}
    for module in sorted(imported - declared):
        problems.append(f"{t['name']}: sources in {folder} import {module}, which Package.swift does not "
                        f"declare; add \"{module}\" to the target's dependencies")
    for module in sorted(declared - imported):
        problems.append(f"{t['name']}: Package.swift declares {module}, which no source in {folder} imports; "
                        f"remove it from the target's dependencies (or import it where it is used)")
for line in problems:
    print(f"check-imports: {line}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"check-imports: {len([t for t in targets if t['type'] != 'system'])} targets, declared dependencies match imports")
PY
