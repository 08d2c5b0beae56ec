#!/usr/bin/env bash
# Build the course as a static web site in build/site/ (open build/site/index.html): Sphinx with
# MyST-NB and the book theme, configured in book/conf.py.  Every lesson is run top to bottom;
# the pages and each lesson's static slides (build/site/slides/) work offline and from file://.
# Extra arguments go to sphinx-build (e.g. -D nb_execution_mode=off for the pages without running).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash tools/setup.sh
# one BLAS thread: the lessons' matrices are small (see tools/test.sh)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
start=$(date +%s)
.venv/bin/python -m sphinx -b html -c book -d build/doctrees --fail-on-warning --keep-going "$@" . build/site
echo "build_site: built in $(( $(date +%s) - start )) s; open build/site/index.html"
