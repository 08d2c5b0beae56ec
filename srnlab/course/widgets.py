"""Interactive demos: sliders on top, a figure below that follows the hand.

A lesson writes a ``build(fig)`` function that draws, once, everything that does not
depend on the controls, and returns an ``update(**values)`` function that changes the
figure's artists in place (``line.set_ydata``, ``ax.set_title``, ...) for the controls'
values; ``Demo`` calls ``update`` whenever a control moves::

    def build(fig):
        ax = fig.subplots()
        (curve,) = ax.plot(x, np.zeros_like(x))
        ax.set_ylim(-1, 1)

        def update(rho):
            curve.set_ydata(np.sin(rho * x))
            ax.set_title(f"rho = {rho:.2f}")
        return update

    demo = Demo(build, rho=slider(0.5, 1.5, 0.9, step=0.01, description="spectral radius"))
    demo

The figure is rendered to PNG into an ``ipywidgets.Image`` (no flicker, no dependence
on the notebook's matplotlib backend).  ``update`` may return a string, shown as a note
under the figure (e.g. "3 values overflowed").  An exception or a warning inside it
never kills the widget: it is shown under the figure and the last good picture stays.

Why it keeps up with a drag (``benchmarks/slider_callbacks.py`` measures it):

* the figure and its layout are made once; a frame only changes artists;
* a frame during a drag redraws only the artists ``update`` changed, and what lies on
  top of them, over a saved picture of everything else (matplotlib's blitting; the
  changed artists are found from their ``stale`` flags; a change of axis limits, of a
  legend or of an axis label redraws the whole figure).  Drawn in matplotlib's order,
  that is the exact picture;
* where it is not (an axis's grid over a changed artist) or where ``update`` asks to be
  told (``resting``), the whole figure is drawn again when the hand rests
  (``EXACT_AFTER`` seconds without a change); a click on a dropdown or a button draws
  the whole figure at once;
* the frontend keeps one change per control in flight and sends the newest value when
  the kernel is idle (``@jupyter-widgets/base``), so frames never queue up: each shows
  where the hand is, and the last one where it stopped.

``demo.sweep()`` moves every control to both ends of its range and fails loudly if
any position raises, warns or draws a figure that does not fit (a text cut off at its
edge, overlapping titles); the lessons call it in a check cell so that nbval tests
every slider.  Every frame is timed (``demo.frames``).
"""
import asyncio
import contextlib
import gc
import html
import inspect
import io
import math
import numbers
import time
import warnings

import ipywidgets as W
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.spines import Spine
from matplotlib.text import Text

from .plotting import fit_problems

#: Every Demo created in this kernel, for the slider benchmark.
DEMOS = []


def slider(lo, hi, value, step=None, description="", log=False, integer=False, readout_format=None):
    """A slider with a readable description (the label is never cut off).

    log=True gives a FloatLogSlider over [lo, hi] (both > 0); integer=True an IntSlider.
    """
    for x, name in ((lo, "lo"), (hi, "hi"), (value, "value")) + (((step, "step"),) if step is not None else ()):
        _number(x, name, integer)
    if not lo < hi or not lo <= value <= hi or (step is not None and step <= 0):
        raise ValueError(f"a slider needs lo < hi, lo <= value <= hi and step > 0; got lo={lo}, hi={hi}, value={value}, step={step}")
    if log and (integer or lo <= 0):
        raise ValueError(f"a log slider needs lo > 0 and integer=False; got lo={lo}, integer={integer}")
    style = {"description_width": "initial"}
    layout = W.Layout(width="min(100%, 460px)")
    if integer:
        return W.IntSlider(value=value, min=lo, max=hi, step=step or 1, description=description,
                           style=style, layout=layout, continuous_update=True)
    if log:
        return W.FloatLogSlider(value=value, base=10, min=math.log10(lo), max=math.log10(hi),
                                step=step or 0.01, description=description, style=style,
                                layout=layout, continuous_update=True,
                                readout_format=readout_format or ".3g")
    return W.FloatSlider(value=value, min=lo, max=hi, step=step or (hi - lo) / 100,
                         description=description, style=style, layout=layout,
                         continuous_update=True, readout_format=readout_format or ".3g")


def _number(x, name, integer):
    kind, what = (numbers.Integral, "an integer") if integer else (numbers.Real, "a real number")
    if isinstance(x, bool) or not isinstance(x, kind):
        raise TypeError(f"slider {name} must be {what}, got {x!r}")
    if not math.isfinite(x):
        raise ValueError(f"slider {name} must be finite, got {x}")


#: Seconds without a change after which the exact picture replaces the quick drag frames.
EXACT_AFTER = 0.2

#: Artists that a frame may redraw alone over the saved picture of the rest.
_BLITTABLE = (Line2D, Text, Patch, Collection, AxesImage)


class Demo:
    """Controls plus a figure that follows them.

    Args:
        build: function(fig) -> update, where update(**values) changes the figure for the
            controls' values and returns None or a note string.  If update also takes a
            keyword ``resting``, it is told whether the hand rests (True: the exact picture
            that stays; False: a frame during a drag), e.g. to fit the axes to the data at
            rest but keep them still while the hand moves.
        figsize: the figure size in inches.
        dpi: resolution of the rendered PNG (None: the style's, larger in the projector style).
        **controls: name -> ipywidgets control (its .value is passed to update as that keyword).

    Attributes:
        frames: list of (kind, seconds) for every picture drawn: "drag" when a slider
            moved, "exact" when the whole figure was drawn (the hand rested, or a click).
        pending: True while the exact picture is still due.
    """

    def __init__(self, build, figsize=(9.0, 4.2), dpi=None, **controls):
        if not controls:
            raise ValueError("a Demo needs at least one control (a slider, dropdown, ...)")
        if not callable(build):
            raise TypeError(f"build must be a function build(fig) that returns update(**values), "
                            f"got {type(build).__name__}")
        for name, c in controls.items():
            if not isinstance(c, W.ValueWidget):
                raise TypeError(f"control {name!r} must be an ipywidgets control such as slider(...), got {c!r:.60}")
        self.controls = controls
        self.frames, self.pending = [], False
        self.error, self.warnings = None, []
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.note = W.HTML()
        self.fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.fig)
        self._animated, self._background, self._scene = [], None, None
        self._moving, self._blit_exact = set(), False
        self._timer = None
        self.update = build(self.fig)
        if not callable(self.update):
            raise TypeError(f"build(fig) must return the function update(**values) that changes the "
                            f"figure for the controls' values; it returned {type(self.update).__name__}")
        self._wants_resting = "resting" in inspect.signature(self.update).parameters
        self._frame("exact", layout=True)
        self.fig.set_layout_engine("none")   # the layout is made once: frames only change artists
        for c in controls.values():
            c.observe(self._changed, names="value")
        self.widget = W.VBox([W.HBox(list(controls.values()), layout=W.Layout(flex_flow="row wrap")),
                              self.image, self.note])
        DEMOS.append(self)

    @property
    def times(self):
        """Seconds of every frame drawn (see ``frames``)."""
        return [t for _, t in self.frames]

    def values(self):
        return {name: c.value for name, c in self.controls.items()}

    def _changed(self, change):
        if hasattr(change["owner"], "options"):     # a click (dropdown, buttons): no drag to follow
            self.redraw()
            return
        self._frame("drag")
        if self.pending:
            self._exact_later()

    def _exact_later(self):
        if self._timer is not None:
            self._timer.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:          # no event loop (a script): draw the exact picture now
            self._timer = None
            self.redraw()
            return
        self._timer = loop.call_later(EXACT_AFTER, self.redraw)

    def redraw(self):
        """Draw the whole figure for the current values (the exact picture)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._frame("exact")

    def _frame(self, kind, layout=False):
        """Update the artists for the current values, render, show; time it."""
        start = time.perf_counter()
        # Figures hold reference cycles, so a full garbage collection could land inside a
        # frame (measured: 0.1 s -> 0.6 s).  The collector pauses for the frame only and
        # catches up right after, outside the timed frame.
        with _collector_paused():
            self.error, note = None, ""
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    extra = {"resting": kind == "exact"} if self._wants_resting else {}
                    note = self.update(**self.values(), **extra)
                    note = note if isinstance(note, str) else ""
                    self.pending = self._render(exact=kind == "exact", layout=layout)
                    self.image.value = _png(self.fig)
                except Exception as exc:  # shown to the student, never raised into the widget
                    self.error = f"{type(exc).__name__}: {exc}"
            self.warnings = [str(w.message) for w in caught]
            self._show_note(note)
        self.frames.append((kind, time.perf_counter() - start))
        gc.collect(0)

    def _show_note(self, note):
        parts = []
        if note:
            parts.append(f"<span style='color:#444'>{html.escape(note)}</span>")
        if self.error:
            parts.append(f"<span style='color:#D55E00'>Could not draw this setting: {html.escape(self.error)}</span>")
        for w in self.warnings:
            parts.append(f"<span style='color:#D55E00'>Warning: {html.escape(w)}</span>")
        self.note.value = "<br>".join(parts)

    # -- rendering ------------------------------------------------------------------

    def _render(self, exact, layout=False):
        """Render the figure after an update; return True if the exact picture is still due.

        exact: draw everything in matplotlib's order.  Otherwise, when only artists that
        may be drawn alone changed and everything else stayed (limits, axes, legends),
        restore the saved picture of what stays still and draw over it, in matplotlib's
        order, the changed artists and everything of their axes drawn on top of them
        (blitting); else draw that saved picture anew first.  The result is the exact
        picture unless an axis (ticks, grid) lies on top of a changed artist: then the
        exact picture follows when the hand rests.  Artists of one axes that reach into
        another (``clip_on=False``) may be drawn in another order until then.
        """
        canvas = self.fig.canvas
        if exact or layout:                             # (the first frame also makes the layout)
            for a in self._animated:
                a.set_animated(False)
            canvas.draw()
            _settle_undrawn(self.fig)
            self._background = None
            return False
        changed, deep = _changed_artists(self.fig)
        scene = _scene(self.fig)
        known = set(map(id, self._animated))
        if (self._background is not None and not deep and scene == self._scene
                and all(id(a) in known for a in changed)):
            canvas.restore_region(self._background)
        else:
            alive = {id(a) for a in _candidates(self.fig)}
            moving = [a for a in self._animated if id(a) in alive and id(a) in self._moving]
            moving += [a for a in changed if id(a) not in self._moving]
            self._moving = set(map(id, moving))
            self._animated, self._blit_exact = _with_covering(self.fig, moving)
            for a in self._animated:
                a.set_animated(True)
            canvas.draw()                               # everything that stays still
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            self._scene = _scene(self.fig)
        order = {id(a): i for i, a in enumerate(_children(self.fig))}
        last = len(order)                               # figure-level artists come after the axes
        for a in sorted(self._animated, key=lambda a: (order.get(id(a.axes), last), a.get_zorder(),
                                                       order.get(id(a), 0))):
            if a.axes is None or a.axes.get_visible():      # (a hidden axes hides its artists)
                self.fig.draw_artist(a)
        _settle_undrawn(self.fig)
        return not self._blit_exact or self._wants_resting

    # -- checks -----------------------------------------------------------------------

    def sweep(self):
        """Move each control to both ends (one at a time); raise if any position errs or warns
        or the figure does not fit (``plotting.fit_problems``: a text cut off or overlapping).

        Each position is drawn as during a drag and then exactly.  Restores the starting
        values.  Returns the slowest frame in seconds.
        """
        start_values = self.values()
        problems = []
        self.frames.clear()
        for name, c in self.controls.items():
            for end in _ends(c):
                if c.value == end:
                    self._frame("drag")    # setting an equal value fires no change
                else:
                    c.value = end
                self.redraw()
                if self.error or self.warnings:
                    problems.append(f"{name}={end!r}: {self.error or ''} {'; '.join(self.warnings)}")
                problems += [f"{name}={end!r}: {p}" for p in fit_problems(self.fig)]
            c.value = start_values[name]
            self.redraw()
        if problems:
            raise AssertionError("slider positions that fail:\n" + "\n".join(problems))
        return max(self.times)

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


def _candidates(fig):
    """The artists a frame may redraw alone: direct children of the axes and the figure."""
    out = []
    for ax in fig.axes:
        out += [a for a in ax.get_children()
                if isinstance(a, _BLITTABLE) and not isinstance(a, Spine) and a is not ax.patch]
    out += [a for a in fig.get_children() if isinstance(a, _BLITTABLE) and a is not fig.patch]
    return out


def _watched(a):
    """An artist that is drawn with the whole figure, and the parts of it an update may change
    without marking it stale (a legend's texts, an axis's label)."""
    yield a
    if isinstance(a, Legend):
        yield from a.get_texts()
        yield a.get_title()
        yield from a.legend_handles
    elif isinstance(a, Axis):
        yield a.label
        yield a.offsetText


def _children(fig):
    """Every axes and every child of the figure and of its axes, in the order drawn at equal zorder."""
    out = []
    for ax in fig.axes:
        out += [ax] + ax.get_children()
    return out + fig.get_children()


def _with_covering(fig, moving):
    """(moving artists plus every artist drawn over them in their axes, whether that is exact).

    Drawn in matplotlib's order over a picture of the rest, they give the exact picture,
    unless something that cannot be drawn alone (an axis: its ticks and grid) is on top.
    """
    out, exact = list(moving), True
    ids = set(map(id, out))
    for ax in fig.axes:
        mine = [a for a in moving if a.axes is ax]
        if not mine:
            continue
        z = min(a.get_zorder() for a in mine)
        for a in ax.get_children():
            if a is ax.patch or id(a) in ids or not a.get_visible() or a.get_zorder() < z:
                continue
            if isinstance(a, _BLITTABLE + (Legend,)):
                out.append(a)
                ids.add(id(a))
            else:
                exact = False
    if any(a.axes is None for a in moving):
        exact = False                               # a figure-level artist: drawn last, not in order
    return out, exact


def _changed_artists(fig):
    """(artists an update changed that may be redrawn alone, whether anything else changed)."""
    changed, deep = [], False
    blittable = {id(a) for a in _candidates(fig)}
    children = [a for ax in fig.axes for a in ax.get_children() if a is not ax.patch]
    children += [a for a in fig.get_children() if a is not fig.patch and a not in fig.axes]
    for a in children:
        if id(a) in blittable:
            if a.stale:
                changed.append(a)
        elif any(b is not None and b.stale for b in _watched(a)):
            deep = True                             # an axis, a legend, a spine: draw it all
    return changed, deep


def _settle_undrawn(fig):
    """Mark as drawn what a draw skips: hidden artists and empty texts keep their ``stale``
    flag (matplotlib clears it in ``draw``), which would make every later frame look changed."""
    children = [a for ax in fig.axes for a in ax.get_children()] + fig.get_children()
    for a in (b for c in children for b in _watched(c)):
        if a is not None and a.stale and (not a.get_visible() or (isinstance(a, Text) and not a.get_text())):
            a.stale = False


def _scene(fig):
    """What a saved background depends on: the axes, their places and limits, their artists."""
    return tuple((id(ax), ax.get_visible(), ax.get_position().bounds, tuple(ax.viewLim.bounds),
                  tuple(map(id, ax.get_children()))) for ax in fig.axes) + (tuple(map(id, fig.get_children())),)


def _png(fig):
    """The figure's pixels as PNG bytes (fast compression: a frame, not an archive)."""
    from PIL import Image
    size = fig.canvas.get_width_height(physical=True)
    buf = io.BytesIO()
    Image.frombuffer("RGBA", size, fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB").save(
        buf, format="png", compress_level=1)
    return buf.getvalue()


@contextlib.contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector inside the block (scoped: restored after)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _ends(control):
    if hasattr(control, "options"):
        opts = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [opts[0], opts[-1]]
    return [control.min, control.max]
