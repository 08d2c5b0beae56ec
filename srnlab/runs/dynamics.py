"""Training dynamics: what happens inside an SRN while it learns (the paper's Figs. 3-4, lesson 05).

    python -m srnlab run dynamics                  # about 3.5 minutes on one core
    python -m srnlab run dynamics --scale tiny     # under a second (tests)

trains one well-initialised network (weights of standard deviation 1/sqrt(K))
on the temporal-order task several times from the SAME initial weights and the
SAME minibatches, with plain SGD and with the sampling method, and writes what
lesson 05 plots to one small file, ``results/dynamics-lesson.npz``
(``srnlab.lessons.training_dynamics`` reads it):

* every update: the loss, the Q-factor (eq. 25), dS (sampling runs only),
  whether the update was made, the norm of the whole gradient;
* every ``record_every`` updates: log10 of the mean ||delta|| at every step
  back (index 0 = the last step), the fraction of saturated hidden units
  (|z| >= 0.95), the mean and median |z|, the spectral radius of W_rec;
* every epoch: validation accuracy and loss, and the largest singular value
  of W_rec;
* at the end, on 20 fresh minibatches: Q and the two parts of dS, the one of
  the momentum velocity and the one of the minibatch's gradient (``ds_parts``).

Runs: plain SGD and the sampling method at T = 50 (12,000 updates), the
sampling method with the |dS| threshold 100 (= the paper's 1 on the averaged
loss, see lesson 05), and plain SGD and sampling at T = 100 (3,000 updates).

The hyper-parameters are the paper's section 8 (lr 1e-5, momentum 0.9,
minibatches of 10, the loss summed over the minibatch, Q range [-1, 1],
|dS| threshold 1), with two reductions to fit a teaching budget: fewer
updates (the paper: 100,000) and a validation set of 500 (the paper: 1,000).

Each run is one record (``results/runs/dynamics-<scale>/<run>.npz``); ``summarize``
merges the records into the file, keeping the runs of the file that have no new
record (so training some runs again replaces just those).
"""
import dataclasses
import io
import json
from dataclasses import dataclass

import numpy as np

from .. import tasks
from ..bptt import bptt
from ..course.plotting import log10_safe
from ..qfactor import q_factor
from ..results import ResultsError, atomic_write, folder, runs_folder
from ..srn import SRN
from ..theorem import ds
from ..train import SATURATION, Trainer, TrainConfig
from .experiment import Experiment
from .loop import RunError, check_fraction, versions

TASK = "temporal_order"
DEFAULT_SEED = 2016

#: The paper's optimiser and sampling settings (lr fits the SUMMED loss).
HYPER = dict(lr=1e-5, momentum=0.9, batch=10, reduction="sum", q_range=(-1.0, 1.0), ds_max=1.0,
             rule="consistent")


@dataclass(frozen=True)
class RunSpec:
    """One training run: its name in the file, the length T, the method, the updates,
    and the |dS| threshold of the sampling method (the paper's 1 unless given)."""

    name: str
    T: int
    method: str
    updates: int
    ds_max: float = HYPER["ds_max"]


#: What ``python -m srnlab run dynamics`` trains, by scale.  "lesson" is the
#: lesson's data; "tiny" has the same structure at toy size, for the tests.
CONFIGS = {
    "lesson": dict(
        K=100, n_train=20_000, n_val=500, epoch=50, record_every=10,
        runs=(RunSpec("sgd", 50, "sgd", 12_000),
              RunSpec("sampling", 50, "sampling", 12_000),
              RunSpec("sampling_ds100", 50, "sampling", 12_000, ds_max=100.0),
              RunSpec("sgd_long", 100, "sgd", 3_000),
              RunSpec("sampling_long", 100, "sampling", 3_000)),
    ),
    "tiny": dict(
        K=12, n_train=200, n_val=40, epoch=10, record_every=5,
        runs=(RunSpec("sgd", 10, "sgd", 40),
              RunSpec("sampling", 10, "sampling", 40),
              RunSpec("sampling_ds100", 10, "sampling", 40, ds_max=100.0),
              RunSpec("sgd_long", 20, "sgd", 20),
              RunSpec("sampling_long", 20, "sampling", 20)),
    ),
}

PER_UPDATE = ("loss", "q", "ds", "accepted", "grad_norm")
PER_RECORD = ("record_update", "log10_delta", "saturation", "mean_abs_z", "median_abs_z",
              "spectral_radius")
PER_EPOCH = ("val_update", "val_acc", "val_loss", "sv_max")
AT_END = ("end_q", "end_ds_velocity", "end_ds_gradient")


def initial_net(K, seed=DEFAULT_SEED):
    """The one initial network: SRN.init(6, K, 4, "softmax", std=1/sqrt(K), rng=seed)."""
    return SRN.init(6, K, 4, output="softmax", std=1.0 / np.sqrt(K), rng=seed)


def make_trainer(spec, config="lesson", seed=DEFAULT_SEED):
    """The Trainer of one run (not yet trained).

    Every run of a config starts from ``initial_net(K, seed)``; its data and
    minibatch order come from ``seed + 1`` and depend only on T, so runs of the
    same T see exactly the same minibatches whatever the method.
    """
    c = CONFIGS[config] if isinstance(config, str) else config
    hyper = dict(HYPER, ds_max=spec.ds_max)
    cfg = TrainConfig(task=TASK, T=spec.T, method=spec.method, n_train=c["n_train"], n_val=c["n_val"],
                      val_chunk=c["n_val"], epoch=c["epoch"], record_every=c["record_every"], **hyper)
    return Trainer(initial_net(c["K"], seed), cfg, seed=seed + 1)


def ds_parts(trainer, n=20, seed=0):
    """Where dS comes from at the trainer's current weights, on n fresh minibatches.

    The sampling method judges the proposal momentum * v - lr * g; dS is linear
    in the proposal, so it splits into the part of the velocity v (which a
    rejected minibatch leaves unchanged) and the part of this minibatch's
    gradient g.  Returns a dict of (n,) arrays: "q", "ds_velocity", "ds_gradient"
    (their sum is the dS the method would compute).
    """
    cfg, net = trainer.config, trainer.net
    rng = np.random.default_rng(seed)
    out = {"q": [], "ds_velocity": [], "ds_gradient": []}
    for _ in range(n):
        X, y = tasks.generate(cfg.task, cfg.batch, cfg.T, rng)
        res = bptt(net, X, y, reduction=cfg.reduction)
        out["q"].append(q_factor(res.delta, cfg.h, quiet=True))
        out["ds_velocity"].append(ds(net, X, y, cfg.momentum * trainer.velocity["W_rec"], cfg.h, result=res))
        out["ds_gradient"].append(ds(net, X, y, -cfg.lr * res.grads["W_rec"], cfg.h, result=res))
    return {k: np.asarray(v, np.float32) for k, v in out.items()}


PER_UPDATE = ("loss", "q", "ds", "accepted", "grad_norm")
PER_RECORD = ("record_update", "log10_delta", "saturation", "mean_abs_z", "median_abs_z",
              "spectral_radius")
PER_EPOCH = ("val_update", "val_acc", "val_loss", "sv_max")
AT_END = ("end_q", "end_ds_velocity", "end_ds_gradient")


@dataclass(frozen=True)
class Job:
    """One run of a scale and seed, as the run loop sees it (its column is its name)."""

    scale: str
    seed: int
    run: RunSpec

    @property
    def name(self):
        return self.run.name

    @property
    def column(self):
        return self.run.name

    task = TASK


def settings(config, seed):
    """What every run of a file shares; a file is only merged into one with the same settings."""
    c = CONFIGS[config]
    return {"task": TASK, "seed": seed, "K": c["K"], "n_train": c["n_train"], "n_val": c["n_val"],
            "epoch": c["epoch"], "record_every": c["record_every"], "std": 1.0 / np.sqrt(c["K"]),
            "saturation_threshold": SATURATION,
            "hyper": {k: list(v) if isinstance(v, tuple) else v for k, v in HYPER.items()}}


class DynamicsExperiment(Experiment):
    name = "dynamics"
    about = "lesson 05's training runs: plain SGD and the sampling method from one network (Figs. 3-4)"
    scales = CONFIGS
    default_scale = "lesson"
    record_format = "npz"

    @property
    def columns(self):
        return tuple(s.name for s in CONFIGS["lesson"]["runs"])

    def results_path(self, scale, out=None):
        return folder(out) / f"{self.tag(scale)}.npz"

    def specs(self, scale, seed):
        self.scale(scale)
        return [Job(scale, seed, r) for r in CONFIGS[scale]["runs"]]

    def identity(self, job):
        return {"experiment": self.name, "scale": job.scale, "run": job.name, "seed": job.seed,
                "config": {**settings(job.scale, job.seed), **dataclasses.asdict(job.run)}}

    def planned_updates(self, job):
        return job.run.updates

    def epoch(self, job):
        return CONFIGS[job.scale]["epoch"]

    def new_run(self, job):
        trainer = make_trainer(job.run, job.scale, job.seed)
        return trainer, {"sv": [float(np.linalg.norm(trainer.net.W_rec, 2))]}

    def after_epoch(self, job, trainer, extra):
        if trainer.status == "running":
            extra["sv"].append(float(np.linalg.norm(trainer.net.W_rec, 2)))

    def make_record(self, job, trainer, extra):
        spec = job.run
        parts = ds_parts(trainer, seed=job.seed + 2) if trainer.status == "completed" else \
            {k: np.full(0, np.nan, np.float32) for k in ("q", "ds_velocity", "ds_gradient")}
        h = trainer.arrays()
        n_val = len(h["val_update"])
        norms = np.asarray(h["delta_norms"], float)
        log10_delta, _ = log10_safe(norms)
        log10_delta[norms == 0] = -np.inf                    # an exact underflow stays visible as -inf
        f32 = lambda v: np.asarray(v, np.float32)
        arrays = {
            "loss": f32(h["loss"]), "q": f32(h["q"]), "ds": f32(h["ds"]),
            "accepted": np.asarray(h["accepted"], bool), "grad_norm": f32(h["grad_norm"]),
            "record_update": np.asarray(h["record_update"], np.int32), "log10_delta": f32(log10_delta),
            "saturation": f32(h["saturation"]), "mean_abs_z": f32(h["mean_abs_z"]),
            "median_abs_z": f32(h["median_abs_z"]), "spectral_radius": f32(h["spectral_radius"]),
            "val_update": np.asarray(h["val_update"], np.int32), "val_acc": f32(h["val_acc"]),
            "val_loss": f32(h["val_loss"]), "sv_max": f32(extra["sv"][:n_val]),
            "end_q": parts["q"], "end_ds_velocity": parts["ds_velocity"], "end_ds_gradient": parts["ds_gradient"],
        }
        info = {"name": spec.name, "T": spec.T, "method": spec.method, "ds_max": spec.ds_max,
                "updates_planned": spec.updates, "best_val_acc": trainer.best_val[0],
                "best_update": trainer.best_update}
        return {"info": info, "arrays": arrays}

    def check_record(self, record):
        missing = [k for k in PER_UPDATE + PER_RECORD + PER_EPOCH + AT_END if k not in record.get("arrays", {})]
        if missing:
            return f"no {', '.join(missing)} array"
        return check_fraction(record.get("info", {}).get("best_val_acc"), "best_val_acc")

    def summarize(self, scale, seed, out, records):
        """Merge the records into the results file, keeping the file's runs that have no new record."""
        path = self.results_path(scale, out)
        if not records:
            raise RunError(f"{runs_folder(self.name, scale, out)} holds no run records of dynamics at scale "
                           f"{scale!r}: nothing to summarize (run `python -m srnlab run dynamics --scale {scale}` first)")
        meta = {**settings(scale, seed), "config": scale, "runs": [],
                "versions": versions()}
        data = {}
        if path.exists():
            old_meta, old = _read_file(path)
            differ = [k for k in settings(scale, seed) if _jsonable(old_meta.get(k)) != _jsonable(meta[k])]
            if differ:
                raise RunError(f"{path} was made under other settings (differs in: {', '.join(differ)}); the new runs "
                               f"are not merged into it: move it aside, or run with the settings it was made with")
            keep = [info for info in old_meta["runs"] if info["name"] not in records]
            meta["runs"] += keep
            data.update({k: v for k, v in old.items() if k.split("/")[0] in {i["name"] for i in keep}})
        order = [s.name for s in CONFIGS[scale]["runs"]]
        for name in order:
            if name in records:
                r = records[name]
                meta["runs"].append({**r["info"], "updates": r["updates"], "status": r["status"],
                                     "wall_seconds": round(r["wall_seconds"], 1)})
                data.update({f"{name}/{k}": v for k, v in r["arrays"].items()})
        meta["runs"].sort(key=lambda i: order.index(i["name"]) if i["name"] in order else len(order))
        buf = io.BytesIO()
        np.savez_compressed(buf, meta=np.array(json.dumps(meta)), **data)
        atomic_write(path, buf.getvalue())
        lines = [f"dynamics ({scale}): wrote {path} ({len(meta['runs'])} runs, {len(records)} from new records)"]
        for info in meta["runs"]:
            lines.append(f"  {info['name']:14s} T={info['T']:3d} {info['method']:8s} {info['status']}; "
                         f"best validation accuracy {info['best_val_acc']:.3f}")
        return lines


def _jsonable(v):
    return json.loads(json.dumps(v))


def _read_file(path):
    try:
        with np.load(path, allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
            return meta, {k: f[k] for k in f.files if k != "meta"}
    except Exception as exc:
        raise ResultsError(f"{path}: this data file is damaged ({type(exc).__name__}: {exc}); move it aside and "
                           f"summarize again") from None
