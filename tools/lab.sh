#!/usr/bin/env bash
# Set up, then open the collection in JupyterLab at the course map.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec .venv/bin/jupyter lab notebooks/00_index.ipynb "$@"
