"""Lesson 07 (the sampling method): the exercises' checkers, the study's data file read back as arrays,
and the figures of the longer demos.

The study itself (``python -m srnlab run sampling_study``, about 9 CPU minutes)
trains eight runs per seed from the same initial weights on the same minibatches
(plain SGD, the sampling method with both readings of its rule, with and without
the |dS| threshold, clipping, orthogonal and identity starts) and writes
``results/sampling_study-lesson.json``; ``load()`` reads it as a ``Study``.
The sampling rule itself, for arrays, is ``srnlab.sampling.winds`` / ``decide``.
The ``build_*`` functions draw the lesson's longer interactive demos
(``srnlab.course.widgets.Demo``).
"""
import os
from pathlib import Path

import numpy as np

from .. import _validate as V
from ..course.exercises import CheckResult, _function
from ..course.plotting import COLORS
from ..results import ResultsError, folder, read_json
from ..sampling import accept

FILE = "sampling_study-lesson.json"


def initial_net(config, seed):
    """The initial network of a seed's runs (normal W_rec), rebuilt from the study file's own config."""
    from .. import tasks
    from ..srn import SRN
    if not isinstance(config, dict) or not {"task", "K", "std", "seed_base"} <= set(config):
        raise TypeError(f"config must be the study file's config, load().config (a dict with 'task', 'K', 'std' "
                        f"and 'seed_base'); got {type(config).__name__}")
    seed = V.positive_int(seed, "seed", minimum=0)
    spec = tasks.spec(config["task"])
    return SRN.init(spec.n_in, config["K"], spec.n_out, output=spec.output, std=config["std"],
                    rng=np.random.default_rng((config["seed_base"], seed, 0)))


def check_accept_rule(fn):
    """fn(q, ds, q_range, ds_max) -> bool: the consistent rule of the sampling method.

    Compared with ``srnlab.accept(..., rule="consistent")`` on a grid of (q, ds),
    the zone's edges included, for two safe zones and two thresholds.  Prints the
    verdict and returns a CheckResult (truthy when right).
    """
    _function(fn)
    qs = [-3.0, -1.5, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 1.2, 2.0, 2.5, 4.0]
    dss = [-5.0, -1.0, -0.7, -1e-3, 0.0, 1e-3, 0.7, 1.0, 5.0]
    wrong, all_printed = [], True
    for q_range in ((-1.0, 1.0), (0.5, 2.0)):
        for ds_max in (1.0, 0.5):
            for q in qs:
                for d in dss:
                    want = accept(q, d, q_range, ds_max, "consistent")
                    try:
                        got = fn(q, d, q_range, ds_max)
                    except NotImplementedError:
                        return _verdict(False, "not implemented yet: replace the `raise NotImplementedError` line with your code.")
                    except Exception as exc:
                        return _verdict(False, f"your function raised {type(exc).__name__}: {exc}")
                    if not isinstance(got, (bool, np.bool_)):
                        return _verdict(False, f"return True or False, got {got!r} for q={q}, ds={d}")
                    if bool(got) != accept(q, d, q_range, ds_max, "printed"):
                        all_printed = False
                    if bool(got) != want:
                        wrong.append((q, d, q_range, ds_max, bool(got), want))
    if not wrong:
        return _verdict(True, "your rule agrees with srnlab.accept(rule='consistent') on all "
                              f"{2 * 2 * len(qs) * len(dss)} cases, the zone's edges included.")
    if all_printed:
        return _verdict(False, "you wrote the rule as printed in the paper: the sign is flipped. Q > Q_max means the old "
                               "gradients vanish, so the update must GROW them (dS > 0); Q < Q_min means they "
                               "explode, so it must shrink them (dS < 0).")
    q, d, q_range, ds_max, got, want = wrong[0]
    hint = ""
    if abs(d) > ds_max:
        hint = f" |dS| = {abs(d)} exceeds ds_max = {ds_max}: such a minibatch is always skipped."
    elif q in q_range:
        hint = " The safe zone includes its edges: Q_min <= Q <= Q_max."
    elif q_range[0] <= q <= q_range[1]:
        hint = " Inside the safe zone every minibatch with |dS| <= ds_max is used, whatever the sign of dS."
    elif d == 0:
        hint = " dS = 0 moves Q nowhere, so outside the zone it is not 'toward' it: skip."
    return _verdict(False, f"{len(wrong)} of {2 * 2 * len(qs) * len(dss)} cases differ; the first: q={q}, ds={d}, "
                           f"q_range={q_range}, ds_max={ds_max}: you said {got}, the rule says {want}.{hint}")


def check_relative_rule(fn):
    """fn(q, ds, S, q_range, threshold) -> bool: the consistent rule with its threshold on dS / S.

    The answer is the consistent rule with ``dS / S`` in place of dS,
    ``srnlab.accept(q, ds / S, q_range, threshold)``: skip if |dS / S| > threshold
    (a relative change exactly at the threshold is used), else use if
    Q_min <= Q <= Q_max, else use only if dS pushes Q toward the zone.  Since
    S = ||delta(k-h)||^2 > 0, dS / S has the sign of dS: only the threshold's
    scale changes.  Compared on a grid of (q, dS / S, S), S from about 1e-6 to 256,
    for two zones and two thresholds; when the function matches a common slip on
    every case (|dS| against the threshold, dS over sqrt(S), the printed sign, a
    strict threshold, open edges, no threshold inside the zone) the verdict names it.
    Prints the verdict and returns a CheckResult (truthy when right).
    """
    _function(fn)
    qs = [-3.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 4.0]
    ratios = [-4.0, -1.0, -0.25, -0.01, 0.0, 0.01, 0.25, 0.5, 1.0, 4.0]   # dS / S; powers of 2 are exact
    Ss = [2.0 ** -20, 1 / 64, 0.25, 1.0, 4.0, 256.0]
    cases = [(q, r * S, S, q_range, threshold)
             for q_range in ((-1.0, 1.0), (0.5, 2.0)) for threshold in (1.0, 0.25)
             for S in Ss for q in qs for r in ratios]

    def consistent(q, d, q_range, t, strict=False, open_zone=False, cap_inside=True):
        lo, hi = q_range
        if (abs(d) >= t if strict else abs(d) > t) and (cap_inside or not lo <= q <= hi):
            return False
        if (lo < q < hi) if open_zone else (lo <= q <= hi):
            return True
        return d > 0 if q >= hi else d < 0                   # outside (an open zone's edges count as outside)
    slips = [
        ("compared |dS| itself with the threshold: divide by S first, the threshold is on the relative "
         "change dS / S (that is what makes it the same for any loss scale)",
         lambda q, d, S, z, t: accept(q, d, z, t)),
        ("divided dS by sqrt(S) = ||delta(k-h)||: S is already the squared norm, divide dS by S itself",
         lambda q, d, S, z, t: accept(q, d / np.sqrt(S), z, t)),
        ("multiplied dS by S: the relative change is dS / S",
         lambda q, d, S, z, t: accept(q, d * S, z, t)),
        ("wrote the printed rule: the sign is flipped. Outside the zone keep the consistent reading "
         "(Q > Q_max: use only dS > 0; Q < Q_min: only dS < 0); dividing by S > 0 does not change the sign",
         lambda q, d, S, z, t: accept(q, d / S, z, t, "printed")),
        ("skipped a relative change exactly at the threshold: only |dS / S| > threshold is skipped, "
         "|dS / S| = threshold is used",
         lambda q, d, S, z, t: consistent(q, d / S, z, t, strict=True)),
        ("left the zone's edges out: the safe zone includes them, Q_min <= Q <= Q_max",
         lambda q, d, S, z, t: consistent(q, d / S, z, t, open_zone=True)),
        ("let every minibatch inside the zone through: the threshold comes first and applies inside the "
         "zone too",
         lambda q, d, S, z, t: consistent(q, d / S, z, t, cap_inside=False)),
        ("left out the threshold: step 1 skips a minibatch whose |dS / S| exceeds it",
         lambda q, d, S, z, t: accept(q, d / S, z, np.inf)),
    ]
    got = []
    for q, d, S, q_range, threshold in cases:
        try:
            out = fn(q, d, S, q_range, threshold)
        except NotImplementedError:
            return _verdict(False, "not implemented yet: replace the `raise NotImplementedError` line with your code.")
        except Exception as exc:
            return _verdict(False, f"your function raised {type(exc).__name__}: {exc}")
        if not isinstance(out, (bool, np.bool_)):
            return _verdict(False, f"return True or False, got {out!r} for q={q}, ds={d}, S={S}")
        got.append(bool(out))
    want = [accept(q, d / S, z, t) for q, d, S, z, t in cases]
    wrong = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    if not wrong:
        return _verdict(True, f"your rule agrees with srnlab.accept(q, ds / S, q_range, threshold) on all {len(cases)} "
                              "cases: S from about 1e-6 to 256, the zone's edges and the threshold itself included.")
    for hint, slip in slips:
        if all(g == slip(*c) for g, c in zip(got, cases)):
            return _verdict(False, f"{len(wrong)} of {len(cases)} cases differ: it looks like you {hint}.")
    q, d, S, q_range, threshold = cases[wrong[0]]
    if abs(d / S) > threshold:
        hint = f" |dS / S| = {abs(d / S):g} exceeds the threshold {threshold}: such a minibatch is always skipped."
    elif q in q_range:
        hint = " The safe zone includes its edges: Q_min <= Q <= Q_max."
    elif q_range[0] <= q <= q_range[1]:
        hint = " Inside the safe zone every minibatch with |dS / S| <= threshold is used, whatever the sign of dS."
    elif d == 0:
        hint = " dS = 0 moves Q nowhere, so outside the zone it is not 'toward' it: skip."
    else:
        hint = " Outside the zone use it only if it moves Q toward the zone (dS > 0 lowers Q)."
    return _verdict(False, f"{len(wrong)} of {len(cases)} cases differ; the first: q={q}, ds={d:g}, S={S:g} "
                           f"(dS / S = {d / S:g}), q_range={q_range}, threshold={threshold}: you said {got[wrong[0]]}, "
                           f"the rule says {want[wrong[0]]}.{hint}")


def _verdict(passed, message):
    result = CheckResult(passed, message)
    print(repr(result))
    return result


class Study:
    """The study's file as arrays.  ``Study.load()`` reads results/sampling_study-lesson.json.

    Attributes: config (dict), seeds (list), names (run names), epoch, updates,
    val_update (epochs' update numbers), record_update.
    """

    def __init__(self, data):
        self.data = data
        self.config = data["config"]
        self.seeds = list(self.config["seeds"])
        self.names = list(data["runs"])
        self.epoch = self.config["epoch"]
        self.updates = self.config["updates"]
        self.val_update = np.arange(0, self.updates + 1, self.epoch)
        self.epoch_end = np.arange(self.epoch, self.updates + 1, self.epoch)
        self.record_update = np.asarray(data["runs"][self.names[0]]["record_update"])

    @classmethod
    def load(cls, path=None):
        path = folder() / FILE if path is None else Path(_path(path))
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist: run `python -m srnlab run sampling_study` first")
        data = read_json(path, "study file")
        try:
            return cls(data)
        except (KeyError, TypeError, IndexError) as exc:
            raise ResultsError(f"{path}: this study file is damaged (no {exc}); run "
                               f"`python -m srnlab run sampling_study` to make it again") from None

    def curve(self, run, key):
        """A per-seed curve as a (n_seeds, n_points) float array (None -> NaN).

        key: "val_acc", "epoch_in_zone", "epoch_accepted", "epoch_ds_over", "epoch_q_median", "saturation".
        """
        rows = self.data["runs"][run][key]
        if rows is None:
            raise KeyError(f"run {run!r} has no {key!r}")
        n = max(len(r) for r in rows)
        return np.array([[np.nan if v is None else v for v in r] + [np.nan] * (n - len(r)) for r in rows], float)

    def summary(self, run, key):
        """(n_seeds,) array of a summary value: frac_in_zone, accept_rate, final_acc, best_acc,
        best_update, first_update_95 (NaN if never), frac_ds_over, final_saturation."""
        return np.array([np.nan if v is None else v for v in self.data["runs"][run]["summary"][key]], float)

    def detail(self, run, key, seed=None):
        """Per update of one seed (default: the first) of a run that keeps them (sgd, consistent, printed):
        "q", "ds" (float arrays; NaN where not finite) or "accepted" (bool)."""
        rows = self.data["runs"][run]["detail"]
        if rows is None:
            raise KeyError(f"run {run!r} keeps per-epoch data only; per update: "
                           f"{', '.join(n for n in self.names if self.data['runs'][n]['detail'] is not None)}")
        if seed is not None and seed not in self.seeds:
            raise ValueError(f"seed {seed!r} is not in this study; its seeds are {self.seeds}")
        d = rows[self.seeds.index(self.seeds[0] if seed is None else seed)]
        if key == "accepted":
            return np.frombuffer(d["accepted"].encode(), np.uint8) == ord("1")
        if d[key] is None:
            raise KeyError(f"run {run!r} has no per-update {key!r}")
        return np.array([np.nan if v is None else v for v in d[key]], float)

    def probes(self, run):
        """The probes of a run, all seeds: dict of arrays seed (index), update, q, ds_sum, s_sum,
        ds_mean, s_mean, ds_grad (the gradient term's part of ds_sum)."""
        rows = [[i] + [np.nan if v is None else v for v in r]
                for i, per_seed in enumerate(self.data["runs"][run]["probes"]) for r in per_seed]
        a = np.array(rows, float)
        keys = ("seed", "update", "q", "ds_sum", "s_sum", "ds_mean", "s_mean", "ds_grad")
        return {k: a[:, j] for j, k in enumerate(keys)}


def _path(path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be None, a str or a path, got {type(path).__name__}")
    return path


def load(path=None):
    """The study's file as a ``Study``."""
    return Study.load(path)




# --------------------------------------------------------------------- the three readings of "dS"
READINGS_FILE = "readings-lesson.npz"


class Readings:
    """The readings study's file (``python -m srnlab run readings``) as arrays.

    Every update of every run measured, on the proposal it was about to judge:
    q_mean, q_spectral (Q in srnlab's and in the author's norm), ds (the theorem's
    dS, loss units), ds_rel (dS / S), log_exact (the author's log10 change of the
    old gradient under the step), log_first (its first-order prediction).
    Attributes: config, readings (names), runs (names), seeds, epoch, updates.
    """

    def __init__(self, meta, arrays):
        self.meta, self.arrays = meta, arrays
        self.config = meta["config"]
        self.readings = list(meta["readings"])
        self.runs = list(meta["runs"])
        self.seeds = list(self.config["seeds"])
        self.epoch, self.updates = self.config["epoch"], self.config["updates"]

    @classmethod
    def load(cls, path=None):
        path = folder() / READINGS_FILE if path is None else Path(_path(path))
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist: run `python -m srnlab run readings` first")
        import json
        try:
            with np.load(path, allow_pickle=False) as f:
                meta = json.loads(str(f["meta"]))
                arrays = {k: f[k] for k in f.files if k != "meta"}
            return cls(meta, arrays)
        except Exception as exc:
            raise ResultsError(f"{path}: this readings file is damaged ({type(exc).__name__}: {exc}); run "
                               f"`python -m srnlab run readings` to make it again") from None

    def reading(self, run, name, seed=None):
        """(updates,) one reading of one run, one seed (None: all seeds concatenated)."""
        j = self.readings.index(name)
        seeds = self.seeds if seed is None else [seed]
        return np.concatenate([self.arrays[f"seed{s}-{run}/readings"][:, j] for s in seeds])

    def accepted(self, run, seed=None):
        seeds = self.seeds if seed is None else [seed]
        return np.concatenate([self.arrays[f"seed{s}-{run}/accepted"] for s in seeds])

    def val_acc(self, run, seed):
        return self.arrays[f"seed{seed}-{run}/val_update"], self.arrays[f"seed{seed}-{run}/val_acc"]

    def epoch_accepted(self, run, seed):
        """(n_epochs,) the fraction of each epoch's minibatches that were used."""
        a = self.accepted(run, seed)
        n = len(a) // self.epoch
        return a[: n * self.epoch].reshape(n, self.epoch).mean(axis=1)


def load_readings(path=None):
    """The readings study's file as a ``Readings``."""
    return Readings.load(path)


def fire_rate(values, threshold=1.0):
    """The fraction of proposals a threshold skips: |value| > threshold, or not a number."""
    values = V.float_array(values, "values").astype(float)      # NaN and inf are allowed: they count as skipped
    threshold = V.nonnegative_float(threshold, "threshold")
    if values.size == 0:
        raise ValueError("values is empty: the fraction of no proposals does not exist")
    with np.errstate(invalid="ignore"):
        return float(np.mean(~(np.abs(values) <= threshold)))


def agreement(exact, first, q, q_range=(-1.0, 1.0), ds_max=1.0):
    """How the first-order indicator agrees with the exact one on the same proposals.

    Returns a dict: sign (the fraction with the same sign), decision (the same
    decision of the consistent rule with Q = q), and n.
    """
    from ..sampling import decide
    exact, first, q = (V.float_array(v, name).astype(float) for v, name in ((exact, "exact"), (first, "first"), (q, "q")))
    if not exact.shape == first.shape == q.shape:
        raise ValueError(f"exact, first and q must have one entry per proposal, the same shape; got {exact.shape}, "
                         f"{first.shape} and {q.shape}")
    ok = np.isfinite(exact) & np.isfinite(first)
    if not ok.any():
        raise ValueError("no proposal has a finite exact and first-order value: the agreement does not exist")
    return {"sign": float(np.mean(np.sign(exact[ok]) == np.sign(first[ok]))),
            "decision": float(np.mean(decide(q, exact, q_range, ds_max) == decide(q, first, q_range, ds_max))),
            "n": int(len(exact))}


# --------------------------------------------------------------------- the lesson's demos
# Each ``build_*`` draws a demo's figure once and returns ``update``, which changes its
# artists in place for the controls' values (srnlab.course.widgets.Demo).

def _window_axis(ax, width, n_labels=16):
    """Fix ax's x limits at (0, width) and label them as the updates lo .. lo + width.

    A demo frame that changes axis limits redraws the whole figure; a window that scrolls
    along the updates would do so on every frame.  Here the axis stays still (its own
    ticks keep their room but are not drawn) and the window's tick marks, labels and grid
    lines are artists that a frame moves.  The ticks are where the axis' own locator puts
    them for lo .. lo + width, so the panel looks as if its limits were (lo, lo + width).
    Plot x - lo on ax.  Returns scroll(lo), which moves the labels to the window from lo.
    """
    import matplotlib as mpl
    from matplotlib.lines import TICKDOWN
    from matplotlib.transforms import ScaledTranslation

    rc = mpl.rcParams
    ax.set_xlim(0, width)
    ax.tick_params(axis="x", which="both", color="none", labelcolor="none")
    ax.grid(False, axis="x")
    locator = ax.xaxis.get_major_locator()
    on_axis = ax.get_xaxis_transform()                 # x in data, y in axes coordinates
    size, pad = rc["xtick.major.size"], rc["xtick.major.pad"]
    colour = rc["xtick.color"] if rc["xtick.labelcolor"] == "inherit" else rc["xtick.labelcolor"]
    (marks,) = ax.plot([], [], ls="none", marker=TICKDOWN, ms=size, mew=rc["xtick.major.width"],
                       color=rc["xtick.color"], transform=on_axis, clip_on=False)
    (grid,) = ax.plot([], [], color=rc["grid.color"], lw=rc["grid.linewidth"], ls=rc["grid.linestyle"],
                      alpha=rc["grid.alpha"], transform=on_axis, zorder=1.5 if rc["axes.axisbelow"] == "line" else 0.5)
    below = on_axis + ScaledTranslation(0, -(size + pad) / 72, ax.figure.dpi_scale_trans)
    labels = [ax.text(0, 0, "", transform=below, ha="center", va="top", fontsize=rc["xtick.labelsize"],
                      color=colour, clip_on=False) for _ in range(n_labels)]
    shown = {}

    def scroll(lo):
        if shown.get("lo") == lo:
            return
        shown["lo"] = lo
        ticks = [t for t in locator.tick_values(lo, lo + width) if lo <= t <= lo + width][:n_labels]
        x = np.array(ticks, float) - lo
        marks.set_data(x, np.zeros(len(x)))
        grid.set_data(np.repeat(x, 3), np.tile([0.0, 1.0, np.nan], len(x)))
        for label, t in zip(labels, ticks):
            label.set_position((t - lo, 0))
            label.set_text(f"{t:g}")
        for i, label in enumerate(labels):
            label.set_visible(i < len(ticks))
    return scroll


def build_ship(fig, runs, epoch_end, q_range=(-1.0, 1.0), window=200):
    """Section 3's demo: the sailing ship of one sampling run, update by update.

    Top left: the median Q of every epoch over the whole run, the safe zone shaded and a
    red line at the current update.  Bottom left: the ``window`` updates around it, each
    minibatch's Q, an orange dot if the update was made and a grey cross if it was skipped.
    Right: the ship at the current update.  The arrow is the wind, the direction in which
    the proposal pushes Q (down for dS > 0), dashed for a gale (|dS| > ds_max); the ship is
    an orange triangle with its sails up if the update was used, a grey square if not.

    Args:
        fig: the demo's Figure (filled here).
        runs: dict (seed, rule) -> dict of one sampling run's per-update arrays ``q``,
            ``ds``, ``used`` (bool) and ``wind`` (the codes of ``srnlab.winds``), its epoch
            medians ``q_epoch`` and the limits ``ylim`` of its Q axes.
        epoch_end: the update at the end of every epoch (the x of ``q_epoch``).
        q_range: the safe zone (Q_min, Q_max).  window: the updates the bottom panel shows.
    Returns:
        update(seed, rule, update), which shows that run at that update and returns the
        note: Q and dS there, the situation and the decision.
    """
    from matplotlib.ticker import MaxNLocator

    from ..sampling import GALE, WINDS

    if not runs:
        raise ValueError("runs must hold at least one sampling run, keyed by (seed, rule)")
    window = V.positive_int(window, "window")
    n = len(next(iter(runs.values()))["q"])
    updates = np.arange(1, n + 1)
    axs = fig.subplot_mosaic([["all", "ship"], ["win", "ship"]], height_ratios=[1, 2.2], width_ratios=[3.2, 1])
    ax_all, ax_win, ax_ship = axs["all"], axs["win"], axs["ship"]
    for ax in axs.values():
        ax.axhspan(*q_range, color=COLORS["green"], alpha=0.12, lw=0)
        ax.yaxis.set_major_locator(MaxNLocator(5, integer=True))
    (q_epoch,) = ax_all.plot(epoch_end, np.full(len(epoch_end), np.nan), color="0.3", lw=1.5)
    mark_all = ax_all.axvline(1, color=COLORS["red"], lw=1.5)
    ax_all.set_xlim(0, n)
    ax_all.set_ylabel("Q\n(epoch median)", fontsize="x-small")
    scroll = _window_axis(ax_win, window)              # x = update - start of the window
    (trace,) = ax_win.plot([], [], color="0.65", lw=0.8)
    (dots,) = ax_win.plot([], [], "o", ms=4, color=COLORS["orange"], label="used")
    (crosses,) = ax_win.plot([], [], "x", ms=4, color="0.35", label="skipped")
    mark_win = ax_win.axvline(1, color=COLORS["red"], lw=1.5)
    ax_win.set_xlabel("update")
    ax_win.set_ylabel("Q of the minibatch")
    ax_win.legend(loc="best", ncol=2, frameon=True, framealpha=0.9)
    ax_ship.set_xlim(-1, 1)
    ax_ship.set_xticks([])
    ax_ship.set_ylabel("Q")
    arrow = ax_ship.annotate("", xy=(0.5, 0), xytext=(0.5, 0),
                             arrowprops=dict(arrowstyle="-|>", lw=3, color=COLORS["sky"]))
    wind_label = ax_ship.text(0.5, 0, "", ha="center", fontsize="small")
    (ship,) = ax_ship.plot([-0.3], [0.0], ms=16)
    shown = {}

    def update(seed, rule, update):
        d = runs[seed, rule]
        if shown.get("run") != (seed, rule):           # another run: its curve, its Q range, its title
            shown["run"] = (seed, rule)
            q_epoch.set_ydata(d["q_epoch"])
            for ax in axs.values():
                ax.set_ylim(*d["ylim"])
            ax_all.set_title(f"seed {seed}, {rule} rule: {d['used'].mean():.0%} of all proposals used")
        lo = max(1, min(update - window // 2, n - window))
        s = slice(lo - 1, lo + window)
        x, q, used = updates[s] - lo, d["q"][s], d["used"][s]
        scroll(lo)
        trace.set_data(x, q)
        dots.set_data(x[used], q[used])
        crosses.set_data(x[~used], q[~used])
        mark_all.set_xdata([update, update])
        mark_win.set_xdata([update - lo, update - lo])
        i = update - 1
        qi, dsi, wind, sails = d["q"][i], d["ds"][i], int(d["wind"][i]), bool(d["used"][i])
        if not np.isfinite(qi):
            for a in (arrow, wind_label, ship):
                a.set_visible(False)
            ax_ship.title.set_text("")
            return f"update {update}: Q is not finite (the old gradient vanished to 0)."
        colour = COLORS["orange"] if sails else "0.4"
        y_lo, y_hi = d["ylim"]
        span = y_hi - y_lo
        arrow.set_visible(dsi != 0)
        wind_label.set_visible(dsi != 0)
        if dsi != 0:                                   # the wind: dS > 0 pushes Q down
            centre = np.clip(qi, y_lo + 0.12 * span, y_hi - 0.12 * span)
            tail, head = centre + np.sign(dsi) * 0.1 * span, centre - np.sign(dsi) * 0.1 * span
            arrow.xy = (0.5, head)
            arrow.set_position((0.5, tail))
            arrow.arrow_patch.set_linestyle("--" if wind == GALE else "-")
            arrow.stale = True                         # (a new xy alone does not mark it)
            wind_label.set_position((0.5, tail))
            wind_label.set_text("gale" if wind == GALE else "wind")
            wind_label.set_verticalalignment("bottom" if dsi > 0 else "top")
        ship.set_visible(True)
        ship.set_data([-0.3], [qi])
        ship.set_marker("^" if sails else "s")
        ship.set_color(colour)
        ax_ship.title.set_text("sails up" if sails else "sails down")
        if ax_ship.title.get_color() != colour:
            ax_ship.title.set_color(colour)
        return (f"update {update}: Q = {qi:.2f}, dS = {dsi:.2g}, so the proposal "
                f"{'grows' if dsi > 0 else 'shrinks'} the old gradients and pushes Q {'down' if dsi > 0 else 'up'}. "
                f"Situation: {WINDS[wind]}. The {rule} rule {'used' if sails else 'skipped'} it.")
    return update


def _layout_again(fig, shown):
    """Have the figure's next draw make its layout again (a demo makes it once, then keeps it).

    For a dropdown that changes what an axis shows, and so may need room for wider tick
    labels; the draw that follows is a whole one anyway.  ``_layout_kept`` at the start
    of the next update keeps that layout.  ``shown`` is the update's dict of what it shows.
    """
    fig.set_layout_engine("constrained")
    shown["new layout"] = True


def _layout_kept(fig, shown):
    """Keep the layout that ``_layout_again`` had made (call it at the start of every update)."""
    if shown.pop("new layout", False):
        fig.set_layout_engine("none")


def _finite(y):
    """y as floats with inf and NaN as NaN (a gap in a line)."""
    y = np.asarray(y, float)
    return np.where(np.isfinite(y), y, np.nan)


#: Section 7's re-decision demo: the colour of each decision (srnlab.winds' codes GALE and
#: INSIDE, then used and skipped outside the zone) and what it means for either reading.
DECISION_COLORS = ("0.6", COLORS["green"], COLORS["orange"], COLORS["red"])
DECISION_LABELS = {"consistent": ["skipped: a gale, |dS| > ds_max", "used: Q inside the zone",
                                  "used: outside, wind toward the zone", "skipped: outside, wind away (or none)"],
                   "printed": ["skipped: a gale, |dS| > ds_max", "used: Q inside the zone",
                               "used: outside, wind away from the zone", "skipped: outside, wind toward it (or none)"]}


def _legend_labels(legend):
    """Texts in place of a legend's labels that a demo frame can change on their own.

    A demo frame redraws a legend only with the whole figure (slow).  These texts, one per
    label, are artists of the legend's axes drawn just above the legend where its labels
    are (they share the labels' transforms, which the legend places when it is drawn);
    the legend's own labels stay in place, invisible.  Returns the list of Text.
    """
    ax, out = legend.axes, []
    for label in legend.get_texts():
        text = ax.text(0, 0, label.get_text(), transform=label.get_transform(),
                       fontproperties=label.get_fontproperties(), va=label.get_va(), ha=label.get_ha(),
                       color=label.get_color(), clip_on=False, zorder=legend.get_zorder() + 0.01)
        text.set_in_layout(False)
        label.set_visible(False)
        out.append(text)
    return out


def _margins(lo, hi, margin=0.05):
    """(lo, hi) widened by a margin on either side, as matplotlib's autoscaling does."""
    pad = margin * (hi - lo)
    return float(lo - pad), float(hi + pad)


def build_redecide(fig, logs, block=500, every=4):
    """Section 7's demo: plain SGD's logged proposals decided again with another zone, threshold and reading.

    Nothing is retrained.  Left: every ``every``-th logged minibatch at its Q and
    log10 |dS|, an upward triangle for dS < 0 (it pushes Q up) and a downward one for
    dS > 0, coloured by the decision (``DECISION_COLORS``, explained in a legend under the
    figure), with the zone shaded and the threshold dashed.  Right: the fraction of
    proposals each reading would use per ``block`` updates, the chosen one thicker.  With
    Q_min > Q_max there is no zone: the points turn grey, the two edges are marked and the
    note gives the error of ``srnlab.accept``.  The Q and |dS| axes show the seed's points
    and, where an edge of the zone or the threshold lies outside them, that edge rounded
    out to a whole unit, so that a slider changes the limits only once per unit.

    Args:
        fig: the demo's Figure (filled here).
        logs: dict seed -> (q, ds), the per-update arrays of a plain SGD run (whose
            length is a multiple of ``block``).
        block: updates per point of the right panel.  every: draw every n-th proposal.
    Returns:
        update(seed, rule, q_min, q_max, log10_ds_max), which decides again and returns
        the note ("" unless Q_min > Q_max).
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D

    from ..course.plotting import log10_safe
    from ..sampling import GALE, INSIDE, decide, winds

    if not logs:
        raise ValueError("logs must hold at least one run: seed -> (q, ds)")
    block, every = V.positive_int(block, "block"), V.positive_int(every, "every")
    n = len(next(iter(logs.values()))[0])
    if n % block:
        raise ValueError(f"the runs' length must be a multiple of block={block}, got {n}")
    cmap = ListedColormap(DECISION_COLORS)
    points = {}                                        # seed -> the drawn points and their ranges
    for seed, (q, ds) in logs.items():
        qs, y = q[::every], log10_safe(ds[::every])[0]
        points[seed] = dict(q=qs, y=y, up=ds[::every] < 0, x_range=(np.nanmin(qs), np.nanmax(qs)),
                            y_range=(np.nanmin(y), np.nanmax(y)))
    ax_pts, ax_rate = fig.subplots(1, 2, width_ratios=[1.25, 1])
    marks = {m: ax_pts.scatter([], [], s=9, marker=m, c=[], cmap=cmap, vmin=-0.5, vmax=3.5, rasterized=True)
             for m in ("^", "v")}
    grey = ax_pts.scatter([], [], s=5, color="0.7", rasterized=True)
    zone = ax_pts.axvspan(-1, 1, color=COLORS["green"], alpha=0.1, lw=0)
    cap = ax_pts.axhline(0, color="k", ls="--", lw=1)
    edges = [ax_pts.axvline(0, color=COLORS["red"], ls="--", lw=1.5) for _ in range(2)]
    edge_names = [ax_pts.text(0, 0.98, f" {name}", color=COLORS["red"], va="top",
                              transform=ax_pts.get_xaxis_transform()) for name in ("Q_min", "Q_max")]
    ax_pts.set_xlabel("Q of the minibatch")
    ax_pts.set_ylabel("log10 |dS| of the proposal")
    centres = np.arange(block // 2, n, block)
    rates = {r: ax_rate.plot(centres, np.full(len(centres), np.nan), color=colour, label=f"{r}: 100.0% used")[0]
             for r, colour in (("consistent", COLORS["orange"]), ("printed", COLORS["black"]))}
    rate_legend = ax_rate.legend(loc="lower left")
    rate_labels = _legend_labels(rate_legend)          # the fractions change with every frame
    no_zone = ax_rate.text(0.5, 0.5, "no safe zone:\nQ_min > Q_max", ha="center", va="center", fontsize="large",
                           transform=ax_rate.transAxes)
    ax_rate.set_xlabel("update of the plain SGD run")
    ax_rate.set_ylabel(f"fraction used per {block} updates")
    ax_rate.set_xlim(0, n)
    ax_rate.set_ylim(-0.03, 1.03)
    proxies = [Line2D([], [], marker="s", ls="none", color=c) for c in DECISION_COLORS]
    shown = {"legend": None}

    def limits(data, lo, hi):
        """Limits that show the points, and lo and hi rounded out to whole units if they lie outside."""
        view = _margins(*data)
        return _margins(min(data[0], np.floor(lo)) if lo < view[0] else data[0],
                        max(data[1], np.ceil(hi)) if hi > view[1] else data[1])

    def update(seed, rule, q_min, q_max, log10_ds_max):
        q, ds = logs[seed]
        p = points[seed]
        ds_max = 10.0 ** log10_ds_max
        try:
            wind, error = winds(q, ds, (q_min, q_max), ds_max), None
        except ValueError as exc:                      # Q_min > Q_max: srnlab.accept refuses it too
            wind, error = None, exc
        crossed = error is not None
        _layout_kept(fig, shown)
        if shown.get("seed") != seed:
            if "seed" in shown:                        # other points: other tick labels
                _layout_again(fig, shown)
            shown["seed"] = seed
            for m, up in (("^", p["up"]), ("v", ~p["up"])):
                marks[m].set_offsets(np.column_stack([p["q"][up], p["y"][up]]))
            grey.set_offsets(np.column_stack([p["q"], p["y"]]))
        x_lim = limits(p["x_range"], min(q_min, q_max), max(q_min, q_max))
        y_lim = _margins(*p["y_range"]) if crossed else limits(p["y_range"], log10_ds_max, log10_ds_max)
        if shown.get("lim") != (x_lim, y_lim):         # at most once per unit a slider moves
            shown["lim"] = (x_lim, y_lim)
            ax_pts.set_xlim(*x_lim)
            ax_pts.set_ylim(*y_lim)
        if shown.get("state") != (rule, crossed):      # the colours' legend, the parts of each case
            if shown.get("state", (rule, crossed))[1] != crossed:     # with or without that legend
                _layout_again(fig, shown)
            shown["state"] = (rule, crossed)
            if shown["legend"] is not None:
                shown["legend"].remove()
            shown["legend"] = None if crossed else fig.legend(proxies, DECISION_LABELS[rule],
                                                              loc="outside lower center", ncol=2)
            for a in (*marks.values(), zone, cap, *rates.values(), rate_legend, *rate_labels):
                a.set_visible(not crossed)
            for a in (grey, *edges, *edge_names, no_zone):
                a.set_visible(crossed)
            for r, line in rates.items():
                line.set_linewidth(3 if r == rule else 1.5)
        if crossed:
            for v, edge, name in zip((q_min, q_max), edges, edge_names):
                edge.set_xdata([v, v])
                name.set_x(v)
            ax_pts.title.set_text(f"seed {seed}: no safe zone")
            return f"Q_min = {q_min:.2f} is above Q_max = {q_max:.2f}; srnlab.accept raises ValueError: {error}"
        used = decide(p["q"], ds[::every], (q_min, q_max), ds_max, rule)
        wind = wind[::every]
        colour = np.where(wind == GALE, 0, np.where(wind == INSIDE, 1, np.where(used, 2, 3)))
        for m, up in (("^", p["up"]), ("v", ~p["up"])):
            marks[m].set_array(colour[up])
        zone.set_x(q_min)
        zone.set_width(q_max - q_min)
        cap.set_ydata([log10_ds_max, log10_ds_max])
        ax_pts.title.set_text(f"seed {seed}, {rule} reading")
        for (r, line), text in zip(rates.items(), rate_labels):
            used_r = decide(q, ds, (q_min, q_max), ds_max, r)
            line.set_ydata(used_r.reshape(-1, block).mean(axis=1))
            text.set_text(f"{r}: {used_r.mean():.1%} used")
        return ""
    return update
