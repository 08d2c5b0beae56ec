#!/usr/bin/env bash
# Install what the real-browser test (tests/test_browser.py) needs:
# Debian's Chromium at /usr/bin/chromium (apt-get; Playwright's own browser
# download does not work here) and the Python package playwright in .venv
# (its driver ships inside the wheel; we never run `playwright install`).
# Safe to run again: it does nothing when both are present.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "install_browser: installing Debian's chromium with apt-get" >&2
        SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
    else
        echo "install_browser: no apt-get; install Chromium as /usr/bin/chromium by hand" \
             "(tests/test_browser.py is skipped without it)" >&2
        exit 0
    fi
fi
/usr/bin/chromium --version 2>/dev/null

if [ -x .venv/bin/python ] && ! .venv/bin/python -c "import playwright" 2>/dev/null; then
    .venv/bin/python -m pip install --quiet "playwright>=1.40"
fi
