"""Every lesson is also a slide deck: slide metadata (`slideshow.slide_type`) on every cell.

    .venv/bin/python tools/slides.py            # fill in the cells that have none, every lesson
    .venv/bin/python tools/slides.py --check    # only report what breaks the rules below (exit 1)
    .venv/bin/python tools/slides.py --reset notebooks/03_jacobians_eigenvalues.ipynb

In JupyterLab (with the lab extra, which installs jupyterlab-slideshow) a lesson is
shown as slides in the notebook itself, with its kernel, so the sliders work during the
talk: the deck button in the notebook's toolbar, then the arrow keys.  A cell's
``metadata.slideshow.slide_type`` says where it goes (a cell without one continues the
slide before it); this tool fills it in, and a lecturer may change any of them by hand
(View > Property Inspector) - the tool never overwrites one unless ``--reset`` is given.
The rules it fills in, and ``--check`` enforces:

* a title (``#``) or a section (``##``) starts a slide, a subsection (``###``) a
  sub-slide (reveal.js's vertical stack);
* each interactive demo gets a sub-slide of its own, starting at the text that
  introduces it;
* check cells (tag ``check``: the asserts that test the lesson's numbers) and
  solutions (tag ``solution``) are skipped: they are for a student alone;
* a code cell on a slide fits on a projected screen: at most ``MAX_LINES`` lines.
  Longer code (a helper the lecturer does not explain) gets its input collapsed
  (``jupyter.source_hidden``: the slide shows its output only; a click in the
  notebook opens it), or moves into the lesson's module.  A collapsed cell also carries the
  tag ``hide-input``, the same request in Jupyter Book's words: the site (``book/``) shows
  it behind a toggle and its static slides leave it out.

Each lesson's notebook metadata also gets RISE's settings (for RISE in Notebook 7): slides
that scroll when long, no transition, the full window.
"""
import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 24                       # code lines that fit on a projected 16:9 screen at 16 pt
TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}
RISE = {"scroll": True, "transition": "none", "width": "100%", "height": "100%",
        "start_slideshow_at": "selected", "controls": True, "progress": True}
HIDDEN_TAGS = {"check", "solution"}


def is_demo(cell):
    return cell.cell_type == "code" and "Demo(" in cell.source


def collapsed(cell):
    """Whether a cell's input is collapsed in JupyterLab (``jupyter.source_hidden``)."""
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden"))


def lines(cell):
    """Code lines a slide shows: none when the input is collapsed."""
    if collapsed(cell):
        return 0
    return len(cell.source.strip().splitlines())


def rule(cells, i):
    """The slide type the rules give cell i."""
    cell = cells[i]
    head = cell.source.lstrip()
    if HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
        return "skip"
    if cell.cell_type == "markdown":
        if head.startswith("# ") or head.startswith("## "):
            return "slide"
        if head.startswith("### "):
            return "subslide"
        after = _neighbour(cells, i, +1)
        if after is not None and is_demo(after):
            return "subslide"                # the text that introduces a demo opens its slide
        return "-"
    if cell.cell_type == "code" and is_demo(cell):
        before = _neighbour(cells, i, -1)
        introduced = before is not None and before.cell_type == "markdown"
        return "-" if introduced else "subslide"
    return "-"


def _neighbour(cells, i, step):
    """The next cell before (step -1) or after (+1) cell i, past collapsed code (a demo's drawing)."""
    j = i + step
    while 0 <= j < len(cells) and cells[j].cell_type == "code" and collapsed(cells[j]) \
            and not is_demo(cells[j]):
        j += step
    return cells[j] if 0 <= j < len(cells) else None


def problems(nb, name):
    """What breaks the rules in one notebook (a list of one-line messages)."""
    out = []
    cells = nb.cells
    if "rise" not in nb.metadata:
        out.append(f"{name}: no RISE settings in the notebook's metadata")
    for i, cell in enumerate(cells):
        kind = slide_type(cell)
        where = f"{name} cell {i} ({cell.source.strip().splitlines()[0][:50] if cell.source.strip() else 'empty'})"
        if kind == "-" and "slideshow" in cell.metadata:
            out.append(f"{where}: slide type '-' written out (leave it out: jupyterlab-slideshow does not know it)")
        if kind not in TYPES:
            out.append(f"{where}: slide type {kind!r} is not one of {sorted(TYPES)}")
        shown = kind not in ("skip", "notes")
        if HIDDEN_TAGS & set(cell.metadata.get("tags", [])) and shown:
            out.append(f"{where}: a check or solution cell shown on a slide")
        if cell.cell_type == "code" and shown and lines(cell) > MAX_LINES:
            out.append(f"{where}: {lines(cell)} lines of code on a slide (at most {MAX_LINES})")
        if collapsed(cell) != ("hide-input" in cell.metadata.get("tags", [])):
            out.append(f"{where}: collapsed (jupyter.source_hidden) without the tag hide-input, or the other way")
        if is_demo(cell) and shown:
            j = i
            while j > 0 and slide_type(cells[j]) in ("-", "skip", "notes"):
                j -= 1
            starts = slide_type(cells[j]) in ("slide", "subslide")
            demos_on_slide = sum(is_demo(c) for c in cells[j:i])
            if not starts or demos_on_slide:
                out.append(f"{where}: a demo not on a slide of its own")
    return out


def slide_type(cell):
    """A cell's slide type; a cell without one continues the slide before it ("-")."""
    return cell.metadata.get("slideshow", {}).get("slide_type") or "-"


def fill(nb, reset=False):
    """Give the cells the rules' slide types (only those that have none, unless reset).

    A cell that continues its slide ("-") is left without slideshow metadata, which means
    the same to every tool: jupyterlab-slideshow does not know the value "-".
    """
    for i, cell in enumerate(nb.cells):
        if reset or "slide_type" not in cell.metadata.get("slideshow", {}):
            kind = rule(nb.cells, i)
            cell.metadata.pop("slideshow", None)
            if kind != "-":
                cell.metadata["slideshow"] = {"slide_type": kind}
        elif cell.metadata["slideshow"]["slide_type"] == "-":
            cell.metadata.pop("slideshow")
        shown = slide_type(cell) not in ("skip", "notes")
        if cell.cell_type == "code" and shown and lines(cell) > MAX_LINES:
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True   # its output stays on the slide
        tags = cell.metadata.get("tags", [])
        if collapsed(cell) and "hide-input" not in tags:
            cell.metadata["tags"] = [*tags, "hide-input"]
    nb.metadata["rise"] = {**RISE, **({} if reset else nb.metadata.get("rise", {}))}
    return nb


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--check", action="store_true", help="only report the cells that break the rules")
    ap.add_argument("--reset", action="store_true", help="apply the rules also to cells that have a slide type")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    found = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if not args.check:
            nbformat.write(fill(nb, reset=args.reset), path)
        found += problems(nb, path.name)
    print("\n".join(found) or f"{len(paths)} lessons: every cell has its place on the slides")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
