"""How fast each lesson's demos follow a dragged slider, and how long each lesson takes to run.

    .venv/bin/python benchmarks/slider_callbacks.py [notebooks/04_init_sweep.ipynb ...]

Runs every lesson top to bottom in a fresh kernel (nbclient), timing it; then, in the
same kernel, plays a hand on every control of every demo (``srnlab.course.widgets.DEMOS``):

* a **drag**: each slider is pulled from one end to the other in one second.  The
  frontend (``@jupyter-widgets/base``) keeps one change per control in flight and sends
  only the newest value when the kernel is idle again, so the kernel sees the hand's
  position each time it finishes a frame; the probe does the same: it sets the position
  the hand has reached, lets the demo answer, and repeats.  Every answer is a *drag frame*.
* a **release**: the hand stops; what the demo draws then is a *release frame* (after a
  drag, the demo's final exact picture; a click on a dropdown or button is one too).

It prints, per demo, the median and slowest drag frame, the frames per second the drag
achieved (a slider with fewer than 10 positions a second of drag says how many it has:
it cannot give more frames), and the median and slowest release frame (the exact picture
drawn when the hand rests, or the drag's last frame when that already was the exact
one), all in ms of wall time in the kernel (the lesson's code, the rendering and the
PNG, as a slider move triggers them).
Goal on a 2-core machine: median frame <= 100 ms, slowest <= 200 ms, >= 10 frames/s.

The same probe measures the older ``Demo`` (one full redraw per change, no release
frame of its own: its release is the drag's last redraw), so a before/after table comes
from running this script on both commits.
"""
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import asyncio, json, time
import numpy as np
from srnlab.course.widgets import DEMOS

def _frames(demo):
    return len(getattr(demo, "frames", demo.times))

def _new(demo, since):
    if hasattr(demo, "frames"):
        return demo.frames[since:]
    return [("redraw", t) for t in demo.times[since:]]

async def _settle(demo):
    # wait until no frame is pending (the new Demo draws its exact picture once the hand rests)
    for _ in range(100):
        await asyncio.sleep(0.05)
        if not getattr(demo, "pending", False):
            return

async def _play(demo, name, control):
    drag, release, wall, n, positions = [], [], 0.0, 0, 0
    start = control.value
    if hasattr(control, "options"):                        # clicks, one option after another
        opts = [o[1] if isinstance(o, tuple) else o for o in control.options]
        for v in opts[1:] + opts[:1]:
            i = _frames(demo)
            control.value = v
            await _settle(demo)
            release += [t for _, t in _new(demo, i)]
        control.value = start
        await _settle(demo)
        return drag, release, 0.0, 0, 0
    lo, hi = control.min, control.max
    log = type(control).__name__ == "FloatLogSlider"
    to_value = (lambda x: control.base ** x) if log else (lambda x: x)   # a log slider's min/max are exponents
    for a, b in ((lo, hi), (hi, lo)):
        control.value = to_value(a)
        await _settle(demo)
        i = _frames(demo)
        t0 = time.perf_counter()
        while True:
            s = min((time.perf_counter() - t0) / 1.0, 1.0)   # one second from end to end
            control.value = to_value(a + s * (b - a))
            await asyncio.sleep(0)
            if s >= 1.0:
                break
        wall += time.perf_counter() - t0
        frames = _new(demo, i)
        n += len(frames)
        positions += int(round((hi - lo) / control.step)) + 1   # the slider's positions, end to end
        if hasattr(demo, "frames"):
            drag += [t for k, t in frames if k == "drag"]
        else:
            drag += [t for _, t in frames[:-1]]
            release += [t for _, t in frames[-1:]]
        j = _frames(demo)
        await _settle(demo)
        if hasattr(demo, "frames"):
            after = [t for _, t in _new(demo, j)]
            # no exact picture due: the drag's last frame is what the hand left
            release += after or [t for _, t in frames[-1:]]
    control.value = start
    await _settle(demo)
    return drag, release, wall, n, positions

out = []
for k, demo in enumerate(DEMOS):
    drag, release, wall, n, positions = [], [], 0.0, 0, 0
    for name, control in demo.controls.items():
        d, r, w, m, p = await _play(demo, name, control)
        drag += d; release += r; wall += w; n += m; positions += p
    out.append({"demo": k, "controls": list(demo.controls), "drag": drag, "release": release,
                "fps": n / wall if wall else None, "positions": positions / wall if wall else None})
print("PROBE" + json.dumps(out))
"""


def measure(path):
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    total = time.perf_counter() - t0
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    demos = json.loads(text.split("PROBE", 1)[1]) if "PROBE" in text else []
    return total, demos


def _ms(ts):
    import numpy as np
    return f"{np.median(ts) * 1e3:4.0f} / {np.max(ts) * 1e3:4.0f}" if ts else "   - /    -"


def main(paths):
    import numpy as np
    paths = [Path(p) for p in paths] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    print("median / slowest frame in ms; fps: frames per second while dragging")
    print(f"{'lesson':26s} {'run s':>6s}  {'demo (controls)':34s} {'drag frame':>11s} {'fps':>5s}  {'release':>11s}")
    worst = {"drag_median": 0.0, "drag_max": 0.0, "release_median": 0.0, "release_max": 0.0}
    fps_min = None
    for path in paths:
        total, demos = measure(path)
        first = True
        for d in demos:
            name = f"{d['demo']} ({','.join(d['controls'])})"[:34]
            fps = f"{d['fps']:5.1f}" if d["fps"] else "    -"
            few = d.get("positions") is not None and d["positions"] < 10    # a slider with few positions
            tail = f"  (its sliders have {d['positions']:.0f} positions a second of drag)" if few else ""
            print(f"{path.name[:26] if first else '':26s} {total if first else float('nan'):6.1f}  "
                  f"{name:34s} {_ms(d['drag']):>11s} {fps}  {_ms(d['release']):>11s}{tail}".replace("   nan", "      "))
            first = False
            for kind in ("drag", "release"):
                if d[kind]:
                    worst[kind + "_median"] = max(worst[kind + "_median"], float(np.median(d[kind])))
                    worst[kind + "_max"] = max(worst[kind + "_max"], float(np.max(d[kind])))
            if d["fps"] and not few:
                fps_min = d["fps"] if fps_min is None else min(fps_min, d["fps"])
        if not demos:
            print(f"{path.name[:26]:26s} {total:6.1f}  no demos")
    print(f"worst over all demos: drag median {worst['drag_median'] * 1e3:.0f} ms, slowest "
          f"{worst['drag_max'] * 1e3:.0f} ms; release median {worst['release_median'] * 1e3:.0f} ms, slowest "
          f"{worst['release_max'] * 1e3:.0f} ms; fewest frames per second {fps_min or 0:.1f} "
          f"(sliders with 10 or more positions a second) "
          f"(goal: medians <= 100 ms, slowest <= 200 ms, >= 10 fps)")


if __name__ == "__main__":
    main(sys.argv[1:])
