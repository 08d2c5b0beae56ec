#!/usr/bin/env bash
# Set up, then run every test: pytest for the package and nbval for every notebook.
# Extra arguments go to pytest.  An empty run (no test collected) is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh || exit 1
.venv/bin/python -m pytest --nbval-lax tests notebooks "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "test: pytest collected no tests; an empty run is not a pass" >&2
    exit 1
fi
exit "$status"
