"""How fast each lesson's sliders answer, and how long each lesson takes to run.

    .venv/bin/python benchmarks/slider_callbacks.py [notebooks/04_init_sweep.ipynb ...]

Runs every lesson top to bottom in a fresh kernel (nbclient), timing it, then
in the same kernel moves every control of every demo (srnlab.course.widgets.DEMOS)
through both ends and back several times and prints the median and the
slowest redraw.  A redraw is everything a slider move triggers: the lesson's
draw function and the PNG rendering.  The goal: well under 0.25 s.
"""
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, numpy as np
from srnlab.course.widgets import DEMOS
out = []
for i, demo in enumerate(DEMOS):
    times = []
    for _ in range(3):
        demo.sweep()
        times += demo.times
    out.append({"demo": i, "controls": list(demo.controls), "median": float(np.median(times)),
                "max": float(np.max(times)), "n": len(times)})
print("PROBE" + json.dumps(out))
"""


def measure(path):
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    total = time.perf_counter() - t0
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    demos = json.loads(text.split("PROBE", 1)[1]) if "PROBE" in text else []
    return total, demos


def main(paths):
    paths = [Path(p) for p in paths] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    worst = 0.0
    print(f"{'lesson':32s} {'run s':>7s}  demo: controls, median / slowest redraw (ms)")
    for path in paths:
        total, demos = measure(path)
        parts = [f"{','.join(d['controls'])}: {d['median'] * 1e3:.0f} / {d['max'] * 1e3:.0f}" for d in demos]
        worst = max([worst] + [d["max"] for d in demos])
        print(f"{path.name:32s} {total:7.1f}  " + ("; ".join(parts) or "no demos"))
    print(f"slowest redraw over all lessons: {worst * 1e3:.0f} ms (goal: well under 250 ms)")


if __name__ == "__main__":
    main(sys.argv[1:])
