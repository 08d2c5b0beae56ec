#!/usr/bin/env bash
# Set up (or update) the project's virtual environment in .venv:
# Python 3.11+ from the system (installed with apt-get where missing),
# then srnlab itself, editable, with the lab, test and site extras.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    for cand in python3.13 python3.12 python3.11 python3; do
        if command -v "$cand" >/dev/null 2>&1 &&
           "$cand" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$cand"; return 0
        fi
    done
    return 1
}

if [ ! -x .venv/bin/python ]; then
    PY=$(find_python || true)
    if [ -z "$PY" ]; then
        if command -v apt-get >/dev/null 2>&1; then
            echo "setup: no Python >= 3.11 with venv found; installing it with apt-get" >&2
            SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
            $SUDO apt-get update -qq
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
            PY=$(find_python) || { echo "setup: still no Python >= 3.11 after apt-get" >&2; exit 1; }
        else
            echo "setup: Python >= 3.11 (with venv) is needed; please install it" >&2; exit 1
        fi
    fi
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[lab,test,site]"
echo "setup: .venv ready ($(.venv/bin/python --version))"
