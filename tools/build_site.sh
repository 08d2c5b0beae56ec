#!/usr/bin/env bash
# Build the executed lessons as a static HTML site in site/ (open site/index.html).
# Every lesson is run top to bottom (nbclient) and exported with nbconvert's lab
# template, widgets in their first state; tools/build_site.py adds the navigation.
# Extra arguments go to tools/build_site.py (e.g. `--cdn`, or lesson numbers: `00 03`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash tools/setup.sh
exec .venv/bin/python tools/build_site.py "$@"
