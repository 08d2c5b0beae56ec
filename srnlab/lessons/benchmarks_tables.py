"""The paper's reported accuracies as data, and a stated rule to compare them with ours (lesson 08).

Chernodub (2016; English twin arXiv:1606.07767), section 8, reports test accuracies of the "save best"
networks, best and mean over ten networks per method:

* Table 1, T = 100, all four tasks;
* Table 2, T = 150, every task but multiplication;
* Fig. 5, temporal order against T = 50, 100, 150.  The figure's curves are not
  printed as numbers: the text says only that at T = 50 "nearly 100%" is
  reachable even without the method, and that at T = 100 and 150 the method
  improves the mean by "about 10-20%".  The T = 100 and 150 points here are the
  temporal-order cells of Tables 1 and 2 (same task, lengths and networks).

Numbers are kept as the paper prints them (``Reported``): "96%" is exact,
">99%" is only a lower bound and is stored as the bound 0.99 with kind "above"
(never as an invented 99.5%), "nearly 100%" is kind "approx", and a dash or a
figure the text does not give is kind "missing".

The comparison rule (``verdict``), per cell (task, T, method):

* "not run": no finished run of ours for the cell;
* the best accuracy agrees when
    - the paper says ">99%":   ours is > 99% too (a success, the paper's criterion);
    - the paper gives p:       |ours - p| <= TOL_BEST and ours and p are on the same
                               side of the 99% success line (99% exactly is not a success);
    - "nearly 100%":           |ours - 1| <= TOL_BEST;
* the mean accuracy agrees when |ours - p| <= TOL_MEAN (means over 3 networks are
  noisy: one network more or less at chance moves a mean of three by a third of
  the gap);
* "reproduced" if every reported quantity agrees, "partly" if one of the two
  does, "not reproduced" if none does.

The scale difference is part of every row: at scale "small" our networks train on
sequences half as long (T = 50 against the paper's 100), there are 3 networks
instead of 10, 10,000 updates instead of 100,000 and 2,000 test sequences instead
of 10,000.  A verdict therefore says whether our smaller experiment shows what
the paper reports, not whether the paper's own experiment would come out the same.
A verdict computed from fewer networks than the scale plans is marked provisional.

The effect of the method (``effects``): the paper's difference of mean accuracy
(sampling minus plain SGD) against ours, computed over the networks both columns
have finished (the runs are paired: same initial weights and data).  Each
difference is read as "better" (> +TOL_EFFECT), "worse" (< -TOL_EFFECT) or "same";
the effect is "reproduced" when both read the same, "not reproduced" otherwise.
How far a paired difference could come from chance alone is ``paired_p_value``: the
exact sign-flip (permutation) test of its mean over the networks.

Chance (``chance_level``): what a network that ignores its input scores; for
multiplication the exact distribution of a product of two uniforms is
``product_cdf``, and ``check_multiplication_chance`` judges the lesson's exercise.

Drawing: ``build_task_demo`` is the lesson's demo of the four tasks; ``reserve_legend_room``
makes a demo's layout once with room for the largest legend its dropdown can show; ``plot_fig5``
draws the paper's Fig. 5 beside our cells (``cell_points``) at either scale;
``build_author_runs_demo`` follows one network of the author's columns through training.
A run's kept network (``run_network``) can be asked what it answers: ``answer_correlation``.

From a shell, ``python -m srnlab.lessons.benchmarks_tables table2 --scale paper`` prints ``report``:
the comparison of one results file with the paper, and the author's columns, as Markdown.
"""
import numbers
import os
import re
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from .. import tasks
from ..results import ResultsError, cell_key, kept_network, progress_text, read_json, runs_folder, split_cell_key
from ..results import folder as results_folder

#: A model "succeeds" on a task when more than 99% of the test set is right.
SUCCESS = 0.99
#: Tolerances of the comparison rule (absolute, in accuracy units: 0.05 = 5 points).
TOL_BEST = 0.05
TOL_MEAN = 0.15
TOL_EFFECT = 0.05

#: The paper's set-up (section 8), for the scale note.
PAPER_SETUP = dict(K=100, networks=10, updates=100_000, n_train=20_000, n_val=1_000, n_test=10_000,
                   lr=1e-5, momentum=0.9, batch=10)

#: The paper's two training methods and our columns that run them.
METHODS = {"sgd": "plain SGD (no regularization)", "sampling": "sampling method"}

VERDICTS = ("reproduced", "partly", "not reproduced", "not run")


@dataclass(frozen=True)
class Reported:
    """One accuracy as the paper prints it.

    value: a fraction in [0, 1]; for ">99%" the bound 0.99; None when not reported.
    kind: "exact", "above" (more than value, by how much is not said),
        "approx" (the text's "nearly 100%") or "missing".
    text: as printed.
    """

    value: object
    kind: str
    text: str

    @classmethod
    def parse(cls, text):
        """'96%' -> exact 0.96; '>99%' -> above 0.99; '~100%' -> approx 1.0; '-' (printed dash) or None (no figure) -> missing."""
        if text is None:
            return cls(None, "missing", "not given")
        if not isinstance(text, str):
            raise TypeError(f"a printed accuracy is a str such as '96%', '>99%', '~100%' or '-', got {text!r}")
        if text.strip() in ("-", ""):
            return cls(None, "missing", "-")
        t = text.strip()
        kind = "above" if t.startswith(">") else "approx" if t.startswith("~") else "exact"
        try:
            number = float(t.lstrip(">~").rstrip("%")) / 100.0
        except ValueError:
            number = None
        if number is None or not 0 <= number <= 1:
            raise ValueError(f"cannot read {text!r} as a printed accuracy: allowed are '96%', '>99%', '~100%' "
                             "or '-', with a percentage from 0 to 100")
        shown = "nearly 100%" if kind == "approx" else t
        return cls(number, kind, shown)

    @property
    def reported(self):
        return self.kind != "missing"

    def agrees(self, ours, tol, success_line=False):
        """Whether our accuracy agrees with this figure (None when the paper gives none)."""
        if self.kind == "missing" or ours is None:
            return None
        if self.kind == "above":
            return bool(ours > self.value)
        close = abs(ours - self.value) <= tol
        if success_line and self.kind == "exact":
            close = close and ((ours > SUCCESS) == (self.value > SUCCESS))
        return bool(close)


@dataclass(frozen=True)
class PaperCell:
    """The paper's best and mean accuracy for one task, length and method."""

    experiment: str
    task: str
    T: int
    method: str
    best: Reported
    mean: Reported
    source: str


def _table(experiment, T, printed, source):
    cells = []
    for method, row in printed.items():
        for task, (best, mean) in row.items():
            cells.append(PaperCell(experiment, task, T, method, Reported.parse(best),
                                   Reported.parse(mean), source))
    return cells


#: Table 1 (T = 100), as printed: (best, mean) of 10 networks.
TABLE1 = _table("table1", 100, {
    "sgd": {"addition": ("99%", "68%"), "multiplication": (">99%", "72%"),
            "temporal_order": ("96%", "44%"), "temporal_order_3bit": (">99%", "50%")},
    "sampling": {"addition": (">99%", "96%"), "multiplication": (">99%", "68%"),
                 "temporal_order": (">99%", "60%"), "temporal_order_3bit": (">99%", "62%")},
}, "Table 1")

#: Table 2 (T = 150); multiplication is not reported (printed as dashes).
TABLE2 = _table("table2", 150, {
    "sgd": {"addition": ("34%", "11%"), "temporal_order": ("51%", "30%"),
            "temporal_order_3bit": ("32%", "24%")},
    "sampling": {"addition": ("47%", "13%"), "temporal_order": ("72%", "42%"),
                 "temporal_order_3bit": ("37%", "30%")},
}, "Table 2")

#: Fig. 5 (temporal order against T).  T = 50: the text's "nearly 100%" (best), no mean;
#: T = 100 and 150: the temporal-order cells of Tables 1 and 2.
FIG5 = (
    _table("fig5", 50, {m: {"temporal_order": ("~100%", None)} for m in METHODS},
           "Fig. 5, text: nearly 100% at T = 50 even without the method")
    + [PaperCell("fig5", c.task, c.T, c.method, c.best, c.mean, f"Fig. 5 = {c.source}")
       for c in TABLE1 + TABLE2 if c.task == "temporal_order"]
)

#: The text's claim under Fig. 5: the method improves the mean by about 10-20 points at T = 100, 150.
FIG5_CLAIM = dict(T=(100, 150), mean_improvement=(0.10, 0.20),
                  text="the method improves the mean accuracy by about 10-20% at T = 100 and T = 150")

PAPER = {"table1": TABLE1, "table2": TABLE2, "fig5": FIG5}


def paper_cells(experiment):
    """The paper's cells of one experiment ("table1", "table2" or "fig5")."""
    return list(PAPER[V.choice(experiment, "experiment", tuple(PAPER))])


# --------------------------------------------------------------------- our results
def run_length(T_paper, T_factor):
    """The T our runner trains on for the paper's T at a scale (as ``python -m srnlab run`` does)."""
    T_paper = V.positive_int(T_paper, "T_paper")
    T_factor = V.nonnegative_float(T_factor, "T_factor", allow_zero=False)
    return max(tasks.min_length("addition"), round(T_paper * T_factor))


def load(experiment, scale, out=None):
    """The results file of an experiment as a dict (``<results folder>/<experiment>-<scale>.json``).

    out: the results folder; by default the one ``srnlab.results.folder()`` finds.
    Raises FileNotFoundError (saying how to make it) when it does not exist.
    """
    V.choice(experiment, "experiment", tuple(PAPER))
    if not isinstance(scale, str):
        raise TypeError(f"scale must be a scale's name such as 'small', got {scale!r}")
    _folder(out)
    path = results_folder(out) / f"{experiment}-{scale}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `python -m srnlab run {experiment} --scale {scale}` first")
    res = read_json(path)
    if not isinstance(res, dict) or not {"runs", "cells", "config", "runs_done", "runs_total"} <= set(res):
        raise ResultsError(f"{path}: this results file is damaged (it lacks the keys of a summary); run "
                           f"`python -m srnlab summarize {experiment} --scale {scale}` to write it again")
    return res


def _folder(out):
    if out is not None and not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"the results folder must be None, a str or a path, got {type(out).__name__}")


def _summary(result):
    """A results dict from ``load`` / ``load_results`` (or None), else a TypeError / ValueError."""
    if result is None:
        return None
    if not isinstance(result, dict):
        raise TypeError(f"result must be a results dict from load() or load_results(), or None; got {type(result).__name__}")
    missing = {"runs", "cells", "config", "runs_done", "runs_total"} - set(result)
    if missing:
        raise ValueError(f"result is not a results dict from load() or load_results(): it lacks {sorted(missing)}")
    return result


def load_results(experiment, scale="small", folder=None):
    """(results dict or None, a sentence saying what was loaded or how to make it)."""
    try:
        res = load(experiment, scale, folder)
    except FileNotFoundError:
        base = results_folder(folder)
        path = base / f"{experiment}-{scale}.json"
        runs = runs_folder(experiment, scale, folder)
        return None, (f"No results file {path}. From the project folder, run "
                      f"`python -m srnlab run {experiment} --scale {scale}` (it resumes "
                      f"where it stopped), or, if {runs} holds finished runs, "
                      f"`python -m srnlab summarize {experiment} --scale {scale}`.")
    return res, f"{experiment} at scale {scale!r}: {progress_text(res)}."


def _scale_of(result, scale):
    """The scale's parameters, from a results file (by default table1's at that scale)."""
    if _summary(result) is None:
        result = load("table1", scale)
    return result["config"]["scale"], result["scale"]


def describe(result):
    """The configuration that produced a results file, as a few lines of text."""
    if _summary(result) is None:
        raise TypeError("describe needs a results dict from load() or load_results(), got None")
    sc, hy, exp = result["config"]["scale"], result["config"]["hyper"], result["config"]["experiment"]
    T_ours = [run_length(T, sc["T_factor"]) for T in exp["T"]]
    v = result["versions"]
    done = sorted({r["updates"] for r in result["runs"]})
    done = f"; the finished runs made {', '.join(f'{u:,}' for u in done)}" if done and done != [sc["updates"]] else ""
    return "\n".join([
        f"experiment {result['experiment']}, scale {result['scale']!r}, seed {result['seed']}: "
        f"{result['runs_done']}/{result['runs_total']} runs done, complete = {result['complete']}",
        f"  T trained on {T_ours} (paper: {exp['T']}; T_factor {sc['T_factor']})",
        f"  networks per cell {sc['networks']} (paper {PAPER_SETUP['networks']}), updates {sc['updates']:,} "
        f"(paper {PAPER_SETUP['updates']:,}{done}), train/val/test {sc['n_train']:,}/{sc['n_val']:,}/{sc['n_test']:,} "
        f"(paper {PAPER_SETUP['n_train']:,}/{PAPER_SETUP['n_val']:,}/{PAPER_SETUP['n_test']:,})",
        f"  K {hy['K']}, W std {hy['std']}, lr {hy['lr']:g}, reduction {hy['reduction']!r}, momentum "
        f"{hy['momentum']}, batch {hy['batch']}, Q range {tuple(hy['q_range'])}, |dS| max {hy['ds_max']}, "
        f"rule {hy['rule']!r}, clip norm {hy['clip_norm']}",
        f"  columns {', '.join(exp['columns'])}; tasks {', '.join(exp['tasks'])}",
        "  versions: " + ", ".join(f"{k} {val}" for k, val in sorted(v.items())),
    ])


def scale_note(result=None, scale="small"):
    """One sentence on how our scale differs from the paper's."""
    sc, name = _scale_of(result, scale)
    return (f"Scale {name!r}: T x {sc['T_factor']:g}, {sc['networks']} networks per cell (paper "
            f"{PAPER_SETUP['networks']}), {sc['updates']:,} updates (paper {PAPER_SETUP['updates']:,}), "
            f"{sc['n_test']:,} test sequences (paper {PAPER_SETUP['n_test']:,}).")


@dataclass(frozen=True)
class Verdict:
    verdict: str          # one of VERDICTS
    best_ok: object       # True / False / None (not reported or not run)
    mean_ok: object
    reason: str


def verdict(cell, ours):
    """Apply the rule of the module docstring to a PaperCell and our cell {"best", "mean", "n"} (or None)."""
    if not isinstance(cell, PaperCell):
        raise TypeError(f"cell must be a PaperCell (from paper_cells), got {type(cell).__name__}")
    if ours is not None and (not isinstance(ours, dict) or not {"best", "mean", "n"} <= set(ours)):
        raise TypeError(f"ours must be None or our cell, a dict with 'best', 'mean' and 'n'; got {ours!r:.80}")
    for key in ("best", "mean"):
        if ours is not None and ours[key] is not None and not 0 <= V.nonnegative_float(ours[key], f"ours[{key!r}]") <= 1:
            raise ValueError(f"ours[{key!r}] must be an accuracy in [0, 1], got {ours[key]}")
    if ours is None or ours.get("n", 0) == 0:
        return Verdict("not run", None, None, "no finished run")
    best_ok = cell.best.agrees(ours["best"], TOL_BEST, success_line=True)
    mean_ok = cell.mean.agrees(ours["mean"], TOL_MEAN)
    checks = [ok for ok in (best_ok, mean_ok) if ok is not None]
    if not checks:
        return Verdict("not run", None, None, "the paper reports nothing to compare")
    word = "reproduced" if all(checks) else "partly" if any(checks) else "not reproduced"
    parts = []
    for name, rep, val, ok, tol in (("best", cell.best, ours["best"], best_ok, TOL_BEST),
                                    ("mean", cell.mean, ours["mean"], mean_ok, TOL_MEAN)):
        if ok is None:
            continue
        rule = "needs > 99%" if rep.kind == "above" else f"within {tol:.2f}"
        if rep.kind == "exact" and name == "best":
            rule += ", same side of 99%"
        parts.append(f"{name} {val:.3f} vs {rep.text} ({rule}): {'yes' if ok else 'no'}")
    return Verdict(word, best_ok, mean_ok, "; ".join(parts))


def compare(experiment, result=None, scale="small"):
    """One row (a dict) per paper cell: the paper's figures, ours, the verdict and the scale.

    result: a results dict (``load_results``) or None (every row is then "not run").
    Regression cells whose runs all kept their networks are also scored under Pascanu's
    criterion, e^2 <= 0.04: ``best_squared``, ``mean_squared`` and ``verdict_squared`` (the
    same rule), None elsewhere.
    """
    sc, name = _scale_of(result, scale)
    cells = result["cells"] if result is not None else {}
    rows = []
    for c in paper_cells(experiment):
        T_ours = run_length(c.T, sc["T_factor"])
        ours = cells.get(cell_key(c.task, T_ours, c.method))
        v = verdict(c, ours)
        n = ours["n"] if ours else 0
        squared = ours if ours and "mean_squared" in ours else None
        vs = verdict(c, {"best": squared["best_squared"], "mean": squared["mean_squared"], "n": n}) if squared else None
        rows.append(dict(task=c.task, T_paper=c.T, T_ours=T_ours, method=c.method,
                         paper_best=c.best.text, paper_mean=c.mean.text,
                         paper_best_value=c.best.value, paper_best_kind=c.best.kind,
                         paper_mean_value=c.mean.value, paper_mean_kind=c.mean.kind,
                         best=ours["best"] if ours else None, mean=ours["mean"] if ours else None,
                         n=n, n_planned=sc["networks"], provisional=0 < n < sc["networks"],
                         verdict=v.verdict, best_ok=v.best_ok, mean_ok=v.mean_ok, reason=v.reason,
                         best_squared=squared and squared["best_squared"],
                         mean_squared=squared and squared["mean_squared"],
                         verdict_squared=vs and vs.verdict, reason_squared=vs and vs.reason,
                         source=c.source, scale=name))
    return rows


#: The runner's columns that run each of the paper's methods as its author's public code does
#: (github.com/FlyElephant-M31/r3): the velocity set to zero every 50 updates and, for the
#: method, his log10 indicator with the spectral norm (``srnlab.runs.tables``).
AUTHOR_COLUMNS = {"sgd": "sgd_author", "sampling": "sampling_author"}


def accuracies(result, task, T, column):
    """{network: test accuracy} of one cell's finished runs in a results file ({} without the file).

    T is our run length (``run_length`` of the paper's)."""
    if not isinstance(task, str) or not isinstance(column, str):
        raise TypeError(f"task and column must be names (str), got {type(task).__name__} and {type(column).__name__}")
    return {r["net"]: r["test_accuracy"] for r in ((_summary(result) or {}).get("runs", []))
            if r["task"] == task and r["T"] == T and r["column"] == column}


def paired_differences(result, task, T, column, base="sgd"):
    """Network by network, ``column``'s test accuracy minus ``base``'s from the same start and
    data: shape (n,), in the order of the networks, over the n networks both have finished."""
    acc, other = accuracies(result, task, T, column), accuracies(result, task, T, base)
    return np.array([acc[i] - other[i] for i in sorted(set(acc) & set(other))], dtype=float)


def paired_p_value(d):
    """Two-sided p-value of the mean of paired differences ``d`` (shape (n,)), by the exact
    sign-flip test: under "the two columns are exchangeable on each network" every one of the
    2**n sign patterns of ``d`` is equally likely, and p is the fraction whose mean is at least as
    far from 0 as the observed one.  With 10 networks the smallest possible p is 2/1024 (all ten
    differences on one side).  None when ``d`` is empty.  (``scipy.stats.permutation_test``.)
    """
    d = np.asarray(d, dtype=float)
    if d.ndim != 1 or not np.all(np.isfinite(d)):
        raise ValueError(f"paired_p_value: d must be a 1-D array of finite differences, got shape {d.shape}")
    if d.size == 0:
        return None
    if d.size == 1:                                   # both signs are as far from 0
        return 1.0
    if d.size > 20:
        raise ValueError(f"paired_p_value: the exact test enumerates 2**n sign patterns; n = {d.size} > 20")
    from scipy.stats import permutation_test          # imported here: only this function needs SciPy
    return float(permutation_test((d,), np.mean, permutation_type="samples", n_resamples=np.inf).pvalue)


def author_rows(experiment, result):
    """One row per paper cell, for the author's reading of its method (``AUTHOR_COLUMNS``).

    Each row holds the paper's figures, ours for the author's column with the same verdict
    rule as ``compare``, and, network by network against plain SGD (``sgd``) from the same
    start and data: the mean paired difference and on how many networks it is better and worse
    (``minus_sgd``, ``better``, ``worse``, ``pairs``); for the method (``sampling_author``) the same
    against plain SGD in the author's own loop (``sgd_author``, velocity reset included:
    ``minus_own``, ``better_own``, ``worse_own``, ``pairs_own``; None for the SGD row), the
    method's effect with nothing else changed; the median fraction of
    minibatches used and of updates with Q in the safe zone.  ``p_sgd`` and ``p_own`` are the
    ``paired_p_value`` of ``minus_sgd`` and ``minus_own``.
    """
    if _summary(result) is None:
        return []
    sc = result["config"]["scale"]
    rows = []
    for c in paper_cells(experiment):
        T_ours = run_length(c.T, sc["T_factor"])
        column = AUTHOR_COLUMNS[c.method]
        ours = result["cells"].get(cell_key(c.task, T_ours, column))
        v = verdict(c, ours)
        mine = [r for r in result["runs"] if (r["task"], r["T"], r["column"]) == (c.task, T_ours, column)]
        d = paired_differences(result, c.task, T_ours, column, "sgd")
        own = paired_differences(result, c.task, T_ours, column, AUTHOR_COLUMNS["sgd"]) if c.method != "sgd" else None
        rate = lambda key: (float(np.median([r[key] for r in mine]))
                            if mine and all(r.get(key) is not None for r in mine) else None)
        n = ours["n"] if ours else 0
        rows.append(dict(task=c.task, T_paper=c.T, T_ours=T_ours, method=c.method, column=column,
                         paper_best=c.best.text, paper_mean=c.mean.text,
                         best=ours["best"] if ours else None, mean=ours["mean"] if ours else None,
                         n=n, n_planned=sc["networks"], provisional=0 < n < sc["networks"],
                         verdict=v.verdict, reason=v.reason,
                         pairs=len(d), minus_sgd=float(d.mean()) if len(d) else None,
                         better=int(np.sum(d > 0)) if len(d) else None,
                         worse=int(np.sum(d < 0)) if len(d) else None,
                         pairs_own=None if own is None else len(own),
                         minus_own=float(own.mean()) if own is not None and len(own) else None,
                         better_own=int(np.sum(own > 0)) if own is not None and len(own) else None,
                         worse_own=int(np.sum(own < 0)) if own is not None and len(own) else None,
                         p_sgd=paired_p_value(d), p_own=None if own is None else paired_p_value(own),
                         accepted=rate("accept_rate"), q_in_zone=rate("q_in_zone")))
    return rows


#: The columns of ``author_table``: (key of an ``author_rows`` row, header).
AUTHOR_TABLE = [("task", "task"), ("T_ours", "T"), ("column", "column"), ("paper_best", "paper best"),
                ("paper_mean", "paper mean"), ("best", "best"), ("mean", "mean"), ("nets", "nets"),
                ("verdict", "verdict"), ("vs_sgd", "mean − sgd, paired"), ("vs_own", "mean − sgd_author, paired"),
                ("accepted", "used (median)"), ("q_in_zone", "Q in zone (median)")]


def nets_text(row):
    """How many networks a row of ``compare`` or ``author_rows`` holds: "3/10 (provisional)", "10/10"."""
    return f"{row['n']}/{row['n_planned']}" + (" (provisional)" if row["provisional"] else "")


def _paired(diff, better, worse, pairs, p):
    if diff is None:
        return None
    tied = f", {pairs - better - worse} tied" if pairs > better + worse else ""
    return f"{diff:+.3f} ({better} better, {worse} worse{tied}; p = {p:.2g})"


def author_table(rows):
    """The cells of ``author_rows`` that have runs, as a Markdown table (``AUTHOR_TABLE``); "" if none.

    A paired difference reads "+0.089 (3 better, 3 worse, 4 tied; p = 0.25)": the mean over the
    networks both columns finished, on how many the column's test accuracy is higher, lower and
    equal, and the exact sign-flip p-value.  "(provisional)" marks a cell with fewer networks than its scale plans."""
    done = [dict(r, nets=nets_text(r),
                 vs_sgd=_paired(r["minus_sgd"], r["better"], r["worse"], r["pairs"], r["p_sgd"]),
                 vs_own=_paired(r["minus_own"], r["better_own"], r["worse_own"], r["pairs_own"], r["p_own"]))
            for r in rows if r["n"] > 0]
    return markdown_table(done, AUTHOR_TABLE) if done else ""


#: The columns of ``report``'s comparison table: (key of a ``compare`` row, header).
COMPARE_TABLE = [("task", "task"), ("method", "method"), ("T_paper", "T paper"), ("T_ours", "T ours"),
                 ("paper_best", "paper best"), ("paper_mean", "paper mean"), ("best", "our best"),
                 ("mean", "our mean"), ("nets", "nets"), ("verdict", "verdict")]


def report(experiment, scale="small", folder=None):
    """One experiment's comparison with the paper as Markdown text: what was loaded, the paper's
    cells against ours for plain SGD and the method as configured (``compare``; cells of a column
    that was not run read "not run"), and the author's columns (``author_table``) where the
    results file has them.  What ``python -m srnlab.lessons.benchmarks_tables`` prints."""
    V.choice(experiment, "experiment", tuple(PAPER))
    result, message = load_results(experiment, scale, folder)
    parts = [message]
    if result is not None:
        rows = [dict(r, nets=nets_text(r)) for r in compare(experiment, result, scale)]
        parts += ["```\n" + describe(result) + "\n```", markdown_table(rows, COMPARE_TABLE)]
        author = author_table(author_rows(experiment, result))
        if author:
            parts += ["The author's columns (his reading of each method, the velocity reset every 50 updates):",
                      author]
    return "\n\n".join(parts)


def main(argv=None):
    """``python -m srnlab.lessons.benchmarks_tables EXPERIMENT [--scale S] [--out FOLDER]``: print ``report``."""
    import argparse
    ap = argparse.ArgumentParser(prog="python -m srnlab.lessons.benchmarks_tables",
                                 description="Compare one experiment's results file with the paper (Markdown).")
    ap.add_argument("experiment", choices=sorted(PAPER))
    ap.add_argument("--scale", default="small", help="the results file's scale (default: small)")
    ap.add_argument("--out", default=None, help="the results folder (default: the checkout's results/)")
    args = ap.parse_args(argv)
    try:
        print(report(args.experiment, args.scale, args.out))
    except (ResultsError, ValueError) as exc:
        print(f"error: {exc}")
        return 1
    return 0


def extra_cells(result):
    """Our cells for columns the paper does not have (clip, orthogonal, identity, sampling_grad);
    the author's readings of the paper's two methods are in ``author_rows``."""
    if _summary(result) is None:
        return []
    out = []
    for key, v in sorted(result["cells"].items()):
        task, T, column = split_cell_key(key)
        if column not in METHODS and column not in AUTHOR_COLUMNS.values():
            out.append(dict(task=task, T_ours=T, column=column, **v))
    return out


def _direction(d):
    return "better" if d > TOL_EFFECT else "worse" if d < -TOL_EFFECT else "same"


def effects(experiment, result=None, scale="small"):
    """Per (task, T): the paper's mean(sampling) - mean(sgd) against ours over paired networks."""
    sc, _ = _scale_of(result, scale)
    by_cell = {}
    for c in paper_cells(experiment):
        by_cell.setdefault((c.task, c.T), {})[c.method] = c
    rows = []
    for (task, T), cm in by_cell.items():
        if not all(m in cm and cm[m].mean.kind == "exact" for m in METHODS):
            continue
        T_ours = run_length(T, sc["T_factor"])
        d = paired_differences(result, task, T_ours, "sampling", "sgd")
        paper_d = cm["sampling"].mean.value - cm["sgd"].mean.value
        ours_d = float(d.mean()) if len(d) else None
        if ours_d is None:
            word = "not run"
        else:
            word = "reproduced" if _direction(paper_d) == _direction(ours_d) else "not reproduced"
        rows.append(dict(task=task, T_paper=T, T_ours=T_ours, paper_diff=paper_d,
                         paper_reads=_direction(paper_d), diff=ours_d,
                         reads=_direction(ours_d) if ours_d is not None else None,
                         pairs=len(d), verdict=word))
    return rows


def learning_curves(result):
    """{(task, T, column): [(net, val_update array, val_acc array), ...]} from a results file's runs."""
    out = {}
    if _summary(result) is None:
        return out
    for r in sorted(result["runs"], key=lambda r: (r["task"], r["T"], r["column"], r["net"])):
        c = r["curves"]
        out.setdefault((r["task"], r["T"], r["column"]), []).append((r["net"], np.asarray(c["val_update"], float),
                                        np.asarray(c["val_acc"], float)))
    return out


# --------------------------------------------------------------------- chance
@dataclass(frozen=True)
class Chance:
    """The accuracy of the best answer that ignores the input, measured by simulation."""

    task: str
    guess: float            # the best constant answer (a class, or a value)
    accuracy: float         # its accuracy on the simulated targets
    mean_guess: object      # regression: the least-squares constant (the mean target); else None
    mean_guess_accuracy: object
    n: int


def chance_level(task, n=100_000, rng=0, tol=tasks.TOLERANCE, criterion="absolute"):
    """Chance level of a task: simulate n targets with ``tasks.generate`` and find the best constant.

    Classification: the most frequent class (the classes are uniform, so about 1/n_classes).
    Regression: ``tasks.best_constant``, the constant with the most targets counted right by
    ``criterion`` as in ``tasks.accuracy``: |y - c| < tol ("absolute", the paper's text) or
    (y - c)^2 <= tol ("squared", Pascanu's code: |y - c| <= sqrt(tol)); also the accuracy of
    the mean target, the constant a least-squares network that ignores its input converges to.
    Both are measured on the same n targets (a Generator or None gives the seed they are drawn with).
    """
    spec = tasks.spec(task)
    n = V.positive_int(n, "n")
    if not isinstance(rng, numbers.Integral) or isinstance(rng, bool):
        rng = int(V.as_rng(rng).integers(2**63))        # one seed for both draws below
    tol = V.nonnegative_float(tol, "tol", allow_zero=False)
    V.choice(criterion, "criterion", tasks.CRITERIA)
    _, y = tasks.generate(task, n, tasks.min_length(task), rng)   # targets do not depend on T
    if spec.output == "softmax":
        freq = np.bincount(y, minlength=spec.n_classes) / n
        k = int(np.argmax(freq))
        return Chance(task, k, float(freq[k]), None, None, n)
    c, acc = tasks.best_constant(task, tol, criterion, n=n, rng=rng)
    m = float(y.mean())
    return Chance(task, c, acc, m, tasks.accuracy(task, np.full_like(y, m), y, tol, criterion), n)


def product_cdf(t):
    """P(uv <= t) for u, v independent and uniform on [0, 1]: F(t) = t - t ln t on (0, 1], 0 below, 1 above.

    Its density is -ln t: the products of the multiplication task pile up near 0.
    """
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t > 0, t - t * np.log(np.where(t > 0, t, 1.0)), 0.0)


def _window(c, tol):
    """The exact share of products uv within tol of the constant c."""
    return float(product_cdf(c + tol) - product_cdf(c - tol))


def check_multiplication_chance(fn, n=200_000, rng=0):
    """fn(tol) -> (c, accuracy, mean_accuracy): the chance level of multiplication (lesson 08's exercise).

    c is the best constant answer (the most targets y = uv within |y - c| < tol),
    accuracy the share of targets it gets right, mean_accuracy the share the mean
    target gets right.  Judged for tol = 0.04 (the paper's) and 0.1 against
    ``chance_level("multiplication", n, rng, tol)``, within 0.006 (the sampling error of
    100,000 simulated targets and a grid); c is judged by the exact share of its
    window, which must be within 0.006 of the best.  The exact values follow from
    F(t) = t - t ln t (``product_cdf``): the best window is (0, 2 tol), the mean is 1/4.
    The verdict names the common slips: the mean, 1/2 or the median as the best constant, c = 0,
    a window of width tol, the share of a uniform or of addition's triangular target,
    the density times the width, 1/2 or the median as the mean target, percentages,
    numbers that ignore tol.
    """
    from ..course.exercises import _call, _function, _verdict
    _function(fn)
    median = 0.1867                                   # F(median) = 1/2
    close = 0.006
    seen = []
    for tol in (tasks.TOLERANCE, 0.1):
        out, err = _call(fn, tol)
        if err:
            return _verdict(False, err)
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            return _verdict(False, "return three numbers, `return c, accuracy, mean_accuracy` "
                                   f"(got {type(out).__name__}).")
        try:
            c, acc, mean_acc = (float(v) for v in out)
        except (TypeError, ValueError):
            return _verdict(False, "return three numbers, got " + ", ".join(type(v).__name__ for v in out) + ".")
        if not all(np.isfinite([c, acc, mean_acc])):
            return _verdict(False, f"for tol = {tol} you returned ({c}, {acc}, {mean_acc}): every value must be finite.")
        where = f"for tol = {tol}"
        if acc > 1 or mean_acc > 1:
            return _verdict(False, f"{where} you returned accuracies {acc:g} and {mean_acc:g}: give fractions in [0, 1], "
                                   "not percentages or counts.")
        if seen and (c, acc, mean_acc) == seen[0]:
            return _verdict(False, f"{where} you returned the same numbers as for tol = {tasks.TOLERANCE}: "
                                   "use the argument tol.")
        seen.append((c, acc, mean_acc))
        sim = chance_level("multiplication", n=n, rng=rng, tol=tol)
        best, at_mean = _window(tol, tol), _window(0.25, tol)
        # 1. the constant
        if _window(c, tol) < best - close:
            if abs(c - 0.25) < 0.01:
                why = ("that is the mean target. The squared error's best constant is the mean, but under "
                       "|error| < tol the best constant is where the targets are densest, and products pile up near 0")
            elif abs(c - 0.5) < 0.01:
                why = ("that is the middle of [0, 1], the best constant for addition, whose targets peak at 1/2; "
                       "products of two uniforms pile up near 0")
            elif abs(c - median) < 0.01:
                why = "that is the median target; the best constant is where the targets are densest, near 0"
            elif c < tol / 2:
                why = ("half of the window (c - tol, c + tol) around it lies below 0, where no product falls: "
                       "raise c until the window's lower edge sits at 0")
            else:
                why = "the density of the products, -ln y, falls all the way from 0 to 1"
            return _verdict(False, f"{where} your constant c = {c:g} gets {_window(c, tol):.3f} of the targets right, "
                                   f"but c = {sim.guess:g} gets {sim.accuracy:.3f}: {why}.")
        # 2. its accuracy
        if abs(acc - sim.accuracy) > close:
            slips = [(_window(c, tol / 2), "used tol as the width of the window: it is (c - tol, c + tol), 2 tol wide"),
                     (float(product_cdf(tol)), "counted only the targets in [0, tol]: the window is (c - tol, c + tol), "
                                               "2 tol wide, and with c = tol it is (0, 2 tol)"),
                     (2 * tol, "gave the share of a window of width 2 tol for a UNIFORM target; the product of two "
                               "uniforms is not uniform (its density is -ln y)"),
                     (1 - (1 - 2 * tol) ** 2, "gave addition's chance level (its target (u + v)/2 is triangular); "
                                              "the product uv has the distribution F(t) = t - t ln t"),
                     (-2 * tol * np.log(tol), "multiplied the density -ln y at c by the window's width: integrate "
                                              "it instead, F(2 tol) - F(0)"),
                     (at_mean, "gave the mean target's accuracy in place of the best constant's")]
            hint = next((h for v, h in slips if abs(acc - v) <= close / 2), None)
            return _verdict(False, f"{where} the best constant's accuracy should be about {sim.accuracy:.3f} "
                                   f"(exactly F(2 tol) = {best:.4f}), you said {acc:.4f}"
                                   + (f": it looks like you {hint}." if hint else "."))
        # 3. the mean target's accuracy
        if abs(mean_acc - sim.mean_guess_accuracy) > close:
            slips = [(_window(0.5, tol), "took the mean target as 1/2, the mean of ONE uniform: the mean of a product "
                                         "of independent factors is the product of their means, 1/4"),
                     (_window(median, tol), "used the median target (about 0.187); the least-squares constant is the "
                                            "mean, 1/4"),
                     (acc, "gave the best constant's accuracy for the mean target too"),
                     (2 * tol, "gave the share of a window of width 2 tol for a UNIFORM target; the product of two "
                               "uniforms is not uniform (its density is -ln y)")]
            hint = next((h for v, h in slips if abs(mean_acc - v) <= close / 2), None)
            return _verdict(False, f"{where} the mean target's accuracy should be about {sim.mean_guess_accuracy:.3f} "
                                   f"(exactly F(1/4 + tol) - F(1/4 - tol) = {at_mean:.4f}), you said {mean_acc:.4f}"
                                   + (f": it looks like you {hint}." if hint else "."))
    return _verdict(True, f"for tol = {tasks.TOLERANCE} and 0.1 your best constant, its accuracy and the mean target's "
                          f"accuracy agree with chance_level's simulation of {n:,} targets (within {close}).")


# --------------------------------------------------------------------- display
def _fmt(v):
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def _cell(text):
    """One table cell: a bare "|" would end the cell early, so it is escaped (an escaped one is kept)."""
    return re.sub(r"(?<!\\)\|", r"\\|", text)


def markdown_table(rows, columns):
    """A Markdown table of rows (dicts); columns: [(key, header), ...].

    Floats print with 3 decimals, None as "–", booleans as yes / no; a "|" in a header or a
    cell is escaped, so "|e| < 0.04" may be written as it reads.
    """
    if not all(isinstance(c, (tuple, list)) and len(c) == 2 for c in columns):
        raise TypeError(f"columns must be (key, header) pairs, got {columns!r:.80}")
    if not all(isinstance(r, dict) for r in rows):
        raise TypeError("rows must be dicts (one per table row)")
    head = "| " + " | ".join(_cell(str(h)) for _, h in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(_cell(_fmt(r.get(k))) for k, _ in columns) + " |" for r in rows]
    return "\n".join([head, rule] + body)


# --------------------------------------------------------------------- the tasks demo
#: Where the tasks demo's time axis ends: the first of these that holds the sequence.  The
#: axis grows in steps of about a third, so most frames of a dragged T keep it (a quick frame).
TASK_AXIS_ENDS = (12, 16, 22, 30, 40, 50, 66)


def build_task_demo(fig, marked_steps):
    """The lesson's tasks demo: draw what stays, return update(task, T, example) for a Demo.

    One sequence of ``tasks.generate(task, 1, T, rng=example)`` against its 1-based time
    steps, with coloured bands over the ranges its markers are drawn from
    (``tasks.marker_ranges``) and a legend of them.  Addition and multiplication: the value
    channel as a line, the marked values as red points, the target in the title.  The
    temporal-order tasks: an image with one column per step and one row per symbol, the
    markers A and B red, the noise symbols grey, the order and the class in the title.
    The time axis ends at the first of ``TASK_AXIS_ENDS`` that holds every length T' a
    given T can draw.

    Args:
        fig: the Demo's figure.
        marked_steps: function(task, X) -> [array of the marked steps (0-based) of each sequence].
    Returns:
        update(task, T, example) -> the note (T', the marker ranges, the marked steps and how
        far the last one lies from the end).
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle
    from matplotlib.ticker import AutoLocator, MaxNLocator, ScalarFormatter

    from ..course.plotting import COLORS

    cmap = ListedColormap(["0.55", COLORS["red"]])
    ax = fig.subplots()
    bands = []                                         # one per marker range, at most three
    for i, color in enumerate(COLORS[c] for c in ("sky", "yellow", "green")):
        band = Rectangle((0, 0), 1, 1, transform=ax.get_xaxis_transform(), color=color, alpha=0.3, lw=0,
                         zorder=0, label=f"marker {i + 1} range")
        bands.append(ax.add_patch(band))
    (values,) = ax.plot([], [], ".-", color="0.45", lw=1, ms=5)
    (marks,) = ax.plot([], [], "o", ms=11, color=COLORS["red"])
    image = ax.imshow(np.ones((6, 1)), aspect="auto", cmap=cmap, vmin=1, vmax=2, zorder=1,
                      interpolation="nearest", extent=(0.5, 1.5, 5.5, -0.5))
    ax.set_xlabel("time step (1-based)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(ylim=(-0.05, 1.12), ylabel="value (channel 0)", title="a title")
    fig.canvas.draw()                 # the layout, once, with room for the wider of the two y axes
    fig.set_layout_engine("none")
    shown = {}

    def update(task, T, example):
        X, y = tasks.generate(task, 1, T, rng=example)
        L = X.shape[1]
        ranges = tasks.marker_ranges(task, L)
        steps = marked_steps(task, X)[0]
        linear = tasks.spec(task).output == "linear"
        if shown.get("task") != task:            # another task: its y axis and legend (a full redraw)
            values.set_visible(linear)
            marks.set_visible(linear)
            image.set_visible(not linear)
            if linear:
                ax.yaxis.set_major_locator(AutoLocator())
                ax.yaxis.set_major_formatter(ScalarFormatter())
                ax.set(ylim=(-0.05, 1.12), ylabel="value (channel 0)")
            else:
                ax.set_yticks(range(6), tasks.SYMBOLS)
                ax.set(ylim=(5.5, -0.5), ylabel="symbol (one-hot)")
            ax.grid(linear)
            for i, band in enumerate(bands):
                band.set_visible(i < len(ranges))
            ax.legend(handles=bands[:len(ranges)], loc="upper right", framealpha=0.9, frameon=True)
            shown["task"] = task
        longest = 11 * T // 10                   # T' is drawn from [T, 11 T / 10]
        end = next((e for e in TASK_AXIS_ENDS if e >= longest), longest)
        if shown.get("end") != end:
            ax.set_xlim(0.5, end + 0.5)
            shown["end"] = end
        for band, (lo, hi) in zip(bands, ranges):
            band.set_x(lo - 0.5)
            band.set_width(hi - lo + 1)
        if linear:
            values.set_data(np.arange(1, L + 1), X[0, :, 0])
            marks.set_data(steps + 1, X[0, steps, 0])
            what = "sum / 2" if task == "addition" else "product"
            ax.set_title(f"{task}: marked values {', '.join(f'{v:.2f}' for v in X[0, steps, 0])} "
                         f"-> target ({what}) {y[0, 0]:.3f}")
        else:
            symbols = X[0].T.copy()                    # (6 symbols, L steps)
            symbols[:2] *= 2                           # A and B in red, noise in grey, empty cells transparent
            image.set_data(np.ma.masked_equal(symbols, 0))
            image.set_extent((0.5, L + 0.5, 5.5, -0.5))
            order = "".join(tasks.SYMBOLS[int(X[0, s, 1])] for s in steps)
            ax.set_title(f"{task}: markers {order} -> class {y[0]}")
        return (f"T' = {L} (drawn from [{T}, {longest}]); marker ranges {ranges}; markers at steps "
                f"{', '.join(str(s + 1) for s in steps)}; the last one is {L - 1 - steps[-1]} steps before the end.")
    return update


def reserve_legend_room(ax, labels, **legend_kw):
    """Make the figure's layout once, with room for a legend of these labels, and keep it.

    A Demo makes its figure's layout once.  When update draws a new legend for every
    option of a dropdown (the learning-curves demo), the layout must hold the largest of
    them: this draws the figure once (constrained layout) with a stand-in legend of
    ``labels`` (as many entries as the largest legend, the longest texts), switches the
    layout engine off so that the axes stay where they are, and removes the stand-in.

    Args:
        ax: the axes that will hold the legends.
        labels: the stand-in's entries.
        **legend_kw: as the real legends get them (loc, bbox_to_anchor, fontsize, ...).
    """
    from matplotlib.lines import Line2D

    fig = ax.get_figure()
    stand_in = ax.legend(handles=[Line2D([], [], label=str(label)) for label in labels], **legend_kw)
    fig.canvas.draw()
    fig.set_layout_engine("none")
    stand_in.remove()


#: How Fig. 5's lines are labelled: the paper's two methods and the author's readings of them.
COLUMN_LABELS = {**METHODS, "sgd_author": "SGD as the author ran it", "sampling_author": "the author's method"}
_FIG5_MARKERS = {"exact": "o", "above": "^", "approx": "D"}   # '>99%' is a lower bound: a triangle at 0.99


def cell_points(result, task, column):
    """[(our T, best, mean)] of one column's cells of a results file, by T ([] without the file)."""
    if not isinstance(task, str) or not isinstance(column, str):
        raise TypeError(f"task and column must be names (str), got {type(task).__name__} and {type(column).__name__}")
    points = []
    for key, cell in ((_summary(result) or {}).get("cells", {})).items():
        t, T, c = split_cell_key(key)
        if t == task and c == column:
            points.append((T, cell["best"], cell["mean"]))
    return sorted(points)


def unfinished_cells(result, task):
    """{(column, our T): (n, planned)} of one task's cells with fewer finished networks than the
    scale plans ({} without the file): the points ``plot_fig5`` marks as "so far"."""
    if _summary(result) is None:
        return {}
    planned = result["config"]["scale"]["networks"]
    out = {}
    for key, cell in result["cells"].items():
        t, T, c = split_cell_key(key)
        if t == task and cell["n"] < planned:
            out[c, T] = (cell["n"], planned)
    return out


def plot_fig5(fig, ours, chance, scale, unfinished=None):
    """The paper's Fig. 5 (open markers on dashed lines, at the paper's T) beside ours (filled, solid, at
    the T each was trained on): best accuracy on the left, mean on the right.

    ours: {column: [(T, best, mean)]} (``cell_points``); chance: the accuracy of guessing; scale: the
    name of our scale, for the legend; unfinished: {(column, T): (n, planned)} (``unfinished_cells``):
    a T whose cells are still being run gets "n/planned so far" above its points, so that it is not
    read as final.
    Returns the two axes.
    """
    from ..course.plotting import METHOD_COLORS
    axes = fig.subplots(1, 2, sharey=True)
    for k, (ax, what) in enumerate(zip(axes, ("best", "mean")), start=1):
        ax.axhline(SUCCESS, color="0.3", lw=1, ls=":", label="99% (success)")
        ax.axhline(chance, color="0.5", lw=1, ls="-.", label="chance")
        for method, label in METHODS.items():
            pts = [(c.T, getattr(c, what)) for c in FIG5 if c.method == method and getattr(c, what).reported]
            ax.plot([T for T, _ in pts], [rep.value for _, rep in pts], "--", color=METHOD_COLORS[method],
                    label=f"paper, {label}")
            for T, rep in pts:
                ax.plot(T, rep.value, _FIG5_MARKERS[rep.kind], mfc="white", ms=10, mew=2, color=METHOD_COLORS[method])
        for column, points in ours.items():
            if points:
                ax.plot([p[0] for p in points], [p[k] for p in points], "o-", ms=8, color=METHOD_COLORS[column],
                        label=f"ours ({scale}), {COLUMN_LABELS.get(column, column)}")
        for T in sorted({T for c, T in (unfinished or {}) if c in ours}):     # one note per T, above its points
            counts = {unfinished[c, T] for c in ours if (c, T) in unfinished}      # {(n, planned)}
            text = "{}/{} so far".format(*counts.pop()) if len(counts) == 1 else "partly run so far"
            top = max(p[k] for pts in ours.values() for p in pts if p[0] == T)
            ax.annotate(text, (T, top), xytext=(0, 10), textcoords="offset points",
                        ha="right" if T > 125 else "center", fontsize=9)
        ax.set(xlabel="sequence length T", title=f"{what} accuracy", xlim=(5, 160), ylim=(0, 1.05),
               xticks=[25, 50, 75, 100, 125, 150])   # fixed ticks: the layout does not depend on them
    axes[0].set_ylabel("test accuracy")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3)
    axes[0].text(8, 0.05, "paper: ○ a number, △ '>99%' (a lower bound),\n◇ 'nearly 100%'"
                 + ("\nours: n/N so far, n of N networks run" if unfinished else ""))
    return axes


# --------------------------------------------------------------------- what a kept network answers
def run_network(record, folder=None):
    """The reported network of one run of the runner's tables, as an ``srnlab.SRN``: the one its test
    accuracy comes from, kept beside its record (``<results folder>/runs/<experiment>-<scale>/``)."""
    from ..srn import SRN
    if not isinstance(record, dict) or not {"experiment", "scale", "network"} <= set(record):
        raise TypeError("record must be one run record of a results file (with 'experiment', 'scale' and 'network')")
    _folder(folder)
    return SRN.load(kept_network(record["experiment"], record["scale"], record["network"], folder))


def answer_correlation(net, task, T, n=1000, rng=0):
    """Pearson correlation between a network's answers and the targets on ``n`` fresh sequences of a
    regression task (``tasks.generate(task, n, T, rng)``).

    Accuracy within a tolerance cannot tell a network that uses the marked values imprecisely from
    one that ignores them; this can: it is near 0 (within about 3 / sqrt(n)) for an answer that does
    not depend on the marked values, and 1 for one that is the target up to a scale and a shift.
    0.0 when the answers do not vary (up to rounding).
    """
    from ..srn import SRN
    if not isinstance(net, SRN):
        raise TypeError(f"net must be an srnlab.SRN, got {type(net).__name__}")
    if tasks.spec(task).output != "linear":
        raise ValueError(f"answer_correlation is for the regression tasks (addition, multiplication), got {task!r}")
    X, y = tasks.generate(task, V.positive_int(n, "n"), V.positive_int(T, "T"), rng)
    answer = net.predict(X)[:, 0]
    if not np.all(np.isfinite(answer)):
        raise ValueError(f"the network's answers are not all finite ({np.sum(~np.isfinite(answer))} of {n})")
    if answer.std() <= 1e-12 * (1 + abs(answer.mean())):     # constant, up to rounding
        return 0.0
    return float(np.corrcoef(answer, y[:, 0])[0, 1])


# --------------------------------------------------------------------- inside the author's runs
#: Where the Q panel of ``build_author_runs_demo`` ends; a curve beyond it is named in the note.
Q_AXIS = (-2.0, 8.0)


def run_curves(record):
    """The curves of one run record, as arrays: {"val_update", "val_acc"} (every validation) and,
    where the run recorded them, {"q_update", "q_median", "accepted"}: the middle update of each
    block of updates, the median Q of the block (NaN where no Q was finite) and the share of
    its minibatches the run used."""
    if not isinstance(record, dict) or "curves" not in record:
        raise TypeError("record must be one run record (a dict with 'curves') of a results file")
    c = record["curves"]
    q = np.array([np.nan if v is None else v for v in c.get("q_median", [])], dtype=float)
    block = record["updates"] / max(q.size, 1)
    return dict(val_update=np.asarray(c["val_update"], float), val_acc=np.asarray(c["val_acc"], float),
                q_update=(np.arange(q.size) + 0.5) * block, q_median=q,
                accepted=np.asarray(c.get("accepted", []), dtype=float))


def build_author_runs_demo(fig, result, chance, T=100):
    """Lesson 08's look inside the author's runs: draw what stays, return update(task, net) for a Demo.

    result: a results dict (``load_results``) with the author's columns; chance: {task: ``Chance``}.
    Top panel: network ``net``'s validation accuracy against the update in plain SGD (``sgd``),
    plain SGD in the author's loop (``sgd_author``) and the author's method (``sampling_author``),
    all three from the same start and data, with the best constant answer.  Bottom panel: the
    median Q of each block of updates the run recorded (eq. 25, over the whole sequence; the
    spectral norm for ``sampling_author``, the mean of per-example norms for ``sgd_author``), with
    the method's safe zone shaded (the results file's Q range, [-1, 1] in the paper).  update
    returns a note: the method's share of minibatches used and of updates with Q in the zone, each
    column's test accuracy, and any Q off the chart.  A network a column has not finished is left
    out of the panels and named in the note.
    """
    from ..course.plotting import METHOD_COLORS, updates_axis
    if _summary(result) is None:
        raise ValueError("build_author_runs_demo needs a results dict with runs, got None")
    if not isinstance(chance, dict) or not all(isinstance(c, Chance) for c in chance.values()):
        raise TypeError("chance must be a dict {task: Chance} (chance_level(task))")
    columns = ("sgd", "sgd_author", "sampling_author")
    runs = {(r["task"], r["column"], r["net"]): r for r in result["runs"] if r["T"] == T and r["column"] in columns}
    if not any(key[1] == "sampling_author" for key in runs):
        raise ValueError(f"no run of the column sampling_author at T = {T} in this results file")
    curves = {key: run_curves(r) for key, r in runs.items()}      # parsed once, not at every move
    none = dict.fromkeys(("val_update", "val_acc", "q_update", "q_median"), np.array([]))
    zone = result["config"]["hyper"]["q_range"]
    zone = result["config"]["columns"]["sampling_author"][2].get("q_range", zone)
    ax_acc, ax_q = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    acc_lines = {c: ax_acc.plot([], [], color=METHOD_COLORS[c], lw=1.6 if c == "sampling_author" else 1.1,
                                label=COLUMN_LABELS.get(c, c))[0] for c in columns}
    constant = ax_acc.axhline(0, color="0.4", ls="--", lw=1, label="best constant answer")
    ax_acc.set(ylabel="validation\naccuracy", ylim=(0, 1), xlim=(0, result["config"]["scale"]["updates"]))
    ax_acc.legend(loc="upper left", fontsize=9, ncol=2)
    ax_q.axhspan(*zone, color="0.85", zorder=0, label="safe zone")
    q_lines = {c: ax_q.plot([], [], color=METHOD_COLORS[c], lw=0.9, label=f"Q, {COLUMN_LABELS.get(c, c)}")[0]
               for c in columns[1:]}
    ax_q.set(ylabel="median Q\n(per block)", ylim=Q_AXIS)
    ax_q.legend(loc="upper right", fontsize=9, ncol=3)
    updates_axis(ax_q)
    title = ax_acc.set_title(" \n ")                  # two lines: the layout is made for them once

    def update(task, net):
        if task not in chance:
            raise ValueError(f"no chance level for the task {task!r}; chance has {sorted(chance)}")
        notes, off = [], []
        for c in columns:
            r = runs.get((task, c, net))
            rc = curves.get((task, c, net), none)
            acc_lines[c].set_data(rc["val_update"], rc["val_acc"])
            q = rc["q_median"]
            if c in q_lines:
                q_lines[c].set_data(rc["q_update"], q)
                if np.isfinite(q).any() and np.nanmax(q) > Q_AXIS[1]:
                    off.append(f"{c} up to {np.nanmax(q):.0f}")
                if np.isfinite(q).any() and np.nanmin(q) < Q_AXIS[0]:
                    off.append(f"{c} down to {np.nanmin(q):.0f}")
            notes.append(f"{c} {r['test_accuracy']:.3f}" if r else f"{c} not run")
        constant.set_ydata([chance[task].accuracy] * 2)
        me = runs.get((task, "sampling_author", net))
        if me is None:
            title.set_text(f"{task}, network {net}\nnot finished in the author's method yet")
        else:
            title.set_text(f"{task}, network {net}\nthe method used {me['accept_rate']:.0%} of the minibatches, "
                           f"Q in the zone on {me['q_in_zone']:.0%} of the updates")
        note = "test accuracy: " + ", ".join(notes)
        return note + (f"; Q off the chart: {', '.join(off)}" if off else "")
    return update


if __name__ == "__main__":
    raise SystemExit(main())
