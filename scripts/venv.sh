#!/usr/bin/env bash
# Create .venv (or reuse a working one) and install the pinned requirements plus parta itself
# in editable mode. uv is used when it is there (much faster), else python3 -m venv and pip.
# The Makefile calls this only when a requirements file or pyproject.toml changed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=.venv
PY="$VENV/bin/python"

UV=()
if command -v uv >/dev/null 2>&1; then
    UV=(uv)
elif python3 -m uv --version >/dev/null 2>&1; then
    UV=(python3 -m uv)
fi

if [[ -x "$PY" ]] && "$PY" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "  [venv] using $VENV ($("$PY" --version))"
else
    rm -rf "$VENV"
    if [[ ${#UV[@]} -gt 0 ]]; then
        echo "  [venv] creating $VENV with uv"
        "${UV[@]}" venv --quiet --python python3 "$VENV"
    else
        echo "  [venv] creating $VENV with python3 -m venv"
        python3 -m venv "$VENV"
    fi
fi

echo "  [venv] installing requirements.txt, requirements-dev.txt and parta (editable)"
if [[ ${#UV[@]} -gt 0 ]]; then
    "${UV[@]}" pip install --quiet --python "$PY" -r requirements.txt -r requirements-dev.txt
    "${UV[@]}" pip install --quiet --python "$PY" --no-deps -e .
else
    # A venv made by uv has no pip of its own.
    "$PY" -m pip --version >/dev/null 2>&1 || "$PY" -m ensurepip --upgrade >/dev/null
    "$PY" -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
    "$PY" -m pip install --quiet --disable-pip-version-check --no-deps -e .
fi
