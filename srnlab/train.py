"""Training an SRN on one task: plain SGD, gradient clipping, or the sampling method.

SGD with momentum, as in the paper's section 8 (learning rate 1e-5,
momentum 0.9, minibatches of 10):

    v <- momentum * v - lr * dE/dw          w <- w + v

Methods:
    "sgd"       every minibatch updates the weights;
    "clip"      as sgd, but a gradient whose norm (all parameters together)
                exceeds ``clip_norm`` is scaled down to that norm
                (Pascanu, Mikolov & Bengio 2013);
    "sampling"  the paper's method: the update is made only if
                ``accept(Q, dS)`` says so; a rejected minibatch changes
                nothing, neither the weights nor the velocity.

With momentum, which change of W_rec is dS judged on?  The paper says "the
update"; ``ds_on="update"`` (the default) takes the whole step
momentum * v - lr * g that would be applied.  Because a rejected minibatch
leaves v as it was, the same momentum part is proposed again next time,
and once it alone breaks the |dS| or the Q test, every later minibatch is
rejected too: training stalls (measured in lesson 07).  ``ds_on="gradient"``
judges only the minibatch's own contribution -lr * g, the reading under
which "skip this minibatch" cannot stall.

Which number is judged against ds_max, ``indicator``:
    "ds"           the theorem's dS = 2 (G, dG) (eqs. 14-24), in the loss's units;
    "ds_relative"  dS / S, S = ||G||_F^2: the same change, scale-free;
    "log10"        the author's: the change of log10 ||delta(k-h)|| that the
                   step makes (``srnlab.indicator``), exact (a second forward
                   and backward pass with the step applied to every weight) or
                   first-order (``exact=False``).  ds_max = 1 is then "tenfold".
``norm`` is how Q and the log10 indicator measure a (batch, K) block of
local gradients: "mean" of per-example norms, "spectral" (the author's) or
"frobenius" (``srnlab.qfactor``).

The author's training loop (github.com/FlyElephant-M31/r3, ``Go_MakeTrain.m``,
``train_SGD_pak.m``) also sets the velocity to zero at the start of every
epoch of 50 minibatches, for plain SGD and for the method alike:
``reset_velocity_every=50``.  A rejected momentum step can then block at most
the rest of its epoch.  ``select_by="loss"`` keeps the network of the lowest
validation loss instead of the highest accuracy (his code keeps the lowest
validation MSE).

The loss reduction matters: the paper's lr = 1e-5 learns at a useful pace
only with the loss SUMMED over the minibatch (sum at lr 1e-5 is mean at
lr 1e-4), so reduction="sum" is the default here.

A ``Trainer`` holds the whole state of a run (network, velocity, random
generators, history) and can be pickled between calls to ``run`` to
checkpoint and resume; the resumed run gives exactly the numbers of an
unbroken one.
"""
import copy
import math
import warnings
from dataclasses import dataclass

import numpy as np

from . import _validate as V
from . import tasks
from .bptt import REDUCTIONS, bptt, output_error
from .indicator import log_change
from .qfactor import NORMS, _q
from .srn import check_net
from .sampling import RULES, check_ds_max, accept, check_q_range
from .theorem import s_gradient
from .workspace import Workspace

METHODS = ("sgd", "clip", "sampling")
DS_ON = ("update", "gradient")
INDICATORS = ("ds", "ds_relative", "log10")
SELECT_BY = ("accuracy", "loss")

#: |z| at or above this counts as saturated: there f'(a) = 1 - z^2 < 0.1.
SATURATION = 0.95


@dataclass
class TrainConfig:
    """Everything that defines a run besides the initial network and the seed."""

    task: str
    T: int
    method: str = "sgd"
    lr: float = 1e-5
    momentum: float = 0.9
    batch: int = 10
    reduction: str = "sum"
    clip_norm: float = 10.0
    h: int = None                   # horizon of Q and dS; None: T - 1
    bptt_depth: int = None          # None: full BPTT
    q_range: tuple = (-1.0, 1.0)
    ds_max: float = 1.0
    rule: str = "consistent"
    ds_on: str = "update"           # dS of the whole momentum step, or of the minibatch's -lr * g
    indicator: str = "ds"           # what ds_max bounds: "ds", "ds_relative" or "log10" (the author's)
    exact: bool = True              # log10 indicator: recompute with the step (True) or first order
    norm: str = "mean"              # the norm of a (batch, K) block in Q and the log10 indicator
    reset_velocity_every: int = None  # zero the velocity every N updates (the author's N = 50); None: never
    select_by: str = "accuracy"     # "save best" by validation accuracy (then loss), or by loss alone
    variant: str = "paper"          # whose version of the task's data (tasks.generate)
    n_train: int = None             # fixed training set size; None: fresh data every update
    n_val: int = 1000
    val_chunk: int = 100            # validation sequences per length draw
    epoch: int = 50                 # updates between validations
    record_every: int = 10          # updates between per-step diagnostics
    tol: float = tasks.TOLERANCE

    def __post_init__(self):
        self.task = V.choice(self.task, "task name", tuple(tasks.TASKS))
        self.T = V.positive_int(self.T, "T")
        V.choice(self.variant, "variant", tasks.VARIANTS)
        if self.T < tasks.min_length(self.task, self.variant):
            raise ValueError(f"T={self.T} is too short for {self.task!r}; use T >= "
                             f"{tasks.min_length(self.task, self.variant)}")
        V.choice(self.method, "method", METHODS)
        V.choice(self.reduction, "reduction", REDUCTIONS)
        V.choice(self.rule, "rule", RULES)
        V.choice(self.ds_on, "ds_on", DS_ON)
        V.choice(self.indicator, "indicator", INDICATORS)
        V.choice(self.norm, "norm", NORMS)
        V.choice(self.select_by, "select_by", SELECT_BY)
        if not isinstance(self.exact, (bool, np.bool_)):
            raise TypeError(f"exact must be True or False, got {self.exact!r}")
        self.exact = bool(self.exact)
        if self.reset_velocity_every is not None:
            self.reset_velocity_every = V.positive_int(self.reset_velocity_every, "reset_velocity_every")
        self.lr = V.nonnegative_float(self.lr, "lr", allow_zero=False)
        self.tol = V.nonnegative_float(self.tol, "tol (the regression tolerance)", allow_zero=False)
        self.momentum = V.nonnegative_float(self.momentum, "momentum")
        if self.momentum >= 1:
            raise ValueError(f"momentum must lie in [0, 1), got {self.momentum}")
        self.clip_norm = V.nonnegative_float(self.clip_norm, "clip_norm", allow_zero=False)
        self.q_range = check_q_range(self.q_range)
        self.ds_max = check_ds_max(self.ds_max)
        for name in ("batch", "n_val", "val_chunk", "epoch", "record_every"):
            setattr(self, name, V.positive_int(getattr(self, name), name))
        if self.n_train is not None:
            self.n_train = V.positive_int(self.n_train, "n_train", minimum=self.batch)
            if self.n_train % self.batch:
                raise ValueError(f"n_train={self.n_train} is not a multiple of batch={self.batch}: the fixed training "
                                 f"set is stored as whole minibatches; use e.g. n_train={self.n_train - self.n_train % self.batch}")
        if self.h is None:
            self.h = self.T - 1
        else:
            self.h = V.positive_int(self.h, "h (the horizon of Q and dS)")
            if self.h > self.T - 1:
                raise ValueError(f"h (the horizon of Q and dS) must be between 1 and T-1 = {self.T - 1} for T={self.T} "
                                 f"(Q compares delta(k) with delta(k-h)), got {self.h}")
        if self.bptt_depth is not None:
            self.bptt_depth = V.check_depth(self.bptt_depth, self.T, "bptt_depth")
            if self.method == "sampling" and self.bptt_depth < self.h:
                raise ValueError(f"the sampling method needs bptt_depth >= h (= {self.h}), got {self.bptt_depth}")


class Trainer:
    """One training run, step by step.

    Args:
        net: the initial SRN (copied; the caller's network is not changed).
        config: a TrainConfig, or keyword arguments for one.
        seed: int seed (or Generator) for the data and the minibatch order.
            The same seed gives the same data and order for every method, so
            "sgd" and "sampling" runs from the same net see the same minibatches.
        watch: optional function watch(trainer, X, y, result, proposal) -> tuple
            of floats, called at every update after the decision and before
            the update is made (``proposal``: the whole momentum step); what it
            returns is kept in ``history["watch"]``.  For studies that measure
            several readings of the same proposals (a module-level function,
            so that the trainer can still be pickled).
    Attributes:
        net: the current network.  best: the network of the best validation.
        history: dict of lists, see ``HISTORY_KEYS``; ``arrays()`` converts.
        status: "running", "completed" or "diverged at update N: ...".
    """

    def __init__(self, net, config=None, seed=0, watch=None, **kwargs):
        check_net(net)
        if config is None:
            config = TrainConfig(**kwargs)
        elif kwargs:
            raise TypeError("give either a TrainConfig or keyword arguments, not both")
        elif not isinstance(config, TrainConfig):
            raise TypeError(f"config must be a TrainConfig (or leave it out and give its fields as keyword "
                            f"arguments), got {type(config).__name__}")
        self.config = cfg = config
        if watch is not None and not callable(watch):
            raise TypeError(f"watch must be a function or None, got {type(watch).__name__}")
        self.watch = watch
        spec = tasks.spec(cfg.task)
        if (net.n_in, net.n_out, net.output) != (spec.n_in, spec.n_out, spec.output):
            raise ValueError(
                f"task {cfg.task!r} needs a network with n_in={spec.n_in}, n_out={spec.n_out}, "
                f"output={spec.output!r}; got n_in={net.n_in}, n_out={net.n_out}, output={net.output!r}"
            )
        self.net = net.copy()
        self.best = net.copy()
        self.velocity = {k: np.zeros_like(v) for k, v in net.params().items()}
        root = V.as_rng(seed)
        data_rng, val_rng, self.order_rng = root.spawn(3)
        self.data_rng = data_rng
        # Where the fixed data sets come from, so that a pickled Trainer (a
        # checkpoint) need not carry them: they are drawn again on loading.
        self._data_origin = (type(data_rng.bit_generator), copy.deepcopy(data_rng.bit_generator.state),
                             copy.deepcopy(val_rng.bit_generator.state))
        self._make_data_sets()
        self.workspace = Workspace()      # buffers reused by every update
        self.trial_workspace = Workspace()  # ... and by the log10 indicator's second pass
        self.updates = 0
        self.status = "running"
        self.history = {k: [] for k in HISTORY_KEYS}
        self.best_val = (-1.0, math.inf)  # (accuracy, loss): higher accuracy, then lower loss
        self.best_update = 0
        self._validate()

    # ---------------------------------------------------------------- data
    def _make_data_sets(self):
        """Draw the fixed training set (if any) and the validation set from their origin."""
        cfg = self.config
        kind, data_state, val_state = self._data_origin
        data_rng, val_rng = np.random.Generator(kind()), np.random.Generator(kind())
        data_rng.bit_generator.state = copy.deepcopy(data_state)
        val_rng.bit_generator.state = copy.deepcopy(val_state)
        self.train_set = None
        if cfg.n_train is not None:
            self.train_set = [tasks.generate(cfg.task, cfg.batch, cfg.T, data_rng, variant=cfg.variant)
                              for _ in range(cfg.n_train // cfg.batch)]
        self.val_set = [tasks.generate(cfg.task, min(cfg.val_chunk, cfg.n_val - s), cfg.T, val_rng, variant=cfg.variant)
                        for s in range(0, cfg.n_val, cfg.val_chunk)]

    def __getstate__(self):
        state = dict(self.__dict__)
        state["train_set"] = state["val_set"] = None      # regenerated by __setstate__
        return state

    def __setstate__(self, state):
        state.setdefault("watch", None)                    # checkpoints made before watching existed
        state["history"].setdefault("watch", [])
        self.__dict__.update(state)
        self._make_data_sets()

    def _minibatch(self):
        cfg = self.config
        if self.train_set is None:
            return tasks.generate(cfg.task, cfg.batch, cfg.T, self.data_rng, variant=cfg.variant)
        return self.train_set[int(self.order_rng.integers(len(self.train_set)))]

    # ---------------------------------------------------------------- one update
    def step(self):
        """One minibatch: forward, backward, (decision), update.  Returns False once stopped."""
        if self.status != "running":
            return False
        cfg, net = self.config, self.net
        X, y = self._minibatch()
        if cfg.reset_velocity_every is not None and self.updates % cfg.reset_velocity_every == 0:
            for v in self.velocity.values():
                v.fill(0.0)
        res = bptt(net, X, y, h=cfg.bptt_depth, reduction=cfg.reduction, workspace=self.workspace)
        i = self.updates + 1
        if not res.finite:
            return self._diverged(i, f"the loss or a gradient is not finite (loss = {res.loss}; the largest "
                                     f"|weight| is {self._largest_weight():.3g})")
        grads = res.grads
        with np.errstate(over="ignore"):          # in float64, so that a float32 net's norm does not overflow
            grad_norm = math.sqrt(sum(float(np.dot(g.ravel().astype(np.float64), g.ravel())) for g in grads.values()))
        if not math.isfinite(grad_norm):
            return self._diverged(i, "the gradient's norm overflowed (every entry is finite, their squares are not)")
        if cfg.method == "clip" and grad_norm > cfg.clip_norm:
            grads = {k: g * (cfg.clip_norm / grad_norm) for k, g in grads.items()}
        with np.errstate(over="ignore", invalid="ignore"):     # an overflow is caught just below
            proposal = {k: cfg.momentum * self.velocity[k] - cfg.lr * grads[k] for k in grads}
            proposal_finite = all(np.all(np.isfinite(v)) for v in proposal.values())
        if not proposal_finite:
            return self._diverged(i, f"the proposed step overflowed (lr = {cfg.lr:g} times a gradient of norm "
                                     f"{grad_norm:.3g})")
        q = _q(res.delta, cfg.h, cfg.norm)
        ds = float("nan")
        accepted = True
        if cfg.method == "sampling":
            judged = proposal if cfg.ds_on == "update" else {k: -cfg.lr * g for k, g in grads.items()}
            ds = self._indicator(X, y, res, judged)
            accepted = accept(q, ds, cfg.q_range, cfg.ds_max, cfg.rule)
        if self.watch is not None:
            self.history["watch"].append(tuple(float(v) for v in self.watch(self, X, y, res, proposal)))
        if accepted:
            self.velocity = proposal
            params = net.params()
            with np.errstate(over="ignore", invalid="ignore"):
                for k, v in proposal.items():
                    params[k] += v
        self.updates = i
        hist = self.history
        hist["update"].append(i)
        hist["loss"].append(res.loss)
        hist["q"].append(q)
        hist["ds"].append(ds)
        hist["accepted"].append(accepted)
        hist["grad_norm"].append(grad_norm)
        if not all(np.all(np.isfinite(p)) for p in net.params().values()):
            return self._diverged(i, "a weight became inf or NaN after the update")
        if i % cfg.record_every == 0 or i == 1:
            self._record(i, res)
        if i % cfg.epoch == 0:
            return self._validate()
        return True

    def _indicator(self, X, y, res, step):
        """The number the sampling rule judges the step by (``indicator``; see the module docstring)."""
        cfg, net = self.config, self.net
        if cfg.indicator == "log10":
            return log_change(net, X, y, step, cfg.h, cfg.norm, cfg.exact, res, self.trial_workspace)[0]
        with np.errstate(over="ignore", invalid="ignore"):
            ds = float(np.vdot(s_gradient(net, res, cfg.h, self.workspace), step["W_rec"]))
        if cfg.indicator == "ds":
            return ds
        G = res.delta[:, res.delta.shape[1] - 1 - cfg.h]
        S = float(np.vdot(G, G))
        return ds / S if S > 0 else float("nan")

    def run(self, n_updates, progress=False, callback=None):
        """Make up to n_updates more updates (fewer if the run diverges).

        progress: show a tqdm progress bar with accuracy, Q and acceptance rate.
        callback: called as callback(trainer) after each validation; return
            True from it to stop early.
        Returns self.
        """
        n_updates = V.positive_int(n_updates, "n_updates", minimum=0)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be a function or None, got {type(callback).__name__}")
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=n_updates, desc=f"{self.config.task} {self.config.method}", leave=False)
        try:
            for _ in range(n_updates):
                if not self.step():
                    break
                if bar is not None:
                    bar.update(1)
                if self.updates % self.config.epoch == 0:
                    if bar is not None:
                        h = self.history
                        bar.set_postfix(acc=f"{h['val_acc'][-1]:.2f}", Q=f"{h['q'][-1]:.2f}",
                                        accepted=f"{np.mean(h['accepted'][-self.config.epoch:]):.2f}")
                    if callback is not None and callback(self):
                        break
        finally:
            if bar is not None:
                bar.close()
        return self

    def finish(self):
        """Mark the run completed (if it did not diverge) and return self."""
        if self.status == "running":
            self.status = "completed"
        return self

    # ---------------------------------------------------------------- bookkeeping
    def _record(self, i, res):
        T = self.config.T
        z = np.abs(res.z)
        hist = self.history
        hist["record_update"].append(i)
        hist["delta_norms"].append(res.delta_norms[::-1][:T])      # index = steps back from the last
        hist["dW_rec_norms"].append(res.dW_rec_norms[::-1][:T])
        hist["saturation"].append(float(np.mean(z >= SATURATION)))
        hist["mean_abs_z"].append(float(z.mean()))
        hist["median_abs_z"].append(float(np.median(z)))
        hist["spectral_radius"].append(self.net.spectral_radius())

    def _validate(self):
        """Forward-only validation on the fixed validation set; keeps the best network.

        Returns False (and the run is diverged) if the network's outputs are not finite."""
        cfg, net = self.config, self.net
        correct, loss, n = 0.0, 0.0, 0
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for X, y in self.val_set:
                y_hat = net.predict(X)
                if not np.all(np.isfinite(y_hat)):
                    return self._diverged(self.updates, f"the network's validation outputs are not finite (the "
                                                        f"largest |weight| is {self._largest_weight():.3g})")
                o = np.log(np.maximum(y_hat, np.finfo(y_hat.dtype).tiny)) if net.output == "softmax" else y_hat
                loss += output_error(net, o, y, "sum")[0]
                correct += tasks.accuracy(cfg.task, y_hat, y, cfg.tol) * len(X)
                n += len(X)
        acc, loss = correct / n, loss / n
        hist = self.history
        hist["val_update"].append(self.updates)
        hist["val_acc"].append(acc)
        hist["val_loss"].append(loss)
        if cfg.select_by == "loss":
            better = loss < self.best_val[1]
        else:
            better = (acc, -loss) > (self.best_val[0], -self.best_val[1])
        if np.isfinite(loss) and better:
            self.best_val = (acc, loss)
            self.best = net.copy()
            self.best_update = self.updates
        return True

    def _largest_weight(self):
        with np.errstate(invalid="ignore"):
            return max(float(np.max(np.abs(p))) for p in self.net.params().values())

    def _diverged(self, i, why):
        self.status = f"diverged at update {i}: {why}"
        warnings.warn(f"training stopped: {self.status}; the best network (update {self.best_update}) and the history are kept",
                      RuntimeWarning, stacklevel=3)
        return False

    def arrays(self):
        """The history as a dict of numpy arrays."""
        return {k: np.asarray(v) for k, v in self.history.items()}


HISTORY_KEYS = (
    "update", "loss", "q", "ds", "accepted", "grad_norm",             # every update
    "record_update", "delta_norms", "dW_rec_norms", "saturation",     # every record_every updates
    "mean_abs_z", "median_abs_z", "spectral_radius",
    "val_update", "val_acc", "val_loss",                              # every epoch (and at update 0)
    "watch",                                                          # every update, if watching
)


def train(net, task, T, n_updates, seed=0, progress=False, callback=None, **config):
    """Train a copy of ``net`` for n_updates and return the finished Trainer.

    Keyword arguments go to ``TrainConfig`` (method, lr, momentum, batch,
    reduction, clip_norm, h, q_range, ds_max, rule, indicator, exact, norm,
    reset_velocity_every, select_by, n_train, n_val, epoch, ...).
    The result's ``.best`` is the network of the best validation ("save best"),
    ``.history`` what the lessons plot, ``.status`` how the run ended.
    """
    trainer = Trainer(net, TrainConfig(task=task, T=T, **config), seed=seed)
    return trainer.run(n_updates, progress=progress, callback=callback).finish()
