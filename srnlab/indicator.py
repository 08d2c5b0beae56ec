"""The author's indicator: how many tenfold changes a proposed step makes to the old gradient.

The paper's section 6 skips a minibatch "if |dS| > 1".  In the author's own
public MATLAB code (github.com/FlyElephant-M31/r3, January 2016:
``train_SGD_pak.m``, ``get_indicator_STRAIGHTFORWARD.m``) the number the
threshold 1 applies to is not the theorem's dS = 2 (G, dG), whose size
depends on the loss's units, but a change on a log scale:

    I = log10 ||delta(k-h)||  after the step  -  log10 ||delta(k-h)||  before it

where "after" means: apply the whole proposed step to ALL the weights, run
the forward and backward pass again on the same minibatch, and measure the
old local gradient there.  |I| > 1 reads "this step would change the old
gradients more than tenfold", a test that does not depend on how the loss is
scaled.  (His code takes before minus after; here the sign follows eq. 25
and dS: I > 0 means the old gradient grows, so the sampling rule of
``srnlab.sampling`` applies to I unchanged.)  His norm of a (batch, K) block
is the matrix 2-norm (``norm="spectral"``).

``exact=False`` is the theorem's first-order prediction of the same I, with
no second pass: the factors diag(f'(a)) and delta(k) held fixed and only the
step's W_rec part, as in ``srnlab.theorem.ds``.  With G = delta(k-h) and dG
its change along dW_rec (``theorem.tangent``):

    frobenius:  I ~ (G, dG) / (||G||_F^2 ln 10)  =  dS / (2 S ln 10)
    spectral:   I ~ u1' dG v1 / (s1 ln 10)        (s1, u1, v1: G's top singular triple)
    mean:       I ~ sum_i (g_i, dg_i) / ||g_i||  /  (sum_i ||g_i|| ln 10)

His code contains this first-order G.dG variant too, switched off.  It is
computed here in reverse mode, as ``theorem.g_adjoint`` of the seed
d log10 ||G|| / dG (one pass like ``s_gradient``'s), then one inner product
with dW_rec.
"""
import math
from collections.abc import Mapping

import numpy as np

from . import _validate as V
from .bptt import _run, bptt, check_result
from .qfactor import NORMS, block_norms
from .srn import check_net
from .theorem import _check_h, g_adjoint

#: The keys a step may have: those of ``bptt(...).grads``.
PARAMS = ("W_in", "W_rec", "b", "W_out", "c")


def check_step(net, step):
    """A dict of parameter changes, checked against the network; returns {name: float array}.

    Keys are among those of ``bptt(...).grads``; a missing key means no change
    of that parameter.  Every array has its parameter's shape and is finite.
    """
    if not isinstance(step, Mapping):
        raise TypeError(f"step must be a dict of parameter changes with keys among {', '.join(PARAMS)}, "
                        f"got {type(step).__name__}")
    unknown = [k for k in step if k not in PARAMS]
    if unknown:
        raise ValueError(f"step has unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(PARAMS)}")
    params = net.params()
    out = {}
    for k, v in step.items():
        arr = V.float_array(v, f"step[{k!r}]")
        if arr.shape != params[k].shape:
            raise ValueError(f"step[{k!r}] must have the shape of {k}, {params[k].shape}, got {arr.shape}")
        V.check_finite(arr, f"step[{k!r}]")
        out[k] = arr
    return out


def log_indicator(net, X, y, step, h, *, norm="spectral", exact=True, result=None, workspace=None):
    """The change of log10 ||delta(k-h)|| that a proposed step makes, as a float.

    Args:
        net: an SRN.  X: (batch, T, n_in).  y: targets (see ``bptt``).
        step: dict of proposed parameter changes, keys among "W_in", "W_rec",
            "b", "W_out", "c" (a missing key: no change), each of its
            parameter's shape, e.g. the momentum step {k: mu v[k] - lr g[k]}.
        h: steps back, 1 <= h <= T-1; the old gradient is delta(T-1-h) of the
            whole batch.
        norm: "spectral" (the author's: the largest singular value of the
            (batch, K) block), "frobenius" or "mean" (``srnlab.qfactor``).
        exact: True applies the step to every weight and recomputes (the
            author's); False is the first-order prediction from W_rec's part
            alone, with no second pass (see the module docstring).
        result: a BPTTResult of ``bptt(net, X, y, h)`` (or deeper) to reuse;
            computed here when None.
        workspace: an optional Workspace for the second pass (not the one
            ``result``'s arrays live in).
    Returns:
        I > 0: the step grows the old gradient (I = 1: tenfold); I < 0: it
        shrinks it.  Where no finite change exists, with a ``NumericalWarning``
        that says why: +inf or -inf when the step makes the old gradient
        overflow or vanish to exactly zero; NaN when it was zero (or inf)
        before the step, or the step makes the pass overflow to NaN.
    """
    V.choice(norm, "norm", NORMS)
    if not isinstance(exact, (bool, np.bool_)):
        raise TypeError(f"exact must be True or False, got {exact!r}")
    X = check_net(net).check_input(X)
    h = _check_h(h, X.shape[1])
    step = check_step(net, step)
    if result is None:
        result = bptt(net, X, y, h=h, reduction="sum")
    else:
        check_result(net, X, y, result, h)
    value, why = log_change(net, X, y, step, h, norm, bool(exact), result, workspace)
    if why:
        V.warn_numerical(f"log10 indicator = {value}: {why}", stacklevel=2)
    return value


def log_change(net, X, y, step, h, norm, exact, result, workspace=None):
    """``log_indicator`` on checked arguments, without warnings: (value, None or why it is not finite).

    The trainer calls this at every update (its arguments are its own).
    """
    G = result.delta[:, result.delta.shape[1] - 1 - h]
    before = block_norms(G, norm)
    if before == 0.0:
        return float("nan"), ("the old gradient delta(k-h) is exactly zero before the step (it vanished "
                              "completely): no log change exists")
    if math.isinf(before):
        return float("nan"), "the old gradient delta(k-h) is already inf before the step: no log change exists"
    if not exact:
        dW_rec = step.get("W_rec")
        if dW_rec is None:
            return 0.0, None
        value = float(np.vdot(g_adjoint(net, result, log_seed(G, norm), h, workspace), dW_rec))
        return value, None if math.isfinite(value) else "the first-order change overflowed"
    trial = net.copy()
    for k, v in trial.params().items():
        if k in step:
            v += step[k]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # the same reduction as the first pass, so that the loss's scale cancels
        after_pass = _run(trial, X, y, result.reduction, keep=np.ones(h + 1), workspace=workspace,
                          weight_grads=False)
        after_delta = after_pass.delta[:, after_pass.delta.shape[1] - 1 - h]
        if np.isnan(after_delta).any():
            return float("nan"), "the step makes the network's numbers overflow to NaN"
        after = block_norms(after_delta, norm)
        value = float(np.log10(after) - math.log10(before))
    if value == math.inf:
        return value, "the step makes the old gradient overflow to inf"
    if value == -math.inf:
        return value, "the step makes the old gradient exactly zero (it vanishes completely)"
    return value, None


def log_seed(G, norm):
    """d log10 ||G|| / dG, (batch, K): the seed whose ``theorem.g_adjoint`` gives the first-order
    change of log10 ||G|| for any dW_rec (the formulas of the module docstring).

    Computed on G / max|G| (log ||cG|| - log ||G|| does not depend on G, so the seed of G is
    the seed of G / c divided by c): no square underflows, however small G is.
    """
    scale = float(np.max(np.abs(G)))
    Gs = G / scale
    ln10 = math.log(10.0)
    if norm == "frobenius":
        seed = Gs / (float(np.vdot(Gs, Gs)) * ln10)
    elif norm == "spectral":
        U, s, Vt = np.linalg.svd(Gs, full_matrices=False)
        seed = np.outer(U[:, 0], Vt[0]) / (float(s[0]) * ln10)
    else:
        n = np.linalg.norm(Gs, axis=1, keepdims=True)
        seed = np.where(n > 0, Gs / np.where(n > 0, n, 1.0), 0.0) / (float(n.sum()) * ln10)
    return seed / scale


def first_order(G, dG, norm):
    """The first-order change of log10 ||G|| along a given dG: (d log10 ||G|| / dG, dG)."""
    return float(np.vdot(log_seed(G, norm), dG))
