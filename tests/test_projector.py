"""Every lesson runs in the projector style (lecture mode: ``SRNLAB_PROJECTOR=1``).

Each ``notebooks/NN_*.ipynb`` is executed with nbclient in a kernel whose environment
switches the projector style on (every text at least 16 pt), so that every demo's
``sweep()`` and every check of a static figure (``plotting.fit_problems``) runs with the
large fonts: a text cut off at the figure's edge or titles that overlap fail the
lesson, as does any cell error.  nbval runs the lessons in the screen style.
About 1-3 minutes for all lessons (75 s measured on a busy 2-core machine).
"""
import os
from pathlib import Path

import nbclient
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
TIMEOUT = 600          # s, one cell


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_runs_in_the_projector_style(path, monkeypatch):
    # The kernel inherits this process's environment; one BLAS thread as in tools/test.sh.
    monkeypatch.setenv("SRNLAB_PROJECTOR", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1"))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    nb = nbformat.read(path, as_version=4)
    # ... and the style was on: the lesson's figures were made with the projector's fonts
    nb.cells.append(nbformat.v4.new_code_cell(
        "import matplotlib as mpl\nassert mpl.rcParams['font.size'] >= 16, mpl.rcParams['font.size']"))
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=TIMEOUT,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"{path.name} fails in the projector style (SRNLAB_PROJECTOR=1):\n{exc}", pytrace=False)
