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
    if number >= 1:
        tags = [c.get("metadata", {}).get("tags", []) for c in nb["cells"]]
        assert any("solution" in t for t in tags), "an exercise with a tagged solution"
        assert re.search(r"\bcheck_\w+\(", code), "a checker from srnlab.course.exercises or the lesson's module"
        assert "raise NotImplementedError" in code, "a stub for the student"


# ---------------------------------------------------------------- the course for a student alone
# Every lesson (00-09) follows the rules below.
ALONE = LESSONS
TIME = re.compile(r"^\*About (\d+) minutes?\.[^*]*\*$")
#: The research-level sections, marked "Optional" in their heading and left out of the lesson's time.
OPTIONAL = {"02_srn_bptt.ipynb": ["## 6. Optional:"], "06_theorem_ds.ipynb": ["## 5. Optional:"],
            "07_sampling_method.ipynb": ["## 6. Optional:", "## 7. Optional:", "## 8. Optional:", "## 10. Optional:"],
            "08_benchmarks_tables.ipynb": ["## 6. Optional:", "## 8. Optional:"]}


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def exercises_of(nb):
    """For each hidden solution cell: (stub, check, click, solution), the cells of its exercise."""
    cells, found = nb["cells"], []
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code" and "solution" in tags(cell):
            found.append((cells[i - 3], cells[i - 2], cells[i - 1], cell))
    return found


@pytest.mark.parametrize("path", ALONE, ids=lambda p: p.name)
def test_solutions_are_one_click_away(path):
    """Stub, then the checker of the student's own function, then "Click to show the solution" and the
    solution collapsed: a student meets the stub first and opens the answer only by choice."""
    nb = load(path)
    found = exercises_of(nb)
    if int(path.name[:2]) >= 1:
        assert found, f"{path.name}: no exercise"
    for stub, check, click, sol in found:
        where = f"{path.name}, solution cell {sol['id']}"
        assert "raise NotImplementedError" in "".join(stub["source"]), f"{where}: the stub comes first"
        name = re.search(r"def (\w+)\(", "".join(stub["source"])).group(1)
        assert re.search(rf"check_\w+\({name}\)", "".join(check["source"])) and "solution" not in tags(check), \
            f"{where}: the checker of the student's {name} comes right after the stub"
        assert click["cell_type"] == "markdown" and "solution" in tags(click) \
            and "Click to show the solution" in "".join(click["source"]), f"{where}: the click line above it"
        assert sol["metadata"].get("jupyter", {}).get("source_hidden") is True, f"{where}: collapsed"
        body = "".join(sol["source"])
        assert f"def {name}(" in body and re.search(rf"assert \w+\.check_\w+\({name}\)\s*$", body), \
            f"{where}: defines {name} and checks it"
    assert not any(c["cell_type"] == "code" and "solution" in tags(c) and c not in [f[3] for f in found]
                   for c in nb["cells"])


@pytest.mark.parametrize("path", ALONE, ids=lambda p: p.name)
def test_every_exercise_is_marked_basic_or_advanced(path):
    text = "\n".join(sources(load(path), "markdown"))
    headings = re.findall(r"^#+ .*Exercise.*$", text, re.M)
    assert len(headings) == len(exercises_of(load(path)))
    for h in headings:
        assert re.search(r"Exercise( \d+)? \((basic|advanced)\)", h), h


def section_times(path):
    """[(heading, minutes)] for every ## section but the references."""
    out = []
    for text in sources(load(path), "markdown"):
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if line.startswith("## ") and not line.startswith("## References"):
                following = next((l for l in lines[i + 1:] if l.strip()), "")
                m = TIME.match(following)
                assert m, f"{path.name}: '{line}' starts without '*About N minutes.*'"
                out.append((line, int(m.group(1))))
    return out


@pytest.mark.parametrize("path", ALONE, ids=lambda p: p.name)
def test_time_estimates_and_load(path):
    times = section_times(path)
    optional = [h for h, _ in times if "Optional" in h]
    assert sorted(optional) == sorted(h for h, _ in times if any(h.startswith(o) for o in OPTIONAL.get(path.name, [])))
    assert len(optional) == len(OPTIONAL.get(path.name, []))
    required = sum(m for h, m in times if "Optional" not in h)
    if int(path.name[:2]) >= 1:
        assert 45 <= required <= 60, f"{path.name}: the required sections take {required} minutes"


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
        assert not any(c.cell_type == "markdown" and "**Click to show the solution.**" in c.source for c in out.cells)
        hidden = [c for c in out.cells if c.get("metadata", {}).get("jupyter", {}).get("source_hidden")]
        assert all(c.cell_type == "code" and "raise NotImplementedError" not in c.source and "Exercise" not in c.source
                   for c in hidden)                  # what stays collapsed is drawing code, not an answer
        stubs = lambda cells: sum(c.source.count("raise NotImplementedError") for c in cells if c.cell_type == "code")
        assert stubs(out.cells) == stubs(nb.cells) - sum(                # the stubs stay
            c.source.count("raise NotImplementedError") for c in nb.cells if "solution" in tags(c))
        assert all(c.get("outputs", []) == [] for c in out.cells if c.cell_type == "code")


def test_student_edition_is_one_command(tmp_path):
    import subprocess
    import sys
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "student_edition.py"), str(tmp_path)],
                         capture_output=True, text=True, check=True)
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in LESSONS]
    assert out.stdout.count("cells ->") == len(LESSONS)
    lab = (ROOT / "tools" / "lab.sh").read_text()
    assert "--student" in lab and "student_edition.py" in lab


def _slides():
    import importlib.util
    spec = importlib.util.spec_from_file_location("slides", ROOT / "tools" / "slides.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_lesson_is_a_slide_deck(path):
    """Every cell has a slide type; checks and solutions are off the slides; no code on a
    slide is longer than a screen; every demo has a slide of its own (tools/slides.py)."""
    import nbformat
    slides = _slides()
    nb = nbformat.read(path, as_version=4)
    assert slides.problems(nb, path.name) == []


def test_the_slide_check_catches_what_breaks_a_slide():
    import nbformat
    slides = _slides()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## A section"),
                nbformat.v4.new_code_cell("\n".join(f"x{i} = {i}" for i in range(30))),
                nbformat.v4.new_code_cell("demo = Demo(build, a=slider(0, 1, 0.5))"),
                nbformat.v4.new_code_cell("assert True"), nbformat.v4.new_markdown_cell("no type")]
    nb.cells[3].metadata["tags"] = ["check"]
    for cell, kind in zip(nb.cells, ["slide", "-", None, None]):
        if kind:
            cell.metadata["slideshow"] = {"slide_type": kind}
    found = "\n".join(slides.problems(nb, "t"))
    for words in ("no RISE settings", "30 lines of code on a slide", "a check or solution cell shown",
                  "cell 1 (x0 = 0): slide type '-' written out"):
        assert words in found, words
    assert "cell 4" not in found                          # no type: it continues the slide
    slides.fill(nb, reset=True)
    assert slides.problems(nb, "t") == [] and nb.cells[1].metadata["jupyter"]["source_hidden"]
    assert nb.cells[3].metadata["slideshow"]["slide_type"] == "skip"
