"""Write the student edition of the lessons: the tagged solutions removed.

    .venv/bin/python tools/student_edition.py [OUTDIR]      (default: student/)

Each exercise in a lesson is a stub cell the student fills in, followed by a
cell tagged "solution" holding a working answer (so that nbval can run the
committed notebook).  This uses nbconvert's TagRemovePreprocessor to drop
every cell tagged "solution", and clears all outputs.
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
