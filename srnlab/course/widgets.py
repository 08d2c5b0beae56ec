"""Interactive demos: sliders on top, a figure below that answers.

A lesson writes a ``draw(fig, **values)`` function that fills a fresh
matplotlib Figure for the current slider values, and hands it to ``Demo``
with the controls::

    demo = Demo(draw, rho=slider(0.5, 1.5, 0.9, step=0.01, description="spectral radius"))
    demo

The figure is rendered to PNG into an ``ipywidgets.Image`` (no flicker, no
dependence on the notebook's matplotlib backend).  ``draw`` may return a
string, shown as a note under the figure (e.g. "3 values overflowed").  An
exception or a warning inside ``draw`` never kills the widget: it is shown
under the figure and the last good picture stays.

``demo.sweep()`` moves every control to both ends of its range and fails
loudly if any position raises or warns; the lessons call it in a check cell
so that nbval tests every slider.  Every redraw is timed (``demo.times``);
``benchmarks/slider_callbacks.py`` reports them.
"""
import contextlib
import gc
import html
import io
import math
import numbers
import time
import warnings

import ipywidgets as W
from matplotlib.figure import Figure

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
                           style=style, layout=layout, continuous_update=False)
    if log:
        import math
        return W.FloatLogSlider(value=value, base=10, min=math.log10(lo), max=math.log10(hi),
                                step=step or 0.01, description=description, style=style,
                                layout=layout, continuous_update=False,
                                readout_format=readout_format or ".3g")
    return W.FloatSlider(value=value, min=lo, max=hi, step=step or (hi - lo) / 100,
                         description=description, style=style, layout=layout,
                         continuous_update=False, readout_format=readout_format or ".3g")


def _number(x, name, integer):
    kind, what = (numbers.Integral, "an integer") if integer else (numbers.Real, "a real number")
    if isinstance(x, bool) or not isinstance(x, kind):
        raise TypeError(f"slider {name} must be {what}, got {x!r}")
    if not math.isfinite(x):
        raise ValueError(f"slider {name} must be finite, got {x}")


class Demo:
    """Controls plus a figure redrawn by ``draw(fig, **values)`` whenever one moves.

    Args:
        draw: function(fig, **values) -> None or a note string.
        figsize: the figure size in inches.
        dpi: resolution of the rendered PNG.
        **controls: name -> ipywidgets control (its .value is passed as that keyword).
    """

    def __init__(self, draw, figsize=(9.0, 4.2), dpi=None, **controls):
        if not controls:
            raise ValueError("a Demo needs at least one control (a slider, dropdown, ...)")
        if not callable(draw):
            raise TypeError(f"draw must be a function draw(fig, **values), got {type(draw).__name__}")
        for name, c in controls.items():
            if not isinstance(c, W.ValueWidget):
                raise TypeError(f"control {name!r} must be an ipywidgets control such as slider(...), got {c!r:.60}")
        self.draw = draw
        self.figsize, self.dpi = figsize, dpi      # dpi None: the style's (larger in the projector style)
        self.controls = controls
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.note = W.HTML()
        self.times = []
        self.error = None
        self.warnings = []
        for c in controls.values():
            c.observe(self._changed, names="value")
        self.widget = W.VBox([W.HBox(list(controls.values()), layout=W.Layout(flex_flow="row wrap")),
                              self.image, self.note])
        self.redraw()
        DEMOS.append(self)

    def values(self):
        return {name: c.value for name, c in self.controls.items()}

    def _changed(self, _change):
        self.redraw()

    def redraw(self):
        """Draw for the current values; record the time, any error and warnings."""
        start = time.perf_counter()
        # Figures die through reference cycles, so a full garbage collection could
        # land inside a redraw (measured: 0.1 s -> 0.6 s).  The collector pauses for
        # the redraw only and catches up right after, outside the timed frame.
        with _collector_paused():
            self._redraw()
        self.times.append(time.perf_counter() - start)
        gc.collect(0)

    def _redraw(self):
        fig = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")
        self.error, note = None, ""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                note = self.draw(fig, **self.values())
                note = note if isinstance(note, str) else ""
                buf = io.BytesIO()
                fig.savefig(buf, format="png")
                self.image.value = buf.getvalue()
            except Exception as exc:  # shown to the student, never raised into the widget
                self.error = f"{type(exc).__name__}: {exc}"
        self.warnings = [str(w.message) for w in caught]
        parts = []
        if note:
            parts.append(f"<span style='color:#444'>{html.escape(note)}</span>")
        if self.error:
            parts.append(f"<span style='color:#D55E00'>Could not draw this setting: {html.escape(self.error)}</span>")
        for w in self.warnings:
            parts.append(f"<span style='color:#D55E00'>Warning: {html.escape(w)}</span>")
        self.note.value = "<br>".join(parts)

    def sweep(self):
        """Move each control to both ends (one at a time); raise if any position errs or warns.

        Restores the starting values.  Returns the slowest redraw in seconds.
        """
        start_values = self.values()
        problems = []
        self.times.clear()
        for name, c in self.controls.items():
            for end in _ends(c):
                if c.value == end:
                    self.redraw()          # setting an equal value fires no change
                else:
                    c.value = end
                if self.error or self.warnings:
                    problems.append(f"{name}={end!r}: {self.error or ''} {'; '.join(self.warnings)}")
            c.value = start_values[name]
        if problems:
            raise AssertionError("slider positions that fail:\n" + "\n".join(problems))
        return max(self.times)

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


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
