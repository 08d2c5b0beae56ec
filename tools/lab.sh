#!/usr/bin/env bash
# Set up, then open the collection in JupyterLab at the course map.
set -euo pipefail
cd "$(dirname "$0")/.."
# One BLAS thread: the lessons' matrices are small, and a second thread only
# adds overhead (up to 20x slower on a busy 2-core machine, measured).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
bash tools/setup.sh
exec .venv/bin/jupyter lab notebooks/00_index.ipynb "$@"
