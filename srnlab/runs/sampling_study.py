"""Lesson 07's data: the sampling method (section 6) against plain SGD, clipping and
orthogonal / identity starts, on temporal order with T = 50.

    python -m srnlab run sampling_study                  # 3 seeds x 8 runs x 10,000 updates, ~9 CPU minutes
    python -m srnlab run sampling_study --scale tiny     # seconds (tests)

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

Written to one compact JSON file (``results/sampling_study-lesson.json``), which
``srnlab.lessons.sampling_method`` reads:

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

Each (seed, run) is one run of the run loop (``loop.py``): it checkpoints itself and
writes its record to ``results/runs/sampling_study-<scale>/``; ``summarize`` writes
the file once every run of every seed has its record, and never a partial one.
"""
import hashlib
import json
import math

import numpy as np

from .. import tasks
from ..bptt import bptt
from ..qfactor import q_factor
from ..results import atomic_write
from ..srn import SRN
from ..theorem import tangent
from ..train import Trainer, TrainConfig
from .experiment import Experiment, SeedRun
from .loop import check_fraction, versions

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
    "lesson": dict(task="temporal_order", T=50, K=100, std=0.1, updates=10_000, seeds=(0, 1, 2),
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
                row.append(q_factor(res.delta, c.h, quiet=True))
            elif np.linalg.norm(dW - dW_sum) > 1e-9 * np.linalg.norm(dW_sum):
                raise AssertionError("the averaged loss at lr * batch should propose the same step")
            G, dG = tangent(net, res, dW, c.h)
            row += [float(2.0 * np.sum(G * dG)), float(np.sum(G * G))]
            if reduction == "sum":
                G, dG = tangent(net, res, -lr * res.grads["W_rec"], c.h)
                ds_grad = float(2.0 * np.sum(G * dG))
        out.append(row + [ds_grad])
    return out          # rows: update, Q, dS_sum, S_sum, dS_mean, S_mean, dS_grad (summed loss)


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
        "about": "srnlab lesson 07: python -m srnlab run sampling_study (see srnlab/runs/sampling_study.py)",
        "config": {**cfg, "seeds": seeds, "config_hash": config_hash(cfg)},
        "versions": versions(),
        "runs": runs,
    }




def config_of(scale, seed_base):
    """The study's configuration at a scale, with the command line's seed as its seed base."""
    return {**_config(scale), "seed_base": int(seed_base)}


class SamplingStudy(Experiment):
    name = "sampling_study"
    about = "lesson 07's study: the sampling method's two rules against SGD, clipping, orthogonal and identity starts"
    scales = CONFIGS
    default_scale = "lesson"
    columns = tuple(RUNS)
    needs_all_runs = True

    def specs(self, scale, seed):
        self.scale(scale)
        return [SeedRun(scale, seed, s, run, CONFIGS[scale]["task"]) for s in CONFIGS[scale]["seeds"] for run in RUNS]

    def identity(self, job):
        cfg = config_of(job.scale, job.seed_base)
        return {"experiment": self.name, "scale": job.scale, "run": job.run, "net": job.seed,
                "seed": job.seed_base,
                "config": {**{k: v for k, v in cfg.items() if k != "seeds"}, "run": str(RUNS[job.run]),
                           "format": FORMAT}}

    def planned_updates(self, job):
        return CONFIGS[job.scale]["updates"]

    def epoch(self, job):
        return CONFIGS[job.scale]["epoch"]

    def new_run(self, job):
        cfg = config_of(job.scale, job.seed_base)
        trainer = make_trainer(cfg, job.seed, job.run)
        return trainer, {"probes": probe(trainer, cfg, job.seed) if job.run in WITH_DS else []}

    def after_epoch(self, job, trainer, extra):
        cfg = config_of(job.scale, job.seed_base)
        if job.run in WITH_DS and trainer.updates % cfg["probe_every"] == 0 and trainer.status == "running":
            extra["probes"] += probe(trainer, cfg, job.seed)

    def make_record(self, job, trainer, extra):
        return _record(config_of(job.scale, job.seed_base), job.run, trainer, extra["probes"])

    def check_record(self, record):
        summary = record.get("summary")
        if not isinstance(summary, dict):
            return "no summary"
        for key in ("frac_in_zone", "accept_rate", "final_acc", "best_acc"):
            problem = check_fraction(summary.get(key), key)
            if problem:
                return problem
        return None

    def summarize(self, scale, seed, out, records):
        """Write the study file, once every (seed, run) has its record; never a partial file."""
        jobs = self.all_specs_recorded(scale, seed, records, "study file")
        cfg = config_of(scale, seed)
        data = _assemble(cfg, {(j.seed, j.run): records[j.name] for j in jobs})
        path = self.results_path(scale, out)
        atomic_write(path, json.dumps(data, separators=(",", ":")))
        lines = [f"sampling_study ({scale}): wrote {path} ({path.stat().st_size / 1e6:.2f} MB): "
                 f"{len(cfg['seeds'])} seeds x {len(RUNS)} runs x {cfg['updates']} updates"]
        for run in RUNS:
            acc = [records[f"seed{s}-{run}"]["summary"]["best_acc"] for s in cfg["seeds"]]
            rate = [records[f"seed{s}-{run}"]["summary"]["accept_rate"] for s in cfg["seeds"]]
            lines.append(f"  {run:16s} best accuracy {np.round(acc, 3).tolist()}  accepted {np.round(rate, 3).tolist()}")
        return lines
