"""One figure style for every lesson, and plot helpers that survive inf and NaN.

Lessons call ``use_style()`` once; figures are then readable when projected
(large fonts, thick lines, a light grid).  Gradient norms span hundreds of
orders of magnitude, so most plots use log10 axes through ``log10_safe``,
which turns 0, inf and NaN into gaps and says how many it dropped instead
of letting a warning or an empty axis reach the student.
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
                 "orthogonal": COLORS["purple"], "identity": COLORS["red"]}

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


def use_style():
    """Apply the collection's matplotlib style (call once at the top of a lesson)."""
    import matplotlib as mpl
    from cycler import cycler

    style = dict(STYLE)
    style["axes.prop_cycle"] = cycler(color=[COLORS[c] for c in ("blue", "orange", "green", "red", "purple", "sky")])
    mpl.rcParams.update(style)


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
