"""Lesson 07's second study: three readings of the paper's "dS" on the same proposals,
and what the author's velocity reset does to the freeze.

    python -m srnlab run readings                  # 3 seeds x 5 runs x 5,000 updates at T = 100
    python -m srnlab run readings --scale tiny     # seconds (tests)

The paper skips a minibatch "if |dS| > 1".  What that number is has three readings,
and every update of every run here measures all three on the proposal it is about to
judge (the whole momentum step momentum * v - lr * g, loss summed over the minibatch):

    ds          the theorem's dS = 2 (G, dG), G = delta(k-h) with f'(a) and delta(k)
                frozen (``srnlab.theorem``): srnlab's first reading, in the loss's units
    ds_rel      dS / S, S = ||G||_F^2: the same first-order change, scale-free
    log_exact   the author's: log10 ||delta(k-h)|| after the step applied to every
                weight minus before, spectral norm (``srnlab.indicator``)
    log_first   its first-order prediction (W_rec's part of the step, factors frozen)

and Q in two norms (the mean of per-example norms, srnlab's; the spectral norm, the
author's).  h = T - 1, the whole sequence.  The runs, from the same initial weights and
minibatches:

    author          the author's method: log_exact judged against 1 (tenfold), Q in the
                    spectral norm, the velocity set to zero every 50 updates
    author_noreset  the same without the reset
    srnlab          srnlab's reading: |dS| > 1 with dS in the loss's units, Q in the mean
                    norm, no reset (the runner's ``sampling`` column)
    srnlab_reset    srnlab's reading with the reset
    sgd_author      plain SGD with the reset: every proposal is made; its readings show
                    what each rule would have decided

The paper's hyper-parameters (K = 100, lr 1e-5 on the summed loss, momentum 0.9,
minibatches of 10, 20,000 training sequences, safe zone [-1, 1], threshold 1) at
T = 100, 5,000 updates (the start of training, where the rules decide most).
Written to ``results/readings-lesson.npz`` once every run has its record.
"""
import io
import json

import numpy as np

from .. import tasks
from ..indicator import log_indicator
from ..qfactor import q_factor
from ..results import atomic_write, folder
from ..srn import SRN
from ..theorem import s_gradient
from ..train import Trainer, TrainConfig
from .experiment import Experiment, SeedRun
from .loop import check_fraction, versions

AUTHOR = dict(indicator="log10", norm="spectral", exact=True)
#: name -> extra TrainConfig fields (every run is method "sampling" but sgd_author)
RUNS = {
    "author": {**AUTHOR, "reset_velocity_every": 50},
    "author_noreset": dict(AUTHOR),
    "srnlab": {},
    "srnlab_reset": {"reset_velocity_every": 50},
    "sgd_author": {"reset_velocity_every": 50},
}
#: What every update records, in this order (``history["watch"]``).
READINGS = ("q_mean", "q_spectral", "ds", "ds_rel", "log_exact", "log_first")

CONFIGS = {
    "lesson": dict(task="temporal_order", T=100, K=100, std=0.1, updates=5_000, seeds=(0, 1, 2),
                   n_train=20_000, n_val=500, val_chunk=100, epoch=50, lr=1e-5, momentum=0.9, batch=10,
                   q_range=(-1.0, 1.0), ds_max=1.0),
    "tiny": dict(task="temporal_order", T=12, K=8, std=0.3, updates=40, seeds=(0,),
                 n_train=100, n_val=20, val_chunk=10, epoch=10, lr=1e-3, momentum=0.9, batch=5,
                 q_range=(-1.0, 1.0), ds_max=1.0),
}


def watch(trainer, X, y, res, proposal):
    """The six READINGS of one proposal (a Trainer ``watch``)."""
    net, h = trainer.net, trainer.config.h
    G = res.delta[:, res.delta.shape[1] - 1 - h]
    ds = float(np.vdot(s_gradient(net, res, h, trainer.workspace), proposal["W_rec"]))
    S = float(np.vdot(G, G))
    kw = dict(norm="spectral", result=res, workspace=trainer.trial_workspace)
    return (q_factor(res.delta, h, "mean", quiet=True), q_factor(res.delta, h, "spectral", quiet=True), ds,
            ds / S if S > 0 else float("nan"),
            log_indicator(net, X, y, proposal, h, exact=True, **kw),
            log_indicator(net, X, y, proposal, h, exact=False, **kw))


def make_trainer(cfg, seed_base, seed, run):
    spec = tasks.spec(cfg["task"])
    net = SRN.init(spec.n_in, cfg["K"], spec.n_out, output=spec.output, std=cfg["std"],
                   rng=np.random.default_rng((seed_base, seed, 0)))
    config = TrainConfig(task=cfg["task"], T=cfg["T"], method="sgd" if run == "sgd_author" else "sampling",
                         lr=cfg["lr"], momentum=cfg["momentum"], batch=cfg["batch"], reduction="sum",
                         q_range=cfg["q_range"], ds_max=cfg["ds_max"], n_train=cfg["n_train"],
                         n_val=cfg["n_val"], val_chunk=cfg["val_chunk"], epoch=cfg["epoch"],
                         record_every=cfg["updates"], **RUNS[run])
    return Trainer(net, config, seed=np.random.default_rng((seed_base, seed, 1)), watch=watch)


class Readings(Experiment):
    name = "readings"
    about = "lesson 07's readings of dS (srnlab's, scale-free, the author's log10 change) on the same proposals"
    scales = CONFIGS
    default_scale = "lesson"
    columns = tuple(RUNS)
    record_format = "npz"
    needs_all_runs = True

    def specs(self, scale, seed):
        self.scale(scale)
        return [SeedRun(scale, seed, s, run, CONFIGS[scale]["task"]) for s in CONFIGS[scale]["seeds"] for run in RUNS]

    def results_path(self, scale, out=None):
        return folder(out) / f"{self.tag(scale)}.npz"

    def identity(self, job):
        cfg = {k: v for k, v in CONFIGS[job.scale].items() if k != "seeds"}
        return {"experiment": self.name, "scale": job.scale, "run": job.run, "net": job.seed, "seed": job.seed_base,
                "config": {**cfg, "q_range": list(cfg["q_range"]), "run": RUNS[job.run], "readings": list(READINGS)}}

    def planned_updates(self, job):
        return CONFIGS[job.scale]["updates"]

    def epoch(self, job):
        return CONFIGS[job.scale]["epoch"]

    def new_run(self, job):
        return make_trainer(CONFIGS[job.scale], job.seed_base, job.seed, job.run), None

    def make_record(self, job, trainer, extra):
        h = trainer.arrays()
        return {"accept_rate": float(np.mean(h["accepted"])), "best_val_accuracy": float(trainer.best_val[0]),
                "arrays": {"readings": np.asarray(h["watch"], np.float64).reshape(-1, len(READINGS)),
                           "accepted": np.asarray(h["accepted"], bool),
                           "val_update": np.asarray(h["val_update"], np.int64),
                           "val_acc": np.asarray(h["val_acc"], np.float64)}}

    def check_record(self, record):
        for key in ("accept_rate", "best_val_accuracy"):
            problem = check_fraction(record.get(key), key)
            if problem:
                return problem
        arrays = record.get("arrays", {})
        r, a = arrays.get("readings"), arrays.get("accepted")
        if r is None or a is None or r.ndim != 2 or r.shape != (len(a), len(READINGS)) or len(a) != record["updates"]:
            return "its readings and decisions do not cover its updates"
        return None

    def summarize(self, scale, seed, out, records):
        """Write results/readings-<scale>.npz once every run has its record; never a partial file."""
        jobs = self.all_specs_recorded(scale, seed, records, "readings file")
        arrays, lines = {}, []
        for j in jobs:
            rec = records[j.name]
            for k, v in rec["arrays"].items():
                arrays[f"{j.name}/{k}"] = v
            lines.append(f"  {j.name:24s} accepted {rec['accept_rate']:.3f}  best validation accuracy "
                         f"{rec['best_val_accuracy']:.3f}  ({rec['status']})")
        meta = {"experiment": self.name, "scale": scale, "seed": seed, "readings": list(READINGS),
                "runs": RUNS,
                "config": {**CONFIGS[scale], "q_range": list(CONFIGS[scale]["q_range"])},
                "status": {j.name: records[j.name]["status"] for j in jobs}, "versions": versions()}
        path = self.results_path(scale, out)
        buf = io.BytesIO()
        np.savez_compressed(buf, meta=np.array(json.dumps(meta)), **arrays)
        atomic_write(path, buf.getvalue())
        return [f"readings ({scale}): wrote {path}"] + lines
