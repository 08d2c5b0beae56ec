"""Write the student edition of the lessons: the tagged solutions removed.

    .venv/bin/python tools/student_edition.py [OUTDIR]      (default: student/)
    bash tools/lab.sh --student                            (writes it, then opens it in JupyterLab)

In the lessons as committed (the edition ``tools/lab.sh`` opens) each exercise is
a stub cell the student fills in, a checker cell that judges the student's own
function, and then, tagged "solution", a markdown line "Click to show the
solution" and a code cell, collapsed (``"jupyter": {"source_hidden": true}``),
that defines a working answer and checks it, so that nbval and the rest of the
lesson run.  The student edition drops every cell tagged "solution" (nbconvert's
TagRemovePreprocessor) and clears all outputs: the stubs and checkers stay, the
answers go.
"""
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]


def student_edition(nb):
    """A copy of the notebook without the cells tagged "solution" and without outputs."""
    nb = nbformat.from_dict(nb)
    remove = TagRemovePreprocessor(remove_cell_tags={"solution"}, enabled=True)
    nb, _ = remove.preprocess(nb, {})
    nb, _ = ClearOutputPreprocessor().preprocess(nb, {})
    return nb


def main(outdir=ROOT / "student"):
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = student_edition(nbformat.read(path, as_version=4))
        nbformat.write(nb, outdir / path.name)
        print(f"{path.name}: {len(nb.cells)} cells -> {outdir / path.name}")


if __name__ == "__main__":
    main(*sys.argv[1:])
