#!/usr/bin/env bash
# Set up, then open the collection in JupyterLab at the course map.
#   bash tools/lab.sh              the lessons as committed: each solution collapsed under its exercise
#   bash tools/lab.sh --student    the student edition: written to student/ without the solutions, opened there
# Other arguments go to jupyter lab.
set -euo pipefail
cd "$(dirname "$0")/.."
# One BLAS thread: the lessons' matrices are small, and a second thread only
# adds overhead (up to 20x slower on a busy 2-core machine, measured).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
folder=notebooks
if [[ "${1:-}" == "--student" ]]; then
    shift
    folder=student
fi
bash tools/setup.sh
if [[ "$folder" == student ]]; then
    .venv/bin/python tools/student_edition.py student
fi
exec .venv/bin/jupyter lab "$folder/00_index.ipynb" "$@"
