"""Lesson 07's data: the sampling method (section 6) against plain SGD, clipping and
orthogonal / identity starts, on temporal order with T = 50.

    python -m srnlab.sampling_study                      # 3 seeds x 8 runs x 10,000 updates, ~9 CPU minutes
    python -m srnlab.sampling_study --updates 2000 --seeds 0
    python -m srnlab.sampling_study --tiny --out /tmp/s.json      # seconds (tests)

For every seed, eight runs start from the SAME initial weights (only W_rec differs for
the orthogonal and identity starts) and see the SAME minibatches:

    sgd         plain SGD.  Trained as the sampling method with an infinite safe zone
                and no |dS| threshold, which accepts every proposal: the updates are
                those of plain SGD, and Q and dS of every proposal are logged.  This is
                the run the lesson re-decides with other rules and thresholds.
    consistent  the sampling method, rule "consistent" (srnlab's default)
    printed     the sampling method, rule "printed" (as printed in the paper)
    consistent_nocap, printed_nocap
                the two rules without the |dS| threshold (ds_max = inf): the
                direction rule alone
    clip        SGD with gradient clipping at norm 10 (Pascanu et al. 2013)
    orthogonal  plain SGD from a random orthogonal W_rec
    identity    plain SGD from W_rec = I (Le, Jaitly & Hinton 2015)

The paper's hyper-parameters (section 8): K = 100, lr 1e-5 on the summed loss,
momentum 0.9, minibatches of 10, 20,000 training sequences, safe zone [-1, 1],
|dS| threshold 1; fewer updates and a validation set of 500 to fit a teaching budget.

Written to one compact JSON file (``results/sampling_study.json``):

* per seed and run: validation accuracy every epoch (50 updates); per epoch the number
  of updates with Q in the safe zone, accepted, and with |dS| > ds_max, and the median Q;
  the fraction of saturated units every ``record_every`` updates; a summary;
* for the runs sgd, consistent and printed, every seed ("detail"): Q and dS of every
  proposal and which updates were made;
* "probes": every ``probe_every`` updates of the runs that compute dS, a few fresh
  minibatches (the same for every run) on which the proposal (momentum * v - lr * grad)
  is evaluated twice, with the loss summed (lr 1e-5) and averaged (lr 1e-4, the same
  step): Q, dS and S = ||delta(k-h)||_F^2 for both, and (summed loss) the part of dS
  due to the gradient term -lr * grad alone (dS is linear in the step, so the rest is
  the momentum term's).

Resumable: each run checkpoints itself (a pickled Trainer) about once a minute into
``results/checkpoints/sampling_study-<hash>/`` and finished runs are kept there until
the whole file is written, so a stopped study resumes where it was and gives exactly
the numbers of an unbroken one.
"""
import argparse
import hashlib
import json
import math
import pickle
import platform
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__, tasks
from .bptt import bptt
from .exercises import CheckResult
from .experiments import atomic_write
from .qfactor import q_factor
from .sampling import RULES, accept, check_q_range
from .srn import SRN
from .theorem import tangent
from .train import Trainer, TrainConfig

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = ROOT / "results" / "sampling_study.json"
INF = float("inf")

#: name -> (TrainConfig.method, W_rec initialisation, extra TrainConfig fields)
RUNS = {
    "sgd": ("sampling", "normal", dict(q_range=(-INF, INF), ds_max=INF)),
    "consistent": ("sampling", "normal", dict(rule="consistent")),
    "printed": ("sampling", "normal", dict(rule="printed")),
    "consistent_nocap": ("sampling", "normal", dict(rule="consistent", ds_max=INF)),
    "printed_nocap": ("sampling", "normal", dict(rule="printed", ds_max=INF)),
    "clip": ("clip", "normal", {}),
    "orthogonal": ("sgd", "orthogonal", {}),
    "identity": ("sgd", "identity", {}),
}
#: Runs whose proposals carry dS (the sampling machinery computes it).
WITH_DS = ("sgd", "consistent", "printed", "consistent_nocap", "printed_nocap")
#: Runs whose every update (Q, dS, accepted) is kept for every seed; the others keep per-epoch data.
DETAIL_RUNS = ("sgd", "consistent", "printed")

#: The lesson's configuration; "tiny" has the same structure at toy size (tests).
CONFIGS = {
    "default": dict(task="temporal_order", T=50, K=100, std=0.1, updates=10_000, seeds=(0, 1, 2),
                    n_train=20_000, n_val=500, val_chunk=100, epoch=50, record_every=50,
                    probe_every=500, probe_batches=4,
                    lr=1e-5, momentum=0.9, batch=10, reduction="sum", clip_norm=10.0,
                    q_range=(-1.0, 1.0), ds_max=1.0, seed_base=2016),
    "tiny": dict(task="temporal_order", T=10, K=8, std=0.3, updates=60, seeds=(0,),
                 n_train=100, n_val=20, val_chunk=10, epoch=10, record_every=10,
                 probe_every=20, probe_batches=2,
                 lr=1e-3, momentum=0.9, batch=5, reduction="sum", clip_norm=10.0,
                 q_range=(-1.0, 1.0), ds_max=1.0, seed_base=2016),
}
CHECKPOINT_SECONDS = 60.0


# --------------------------------------------------------------------- the decision, vectorised
#: Where the ship is and how the wind blows, for many minibatches at once (see ``winds``).
GALE, INSIDE, TOWARD, AWAY, CALM = range(5)
WINDS = {GALE: "a gale: |dS| > ds_max", INSIDE: "Q inside the safe zone",
         TOWARD: "Q outside the zone, the wind blows toward it", AWAY: "Q outside the zone, the wind blows away from it",
         CALM: "Q outside the zone, no wind (dS = 0)"}


def winds(q, ds, q_range=(-1.0, 1.0), ds_max=1.0):
    """The situation of each proposal, as integer codes (arrays of any shape), whatever the rule.

        GALE (0)    |dS| > ds_max, or Q or dS is NaN: every reading skips it
        INSIDE (1)  Q_min <= Q <= Q_max: every reading uses it
        TOWARD (2)  Q outside, and dS pushes it toward the zone (dS > 0 lowers Q)
        AWAY (3)    Q outside, and dS pushes it away from the zone
        CALM (4)    Q outside and dS = 0: every reading skips it

    The consistent reading uses INSIDE and TOWARD, the printed rule INSIDE and AWAY.
    Like ``srnlab.accept``, raises ValueError when Q_min > Q_max.
    """
    q_min, q_max = check_q_range(q_range)
    if isinstance(ds_max, bool) or not isinstance(ds_max, (int, float, np.floating)) or not ds_max > 0:
        raise ValueError(f"ds_max must be a number > 0 (inf switches the |dS| test off), got {ds_max!r}")
    q, ds = np.asarray(q, float), np.asarray(ds, float)
    with np.errstate(invalid="ignore"):
        inside = (q >= q_min) & (q <= q_max)
        toward = np.where(q > q_max, ds > 0, ds < 0)       # dS > 0 grows the old gradients: Q falls
        gale = np.isnan(q) | np.isnan(ds) | (np.abs(ds) > ds_max)
    code = np.where(inside, INSIDE, np.where(ds == 0, CALM, np.where(toward, TOWARD, AWAY)))
    return np.where(gale, GALE, code).astype(np.int8)


def decide(q, ds, q_range=(-1.0, 1.0), ds_max=1.0, rule="consistent"):
    """``srnlab.accept`` for arrays of Q and dS: a boolean array."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; allowed: {', '.join(RULES)}")
    w = winds(q, ds, q_range, ds_max)
    return (w == INSIDE) | (w == (TOWARD if rule == "consistent" else AWAY))


# --------------------------------------------------------------------- the exercise's checker
def check_accept_rule(fn):
    """fn(q, ds, q_range, ds_max) -> bool: the consistent rule of the sampling method.

    Compared with ``srnlab.accept(..., rule="consistent")`` on a grid of (q, ds),
    the zone's edges included, for two safe zones and two thresholds.  Prints the
    verdict and returns a CheckResult (truthy when right).
    """
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


def _verdict(passed, message):
    result = CheckResult(passed, message)
    print(repr(result))
    return result


# --------------------------------------------------------------------- one run
def _config(config):
    cfg = dict(CONFIGS[config]) if isinstance(config, str) else dict(config)
    cfg["seeds"] = tuple(int(s) for s in cfg["seeds"])
    cfg["q_range"] = tuple(float(v) for v in cfg["q_range"])
    return cfg


#: Bump when what a run records changes, so that old checkpoints are not resumed.
FORMAT = 2


def config_hash(cfg):
    """A short hash of the configuration (seeds aside), the runs and the record format."""
    key = {"cfg": {k: v for k, v in cfg.items() if k != "seeds"}, "runs": {k: str(v) for k, v in RUNS.items()},
           "format": FORMAT}
    text = json.dumps(key, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def initial_net(cfg, seed, run):
    """The seed's initial network; orthogonal / identity replace W_rec only."""
    spec = tasks.spec(cfg["task"])
    kw = dict(output=spec.output, std=cfg["std"])
    net = SRN.init(spec.n_in, cfg["K"], spec.n_out, rng=np.random.default_rng((cfg["seed_base"], seed, 0)), **kw)
    rec_init = RUNS[run][1]
    if rec_init != "normal":
        other = SRN.init(spec.n_in, cfg["K"], spec.n_out, rng=np.random.default_rng((cfg["seed_base"], seed, 0)),
                         rec_init=rec_init, **kw)
        net.W_rec = other.W_rec
    return net


def make_trainer(cfg, seed, run):
    method, _, extra = RUNS[run]
    fields = dict(task=cfg["task"], T=cfg["T"], method=method, lr=cfg["lr"], momentum=cfg["momentum"],
                  batch=cfg["batch"], reduction=cfg["reduction"], clip_norm=cfg["clip_norm"],
                  q_range=cfg["q_range"], ds_max=cfg["ds_max"], n_train=cfg["n_train"], n_val=cfg["n_val"],
                  val_chunk=cfg["val_chunk"], epoch=cfg["epoch"], record_every=cfg["record_every"])
    fields.update(extra)
    data_seed = np.random.default_rng((cfg["seed_base"], seed, 1))
    return Trainer(initial_net(cfg, seed, run), TrainConfig(**fields), seed=data_seed)


def probe(trainer, cfg, seed):
    """Q, dS and S of the current proposal on a few fresh minibatches, loss summed and averaged.

    The minibatches depend on the seed and the update only (the same for every run).
    With the averaged loss the learning rate is multiplied by the batch size, so the
    proposed step dW_rec is the same; dS and S then shrink by batch^2, dS / S does not.
    """
    net, c = trainer.net, trainer.config
    rng = np.random.default_rng((cfg["seed_base"], seed, 2, trainer.updates))
    out = []
    for _ in range(cfg["probe_batches"]):
        X, y = tasks.generate(cfg["task"], c.batch, c.T, rng)
        row = [trainer.updates]
        dW_sum = None
        for reduction, lr in (("sum", c.lr), ("mean", c.lr * c.batch)):
            res = bptt(net, X, y, h=c.h, reduction=reduction)
            dW = c.momentum * trainer.velocity["W_rec"] - lr * res.grads["W_rec"]
            if dW_sum is None:
                dW_sum = dW
                row.append(q_factor(res.delta, c.h))
            elif np.linalg.norm(dW - dW_sum) > 1e-9 * np.linalg.norm(dW_sum):
                raise AssertionError("the averaged loss at lr * batch should propose the same step")
            G, dG = tangent(net, res, dW, c.h)
            row += [float(2.0 * np.sum(G * dG)), float(np.sum(G * G))]
            if reduction == "sum":
                G, dG = tangent(net, res, -lr * res.grads["W_rec"], c.h)
                ds_grad = float(2.0 * np.sum(G * dG))
        out.append(row + [ds_grad])
    return out          # rows: update, Q, dS_sum, S_sum, dS_mean, S_mean, dS_grad (summed loss)


def paths(work, seed, run):
    base = Path(work)
    return base / f"seed{seed}-{run}.json", base / f"seed{seed}-{run}.pkl"


def train_run(cfg, seed, run, work, bar=None, budget=None):
    """Train (or resume) one run; return its record, or None if ``budget`` updates ran out first.

    budget: stop after this many new updates and checkpoint (to test resuming).
    """
    record_path, ckpt_path = paths(work, seed, run)
    if record_path.exists():
        if bar is not None:
            bar.update(cfg["updates"])
        return json.loads(record_path.read_text())
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):          # one BLAS thread: the same sums every time
        if ckpt_path.exists():
            with open(ckpt_path, "rb") as f:
                trainer, probes, elapsed = pickle.load(f)
            if bar is not None:
                bar.update(trainer.updates)
        else:
            trainer, probes, elapsed = make_trainer(cfg, seed, run), [], 0.0
            if run in WITH_DS:
                probes += probe(trainer, cfg, seed)
        start = last_save = time.perf_counter()
        done = 0
        total = cfg["updates"]
        while trainer.status == "running" and trainer.updates < total:
            n = min(cfg["epoch"] - trainer.updates % cfg["epoch"], total - trainer.updates)
            if budget is not None:
                n = min(n, budget - done)
                if n <= 0:
                    break
            before = trainer.updates
            trainer.run(n)
            done += trainer.updates - before
            if run in WITH_DS and trainer.updates % cfg["probe_every"] == 0 and trainer.status == "running":
                probes += probe(trainer, cfg, seed)
            if bar is not None:
                h = trainer.history
                bar.update(trainer.updates - before)
                bar.set_postfix(seed=seed, run=run, acc=f"{h['val_acc'][-1]:.2f}", Q=f"{h['q'][-1]:.2f}",
                                accepted=f"{np.mean(h['accepted'][-cfg['epoch']:]):.2f}")
            if time.perf_counter() - last_save > CHECKPOINT_SECONDS and trainer.updates < total:
                _save(ckpt_path, trainer, probes, elapsed + time.perf_counter() - start)
                last_save = time.perf_counter()
        elapsed += time.perf_counter() - start
        if trainer.status == "running" and trainer.updates < total:      # budget ran out
            _save(ckpt_path, trainer, probes, elapsed)
            return None
        trainer.finish()
        record = _record(cfg, run, trainer, probes)
        record["wall_seconds"] = elapsed
    atomic_write(record_path, json.dumps(record))
    if ckpt_path.exists():
        ckpt_path.unlink()
    return record


def _save(path, trainer, probes, elapsed):
    atomic_write(path, pickle.dumps((trainer, probes, elapsed)), binary=True)


def _sig(x, digits=4):
    """A float rounded to a few significant digits; None for inf and NaN (JSON has neither)."""
    x = float(x)
    return float(f"{x:.{digits}g}") if math.isfinite(x) else None


def _record(cfg, run, trainer, probes):
    h = trainer.arrays()
    e, n = cfg["epoch"], trainer.updates
    q, ds, acc = h["q"].astype(float), h["ds"].astype(float), h["accepted"].astype(bool)
    n_ep = n // e
    block = lambda v: v[: n_ep * e].reshape(n_ep, e)
    q_min, q_max = cfg["q_range"]
    with np.errstate(invalid="ignore"):
        in_zone = (q >= q_min) & (q <= q_max)
        over = np.abs(ds) > cfg["ds_max"]
    val_acc = h["val_acc"]
    reach = np.flatnonzero(val_acc >= 0.95)
    record = {
        "run": run, "status": trainer.status, "updates": int(n),
        "val_acc": [round(float(a), 4) for a in val_acc],
        "epoch_in_zone": [int(v) for v in block(in_zone).sum(axis=1)],
        "epoch_accepted": [int(v) for v in block(acc).sum(axis=1)],
        "epoch_ds_over": [int(v) for v in block(over).sum(axis=1)] if run in WITH_DS else None,
        "epoch_q_median": [_sig(np.nanmedian(np.where(np.isfinite(b), b, np.nan)) if np.isfinite(b).any() else np.nan, 4)
                           for b in block(q)],
        "record_update": [int(u) for u in h["record_update"]],
        "saturation": [_sig(s, 4) for s in h["saturation"]],
        "summary": {
            "frac_in_zone": float(np.mean(in_zone)), "accept_rate": float(np.mean(acc)),
            "final_acc": float(val_acc[-1]), "best_acc": float(val_acc.max()),
            "best_update": int(trainer.best_update),
            "first_update_95": int(h["val_update"][reach[0]]) if reach.size else None,
            "frac_ds_over": float(np.mean(over)) if run in WITH_DS else None,
            "final_saturation": float(h["saturation"][-1]),
        },
        "per_update": {
            "q": [None if not math.isfinite(v) else round(float(v), 3) for v in q],
            "ds": [_sig(v, 3) for v in ds] if run in WITH_DS else None,
            "accepted": "".join("1" if a else "0" for a in acc),
        },
        "probes": [[int(r[0])] + [_sig(v, 5) for v in r[1:]] for r in probes] if probes else None,
    }
    return record


# --------------------------------------------------------------------- the whole study
def precompute(path=DEFAULT_PATH, config="default", updates=None, seeds=None, work=None,
               progress=True, keep=False):
    """Train every run of every seed (resuming what is checkpointed) and write the JSON file."""
    cfg = _config(config)
    if updates is not None:
        cfg["updates"] = int(updates)
    if seeds is not None:
        cfg["seeds"] = tuple(int(s) for s in seeds)
    if cfg["updates"] % cfg["epoch"] or cfg["updates"] % cfg["probe_every"]:
        raise ValueError(f"updates must be a multiple of epoch ({cfg['epoch']}) and probe_every ({cfg['probe_every']})")
    work = Path(work) if work is not None else ROOT / "results" / "checkpoints" / f"sampling_study-{config_hash(cfg)}"
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=cfg["updates"] * len(RUNS) * len(cfg["seeds"]), desc="sampling study", unit="upd",
                   smoothing=0.05)
    start = time.perf_counter()
    cpu0 = time.process_time()
    records = {}
    try:
        for seed in cfg["seeds"]:
            for run in RUNS:
                rec = train_run(cfg, seed, run, work, bar)
                records[(seed, run)] = rec
                msg = (f"seed {seed} {run:10s}: {rec['status']}, best accuracy {rec['summary']['best_acc']:.3f}, "
                       f"Q in zone {rec['summary']['frac_in_zone']:.3f}, accepted {rec['summary']['accept_rate']:.3f}")
                bar.write(msg) if bar is not None else None
    finally:
        if bar is not None:
            bar.close()
    data = _assemble(cfg, records)
    text = json.dumps(data, separators=(",", ":"))
    atomic_write(Path(path), text)
    if not keep:
        for seed in cfg["seeds"]:
            for run in RUNS:
                for p in paths(work, seed, run):
                    if p.exists():
                        p.unlink()
        if work.exists() and not any(work.iterdir()):
            work.rmdir()
    timing = {"wall_seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu0,
              "train_seconds": sum(r["wall_seconds"] for r in records.values())}
    return data, timing


def _assemble(cfg, records):
    seeds = list(cfg["seeds"])
    runs = {}
    for run in RUNS:
        per_seed = [records[(s, run)] for s in seeds]
        runs[run] = {
            "method": RUNS[run][0], "rec_init": RUNS[run][1],
            "extra": {k: (str(v) if not isinstance(v, str) else v) for k, v in RUNS[run][2].items()},
            "status": [r["status"] for r in per_seed],
            "summary": {k: [r["summary"][k] for r in per_seed] for k in per_seed[0]["summary"]},
            "val_acc": [r["val_acc"] for r in per_seed],
            "epoch_in_zone": [r["epoch_in_zone"] for r in per_seed],
            "epoch_accepted": [r["epoch_accepted"] for r in per_seed],
            "epoch_ds_over": [r["epoch_ds_over"] for r in per_seed] if run in WITH_DS else None,
            "epoch_q_median": [r["epoch_q_median"] for r in per_seed],
            "record_update": per_seed[0]["record_update"],
            "saturation": [r["saturation"] for r in per_seed],
            "probes": [r["probes"] for r in per_seed] if run in WITH_DS else None,
            "detail": [r["per_update"] for r in per_seed] if run in DETAIL_RUNS else None,
        }
    return {
        "about": "srnlab lesson 07: python -m srnlab.sampling_study (see srnlab/sampling_study.py)",
        "config": {**cfg, "seeds": seeds, "config_hash": config_hash(cfg)},
        "versions": {"srnlab": __version__, "numpy": np.__version__, "python": platform.python_version()},
        "runs": runs,
    }


# --------------------------------------------------------------------- reading it back
class Study:
    """The study's file as arrays.  ``Study.load()`` reads results/sampling_study.json.

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
    def load(cls, path=DEFAULT_PATH):
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist: run `python -m srnlab.sampling_study` first")
        return cls(json.loads(path.read_text()))

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
        """Per update of one seed (default: the first) of a DETAIL_RUNS run:
        "q", "ds" (float arrays; NaN where not finite) or "accepted" (bool)."""
        rows = self.data["runs"][run]["detail"]
        if rows is None:
            raise KeyError(f"run {run!r} keeps per-epoch data only; per update: {', '.join(DETAIL_RUNS)}")
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


def load(path=DEFAULT_PATH):
    """The study's file as a ``Study``."""
    return Study.load(path)


# --------------------------------------------------------------------- command line
def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m srnlab.sampling_study", description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(DEFAULT_PATH), help="the JSON file to write (default: results/sampling_study.json)")
    ap.add_argument("--updates", type=int, default=None, help="updates per run (default 10,000)")
    ap.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds (default 0 1 2)")
    ap.add_argument("--tiny", action="store_true", help="toy sizes, for tests")
    ap.add_argument("--work", default=None, help="checkpoint folder (default results/checkpoints/sampling_study-<hash>)")
    ap.add_argument("--keep", action="store_true", help="keep the per-run records after writing the file")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    data, timing = precompute(args.out, "tiny" if args.tiny else "default", args.updates, args.seeds, args.work,
                              progress=not args.no_progress, keep=args.keep)
    size = Path(args.out).stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.2f} MB): {len(data['config']['seeds'])} seeds x {len(RUNS)} runs x "
          f"{data['config']['updates']} updates; wall {timing['wall_seconds']:.0f} s, "
          f"CPU {timing['cpu_seconds']:.0f} s (training itself {timing['train_seconds']:.0f} s, resumed runs included)")
    study = Study(data)
    for run in study.names:
        s = {k: study.summary(run, k) for k in ("frac_in_zone", "accept_rate", "best_acc", "final_acc")}
        print(f"  {run:10s} " + "  ".join(f"{k} {np.round(v, 3).tolist()}" for k, v in s.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
