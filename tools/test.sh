#!/usr/bin/env bash
# Set up, then run every test: pytest for the package and nbval for every notebook.
# Extra arguments go to pytest.  An empty run (no test collected) is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
# One BLAS thread: the lessons' matrices are small, and a second thread only
# adds overhead (up to 20x slower on a busy 2-core machine, measured).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
bash tools/setup.sh || exit 1
# Matplotlib's font cache lists font files by path; a cache shared with another
# checkout's .venv goes stale when that checkout is deleted (every figure then
# warns "Found a missing font file").  Each checkout keeps its own, in its .venv.
export MPLCONFIGDIR=${MPLCONFIGDIR:-$PWD/.venv/matplotlib}
bash tools/install_browser.sh || { [ -n "${CI:-}" ] && exit 1; echo "test: no Chromium; tests/test_browser.py will be skipped" >&2; }
.venv/bin/python -m pytest --nbval-lax tests notebooks "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "test: pytest collected no tests; an empty run is not a pass" >&2
    exit 1
fi
exit "$status"
