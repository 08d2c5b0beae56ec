"""Lessons 05 and 07 (training dynamics): the data file of the training runs, read back as arrays, and its figures.

Lesson 05 reads the plain-SGD runs (the paper's Fig. 3); lesson 07 reads the
sampling runs of the same file beside them (the paper's Fig. 4), once the
sampling rule has been taught.

The runs themselves (``python -m srnlab run dynamics``, a few minutes) train one
well-initialised network on the temporal-order task several times, from the same
initial weights and the same minibatches, with plain SGD and with the sampling
method, and write ``results/dynamics-lesson.npz``.  Its contents:

* every update: the loss, the Q-factor (eq. 25), dS (sampling runs only),
  whether the update was made, the norm of the whole gradient;
* every ``record_every`` updates: log10 of the mean ||delta|| at every step
  back (index 0 = the last step), the fraction of saturated hidden units
  (|z| >= 0.95), the mean and median |z|, the spectral radius of W_rec;
* every epoch: validation accuracy and loss, and the largest singular value
  of W_rec;
* at the end, on 20 fresh minibatches: Q and the two parts of dS, the one of
  the momentum velocity and the one of the minibatch's gradient.

``load()`` reads the file as a ``Dynamics`` of ``Run`` objects; the ``draw_*``
and ``style_*`` functions draw the lesson's figures from them, and ``build_scrub``
makes the figure of the lessons' demo (scrubbing through training).
"""
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import _validate as V
from ..course.plotting import updates_axis
from ..results import ResultsError, folder

FILE = "dynamics-lesson.npz"
#: What the file holds for every run (its "<run>/<key>" entries).
PER_UPDATE = ("loss", "q", "ds", "accepted", "grad_norm")
PER_RECORD = ("record_update", "log10_delta", "saturation", "mean_abs_z", "median_abs_z",
              "spectral_radius")
PER_EPOCH = ("val_update", "val_acc", "val_loss", "sv_max")
AT_END = ("end_q", "end_ds_velocity", "end_ds_gradient")
KEYS = PER_UPDATE + PER_RECORD + PER_EPOCH + AT_END


def initial_net(meta):
    """The one initial network of every run in the file, rebuilt from the file's own settings."""
    from ..srn import SRN
    if not isinstance(meta, dict) or not {"K", "std", "seed"} <= set(meta):
        raise TypeError(f"meta must be the data file's settings, load().meta (a dict with 'K', 'std' and 'seed'); "
                        f"got {type(meta).__name__}")
    return SRN.init(6, meta["K"], 4, output="softmax", std=meta["std"], rng=meta["seed"])


@dataclass
class Run:
    """One run as stored: arrays over updates, over records and over epochs.

    Per update (index i is update i + 1): loss, q, ds, accepted, grad_norm; ``update``.
    Per record: record_update, log10_delta (records, T) with column j = j steps
    back from the last step, saturation, mean_abs_z, median_abs_z, spectral_radius.
    Per epoch: val_update (starting at 0, before training), val_acc, val_loss, sv_max
    (the largest singular value of W_rec).
    At the end (``ds_parts`` on 20 fresh minibatches): end_q, end_ds_velocity, end_ds_gradient.
    """

    name: str
    T: int
    method: str
    status: str
    info: dict
    loss: np.ndarray
    q: np.ndarray
    ds: np.ndarray
    accepted: np.ndarray
    grad_norm: np.ndarray
    record_update: np.ndarray
    log10_delta: np.ndarray
    saturation: np.ndarray
    mean_abs_z: np.ndarray
    median_abs_z: np.ndarray
    spectral_radius: np.ndarray
    val_update: np.ndarray
    val_acc: np.ndarray
    val_loss: np.ndarray
    sv_max: np.ndarray
    end_q: np.ndarray
    end_ds_velocity: np.ndarray
    end_ds_gradient: np.ndarray
    update: np.ndarray = field(init=False)

    def __post_init__(self):
        self.update = np.arange(1, len(self.q) + 1)

    @property
    def steps_back(self):
        """(T,) 0, 1, ..., T-1: the x axis of a per-step profile."""
        return np.arange(self.log10_delta.shape[1])

    @property
    def n_updates(self):
        return len(self.q)

    def record_index(self, update):
        """The index of the record nearest to an update number."""
        update = V.nonnegative_float(update, "update")
        return int(np.argmin(np.abs(self.record_update - update)))

    def level(self, steps_back):
        """(records,) log10 mean ||delta|| that many steps back from the last step."""
        steps_back = V.positive_int(steps_back, "steps_back", minimum=0)
        if steps_back > self.T - 1:
            raise ValueError(f"steps_back={steps_back} goes deeper than the sequence: with T={self.T} it lies in [0, {self.T - 1}]")
        return self.log10_delta[:, steps_back]

    def first_update_below(self, log10_level, steps_back):
        """The first recorded update at which log10 mean ||delta|| at ``steps_back``
        is below ``log10_level`` (None if never)."""
        idx = np.flatnonzero(self.level(steps_back) < log10_level)
        return int(self.record_update[idx[0]]) if idx.size else None

    def rolling(self, name, width):
        """Moving average of a per-update array over ``width`` updates (valid part):
        returns (update at the window's end, mean)."""
        V.choice(name, "per-update array", PER_UPDATE)
        width = V.positive_int(width, "width")
        v = np.asarray(getattr(self, name), float)
        if len(v) < width:
            return np.array([], int), np.array([])
        c = np.cumsum(np.insert(v, 0, 0.0))
        return self.update[width - 1:], (c[width:] - c[:-width]) / width

    def updates_to(self, accuracy):
        """The first validation update with accuracy >= the given level (None if never)."""
        accuracy = V.nonnegative_float(accuracy, "accuracy")
        idx = np.flatnonzero(self.val_acc >= accuracy)
        return int(self.val_update[idx[0]]) if idx.size else None


@dataclass
class Dynamics:
    """The file's contents: ``meta`` (dict) and ``runs`` (name -> Run)."""

    meta: dict
    runs: dict

    def __getitem__(self, name):
        return self.runs[name]


def load(path=None):
    """Read the lesson's data file (by default ``dynamics-lesson.npz`` in the results folder)."""
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be None, a str or a path, got {type(path).__name__}")
    path = folder() / FILE if path is None else Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `python -m srnlab run dynamics` first")
    try:
        with np.load(path, allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
            runs = {}
            for info in meta["runs"]:
                name = info["name"]
                arrays = {k: f[f"{name}/{k}"] for k in KEYS}
                runs[name] = Run(name=name, T=info["T"], method=info["method"], status=info["status"],
                                 info=info, **arrays)
    except Exception as exc:
        raise ResultsError(f"{path}: this data file is damaged ({type(exc).__name__}: {exc}); run "
                           f"`python -m srnlab run dynamics` to make it again") from None
    return Dynamics(meta=meta, runs=runs)


# --------------------------------------------------------------------- the lesson's exercise
#: The three verdicts on a gradient profile, and the paper's safe zone of Q.
PROFILE_CLASSES = ("vanishing", "exploding", "healthy")
SAFE_ZONE = (-1.0, 1.0)


def classify_profile(profile):
    """'vanishing', 'exploding' or 'healthy' for one profile of log10 mean ||delta||.

    profile: (T,) log10 of the mean norm of delta at j = 0, 1, ..., T-1 steps
    back (index 0 = the last step), as ``Run.log10_delta`` stores a record.
    The verdict is the profile's tilt, the Q-factor over its whole depth,
    Q = profile[0] - profile[-1] (eq. 25 with h = T-1), not its level:
    Q > 1 vanishing, Q < -1 exploding, -1 <= Q <= 1 (the paper's safe zone) healthy.
    """
    profile = V.float_array(profile, "profile")
    if profile.ndim != 1 or profile.size < 2:
        raise ValueError(f"profile must be a 1-d array of at least 2 values (log10 norms by steps back), "
                         f"got shape {profile.shape}")
    q = profile[0] - profile[-1]
    if not np.isfinite(q):
        raise ValueError(f"the profile's ends must be finite log10 values, got {profile[0]} and {profile[-1]}")
    return "vanishing" if q > SAFE_ZONE[1] else "exploding" if q < SAFE_ZONE[0] else "healthy"


def _profiles():
    """The checker's profiles: (name, profile, the answer, {a wrong answer: what it suggests})."""
    j = np.arange(50.0)
    level = "judged the level of the profile, not its tilt: a small delta(k) is what a network " \
            "that is right looks like; vanishing means the old gradients are small compared with the new"
    swap = "swapped the sign of Q: Q = profile[0] - profile[-1] (index 0 is the last step k, the end " \
           "of the profile is h = T-1 steps back), and Q > 1 means the old gradients are smaller"
    raw = "took the log again or compared raw numbers: the profile already holds log10 norms, so Q " \
          "is the plain difference profile[0] - profile[-1]"
    inside = "left the ends of the safe zone out: -1 <= Q <= 1 is healthy, Q = 1 exactly included"
    dip = "used the lowest point of the profile: Q compares the last step with the oldest, h = T-1 " \
          "steps back, whatever happens in between"
    return [
        ("a level profile at 1e-6", -6.0 + 0.2 * np.cos(j), "healthy", {"vanishing": level}),
        ("a level profile at 1e-1", -1.0 + 0.005 * j, "healthy", {"vanishing": level, "exploding": level}),
        ("a profile falling by 5 orders of magnitude", -0.1 * j, "vanishing",
         {"exploding": swap, "healthy": raw}),
        ("a profile rising by 3 orders of magnitude", -0.3 + 3 * j / 49, "exploding",
         {"vanishing": swap, "healthy": raw}),
        ("a profile falling by exactly 1", -j / 49, "healthy", {"vanishing": inside}),
        ("a profile rising by exactly 1", j / 49, "healthy", {"exploding": inside}),
        ("a profile that dips by 4 and comes back", -4 * np.sin(np.pi * j / 49), "healthy",
         {"vanishing": dip, "exploding": dip}),
        ("a short profile falling by 2 at 1e-8", np.array([-8.0, -9.0, -10.0]), "vanishing",
         {"healthy": raw, "exploding": swap}),
    ]


def check_classify_profile(fn):
    """fn(profile) -> 'vanishing', 'exploding' or 'healthy' for a profile of log10 mean ||delta||
    by steps back (index 0 = the last step).  The answer is ``classify_profile``."""
    from ..course.exercises import _call, _function, _verdict
    _function(fn)
    for name, profile, want, hints in _profiles():
        with np.errstate(all="ignore"):
            got, err = _call(fn, profile.copy())
        if err:
            return _verdict(False, err)
        if isinstance(got, np.str_):
            got = str(got)
        if not isinstance(got, str) or got not in PROFILE_CLASSES:
            return _verdict(False, f"return one of {', '.join(map(repr, PROFILE_CLASSES))}; for {name} "
                                   f"you returned {got!r}.")
        if got != want:
            q = profile[0] - profile[-1]
            why = f": it looks like you {hints[got]}" if got in hints else ""
            return _verdict(False, f"{name} (Q = {q:+.2f}) is {want}, you said {got}{why}.")
    return _verdict(True, "your classifier reads the tilt (Q over the whole profile) and the safe zone right "
                          "on all 8 profiles.")


# --------------------------------------------------------------------- plots for the lesson
#: The level the paper's Fig. 3 reports for the collapsed gradients: 10^-7.
PAPER_LEVEL = -7.0


def block_mean(values, width, update=None):
    """Means over consecutive blocks of ``width`` entries, ignoring inf and NaN.

    Returns (the update at each block's end, the block means); a block with no
    finite value gives NaN (no warning).  ``update`` defaults to 1, 2, ...
    """
    v = V.float_array(values, "values").astype(float)          # booleans count as 0 and 1 (a share)
    width = V.positive_int(width, "width")
    if v.ndim != 1:
        raise ValueError(f"values must be 1-d (one value per update), got shape {v.shape}")
    update = np.arange(1, len(v) + 1) if update is None else np.asarray(update)
    V.float_array(update, "update")                              # numbers (TypeError otherwise)
    if update.shape != v.shape:
        raise ValueError(f"update must have one entry per value, {v.shape}, got {update.shape}")
    n = len(v) // width
    if n == 0:
        return np.array([], int), np.array([])
    blocks = v[: n * width].reshape(n, width)
    ok = np.isfinite(blocks)
    count = ok.sum(axis=1)
    total = np.where(ok, blocks, 0.0).sum(axis=1)
    mean = np.full(n, np.nan)
    np.divide(total, count, out=mean, where=count > 0)
    return update[width - 1: n * width: width], mean


def _finite(y):
    y = np.asarray(y, float)
    return np.where(np.isfinite(y), y, np.nan)


def draw_profile(ax, run, update, color=None, label=None, **kwargs):
    """log10 mean ||delta|| against steps back at the record nearest to ``update``.

    Returns (the record's update, the number of points not drawn: 0, inf or NaN).
    """
    i = run.record_index(update)
    y = run.log10_delta[i]
    bad = int(np.count_nonzero(~np.isfinite(y)))
    ax.plot(run.steps_back, _finite(y), color=color, label=label, **kwargs)
    return int(run.record_update[i]), bad


def profile_limits(runs):
    """y limits for log10 mean ||delta|| plots of these runs: always showing 10^-7."""
    lo = min(float(np.nanmin(_finite(r.log10_delta))) for r in runs)
    hi = max(float(np.nanmax(_finite(r.log10_delta))) for r in runs)
    return min(PAPER_LEVEL - 1.0, np.floor(lo) - 0.5), max(1.0, np.ceil(hi) + 0.5)


#: What ``draw_series`` can draw against the update number.
SERIES = ("gradient", "q", "activations", "accuracy")


def draw_series(ax, run, what, color=None, q_block=50, accept_block=200, max_points=None):
    """One run's time series against the update number, on ax.

    what:
        "gradient"     log10 mean ||delta|| at the last step (solid) and T-1 steps back (dashed);
        "q"            Q, means over ``q_block`` updates (inf and NaN left out);
        "activations"  mean |z| (solid), median |z| (dashed), fraction |z| >= 0.95 (dotted);
        "accuracy"     validation accuracy (solid) and, for a sampling run, the share of
                       accepted minibatches (dotted, means over ``accept_block`` updates).
    max_points: if given, draw every n-th point so that no line has many more
        points than this (faster redraws in a demo).
    """
    if what not in SERIES:
        raise ValueError(f"what must be one of {SERIES}, got {what!r}")
    q_block, accept_block = V.positive_int(q_block, "q_block"), V.positive_int(accept_block, "accept_block")
    if max_points is not None:
        V.positive_int(max_points, "max_points")

    def plot(x, y, **kw):
        n = 1 if max_points is None else max(1, len(x) // max_points)
        ax.plot(x[::n], y[::n], color=color, **kw)

    u = run.record_update
    if what == "gradient":
        plot(u, _finite(run.level(0)), lw=1.3)
        plot(u, _finite(run.level(run.T - 1)), lw=1.0, ls="--")
    elif what == "q":
        plot(*block_mean(run.q, q_block), lw=1.3)
    elif what == "activations":
        plot(u, run.mean_abs_z, lw=1.3)
        plot(u, run.median_abs_z, lw=1.0, ls="--")
        plot(u, run.saturation, lw=1.6, ls=":")
    else:
        plot(run.val_update, run.val_acc, lw=1.3)
        if run.method == "sampling":
            plot(*block_mean(run.accepted, accept_block), lw=1.6, ls=":")


def style_series(ax, what, runs, update=None, q_block=50, accept_block=200):
    """Axis labels, limits, the safe zone or the 10^-7 line, and a marker at ``update``.

    The titles say what the lines are in two lines each, so that a panel a third of a
    figure wide holds them in the projector style too."""
    T = runs[0].T
    last = max(int(r.record_update[-1]) for r in runs)
    if what == "gradient":
        ax.axhline(PAPER_LEVEL, color="k", lw=1, ls="--")
        ax.set(ylim=profile_limits(runs), ylabel="log10 mean ‖δ‖",
               title=f"log10 ‖δ‖: last step —,\n{T - 1} back --")
    elif what == "q":
        ax.axhspan(-1, 1, color="0.88", zorder=0)
        ax.set(ylabel="Q", title=f"Q (h = {T - 1}), mean per {q_block};\ngrey: [−1, 1]")
    elif what == "activations":
        ax.set(ylim=(0, 1), ylabel="|z|, or fraction", title="|z|: mean —, median --,\nshare ≥ 0.95 ⋯")
    else:
        ax.set(ylim=(0, 1.02), ylabel="fraction",
               title=f"val. accuracy —,\naccepted ⋯ (per {accept_block})")
    if update is not None:
        ax.axvline(update, color="k", lw=0.8, alpha=0.6)
    ax.set_xlim(0, last)
    updates_axis(ax)


def numbers_at(run, update):
    """Q, the saturated fraction, the validation accuracy and (sampling) the share of
    accepted minibatches over the last 200 updates, at the record nearest to ``update``."""
    if not isinstance(run, Run):
        raise TypeError(f"run must be a Run (e.g. load()['sgd']), got {type(run).__name__}")
    i = run.record_index(update)
    u = int(run.record_update[i])
    j = int(np.argmin(np.abs(run.val_update - u)))
    out = {"update": u, "q": float(run.q[u - 1]), "saturation": float(run.saturation[i]),
           "val_acc": float(run.val_acc[j])}
    if run.method == "sampling":
        out["accepted"] = float(np.mean(run.accepted[max(0, u - 200):u]))
    return out


def describe_at(run, update, label=None):
    """One line of text with ``numbers_at``, for a demo's note."""
    n = numbers_at(run, update)
    text = (f"{label or run.name} at update {n['update']}: Q of that minibatch {n['q']:.2f}, "
            f"saturated {100 * n['saturation']:.1f}%, validation accuracy {n['val_acc']:.2f}")
    if "accepted" in n:
        text += f", accepted {100 * n['accepted']:.0f}% of the last 200 minibatches"
    if update > run.record_update[-1]:
        text += f" (the run ends at update {run.record_update[-1]})"
    return text


def draw_overview(fig, runs, update=None, labels=None, colors=None, q_block=50, accept_block=200):
    """The lesson's five-panel view of one or more runs of the same T at one update.

    Left: log10 mean ||delta|| against steps back at ``update`` (dotted grey: at
    update 1).  Right, against the update number with a marker at ``update``,
    the four ``SERIES`` of ``draw_series``.

    Args:
        fig: a matplotlib Figure (filled here).  runs: list of Run of one T.
        update: the update to show (None: the last).  labels, colors: dicts by run name.
    Returns:
        a note (str): the numbers at ``update`` and anything not drawn.
    """
    from matplotlib.ticker import MaxNLocator

    if not runs or not all(isinstance(r, Run) for r in runs):
        raise ValueError("draw_overview needs a non-empty list of Run objects (e.g. [load()['sgd']])")
    T = runs[0].T
    if any(r.T != T for r in runs):
        raise ValueError("draw_overview needs runs of one length T")
    labels, colors = labels or {}, colors or {}
    last = max(int(r.record_update[-1]) for r in runs)
    update = last if update is None else int(np.clip(V.nonnegative_float(update, "update"), 1, last))
    gs = fig.add_gridspec(2, 3, width_ratios=[1.2, 1, 1])
    ax_p = fig.add_subplot(gs[:, 0])
    panels = {"gradient": fig.add_subplot(gs[0, 1]), "q": fig.add_subplot(gs[1, 1]),
              "activations": fig.add_subplot(gs[0, 2]), "accuracy": fig.add_subplot(gs[1, 2])}
    notes, dropped = [], 0
    draw_profile(ax_p, runs[0], 1, color="0.55", ls=":", label="update 1")
    for r in runs:
        c, lab = colors.get(r.name), labels.get(r.name, r.name)
        dropped += draw_profile(ax_p, r, update, color=c, label=lab)[1]
        for what, ax in panels.items():
            draw_series(ax, r, what, c, q_block, accept_block)
        notes.append(describe_at(r, update, lab))
    style_profile(ax_p, runs, update)
    ax_p.legend(loc="lower left")
    for what, ax in panels.items():
        style_series(ax, what, runs, update, q_block, accept_block)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        if what in ("gradient", "activations"):
            ax.set_xlabel("")
    if dropped:
        notes.append(f"{dropped} profile points were 0 (underflow) and are not drawn.")
    return "\n".join(notes)


def style_profile(ax, runs, update):
    """Labels and limits of a profile plot, with the paper's 10^-7 line."""
    T = runs[0].T
    ax.axhline(PAPER_LEVEL, color="k", lw=1, ls="--", label="paper's Fig. 3 level, 10⁻⁷")
    ax.set(ylim=profile_limits(runs), xlim=(0, T - 1), xlabel="steps back from the last step",
           ylabel="log10 mean ‖δ‖", title=f"profile at update {update}")




def _scrub_panels(ax_p, ax_s, runs, update, series, labels, colors, max_points):
    """Draw both panels of ``build_scrub`` for one group and series; return (profile lines, marker)."""
    for r in runs:
        draw_profile(ax_p, r, update, color=colors.get(r.name), label=labels.get(r.name, r.name))
        draw_series(ax_s, r, series, colors.get(r.name), max_points=max_points)
    profiles = list(ax_p.lines)
    style_profile(ax_p, runs, min(update, int(runs[0].record_update[-1])))
    ax_p.legend(loc="lower left")
    style_series(ax_s, series, runs, update)
    return profiles, ax_s.lines[-1]                    # the marker: the axvline of style_series


def _clear(ax):
    """Remove what an axes shows (lines, patches, texts, legend, title) but keep the axes: new
    axes (``cla``) make new tick objects, which cost more than the rest of a redraw."""
    for a in [*ax.lines, *ax.patches, *ax.collections, *ax.texts, *ax.images]:
        a.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.set_title("")
    ax.set_prop_cycle(None)                         # the colours start again, as on new axes
    ax.relim()
    ax.set_autoscale_on(True)


def build_scrub(fig, groups, labels=None, colors=None, max_points=200):
    """The lessons' demo figure, made once: returns update(update, group, series) that moves it.

    Left: each run's profile (log10 mean ||delta|| against steps back) at the record
    nearest to ``update``; right: one of ``SERIES`` against the update number, with a
    marker at ``update``.  A new update only moves the profiles and the marker and sets
    the profile's title (fast enough for a dragged slider); a new group or series draws
    both panels anew.  At most ``max_points`` points a line keep a redraw fast.

    If ``fig`` has the constrained layout (as a ``Demo``'s figure), the layout is made
    here, once, with every group and series drawn, so that each of them fits it, and then
    kept (the layout engine is set to "none").

    Args:
        fig: an empty matplotlib Figure.
        groups: dict name -> non-empty list of Run of one T, e.g. {"T = 50": [load()["sgd"]]}.
        labels, colors: dicts by run name.
    Returns:
        update(update, group, series): update is the update to show (past a run's end: its
        last record, and the note says so), group a key of ``groups``, series one of
        ``SERIES``.  It returns a note (str): ``describe_at`` for every run, and the profile
        points not drawn.
    """
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    from ..course.plotting import dropped_note

    if not isinstance(groups, dict) or not groups:
        raise ValueError("groups must be a non-empty dict name -> list of Run (e.g. {'T = 50': [load()['sgd']]})")
    for name, runs in groups.items():
        if not isinstance(runs, (list, tuple)) or not runs or not all(isinstance(r, Run) for r in runs):
            raise ValueError(f"group {name!r} must be a non-empty list of Run objects (e.g. [load()['sgd']])")
        if any(r.T != runs[0].T for r in runs):
            raise ValueError(f"group {name!r}: the scrub figure needs runs of one length T, "
                             f"got T = {sorted({r.T for r in runs})}")
    labels, colors = labels or {}, colors or {}
    gs = fig.add_gridspec(1, 2, width_ratios=[1, 1.15])
    ax_p, ax_s = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        # every group and series on stand-in axes in the same places: margins that fit them all
        stand_ins = []
        for runs in groups.values():
            for series in SERIES:
                pair = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1])
                _scrub_panels(*pair, runs, int(runs[0].record_update[-1]), series, labels, colors, max_points)
                stand_ins += pair
        fig.get_layout_engine().execute(fig)
        for ax in stand_ins:
            ax.remove()
        fig.set_layout_engine("none")
    shown = {"key": None, "profiles": [], "marker": None}

    def update(update, group, series):
        V.choice(group, "group", list(groups))
        if series not in SERIES:
            raise ValueError(f"series must be one of {SERIES}, got {series!r}")
        update = max(1, int(round(V.nonnegative_float(update, "update"))))
        runs = groups[group]
        if shown["key"] != (group, series):            # new content: both panels drawn anew
            _clear(ax_p)
            _clear(ax_s)
            profiles, marker = _scrub_panels(ax_p, ax_s, runs, update, series, labels, colors, max_points)
            shown.update(key=(group, series), profiles=profiles, marker=marker)
        else:                                           # a new update: move the profiles and the marker
            for line, r in zip(shown["profiles"], runs):
                line.set_ydata(_finite(r.log10_delta[r.record_index(update)]))
            shown["marker"].set_xdata([update, update])
            ax_p.set_title(f"profile at update {min(update, int(runs[0].record_update[-1]))}")
        notes, dropped = [], 0
        for r in runs:
            dropped += int(np.count_nonzero(~np.isfinite(r.log10_delta[r.record_index(update)])))
            notes.append(describe_at(r, update, labels.get(r.name, r.name)))
        if dropped:
            notes.append(dropped_note(dropped, "profile points"))
        return "\n".join(notes)

    return update

