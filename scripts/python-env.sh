#!/usr/bin/env bash
# Creates (once) a venv under .venv with the Python peers used by interop tests and comparison
# benchmarks, and exports ENPIRE_PYTHON pointing at it. Arguments are `package[:module]` (default: numpy,
# safetensors, Pillow). Fails softly: callers decide what to skip.
venv=".venv"
want=("$@")
[ ${#want[@]} -eq 0 ] && want=(numpy safetensors pillow:PIL)
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >/dev/null 2>&1 || { echo "python-env: python3 -m venv failed" >&2; return 1; }
fi
missing=()
for entry in "${want[@]}"; do
    package="${entry%%:*}"
    module="${entry#*:}"
    [ "$module" = "$entry" ] && module="${package//-/_}"
    "$venv/bin/python" -c "import $module" 2>/dev/null || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "python-env: pip install ${missing[*]}" >&2
    "$venv/bin/pip" install -q "${missing[@]}" >&2 || { echo "python-env: pip install failed" >&2; return 1; }
fi
export ENPIRE_PYTHON="$PWD/$venv/bin/python"
