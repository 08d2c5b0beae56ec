"""One figure style for every lesson, and plot helpers that survive inf and NaN.

Lessons call ``use_style()`` once; figures are then readable when projected
(large fonts, thick lines, a light grid).  Gradient norms span hundreds of
orders of magnitude, so most plots use log10 axes through ``log10_safe``,
which turns 0, inf and NaN into gaps and says how many it dropped instead
of letting a warning or an empty axis reach the student.  ``fit_problems``
says whether a figure fits: no text cut off at its edge, no titles on top of
each other (``Demo.sweep`` checks every demo with it, in either style).
"""
import numpy as np

from .. import _validate as V

#: Colours used across the lessons (colour-blind safe, Okabe & Ito).
COLORS = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "red": "#D55E00",
    "purple": "#CC79A7", "sky": "#56B4E9", "yellow": "#F0E442", "black": "#000000",
}
#: The colour of each method, the same in every lesson.
METHOD_COLORS = {"sgd": COLORS["blue"], "sampling": COLORS["orange"], "clip": COLORS["green"],
                 "orthogonal": COLORS["purple"], "identity": COLORS["red"],
                 "sgd_author": COLORS["sky"], "sampling_author": COLORS["black"]}

STYLE = {
    "figure.figsize": (9.0, 4.2),
    "figure.dpi": 90,
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.2,
    "legend.fontsize": 11,
    "legend.frameon": False,
    "axes.prop_cycle": None,  # filled in use_style
}


#: What the projector style changes: every text at least 16 pt (legends 14), thicker lines,
#: more pixels, for the back of a lecture room.
PROJECTOR = {"figure.dpi": 110, "font.size": 17, "axes.titlesize": 18, "axes.labelsize": 17,
             "xtick.labelsize": 16, "ytick.labelsize": 16, "legend.fontsize": 14, "lines.linewidth": 3.0,
             "lines.markersize": 8, "grid.alpha": 0.4}

#: The environment variable that switches the projector style on (1) or off (0) for every lesson.
PROJECTOR_ENV = "SRNLAB_PROJECTOR"


def _settings_file():
    import os
    from pathlib import Path
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "srnlab" / "style.json"


def projector_on():
    """Whether lessons use the projector style: ``SRNLAB_PROJECTOR`` (1 or 0) if set, else the
    switch ``set_projector`` keeps in the user's settings (``~/.config/srnlab/style.json``)."""
    import json
    import os
    env = os.environ.get(PROJECTOR_ENV)
    if env is not None:
        if env not in ("0", "1"):
            raise ValueError(f"{PROJECTOR_ENV} must be 1 (projector style) or 0, got {env!r}")
        return env == "1"
    try:
        return bool(json.loads(_settings_file().read_text()).get("projector", False))
    except (OSError, ValueError, AttributeError):
        return False


def set_projector(on):
    """Switch the projector style on or off for every lesson opened from now on (and this one:
    call ``use_style()`` again).  Kept in the user's settings file, not in the collection."""
    import json
    from ..results import atomic_write
    if not isinstance(on, bool):
        raise TypeError(f"on must be True or False, got {on!r}")
    atomic_write(_settings_file(), json.dumps({"projector": on}))
    return on


def use_style(projector=None):
    """Apply the collection's matplotlib style (call once at the top of a lesson).

    projector: True for figures readable from the back of a room (``PROJECTOR``), False for
    the screen style; None (the default) follows the switch of ``projector_on``.
    """
    import matplotlib as mpl
    from cycler import cycler

    if projector is None:
        projector = projector_on()
    elif not isinstance(projector, bool):
        raise TypeError(f"projector must be True, False or None, got {projector!r}")
    style = dict(STYLE)
    style["axes.prop_cycle"] = cycler(color=[COLORS[c] for c in ("blue", "orange", "green", "red", "purple", "sky")])
    if projector:
        style.update(PROJECTOR)
    mpl.rcParams.update(style)
    return projector


def log10_safe(values):
    """log10 of |values| with 0, inf and NaN mapped to NaN (a gap in a plot).

    Returns (log10 array, number of entries dropped).
    """
    v = np.abs(V.float_array(values, "values").astype(float))
    ok = np.isfinite(v) & (v > 0)
    out = np.full(v.shape, np.nan)
    np.log10(v, out=out, where=ok)
    return out, int(v.size - np.count_nonzero(ok))


def dropped_note(n_dropped, what="values"):
    """A short note for the plot's caption when log10_safe dropped something."""
    n_dropped = V.positive_int(n_dropped, "n_dropped", minimum=0)
    if n_dropped == 0:
        return ""
    return (f"{n_dropped} {what} were 0, inf or NaN (underflow or overflow of float64) "
            f"and are not drawn.")


def steps_back_axis(ax, T, label="steps back in time from the last step"):
    """Label an x axis that counts steps back from the last step (0 = last)."""
    T = V.positive_int(T, "T")
    ax.set_xlabel(label)
    ax.set_xlim(0, max(T - 1, 1))


def updates_axis(axis, label="update"):
    """Label an x axis that counts updates, its ticks in thousands ("25k", "100k") so that six
    digits do not run into each other on a narrow panel."""
    from matplotlib.ticker import EngFormatter
    axis.set_xlabel(label)
    axis.xaxis.set_major_formatter(EngFormatter(sep=""))


# --------------------------------------------------------------------- diagrams (boxes and arrows)
#: Inches per data unit of the course's diagrams at a font size of 1 point: at 13 points
#: one unit is 0.55 inch, about three letters (the boxes and gaps are sized in these units).
UNIT_INCH_PER_POINT = 0.55 / 13


def diagram_fontsize(ax, width, height, fontsize=None):
    """The font size (points) at which a diagram of width x height data units fills ax.

    The diagrams of the course (``lessons.srn_bptt.draw_unrolled``, ``lessons.jacobians_eigenvalues.draw_jacobian_chain``)
    are laid out in data units that hold a fixed number of letters; this is the largest size,
    at most ``fontsize`` (None: the style's ``font.size``), at which the whole layout fits the
    Axes as it is now.  A larger figure keeps the full size.
    """
    import matplotlib as mpl

    if fontsize is None:
        wanted = mpl.rcParams["font.size"]
    else:
        wanted = V.nonnegative_float(fontsize, "fontsize", allow_zero=False)
    try:
        fig = ax.get_figure(root=True)             # matplotlib >= 3.10: the figure, not a subfigure
    except TypeError:
        fig = ax.figure
    spec = ax.get_subplotspec()
    if fig.get_layout_engine() is not None and spec is not None:
        # a layout engine (layout="constrained") gives a frameless Axes nearly all of its grid cell
        nrows, ncols = spec.get_gridspec().get_geometry()
        w_frac = 0.97 * len(spec.colspan) / ncols
        h_frac = 0.97 * len(spec.rowspan) / nrows
    else:
        box = ax.get_position()
        w_frac, h_frac = box.width, box.height
    w_in, h_in = w_frac * fig.get_figwidth(), h_frac * fig.get_figheight()
    fit = min(w_in / width, h_in / height) / UNIT_INCH_PER_POINT
    return float(min(wanted, fit))


def check_axes(ax):
    """Refuse anything that is not a matplotlib Axes (TypeError)."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes (e.g. fig.subplots()), got {type(ax).__name__}")


def diagram_box(ax, x, y, w, h, text, face, fontsize, edge="black", color="black"):
    """A rounded box of width w and height h centred at (x, y) with text in it (data units)."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.12",
                                facecolor=face, edgecolor=edge, lw=1.4, zorder=2))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=color, zorder=3)


def diagram_arrow(ax, start, end, color="black", ls="-", rad=0.0, lw=1.6):
    """An arrow from start to end (data units), straight or bent (arc3 rad), drawn under the boxes' text."""
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>,head_length=6,head_width=3.5",
                                 connectionstyle=f"arc3,rad={rad}", color=color, lw=lw, ls=ls,
                                 shrinkA=0, shrinkB=0, zorder=1.5))


# --------------------------------------------------------------------- does a figure fit?
def _drawn_texts(fig):
    """(owner, where, Text) for every text the figure draws: titles, axis labels, tick labels,
    legend texts, texts of the axes and of the figure (visible and non-empty only); owner is
    the index of the text's axes in fig.axes, or "figure"."""
    out = []

    def add(where, t):
        if t is not None and t.get_visible() and t.get_text().strip():
            owner = int(where.split(" ")[1]) if where.startswith("axes ") else "figure"
            out.append((owner, where, t))

    def legend(where, leg):
        if leg is not None and leg.get_visible():
            add(f"{where} legend title", leg.get_title())
            for t in leg.get_texts():
                add(f"{where} legend", t)

    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        where = f"axes {i}"
        for t in (ax._left_title, ax.title, ax._right_title):     # ax.set_title(loc=...)
            add(f"{where} title", t)
        if ax.axison:
            for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
                if not axis.get_visible():
                    continue
                add(f"{where} {name} label", axis.label)
                add(f"{where} {name} offset", axis.offsetText)
                try:
                    ticks = axis._update_ticks()        # the ticks inside the view (the ones drawn)
                except AttributeError:                  # (a private method: all ticks if it moves)
                    ticks = axis.get_major_ticks() + axis.get_minor_ticks()
                for tick in ticks:
                    for label in (tick.label1, tick.label2):
                        if label.get_visible() and tick.get_visible():
                            add(f"{where} {name} tick label", label)
        for t in ax.texts:
            if not t.get_clip_on():                     # (a clipped text cannot leave its axes)
                add(f"{where} text", t)
        legend(where, ax.get_legend())
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        add(f"figure {name.strip('_')}", getattr(fig, name, None))
    for t in fig.texts:
        add("figure text", t)
    for leg in fig.legends:
        legend("figure", leg)
    return out


def fit_problems(fig, tolerance=1.0):
    """What does not fit in the figure, one line each ([] if it all fits).

    Draws the figure (on an Agg canvas) and checks that every visible, non-empty text it
    draws (titles, axis labels, tick labels, legend texts, texts of the axes and of the
    figure) lies inside the figure's pixel box, and that the titles and axis labels of
    different axes do not overlap; ``tolerance`` pixels are allowed.  Use it on a lesson's
    figure in both styles (``use_style(projector=True)`` has larger fonts).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    tolerance = V.nonnegative_float(tolerance, "tolerance")
    old = fig.canvas
    canvas = old if isinstance(old, FigureCanvasAgg) else FigureCanvasAgg(fig)
    try:
        canvas.draw()
        if isinstance(fig.get_layout_engine(), (ConstrainedLayoutEngine, TightLayoutEngine)):
            canvas.draw()       # (a layout made after another draw, e.g. a savefig, settles in two)
        renderer = canvas.get_renderer()
        W, H = fig.bbox.width, fig.bbox.height
        problems, labels, ticks = [], [], {}
        for owner, where, t in _drawn_texts(fig):
            box = t.get_window_extent(renderer)
            over = {"left": -box.x0, "right": box.x1 - W, "bottom": -box.y0, "top": box.y1 - H}
            out = {edge: px for edge, px in over.items() if px > tolerance}
            if out and where.endswith("tick label"):      # one line for an axis's tick labels
                texts, worst = ticks.setdefault(where, ([], {}))
                texts.append(_short(t))
                for edge, px in out.items():
                    worst[edge] = max(px, worst.get(edge, 0))
            elif out:
                problems.append(f"{where} {_short(t)} runs past the figure's {_edges(out)}")
            if where.endswith((" title", " x label", " y label")) or where.startswith("figure sup"):
                labels.append((owner, where, t, box))
        problems += [f"{where}s {', '.join(texts)} run past the figure's {_edges(worst)}"
                     for where, (texts, worst) in ticks.items()]
        for k, (ax1, where1, t1, b1) in enumerate(labels):
            for ax2, where2, t2, b2 in labels[k + 1:]:
                if ax1 == ax2:
                    continue
                w = min(b1.x1, b2.x1) - max(b1.x0, b2.x0)
                h = min(b1.y1, b2.y1) - max(b1.y0, b2.y0)
                if w > tolerance and h > tolerance:
                    problems.append(f"{where1} {_short(t1)} overlaps {where2} {_short(t2)} "
                                    f"({w:.0f} x {h:.0f} px)")
        return problems
    finally:
        if canvas is not old:
            fig.set_canvas(old)


def _edges(over):
    return ", ".join(f"{edge} edge by {px:.0f} px" for edge, px in over.items())


def _short(text, n=40):
    s = " ".join(text.get_text().split())
    return repr(s if len(s) <= n else s[:n - 1] + "…")
