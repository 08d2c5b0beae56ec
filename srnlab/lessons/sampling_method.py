"""Lesson 07 (the sampling method): the exercises' checkers, and the study's data file read back as arrays.

The study itself (``python -m srnlab run sampling_study``, about 9 CPU minutes)
trains eight runs per seed from the same initial weights on the same minibatches
(plain SGD, the sampling method with both readings of its rule, with and without
the |dS| threshold, clipping, orthogonal and identity starts) and writes
``results/sampling_study-lesson.json``; ``load()`` reads it as a ``Study``.
The sampling rule itself, for arrays, is ``srnlab.sampling.winds`` / ``decide``.
"""
import os
from pathlib import Path

import numpy as np

from .. import _validate as V
from ..course.exercises import CheckResult, _function
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
