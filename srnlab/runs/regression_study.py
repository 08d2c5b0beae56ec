"""What it takes for an SRN to learn addition and multiplication: a grid of settings.

    python -m srnlab run regression_study               # T = 50: 2 tasks x 36 settings x 3 networks
    python -m srnlab run regression_study --scale paper # T = 100, the paper's scale, the best settings only
    python -m srnlab run regression_study --scale tiny  # seconds (tests)

At the paper's settings (lr 1e-5 on the loss summed over 10 sequences, momentum
0.9, normal W_rec) no network of Table 1 learns the regression tasks: all end
near what always answering one constant scores.  This study varies, at T = 50,
every setting the sources disagree on, one grid for both tasks:

    lr        1e-4, 1e-3, 1e-2 on the loss AVERAGED over the minibatch (1e-4 is
              the paper's 1e-5 on the summed loss of 10 sequences; 1e-2 is Pascanu's)
    clip      none, or the gradient's norm clipped at 1 (Pascanu et al. 2013)
    rec_init  normal (std 1/sqrt(K)), orthogonal (Saxe et al. 2014), identity (Le et al. 2015)
    variant   the data of the paper's text (values in [0, 1]) or of the author's code
              (values in [-1, 1], fixed length, target 0.5 + (a+b)/4; ``tasks.generate``)

with momentum 0.9 and minibatches of 10 throughout, 3 networks a setting (scale
"lesson"); the
networks (W_in, W_out, and the normal W_rec) and the data depend on the
network's number and the variant only, so every setting starts from the same
weights and sees the same minibatches.

A run "leaves the plateau" at the first validation where the mean accuracy (|error|
< 0.04) of the last ``window`` validations exceeds what the best constant answer
scores on that task and variant by more than ``margin``.  One validation alone is
not enough: measured on the first runs of this study, a network that never left
the plateau (test accuracy 0.142, chance 0.153) had single validations up to 0.073
above chance (500 sequences, and the best of 200 validations is picked by its
noise); the mean of 5 stayed below 0.04 above chance on every such run.  Each record keeps that update (or None), the validation
curve, the test accuracy of its best network under both criteria of
``tasks.accuracy``, and the network itself.  ``summarize`` writes
``results/regression_study-<scale>.json`` with every run and, per setting, best
and mean under both criteria and how many networks left the plateau.
"""
import dataclasses
import itertools
import json

import numpy as np

from .. import tasks
from ..results import atomic_write, dumps
from ..srn import SRN
from ..train import Trainer, TrainConfig
from .experiment import Experiment, derived_seed
from .loop import RunError, check_fraction, versions

GRID = dict(lr=(1e-4, 1e-3, 1e-2), clip=(None, 1.0), rec_init=("normal", "orthogonal", "identity"),
            variant=("paper", "author"))
TASKS = ("addition", "multiplication")

SCALES = {
    "lesson": dict(T=50, K=100, std=0.1, networks=3, updates=20_000, n_train=20_000, n_val=500, n_test=2_000,
                   val_chunk=100, epoch=100, momentum=0.9, batch=10, margin=0.05, window=5),
    # The paper's scale (Table 1: T = 100, 10 networks, 100,000 updates, 20,000 / 1,000 / 10,000
    # sequences) for the best settings of the lesson scale by mean test accuracy: the three best on
    # addition, the best on multiplication (lesson 09; tests/test_committed_results.py checks the
    # choice against the committed study).  Validation every 500 updates (200 in all), so the
    # plateau test's window of 5 spans 2,500 updates.
    "paper": dict(T=100, K=100, std=0.1, networks=10, updates=100_000, n_train=20_000, n_val=1_000,
                  n_test=10_000, val_chunk=100, epoch=500, momentum=0.9, batch=10, margin=0.05, window=5,
                  only={"addition": ("lr0.01-noclip-orthogonal-author", "lr0.01-clip1-orthogonal-paper",
                                     "lr0.01-clip1-orthogonal-author"),
                        "multiplication": ("lr0.01-clip1-orthogonal-paper",)}),
    "tiny": dict(T=10, K=8, std=0.3, networks=1, updates=40, n_train=100, n_val=40, n_test=40,
                 val_chunk=20, epoch=20, momentum=0.9, batch=10, margin=0.05, window=2),
}


@dataclasses.dataclass(frozen=True)
class Setting:
    """One run of the study: a task, one point of the grid, one network."""

    scale: str
    seed: int
    task: str
    lr: float
    clip: object            # None or the clipping norm
    rec_init: str
    variant: str
    net: int

    @property
    def column(self):
        return f"lr{self.lr:g}-{'clip' + format(self.clip, 'g') if self.clip else 'noclip'}-{self.rec_init}-{self.variant}"

    @property
    def name(self):
        return f"{self.task}-{self.column}-net{self.net}"


def settings(scale, seed):
    """Every run of the study at a scale, in a fixed order (networks outermost); a scale with
    ``only`` runs just the settings it names for each task."""
    sc = SCALES[scale]
    every = [Setting(scale, seed, task, lr, clip, rec_init, variant, net)
             for net in range(sc["networks"]) for task in TASKS
             for lr, clip, rec_init, variant in itertools.product(*GRID.values())]
    return [s for s in every if "only" not in sc or s.column in sc["only"][s.task]]


def _seed(s, *parts):
    return derived_seed(s.seed, s.task, s.net, *parts)


def initial_net(s):
    """The run's initial network: W_in, W_out (and a normal W_rec) shared by every setting of its network."""
    sc = SCALES[s.scale]
    net = SRN.init(2, sc["K"], 1, std=sc["std"], rng=_seed(s, "init"))
    if s.rec_init != "normal":
        net.W_rec = SRN.init(2, sc["K"], 1, std=sc["std"], rng=_seed(s, "init"), rec_init=s.rec_init).W_rec
    return net


def train_config(s):
    sc = SCALES[s.scale]
    return TrainConfig(task=s.task, T=sc["T"], method="clip" if s.clip else "sgd", lr=s.lr, momentum=sc["momentum"],
                       batch=sc["batch"], reduction="mean", clip_norm=s.clip or 10.0, n_train=sc["n_train"],
                       n_val=sc["n_val"], val_chunk=sc["val_chunk"], epoch=sc["epoch"], record_every=sc["updates"],
                       variant=s.variant)


def leaves_plateau(val_update, val_acc, chance, margin, window=1):
    """The first update at which the mean of the last ``window`` validation accuracies exceeds
    ``chance + margin``, or None."""
    acc = np.asarray(val_acc, dtype=float)
    if acc.size < window:
        return None
    mean = np.convolve(acc, np.ones(window) / window, mode="valid")     # mean[i] ends at validation i + window - 1
    above = np.flatnonzero(mean > chance + margin)
    return int(np.asarray(val_update)[above[0] + window - 1]) if above.size else None


def test_set(s):
    sc = SCALES[s.scale]
    rng = np.random.default_rng(_seed(s, "test", s.variant))
    return [tasks.generate(s.task, min(sc["val_chunk"], sc["n_test"] - i), sc["T"], rng, variant=s.variant)
            for i in range(0, sc["n_test"], sc["val_chunk"])]


class RegressionStudy(Experiment):
    name = "regression_study"
    about = ("what it takes an SRN to learn addition and multiplication: lr, clipping, W_rec start and data "
             "variant at T = 50 (scale lesson); the best settings at T = 100 (scale paper)")
    scales = SCALES
    default_scale = "lesson"
    tasks = TASKS

    @property
    def columns(self):
        return tuple(dict.fromkeys(s.column for s in settings("tiny", 0)))

    def specs(self, scale, seed):
        self.scale(scale)
        return settings(scale, seed)

    def identity(self, s):
        cfg = dataclasses.asdict(train_config(s))
        cfg["q_range"] = list(cfg["q_range"])
        return {**dataclasses.asdict(s), "config": {"train": cfg, "scale": SCALES[s.scale]}}

    def planned_updates(self, s):
        return SCALES[s.scale]["updates"]

    def epoch(self, s):
        return SCALES[s.scale]["epoch"]

    def new_run(self, s):
        return Trainer(initial_net(s), train_config(s), seed=_seed(s, "data", s.variant)), None

    def extra_files(self, s, trainer, extra):
        return {"net.npz": trainer.best.to_npz()}

    def make_record(self, s, trainer, extra):
        sc = SCALES[s.scale]
        h = trainer.arrays()
        chance = {c: tasks.best_constant(s.task, criterion=c, variant=s.variant)[1] for c in tasks.CRITERIA}
        correct, n = dict.fromkeys(tasks.CRITERIA, 0.0), 0
        for X, y in test_set(s):
            y_hat = trainer.best.predict(X)
            for c in correct:
                correct[c] += tasks.accuracy(s.task, y_hat, y, criterion=c) * len(X)
            n += len(X)
        return {"column": s.column, "test_accuracy": correct["absolute"] / n,
                "test_accuracy_squared": correct["squared"] / n, "best_val_accuracy": trainer.best_val[0],
                "best_update": trainer.best_update, "chance": chance,
                "leaves_plateau_at": leaves_plateau(h["val_update"], h["val_acc"], chance["absolute"], sc["margin"],
                                                    sc["window"]),
                "val_update": [int(u) for u in h["val_update"]], "val_acc": [float(a) for a in h["val_acc"]],
                "network": f"{s.name}.net.npz"}

    def check_record(self, record):
        for key in ("test_accuracy", "test_accuracy_squared", "best_val_accuracy"):
            problem = check_fraction(record.get(key), key)
            if problem:
                return problem
        return None

    def summarize(self, scale, seed, out, records):
        specs = settings(scale, seed)
        done = [records[s.name] for s in specs if s.name in records]
        if not done:
            raise RunError(f"no run of regression_study at scale {scale!r} has a record yet: nothing to summarize")
        path = self.results_path(scale, out)
        if path.exists():                          # never replace a file with fewer runs
            old = json.loads(path.read_text())
            missing = {r["name"] for r in old.get("runs", [])} - {s.name for s in specs if s.name in records}
            if missing:
                raise RunError(f"{path} holds {len(missing)} run(s) with no record here (e.g. {sorted(missing)[0]}); "
                               f"summarizing would replace it with less")
        cells = {}
        for s in specs:
            if s.name in records:
                cells.setdefault(f"{s.task}|{s.column}", []).append(records[s.name])
        summary = {}
        for key, rs in sorted(cells.items()):
            left = [r["leaves_plateau_at"] for r in rs if r["leaves_plateau_at"] is not None]
            summary[key] = {"n": len(rs), "best": max(r["test_accuracy"] for r in rs),
                            "mean": float(np.mean([r["test_accuracy"] for r in rs])),
                            "best_squared": max(r["test_accuracy_squared"] for r in rs),
                            "mean_squared": float(np.mean([r["test_accuracy_squared"] for r in rs])),
                            "left_plateau": len(left), "first_left_at": min(left) if left else None,
                            "chance": rs[0]["chance"]}
        result = {"experiment": self.name, "scale": scale, "seed": seed, "complete": len(done) == len(specs),
                  "runs_done": len(done), "runs_total": len(specs), "grid": {k: list(v) for k, v in GRID.items()},
                  "config": SCALES[scale], "versions": versions(), "cells": summary,
                  "runs": [{"name": s.name, **{k: v for k, v in records[s.name].items() if k != "wall_seconds"}}
                           for s in specs if s.name in records]}
        atomic_write(path, dumps(result, sort_keys=True))
        lines = [f"regression_study ({scale}): {len(done)}/{len(specs)} runs done; wrote {path}"]
        for key, v in summary.items():
            if v["left_plateau"]:
                lines.append(f"  {key:45s} left the plateau {v['left_plateau']}/{v['n']} (first at {v['first_left_at']}); "
                             f"best {v['best']:.3f} / {v['best_squared']:.3f} (|e| < 0.04 / e^2 <= 0.04)")
        return lines
