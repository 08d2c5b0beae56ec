"""What it takes an SRN to learn addition and multiplication (lesson 09).

The lesson reads the study that ``python -m srnlab run regression_study`` writes
(``results/regression_study-lesson.json``, and each run's best network beside its
record in ``results/runs/regression_study-lesson/``): addition and multiplication at
T = 50, over the learning rate, gradient clipping, the start of W_rec and the data
variant, 3 networks a setting (the runner's docstring gives the grid).

The plateau: a network that ignores its input can do no better than the best
constant answer (``srnlab.tasks.best_constant``).  A run "leaves the plateau" at the
first validation whose accuracy exceeds that level by more than the study's margin
(``first_above``, the exercise; the runner records the same update).

* ``load_study``: the results file, checked; ``setting_rows``, ``plateau_grid`` and ``marginals``:
  its cells as table rows (per setting; as a grid; per value of each setting); ``runs_of``: the runs of one cell, ``load_network``: a run's network.
* ``error_profile``: the sorted absolute errors of a network on fresh test sequences, so that
  its accuracy at any tolerance is one ``searchsorted`` (``accuracy_at``), to set beside the
  best constant's (``tasks.best_constant`` takes a sequence of tolerances).
* ``build_study_demo``: the lesson's demo, a cell's learning curves beside its best network's
  accuracy against the tolerance.
* ``scale_rows`` and ``plot_two_scales``: the settings run at both scales (``load_study("paper")``:
  the best at T = 100, the paper's scale), side by side.
* ``table1_runs`` and ``plot_table1_curves``: where lesson 08's Table 1 took each reported network of a
  regression task (the update of its best validation), what it scores, and its validation curve.
* ``check_first_above``: the checker of the exercise.
"""
import functools
import os

import numpy as np

from .. import _validate as V
from .. import tasks
from ..course.plotting import updates_axis
from ..results import ResultsError, kept_network, read_json
from ..results import folder as results_folder
from ..srn import SRN
from .benchmarks_tables import Chance

STUDY = "regression_study"
KEYS = {"runs", "cells", "config", "grid", "runs_done", "runs_total", "complete"}
TASKS = ("addition", "multiplication")
#: The absolute error that counts as right: the paper's |e| < 0.04, and Pascanu's e^2 <= 0.04 (|e| <= 0.2).
PAPER_TOL, PASCANU_TOL = tasks.TOLERANCE, float(np.sqrt(tasks.TOLERANCE))
#: The tolerances the demo's accuracy curves are drawn at.
TOLS = np.round(np.arange(0.005, 0.4001, 0.005), 3)


def _folder(folder):
    if folder is not None and not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"the results folder must be None, a str or a path, got {type(folder).__name__}")
    return results_folder(folder)


def load_study(scale="lesson", folder=None):
    """The study's results file as a dict; FileNotFoundError saying how to make it when absent."""
    if not isinstance(scale, str):
        raise TypeError(f"scale must be a scale's name such as 'lesson', got {scale!r}")
    path = _folder(folder) / f"{STUDY}-{scale}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `python -m srnlab run {STUDY} --scale {scale}` "
                                f"(it resumes where it stopped), then `python -m srnlab summarize {STUDY} --scale {scale}`")
    res = read_json(path)
    if not isinstance(res, dict) or not KEYS <= set(res) or res.get("experiment") != STUDY:
        raise ResultsError(f"{path}: this is not the regression study's summary (it lacks its keys); run "
                           f"`python -m srnlab summarize {STUDY} --scale {scale}` to write it again")
    return res


def _study(study):
    if not isinstance(study, dict):
        raise TypeError(f"study must be the dict load_study() returns, got {type(study).__name__}")
    missing = KEYS - set(study)
    if missing:
        raise ValueError(f"study is not the dict load_study() returns: it lacks {sorted(missing)}")
    return study


def _task(task):
    return V.choice(task, "task", TASKS)


def split_column(column):
    """'lr0.001-clip1-orthogonal-author' -> dict(lr=0.001, clip=1.0, rec_init='orthogonal', variant='author')."""
    if not isinstance(column, str) or column.count("-") != 3 or not column.startswith("lr"):
        raise ValueError(f"a setting of the study is named like 'lr0.001-clip1-orthogonal-author', got {column!r}")
    lr, clip, rec_init, variant = column.split("-")
    return dict(lr=float(lr[2:]), clip=None if clip == "noclip" else float(clip[4:]), rec_init=rec_init,
                variant=variant)


def describe_setting(column):
    """'lr0.001-clip1-orthogonal-author' -> 'lr 0.001, clip 1, orthogonal W_rec, author's data'."""
    s = split_column(column)
    clip = "no clip" if s["clip"] is None else f"clip {s['clip']:g}"
    return f"lr {s['lr']:g}, {clip}, {s['rec_init']} W_rec, {s['variant']}'s data"


def columns(study):
    """The study's settings, in the order of its grid (lr, then clipping, W_rec start, data)."""
    grid = _study(study)["grid"]
    out = []
    for lr in grid["lr"]:
        for clip in grid["clip"]:
            for rec_init in grid["rec_init"]:
                for variant in grid["variant"]:
                    out.append(f"lr{lr:g}-{'clip' + format(clip, 'g') if clip else 'noclip'}-{rec_init}-{variant}")
    return out


def setting_rows(study, task):
    """One row (dict) per setting with runs: the setting, its networks, how many left the plateau
    and when the first did, and best / mean test accuracy under both criteria with the chance levels."""
    _study(study), _task(task)
    rows = []
    for column in columns(study):
        cell = study["cells"].get(f"{task}|{column}")
        if cell is None:
            continue
        rows.append({**split_column(column), "column": column, "n": cell["n"],
                     "left": f"{cell['left_plateau']}/{cell['n']}", "left_plateau": cell["left_plateau"],
                     "first_left_at": cell["first_left_at"], "best": cell["best"], "mean": cell["mean"],
                     "best_squared": cell["best_squared"], "mean_squared": cell["mean_squared"],
                     "chance": cell["chance"]["absolute"], "chance_squared": cell["chance"]["squared"]})
    return rows


def plateau_grid(study, task):
    """Rows for a compact table: one row per (learning rate, clipping), one column per
    (W_rec start, data variant), each entry "networks that left the plateau / networks run"."""
    rows = {}
    grid = _study(study)["grid"]
    for r in setting_rows(study, task):
        key = (r["lr"], r["clip"])
        row = rows.setdefault(key, {"lr": f"{r['lr']:g}", "clip": "none" if r["clip"] is None else f"norm {r['clip']:g}"})
        row[f"{r['rec_init']}|{r['variant']}"] = r["left"]
    header = [("lr", "lr (mean loss)"), ("clip", "clipping")] + \
             [(f"{i}|{v}", f"{i}, {v}'s data") for i in grid["rec_init"] for v in grid["variant"]]
    return list(rows.values()), header


FACTORS = (("lr", "learning rate"), ("clip", "clipping"), ("rec_init", "start of W_rec"), ("variant", "data"))


def marginals(study, task):
    """For each value of each setting: how many networks left the plateau, of how many run, and by
    how much their test accuracy (|e| < 0.04) exceeds the best constant of their data (the best, and
    the mean over them): one row (dict) per (setting, value).  Above the constant, not the accuracy
    itself, because the constant differs between the data variants (multiplication: 0.28 on the
    paper's data, 0.46 on the author's)."""
    _study(study), _task(task)
    runs = [r for r in study["runs"] if r["task"] == task]
    rows = []
    for key, label in FACTORS:
        for value in study["grid"][key]:
            rs = [r for r in runs if r[key] == value]
            if rs:
                above = [r["test_accuracy"] - r["chance"]["absolute"] for r in rs]
                shown = "none" if value is None else f"{value:g}" if key in ("lr", "clip") else value
                rows.append({"factor": label, "value": shown, "left": sum(r["leaves_plateau_at"] is not None for r in rs),
                             "n": len(rs), "best_above": max(above), "mean_above": float(np.mean(above))})
    return rows


def runs_of(study, task, column):
    """The run records of one setting (all its networks), ordered by network."""
    _study(study), _task(task)
    if column not in columns(study):
        raise ValueError(f"{column!r} is not a setting of the study; its settings are named like {columns(study)[0]!r}")
    return sorted((r for r in study["runs"] if r["task"] == task and r["column"] == column), key=lambda r: r["net"])


def load_network(study, run, folder=None):
    """The best network of a run (the one its test accuracy comes from), from beside its record."""
    _study(study)
    if not isinstance(run, dict) or "network" not in run:
        raise TypeError("run must be one of the records runs_of() returns")
    _folder(folder)
    return SRN.load(kept_network(STUDY, study["scale"], run["network"], folder))


def first_above(updates, accuracies, level):
    """The first update whose accuracy is strictly above level, or None (the plateau test)."""
    updates, accuracies = np.asarray(updates), np.asarray(accuracies, dtype=float)
    if updates.shape != accuracies.shape or updates.ndim != 1:
        raise ValueError(f"updates and accuracies must be two 1-D sequences of one length, got shapes "
                         f"{updates.shape} and {accuracies.shape}")
    level = V.nonnegative_float(level, "level")
    above = np.flatnonzero(accuracies > level)
    return int(updates[above[0]]) if above.size else None


def check_first_above(fn):
    """fn(updates, accuracies, level) -> the first update with accuracy > level, or None (the exercise).

    Judged on a few validation curves against ``first_above``; the verdict names the common
    slips: the index instead of the update, ">=" instead of ">", the last such update, the
    largest accuracy, 0 or -1 instead of None.
    """
    from ..course.exercises import _call, _function, _verdict
    _function(fn)
    rng = np.random.default_rng(0)
    u = np.arange(0, 20_001, 100)
    cases = [(u, np.full(u.size, 0.15), 0.2, "a flat curve on the plateau"),
             (u, np.where(u >= 4000, 0.5, 0.15), 0.2, "a curve that leaves the plateau at update 4,000"),
             (u, np.where(u >= 1000, 0.2, 0.1) + np.where(u >= 5000, 0.3, 0.0), 0.2,
              "a curve that touches the level at update 1,000 and passes it at 5,000"),
             (u[:5], np.array([0.6, 0.1, 0.1, 0.7, 0.1]), 0.5, "a curve above the level at its first point"),
             (list(u[:50]), list(0.15 + 0.05 * rng.random(50)), 0.17, "Python lists")]
    for updates, accs, level, what in cases:
        got, err = _call(fn, updates, accs, level)
        if err:
            return _verdict(False, err)
        want = first_above(updates, accs, level)
        if got is None and want is None:
            continue
        if got is not None and want is not None and isinstance(got, (int, np.integer)) and int(got) == want:
            continue
        a = np.asarray(accs, float)
        slips = []
        if want is not None:
            i = int(np.flatnonzero(a > level)[0])
            slips += [(i, "returned the index of the point, not its update (updates[i])"),
                      (int(np.asarray(updates)[np.flatnonzero(a > level)[-1]]), "returned the last such update, not the first")]
        ge = np.flatnonzero(a >= level)
        if ge.size:
            slips.append((int(np.asarray(updates)[ge[0]]), "used >= where the test is strictly above the level"))
        slips.append((float(a.max()), "returned the largest accuracy, not an update"))
        if want is None:
            slips += [(0, "returned 0 where no point is above the level: return None"),
                      (-1, "returned -1 where no point is above the level: return None")]
        hint = next((h for v, h in slips if got is not None and not isinstance(got, bool)
                     and isinstance(got, (int, float, np.integer, np.floating)) and float(got) == v), None)
        return _verdict(False, f"on {what} (level {level}) the answer is {want}, you returned {got!r}"
                               + (f": it looks like you {hint}." if hint else "."))
    return _verdict(True, "your function finds the update where a run leaves the plateau, and None where it never does.")


def error_profile(net, task, variant, T, n=1000, rng=0):
    """Sorted |error| of net's answers on n fresh test sequences of the task and data variant."""
    if not isinstance(net, SRN):
        raise TypeError(f"net must be an srnlab.SRN, got {type(net).__name__}")
    _task(task), V.choice(variant, "variant", tasks.VARIANTS)
    X, y = tasks.generate(task, V.positive_int(n, "n"), V.positive_int(T, "T"), rng, variant=variant)
    return np.sort(np.abs(net.predict(X)[:, 0] - y[:, 0]))


def accuracy_at(errors, tol):
    """The share of sorted absolute errors strictly below tol (the paper's criterion at tolerance tol)."""
    errors = np.asarray(errors, dtype=float)
    return float(np.searchsorted(errors, tol, "left") / errors.size)


def build_study_demo(study, folder=None, n_test=500):
    """The lesson's demo: build(fig) -> update(task, setting, tol) for ``srnlab.course.widgets.Demo``.

    Left: the validation accuracy (|error| < 0.04) of the setting's networks against the update,
    with the best constant's level and the margin a run must clear to leave the plateau.
    Right: the accuracy of the setting's best network (by test accuracy) against the tolerance on
    |error|, beside the best constant's, with the paper's 0.04 and Pascanu's 0.2 marked; the slider
    moves the tolerance read off both curves.  A network's errors are computed once (n_test fresh
    sequences) when its setting is first shown.
    """
    _study(study)
    margin, T = study["config"]["margin"], study["config"]["T"]
    profiles = functools.lru_cache(maxsize=None)(
        lambda task, column: error_profile(load_network(study, best_run(study, task, column), folder),
                                           task, split_column(column)["variant"], T, n_test, rng=1))
    chances = functools.lru_cache(maxsize=None)(lambda task, variant: tasks.best_constant(task, TOLS, variant=variant)[1])

    def build(fig):
        ax_c, ax_t = fig.subplots(1, 2, width_ratios=[1.25, 1])
        curves = [ax_c.plot([], [], lw=1.6, color=f"C{i}", label="its networks" if i == 0 else "_")[0]
                  for i in range(study["config"]["networks"])]
        level = ax_c.axhline(0, color="k", ls="--", lw=1.2, label="best constant")
        bar = ax_c.axhline(0, color="0.5", ls=":", lw=1.2, label=f"+ {margin:g}: leaves the plateau")
        ax_c.set(ylabel="validation accuracy (|error| < 0.04)", ylim=(0, 1.02), xlim=(0, study["config"]["updates"]))
        updates_axis(ax_c)
        ax_c.legend(loc="upper left")
        net_line, = ax_t.plot(TOLS, np.zeros_like(TOLS), lw=2, color="C0", label="best network")
        const_line, = ax_t.plot(TOLS, np.zeros_like(TOLS), lw=1.8, ls="--", color="k", label="best constant")
        for x, name in ((PAPER_TOL, "paper"), (PASCANU_TOL, "Pascanu")):
            ax_t.axvline(x, color="0.6", lw=1)
            ax_t.text(x, 0.98, f" {name}", color="0.4", rotation=90, va="top")
        cursor = ax_t.axvline(PAPER_TOL, color="C3", lw=1.5)
        ax_t.set(xlabel="tolerance on |error|", ylabel="test accuracy", ylim=(0, 1.02), xlim=(0, TOLS[-1]))
        ax_t.legend(loc="lower right")

        def update(task, setting, tol):
            runs = runs_of(study, task, setting)
            variant = split_column(setting)["variant"]
            for line, r in zip(curves, runs + [None] * len(curves)):
                line.set_visible(r is not None)
                if r is not None:
                    line.set_data(r["val_update"], r["val_acc"])
            chance = runs[0]["chance"]["absolute"] if runs else np.nan
            level.set_ydata([chance, chance])
            bar.set_ydata([chance + margin, chance + margin])
            errors = profiles(task, setting) if runs else np.full(1, np.inf)
            net_acc = np.searchsorted(errors, TOLS, "left") / errors.size
            net_line.set_ydata(net_acc)
            const = chances(task, variant)
            const_line.set_ydata(const)
            cursor.set_xdata([tol, tol])
            left = sum(r["leaves_plateau_at"] is not None for r in runs)
            ax_c.set_title(f"{task}: {left} of {len(runs)} networks left the plateau")
            ax_t.set_title(f"|error| < {tol:.3f}: network {accuracy_at(errors, tol):.2f},\n"
                           f"best constant {float(np.interp(tol, TOLS, const)):.2f}")
        return update
    return build


def best_run(study, task, column):
    """The run of a setting with the highest test accuracy (the paper's criterion)."""
    runs = runs_of(study, task, column)
    if not runs:
        raise ValueError(f"the study has no run of {task} with {column} yet")
    return max(runs, key=lambda r: (r["test_accuracy"], -r["net"]))


def scale_rows(lesson, paper, task):
    """The settings run at both scales, one row each: at T = 50 (``lesson``) and at the paper's
    T = 100 (``paper``), how many networks left the plateau, when the first did, and the mean test
    accuracy under both criteria (None where a scale has no run of the setting yet)."""
    _study(lesson), _study(paper), _task(task)
    rows = []
    for column in columns(paper):
        big = paper["cells"].get(f"{task}|{column}")
        if big is None:
            continue
        small = lesson["cells"].get(f"{task}|{column}")
        row = {"column": column, "setting": describe_setting(column)}
        for tag, cell in (("50", small), ("100", big)):
            row.update({f"n_{tag}": cell and cell["n"], f"left_{tag}": cell and f"{cell['left_plateau']}/{cell['n']}",
                        f"left_plateau_{tag}": cell and cell["left_plateau"],
                        f"first_left_at_{tag}": cell and cell["first_left_at"],
                        f"mean_{tag}": cell and cell["mean"], f"mean_squared_{tag}": cell and cell["mean_squared"]})
        row["chance"], row["chance_squared"] = big["chance"]["absolute"], big["chance"]["squared"]
        rows.append(row)
    return rows


def plot_two_scales(ax, lesson, paper, task, column):
    """One setting's validation curves at T = 50 (grey) and at T = 100 (colour) on one axis of
    updates, with the best constant at T = 100 and the margin a run must clear to leave the plateau."""
    small, big = runs_of(lesson, task, column), runs_of(paper, task, column)
    for r in small:
        ax.plot(r["val_update"], r["val_acc"], color="0.6", lw=0.9, label="T = 50" if r is small[0] else None)
    for r in big:
        ax.plot(r["val_update"], r["val_acc"], color="C0", lw=0.9, alpha=0.8,
                label=f"T = {paper['config']['T']}" if r is big[0] else None)
    if big:
        chance = big[0]["chance"]["absolute"]
        ax.axhline(chance, color="k", ls="--", lw=1.2, label="best constant")
        ax.axhline(chance + paper["config"]["margin"], color="C3", ls=":", lw=1.2, label="plateau's edge")
    lr, clip, start, data = describe_setting(column).split(", ")
    ax.set(ylabel="validation accuracy (|e| < 0.04)", ylim=(0, 1))
    updates_axis(ax)
    ax.set_title(f"{task}\n{lr}, {clip}\n{start}, {data}", fontsize=9)


def table1_runs(table1, task):
    """Where Table 1's reported networks of one regression task were taken, and what they score.

    table1: a Table 1 summary as ``benchmarks_tables.load("table1", scale)`` returns it.  The
    runner reports each run's test accuracy on the network of its best validation, so a network
    taken at update 0 is the untrained one.  One row (dict) per run, in (column, net) order:
    column, net, best_update, test_accuracy and test_accuracy_squared (None if the record predates
    it), accept_rate (the share of minibatches the method let through; 1 for plain SGD),
    val_update and val_acc (the validation curve), val_at_start (the accuracy at update 0) and
    late_median (the median validation accuracy over the second half of the run).
    """
    if not isinstance(table1, dict) or not isinstance(table1.get("runs"), list):
        raise TypeError("table1 must be the dict benchmarks_tables.load('table1', scale) returns")
    _task(task)
    rows = []
    for r in sorted((r for r in table1["runs"] if r.get("task") == task), key=lambda r: (r["column"], r["net"])):
        updates, acc = np.asarray(r["curves"]["val_update"]), np.asarray(r["curves"]["val_acc"], dtype=float)
        rows.append(dict(column=r["column"], net=r["net"], best_update=r["best_update"],
                         test_accuracy=r["test_accuracy"], test_accuracy_squared=r.get("test_accuracy_squared"),
                         accept_rate=r.get("accept_rate", 1.0), val_update=updates, val_acc=acc,
                         val_at_start=float(acc[0]) if updates[0] == 0 else None,
                         late_median=float(np.median(acc[updates >= r["updates"] / 2]))))
    return rows


def plot_table1_curves(ax, rows, chance, task):
    """Every run's validation curve (thin) and their median (thick) on an axis of updates that is
    linear up to 1,000 and logarithmic beyond, with the best constant (dashed) and the mean target
    (dotted) of ``chance`` (a ``benchmarks_tables.Chance``), and a dot where each reported network
    was taken."""
    from matplotlib.ticker import NullLocator
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "val_acc" in r for r in rows):
        raise TypeError(f"rows must be the list table1_runs() returns, got {type(rows).__name__}")
    if not isinstance(chance, Chance):
        raise TypeError(f"chance must be a benchmarks_tables.Chance (chance_level(task)), got {type(chance).__name__}")
    if not rows:
        raise ValueError(f"no run of {task} to draw")
    for r in rows:
        ax.plot(r["val_update"], r["val_acc"], color="0.7", lw=0.6)
    n = min(r["val_acc"].size for r in rows)
    ax.plot(rows[0]["val_update"][:n], np.median([r["val_acc"][:n] for r in rows], axis=0), color="C0", lw=2,
            label=f"median of {len(rows)} runs")
    ax.plot([r["best_update"] for r in rows],
            [float(np.interp(r["best_update"], r["val_update"], r["val_acc"])) for r in rows],
            "o", color="C3", ms=4, label="where the reported network was taken")
    ax.axhline(chance.accuracy, color="k", ls="--", lw=1.2, label=f"best constant ({chance.guess:.2f})")
    ax.axhline(chance.mean_guess_accuracy, color="k", ls=":", lw=1.2, label=f"mean target ({chance.mean_guess:.2f})")
    ax.set_xscale("symlog", linthresh=1000, linscale=1.0)
    last = max(int(r["val_update"][-1]) for r in rows)
    ax.set_xticks([0, 500] + [10 ** k for k in range(3, len(str(last)))])
    ax.xaxis.set_minor_locator(NullLocator())
    updates_axis(ax, "update (linear to 1k, then logarithmic)")
    ax.set(ylabel="validation accuracy (|e| < 0.04)", xlim=(-20, last), ylim=(0, max(0.45, 1.5 * max(float(r["val_acc"].max()) for r in rows))), title=task)
    ax.legend(fontsize=8, loc="upper right", ncol=2)

