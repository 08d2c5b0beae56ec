"""Lesson 06 helpers: how well the theorem's dS predicts what an update really does.

The theorem (``srnlab.theorem``) differentiates S(W_rec) = ||delta(k-h)||_F^2
with the derivative factors D_n = diag(f'(a(n))) and the last local gradient
delta(k) held fixed.  After a real update W_rec -> W_rec + dW_rec the forward
pass changes too, so D_n and delta(k) move, and the true new
||delta(k-h)||^2 differs from the prediction S + dS for two reasons:

* the frozen factors: the true S also depends on W_rec through D_n and
  delta(k), a FIRST-order effect that does not shrink with the step;
* higher orders: terms in dW_rec^2, dW_rec^3, ..., which grow with the step.

``true_s`` recomputes everything; ``step_curves`` follows one network along
a direction; ``sign_sweep`` measures, over many random networks and
minibatches, how often sign(dS) gets the sign of the true change right for
gradient steps dW_rec = -eta * dE/dW_rec of growing size eta.
``check_tangent_step`` and ``check_ds_split`` are the checkers of the lesson's exercises.
``build_sign_demo`` draws the lesson's interactive demo of the sweep, on symlog axes with one
range for every eta (``sign_demo_range``).
"""
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from .. import tasks
from . import _real_array
from ..bptt import bptt
from ..course.exercises import _call, _compare, _function, _verdict
from ..qfactor import q_factor
from ..srn import SRN
from ..theorem import ds as theorem_ds
from ..theorem import s_frozen


# ---------------------------------------------------------------- the exercise
def check_tangent_step(fn, seed=0):
    """fn(g, dg, W_rec, dW_rec, fprime_prev) -> (g_prev, dg_prev), one step of the tangent pass.

    Shapes: g, dg (batch, K); W_rec, dW_rec (K, K); fprime_prev = f'(a(n-1)) (batch, K).
    Answer: g_prev  = (g W_rec^T) * fprime_prev
            dg_prev = (dg W_rec^T + g dW_rec^T) * fprime_prev     (the product rule)
    """
    _function(fn)
    rng = V.as_rng(seed)
    for B, K, zero_dg in ((3, 4, True), (1, 6, False), (5, 5, False)):
        g, W, dW = rng.normal(size=(B, K)), rng.normal(size=(K, K)), rng.normal(size=(K, K))
        dg = np.zeros((B, K)) if zero_dg else rng.normal(size=(B, K))
        fp = 1 - np.tanh(rng.normal(size=(B, K))) ** 2
        out, err = _call(fn, g.copy(), dg.copy(), W.copy(), dW.copy(), fp.copy())
        if err:
            return _verdict(False, err)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            return _verdict(False, "return two arrays, `return g_prev, dg_prev`"
                                   f" (got {type(out).__name__}).")
        g_got, dg_got = out
        where = f"for batch {B}, K {K}" + (" with dg = 0 (the first step back)" if zero_dg else "")
        g_want = (g @ W.T) * fp
        g_slips = [("used W_rec instead of its transpose W_rec^T", (g @ W) * fp),
                   ("forgot the factor f'(a(n-1))", g @ W.T),
                   ("used dW_rec in g's step: g only ever sees W_rec", (g @ dW.T) * fp)]
        msg = _compare(g_got, g_want, g_slips, f"g_prev {where}")
        if msg:
            return _verdict(False, msg)
        want = (dg @ W.T + g @ dW.T) * fp
        slips = [("left out g dW_rec^T: the product rule needs the term where dW_rec replaces W_rec",
                  (dg @ W.T) * fp),
                 ("left out dg W_rec^T: the change already carried from later steps must go on back",
                  (g @ dW.T) * fp),
                 ("used dW_rec instead of its transpose dW_rec^T", (dg @ W.T + g @ dW) * fp),
                 ("used W_rec and dW_rec untransposed", (dg @ W + g @ dW) * fp),
                 ("swapped the roles: it is dg W_rec^T + g dW_rec^T, not dg dW_rec^T + g W_rec^T",
                  (dg @ dW.T + g @ W.T) * fp),
                 ("forgot the factor f'(a(n-1)) (it is frozen, but it is still there)",
                  dg @ W.T + g @ dW.T)]
        msg = _compare(dg_got, want, slips, f"dg_prev {where}")
        if msg:
            return _verdict(False, msg)
    return _verdict(True, "your tangent step carries g and dg back correctly for every shape tried.")


def check_ds_split(fn, seed=0):
    """fn(ds_of, velocity, grad, momentum, lr) -> (velocity_part, gradient_part).

    ds_of(dW_rec) is the theorem's dS of a change of W_rec for one minibatch; the
    proposed change of SGD with momentum is dW_rec = momentum * velocity - lr * grad.
    dS is linear in dW_rec, so it splits into
        velocity part  momentum * ds_of(velocity)
        gradient part  -lr * ds_of(grad)
    which add up to ds_of(momentum * velocity - lr * grad).
    """
    _function(fn)
    rng = V.as_rng(seed)
    K, h = 6, 6
    net = SRN.init(6, K, 4, output="softmax", std=1 / np.sqrt(K), rng=rng)
    X, y = tasks.generate("temporal_order", 4, 10, rng=rng)
    res = bptt(net, X, y, h=h)
    grad = res.grads["W_rec"]

    def ds_of(dW_rec):
        return theorem_ds(net, X, y, dW_rec, h, result=res)

    for momentum, lr in ((0.9, 0.1), (0.5, 2.0)):
        velocity = rng.normal(0, np.linalg.norm(grad) / K, (K, K))
        out, err = _call(fn, ds_of, velocity.copy(), grad.copy(), momentum, lr)
        if err:
            return _verdict(False, err)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            return _verdict(False, "return two numbers, `return velocity_part, gradient_part`"
                                   f" (got {type(out).__name__}).")
        try:
            got = np.array([float(out[0]), float(out[1])])
        except (TypeError, ValueError):
            return _verdict(False, f"return two numbers, got {type(out[0]).__name__} and {type(out[1]).__name__}.")
        dv, dg = ds_of(velocity), ds_of(grad)
        total = ds_of(momentum * velocity - lr * grad)
        want = np.array([momentum * dv, -lr * dg])
        slips = [("forgot the momentum factor: the velocity enters the step as momentum * velocity",
                  [dv, -lr * dg]),
                 ("dropped the minus sign: the step is momentum * velocity MINUS lr * grad", [momentum * dv, lr * dg]),
                 ("forgot the learning rate: the gradient enters the step as -lr * grad", [momentum * dv, -dg]),
                 ("swapped the two parts: return the velocity part first", [-lr * dg, momentum * dv]),
                 ("gave the whole dS for each part: the two parts must ADD UP to it", [total, total])]
        msg = _compare(got, want, slips, f"(velocity part, gradient part) for momentum {momentum}, lr {lr}",
                       rtol=1e-8)
        if msg:
            return _verdict(False, msg)
    return _verdict(True, "your two parts are right and add up to the dS of the whole step.")


# ---------------------------------------------------------------- one network
def true_s(net, X, y, W_rec, h, reduction="mean"):
    """||delta(k-h)||_F^2 after replacing W_rec and recomputing EVERYTHING (forward and backward).

    Unlike ``srnlab.s_frozen`` nothing is held fixed: D_n and delta(k) are
    those of the network with the new W_rec.
    """
    _srn(net)
    h = _depth(X, h)
    W_rec = V.float_array(W_rec, "W_rec")
    if W_rec.shape != net.W_rec.shape:
        raise ValueError(f"W_rec must have the shape of the network's W_rec, {net.W_rec.shape}, got {W_rec.shape}")
    V.check_finite(W_rec, "W_rec")
    moved = net.copy()
    moved.W_rec = np.array(W_rec, dtype=net.dtype)
    res = bptt(moved, X, y, h=h, reduction=reduction)
    return float(np.sum(res.delta[:, -1 - h] ** 2))


def _srn(net):
    if not isinstance(net, SRN):
        raise TypeError(f"net must be an srnlab.SRN, got {type(net).__name__}")
    return net


def _depth(X, h):
    """h steps back: an integer with 1 <= h <= T-1, so that delta(k-h) exists."""
    h = V.positive_int(h, "h (the number of steps back)")
    T = np.shape(X)[1] if np.ndim(X) == 3 else None
    if T is not None and h > T - 1:
        raise ValueError(f"h={h} goes deeper than the sequence: with T={T} time steps delta(k-h) exists "
                         f"for h between 1 and T-1 = {T - 1}")
    return h


@dataclass
class StepCurves:
    """Changes of ||delta(k-h)||^2 along W_rec + t * direction, for step lengths t.

    Attributes:
        steps: (m,) the step lengths t.
        S0: ||delta(k-h)||^2 before the step.
        ds: the theorem's dS per unit step (dS along ``direction``).
        ds_full: the derivative of the TRUE S along the direction (central difference).
        predicted: (m,) t * ds, the theorem's first-order prediction.
        frozen: (m,) S_frozen(W + t dir) - S0, the exact change with D_n and delta(k) frozen.
        true: (m,) true_s(W + t dir) - S0, the change when everything is recomputed.
    """

    steps: np.ndarray
    S0: float
    ds: float
    ds_full: float
    predicted: np.ndarray
    frozen: np.ndarray
    true: np.ndarray


def step_curves(net, X, y, direction, h, steps, reduction="mean", fd_step=1e-6):
    """Follow one network along a direction of W_rec: prediction, frozen change, true change.

    Args:
        net, X, y: the network and the minibatch.
        direction: (K, K) the direction of the update (e.g. -grad_W_rec).
        h: steps back.  steps: the step lengths t (the update is t * direction).
        fd_step: the step of the central difference that gives ``ds_full``.
    """
    _srn(net)
    h = _depth(X, h)
    steps = _real_array(steps, "steps").astype(float)
    if steps.ndim > 1:
        raise ValueError(f"steps must be a 1-d sequence of step lengths, got shape {steps.shape}")
    steps = np.atleast_1d(steps)
    V.check_finite(steps, "steps")
    fd_step = V.nonnegative_float(fd_step, "fd_step", allow_zero=False)
    res = bptt(net, X, y, h=h, reduction=reduction)
    S0 = float(np.sum(res.delta[:, -1 - h] ** 2))
    d = theorem_ds(net, X, y, direction, h, reduction=reduction, result=res)
    W = net.W_rec
    frozen = np.array([s_frozen(net, res, W + t * direction, h) - S0 for t in steps])
    true = np.array([true_s(net, X, y, W + t * direction, h, reduction) - S0 for t in steps])
    full = (true_s(net, X, y, W + fd_step * direction, h, reduction)
            - true_s(net, X, y, W - fd_step * direction, h, reduction)) / (2 * fd_step)
    return StepCurves(steps=steps, S0=S0, ds=d, ds_full=full, predicted=steps * d,
                      frozen=frozen, true=true)


# ---------------------------------------------------------------- many networks
@dataclass
class SignSweep:
    """sign_sweep's measurements: one row per (network, minibatch), one column per eta.

    Attributes:
        etas: (m,) learning rates; the update is dW_rec = -eta * dE/dW_rec.
        scale: (n,) std * sqrt(K) of each network's weights.
        task: (n,) the task of each minibatch.
        S0: (n,) ||delta(k-h)||^2 before the update.
        q: (n,) the Q-factor (eq. 25) of each minibatch before the update.
        ds: (n,) the theorem's dS for eta = 1 (dS for eta is eta * ds).
        ds_full: (n,) the derivative of the true S along -grad (central difference).
        true: (n, m) the true change of ||delta(k-h)||^2 after the update with each eta.
        h, K, T, batch: the setting.
    """

    etas: np.ndarray
    scale: np.ndarray
    task: np.ndarray
    S0: np.ndarray
    q: np.ndarray
    ds: np.ndarray
    ds_full: np.ndarray
    true: np.ndarray
    h: int
    K: int
    T: int
    batch: int

    @property
    def predicted(self):
        """(n, m) the theorem's prediction eta * dS of the change."""
        return self.ds[:, None] * self.etas[None, :]

    @property
    def predicted_full(self):
        """(n, m) eta * (the exact derivative of the true S): first order done right."""
        return self.ds_full[:, None] * self.etas[None, :]

    def select(self, where=None):
        """A boolean mask over the networks.

        where: None (all), a number (the networks with this std * sqrt(K)) or a
        boolean array over the networks (returned as it is).
        """
        if where is None:
            return np.ones(len(self.scale), bool)
        if np.ndim(where) == 0:
            scale = V.nonnegative_float(where, "where (a scale std * sqrt(K))")
            if not np.any(np.isclose(self.scale, scale)):
                raise ValueError(f"no network has the scale {scale}; the scales are {sorted(set(self.scale.tolist()))}")
            return np.isclose(self.scale, scale)
        where = np.asarray(where, bool)
        if where.shape != self.scale.shape:
            raise ValueError(f"a mask must have one entry per network, {self.scale.shape}, got {where.shape}")
        return where

    def fraction_correct(self, where=None, full=False):
        """(m,) the fraction of networks where the predicted sign equals the true change's sign.

        full=False: the theorem's dS; full=True: the exact derivative of the true S.
        """
        m = _some(self.select(where))
        pred = (self.predicted_full if full else self.predicted)[m]
        return np.mean(np.sign(pred) == np.sign(self.true[m]), axis=0)

    def relative_error(self, where=None, full=False):
        """(m,) the median over networks of |prediction - true change| / |true change|."""
        m = _some(self.select(where))
        pred = (self.predicted_full if full else self.predicted)[m]
        true = self.true[m]
        with np.errstate(divide="ignore", invalid="ignore"):
            err = np.abs(pred - true) / np.abs(true)
        return np.nanmedian(np.where(np.isfinite(err), err, np.nan), axis=0)


def _some(mask):
    if not mask.any():
        raise ValueError("the selection holds no network: a fraction or median over none does not exist")
    return mask


def sign_sweep(etas, scales=(0.6, 1.0, 1.4), nets_per_scale=80, K=25, T=25, h=None, batch=10,
               task_names=("temporal_order", "addition"), reduction="mean", seed=0, fd_step=1e-6):
    """Measure sign(dS) against the sign of the true change of ||delta(k-h)||^2.

    For every weight scale, ``nets_per_scale`` networks SRN.init(std=scale/sqrt(K)),
    each with its own minibatch of ``batch`` sequences, the tasks taken in turn.
    The update is a plain gradient step on W_rec, dW_rec = -eta * dE/dW_rec,
    for every eta; after it the forward and backward pass are recomputed.

    Args:
        etas: the learning rates, > 0.
        h: steps back (default T - 5).
        fd_step: step of the central difference that gives ``ds_full``, relative
            to eta = 1 (so the change of W_rec is fd_step * gradient).
    Returns:
        SignSweep.
    """
    etas = _real_array(etas, "etas").astype(float)
    if etas.ndim != 1 or etas.size == 0 or not np.all(np.isfinite(etas) & (etas > 0)):
        raise ValueError(f"etas must be a non-empty 1-d array of finite positive learning rates, got {etas}")
    scales = np.atleast_1d(_real_array(scales, "scales"))
    if scales.ndim != 1 or scales.size == 0 or not np.all(np.isfinite(scales) & (scales >= 0)):
        raise ValueError(f"scales must be a non-empty 1-d sequence of finite weight scales >= 0, got {scales}")
    task_names = (task_names,) if isinstance(task_names, str) else tuple(task_names)
    if not task_names:
        raise ValueError("task_names must hold at least one task name")
    for name in task_names:
        tasks.spec(name)                                   # unknown names: "did you mean"
    K = V.positive_int(K, "K")
    T = V.positive_int(T, "T")
    batch = V.positive_int(batch, "batch (sequences per minibatch)")
    fd_step = V.nonnegative_float(fd_step, "fd_step", allow_zero=False)
    if h is None and T < 6:
        raise ValueError(f"the default h = T - 5 needs T >= 6, got T={T}; pass h between 1 and T-1")
    h = T - 5 if h is None else V.positive_int(h, "h")
    if h > T - 1:
        raise ValueError(f"h={h} must be at most T-1 = {T - 1}")
    rng = V.as_rng(seed)
    rows = {k: [] for k in ("scale", "task", "S0", "q", "ds", "ds_full", "true")}
    for scale in scales:
        for i in range(V.positive_int(nets_per_scale, "nets_per_scale")):
            name = task_names[i % len(task_names)]
            spec = tasks.spec(name)
            net = SRN.init(spec.n_in, K, spec.n_out, output=spec.output,
                           std=scale / np.sqrt(K), rng=rng)
            X, y = tasks.generate(name, batch, T, rng=rng)
            res = bptt(net, X, y, h=h, reduction=reduction)
            direction = -res.grads["W_rec"]
            S0 = float(np.sum(res.delta[:, -1 - h] ** 2))
            W = net.W_rec
            rows["scale"].append(scale)
            rows["task"].append(name)
            rows["S0"].append(S0)
            rows["q"].append(q_factor(res.delta, h, quiet=True))
            rows["ds"].append(theorem_ds(net, X, y, direction, h, reduction=reduction, result=res))
            rows["ds_full"].append((true_s(net, X, y, W + fd_step * direction, h, reduction)
                                    - true_s(net, X, y, W - fd_step * direction, h, reduction))
                                   / (2 * fd_step))
            rows["true"].append([true_s(net, X, y, W + e * direction, h, reduction) - S0 for e in etas])
    arr = {k: np.array(v) for k, v in rows.items()}
    return SignSweep(etas=etas, h=h, K=K, T=T, batch=batch, **arr)


def symlog_threshold(values, fraction=1e-2, floor=1e-300):
    """A linear-region width for a symlog axis: ``fraction`` of the median |value|, finite and > 0."""
    fraction = V.nonnegative_float(fraction, "fraction", allow_zero=False)
    floor = V.nonnegative_float(floor, "floor", allow_zero=False)
    v = np.abs(_real_array(values, "values").astype(float))
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return 1.0
    return float(max(fraction * np.median(v), floor))


def symlog_axis(ax, which, linthresh, limit, max_ticks=3):
    """A symlog x or y axis on [-limit, limit] with few, plain-text ticks (fast to draw).

    Matplotlib's default symlog ticks put a mathtext label on every decade,
    which is slow to render and unreadable over 20 decades; this keeps 0 and
    at most ``max_ticks`` decades on each side, labelled like "1e-3", the
    first far enough from 0 that the labels do not overlap.
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    V.choice(which, "which (axis)", ("x", "y"))
    linthresh = V.nonnegative_float(linthresh, "linthresh", allow_zero=False)
    limit = V.nonnegative_float(limit, "limit", allow_zero=False)
    max_ticks = V.positive_int(max_ticks, "max_ticks")
    axis = ax.xaxis if which == "x" else ax.yaxis
    getattr(ax, f"set_{which}scale")("symlog", linthresh=linthresh)
    getattr(ax, f"set_{which}lim")(-limit, limit)
    # the first tick at least one decade above the linear band and a fifth of the way from 0 to
    # the limit, so that its label does not crowd 0's however many decades the axis spans
    band = 1 / (1 - 1 / 10)                          # decades from 0 to linthresh (linscale 1)
    lin10 = np.log10(linthresh)
    span = band + np.log10(limit) - lin10            # decades from 0 to limit
    lo, hi = int(np.ceil(max(lin10 + 1, lin10 + span / 5 - band))), int(np.floor(np.log10(limit)))
    lo = min(lo, hi)
    decades = np.unique(np.linspace(lo, hi, max_ticks).round().astype(int))
    ticks = np.concatenate([-(10.0 ** decades[::-1]), [0.0], 10.0 ** decades])
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_minor_locator(NullLocator())

    def label(v, _pos):
        if v == 0:
            return "0"
        return ("−" if v < 0 else "") + f"1e{int(round(np.log10(abs(v))))}"

    axis.set_major_formatter(FuncFormatter(label))


def sign_demo_range(sweep):
    """The one (linthresh, limit) of the sign demo's symlog axes, for every eta and every group.

    Both axes show a relative change (a change of ||delta(k-h)||^2 divided by the old S).
    The changes grow with eta, so the smallest eta holds the smallest ones worth telling
    apart: linthresh is ``symlog_threshold`` of them (1% of their median |value|), taken
    at the eta where it is smallest and rounded down to a power of 10.  limit is 1.5 times
    the largest finite |value| over all networks and etas (at least 10 * linthresh), so
    that no point of the sweep ever leaves the axes.
    """
    rel = np.stack([sweep.predicted, sweep.true]) / sweep.S0[None, :, None]    # (2, networks, etas)
    lin = min(symlog_threshold(rel[:, :, j]) for j in range(rel.shape[2]))
    lin = float(10.0 ** np.floor(np.log10(lin)))
    v = np.abs(rel[np.isfinite(rel)])
    return lin, float(1.5 * max(v.max(initial=0.0), 10 * lin))


def build_sign_demo(fig, sweep, groups):
    """The lesson's sign demo: draw what stays, return update(eta, networks) for a Demo.

    Left: the fraction of networks whose predicted sign is right against log10 eta, for the
    theorem's dS (solid) and the exact derivative of the true S (dashed), a dotted line at
    a coin toss (0.5) and a dot at the chosen eta.  Right: one point per network at the
    chosen eta, the predicted change eta*dS against the true change, both divided by the
    old S, on symlog axes with the right-sign quadrants shaded and the diagonal of a perfect
    prediction; right signs blue, wrong ones red.  The symlog range is the same for every
    eta and group (``sign_demo_range``): as eta grows the points move outward.

    Args:
        fig: the Demo's figure.
        sweep: a ``SignSweep``.
        groups: {name: where} the choices of the networks dropdown, ``where`` as
            ``SignSweep.select`` takes it (None: all networks).
    Returns:
        update(eta, networks): draws the grid point of ``sweep.etas`` nearest to eta for
        the group ``networks``; returns the note (median relative error of the predicted
        change, the share of minibatches the paper's test |dS| > 1 would skip).
    """
    from ..course.plotting import COLORS

    log_etas = np.log10(sweep.etas)
    rel_pred = sweep.predicted / sweep.S0[:, None]       # predicted change / S, (networks, etas)
    rel_true = sweep.true / sweep.S0[:, None]            # true change / S
    curves = {name: dict(mask=sweep.select(where), frac=sweep.fraction_correct(where),
                         frac_full=sweep.fraction_correct(where, full=True),
                         err=sweep.relative_error(where), err_full=sweep.relative_error(where, full=True))
              for name, where in groups.items()}

    ax1, ax2 = fig.subplots(1, 2)
    ax1.axhline(0.5, color="0.5", lw=1, ls=":")
    (frac,) = ax1.plot(log_etas, np.zeros_like(log_etas), label="theorem's dS")
    (frac_full,) = ax1.plot(log_etas, np.zeros_like(log_etas), "--", label="exact derivative")
    (dot,) = ax1.plot([np.nan], [np.nan], "o", ms=10, color="k")
    ax1.set(xlabel="log10 learning rate η", ylabel="fraction of correct signs", ylim=(0.3, 1.03))
    ax1.legend(loc="lower left")

    lin, big = sign_demo_range(sweep)                    # one range for every eta and group
    ax2.fill_between([0, big], 0, big, color="0.92")     # the quadrants of a right sign
    ax2.fill_between([-big, 0], -big, 0, color="0.92")
    ax2.plot([-big, big], [-big, big], color="0.5", lw=1)    # a perfect prediction
    right_pts = ax2.scatter(np.zeros(0), np.zeros(0), s=14, color=COLORS["blue"])
    wrong_pts = ax2.scatter(np.zeros(0), np.zeros(0), s=14, color=COLORS["red"])
    for axis in ("x", "y"):
        symlog_axis(ax2, axis, lin, big)
    ax2.set(xlabel="predicted change η·dS / S (symlog)", ylabel="true change / S (symlog)")

    shown = {}                                           # what the left panel shows now

    def update(eta, networks):
        j = int(np.argmin(np.abs(log_etas - np.log10(eta))))       # the grid point under the slider
        c = curves[networks]
        mask = c["mask"]
        if shown.get("networks") != networks:           # (only what changed: a quicker frame)
            frac.set_ydata(c["frac"])
            frac_full.set_ydata(c["frac_full"])
            ax1.set_title(f"{networks} ({mask.sum()} minibatches)")
        if shown.get("dot") != (networks, j):
            dot.set_data([log_etas[j]], [c["frac"][j]])
        shown.update(networks=networks, dot=(networks, j))
        x, t = rel_pred[mask, j], rel_true[mask, j]
        ok = np.isfinite(x) & np.isfinite(t)
        x, t = x[ok], t[ok]
        right = np.sign(x) == np.sign(t)
        right_pts.set_offsets(np.c_[x[right], t[right]])
        wrong_pts.set_offsets(np.c_[x[~right], t[~right]])
        ax2.set_title(f"η = {sweep.etas[j]:.3g}: sign right (blue) for {right.mean():.0%}")
        skip = np.mean(np.abs(sweep.predicted[mask, j]) > 1)
        note = (f"At η = {sweep.etas[j]:.3g} the median relative error of the predicted change is "
                f"{c['err'][j]:.2g} (exact derivative: {c['err_full'][j]:.2g}); |dS| > 1, the paper's "
                f"skip rule, holds for {skip:.0%} of these minibatches.")
        if (~ok).sum():
            note += f" {(~ok).sum()} points were not finite and are not drawn."
        return note
    return update
