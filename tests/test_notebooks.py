"""The lessons follow the template (notebooks/README.md); nbval runs them separately."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def load(path):
    return json.loads(path.read_text())


def sources(nb, kind=None):
    return ["".join(c["source"]) for c in nb["cells"] if kind is None or c["cell_type"] == kind]


def test_there_are_lessons_and_an_index():
    assert (ROOT / "notebooks" / "00_index.ipynb") in LESSONS


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, \
                f"{path.name}: commit notebooks without outputs (clear them first)"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_template(path):
    nb = load(path)
    code = "\n".join(sources(nb, "code"))
    text = "\n".join(sources(nb, "markdown"))
    assert "import srnlab" in code
    assert "Demo(" in code and "slider(" in code, "every lesson has an interactive demo"
    assert re.search(r"\.sweep\(\)", code), "a check cell moves every slider to both ends"
    assert "<details>" in text, "a question for the student before its answer"
    assert re.search(r"^## References", text, re.M), "a references section"
    assert "assert " in code, "claims in the prose are computed and asserted"
    number = int(path.name[:2])
    if number >= 1:
        assert re.search(r"learning objectives|by the end of this lesson", text, re.I)
        assert re.search(r"^## Summary", text, re.M)
    if number >= 2:
        tags = [c.get("metadata", {}).get("tags", []) for c in nb["cells"]]
        assert any("solution" in t for t in tags), "an exercise with a tagged solution"
        assert "srnlab.exercises.check_" in code or "exercises.check_" in code
        assert "raise NotImplementedError" in code, "a stub for the student"


def test_student_edition_drops_solutions(tmp_path):
    import sys
    sys.path.insert(0, str(ROOT / "tools"))
    import nbformat
    from student_edition import student_edition
    for path in LESSONS:
        nb = nbformat.read(path, as_version=4)
        out = student_edition(nb)
        assert not any("solution" in c.get("metadata", {}).get("tags", []) for c in out.cells)
        kept = sum(1 for c in nb.cells if "solution" not in c.get("metadata", {}).get("tags", []))
        assert len(out.cells) == kept
