"""Backpropagation through time for the SRN: full, truncated, randomized.

The local gradients of the paper's eqs. 4-10 are delta(t) = dE/da(t).  At the
last step k = T-1 the output error enters through W_out; going back one step
multiplies by the Jacobian J(t) = W_rec^T diag(f'(a(t-1))):

    delta(k)   = (dE/do W_out^T) * f'(a(k))
    delta(t-1) = (delta(t) W_rec^T) * f'(a(t-1))              (5-8)
    delta(k-h) = delta(k) J(k) J(k-1) ... J(k-h+1)             (10)

with f'(a) = 1 - tanh(a)^2 = 1 - z^2.  The weight gradients are sums of
per-step terms (eq. 4):

    dE/dW_rec = sum_t z(t-1)^T delta(t)      dE/dW_in = sum_t x(t)^T delta(t)
    dE/db     = sum_t delta(t)               (z(-1) = 0)

**Depth h.**  ``h`` counts steps back from the last one: the error travels
through h Jacobians and reaches delta(k-h); delta is zero before k-h.  The
gradients are then exactly those of a graph cut before step k-h, with
z(k-h-1) treated as a constant input.  This is the same h as in Q(delta, h)
(eq. 25) and in the theorem's G = delta(k-h), so one BPTT of depth h gives
everything the sampling method needs.  (The paper's eq. 4 writes h terms,
n = 1..h; counted from k-h to k there are h+1 nonzero local gradients.)
h >= T-1 is full BPTT.
"""
from dataclasses import dataclass

import numpy as np

from . import _validate as V
from .srn import _softmax, check_net
from .workspace import Workspace

REDUCTIONS = ("mean", "sum")


@dataclass
class BPTTResult:
    """The result of one forward and backward pass.

    Attributes:
        loss: float, the loss E (see ``bptt`` for its definition).
        grads: dict "W_in", "W_rec", "b", "W_out", "c" -> arrays of the
            parameters' shapes, the gradients of ``loss``.
        delta: (batch, T, K) local gradients dE/da(t); zero before the depth.
        a, z: (batch, T, K) pre-activations and hidden states.
        fprime: (batch, T, K) the derivative factors f'(a(t)) = 1 - z(t)^2.
        y_hat: (batch, n_out) the network's output.
        depth: how many steps back the backward pass went (T-1 when full).
        reduction: "mean" or "sum" over the minibatch.
    """

    loss: float
    grads: dict
    delta: np.ndarray
    a: np.ndarray
    z: np.ndarray
    fprime: np.ndarray
    y_hat: np.ndarray
    depth: int
    reduction: str

    @property
    def finite(self):
        """True if the loss and every gradient are finite numbers."""
        return bool(np.isfinite(self.loss) and all(np.all(np.isfinite(g)) for g in self.grads.values()))

    @property
    def delta_norms(self):
        """(T,) mean over the batch of per-example ||delta(t)||_2 (Fig. 2, solid); in float64, so that a
        float32 network's norms do not overflow."""
        return np.linalg.norm(self.delta.astype(np.float64), axis=2).mean(axis=0)

    @property
    def dW_rec_norms(self):
        """(T,) mean over the batch of the per-example norm of the t-th term of dE/dW_rec.

        For one example the term z(t-1)^T delta(t) is an outer product, whose
        Frobenius norm is ||z(t-1)|| * ||delta(t)||; the term at t = 0 is zero
        because z(-1) = 0.  (Fig. 2, dashed.)
        """
        z_norm = np.linalg.norm(self.z.astype(np.float64), axis=2)
        d_norm = np.linalg.norm(self.delta.astype(np.float64), axis=2)
        terms = np.zeros_like(d_norm)
        terms[:, 1:] = z_norm[:, :-1] * d_norm[:, 1:]
        return terms.mean(axis=0)


def output_error(net, o, y, reduction="mean"):
    """The loss at the last step and its gradient dE/do.

    Linear output: E = 0.5 * sum((o - y)^2), divided by the batch size when
    reduction="mean".  Softmax output: cross-entropy -sum(y log softmax(o)),
    computed stably through log-softmax, divided by the batch size when
    reduction="mean"; y holds integer classes (batch,) or rows of class
    probabilities (batch, n_out), e.g. one-hot.

    Args:
        o: (batch, n_out) output pre-activations.  y: targets, checked here.
    Returns:
        (loss as a float, dE/do of shape (batch, n_out)).
    """
    V.choice(reduction, "reduction", REDUCTIONS)
    B = o.shape[0]
    y = check_targets(net, y, B)
    scale = 1.0 / B if reduction == "mean" else 1.0
    if net.output == "linear":
        err = o - y
        return 0.5 * float(np.sum(err * err)) * scale, err * scale
    shifted = o - o.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    if y.ndim == 1:
        loss = -float(log_p[np.arange(B), y].sum())
        d_o = np.exp(log_p)
        d_o[np.arange(B), y] -= 1.0
    else:
        loss = -float(np.sum(y * log_p))
        d_o = np.exp(log_p) - y
    return loss * scale, d_o * scale


def check_targets(net, y, B):
    """Validate targets against the network's output kind and the batch size."""
    arr = np.asarray(y)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"y must be a numeric array (integer classes or float targets), got dtype {arr.dtype}")
    if arr.shape[:1] != (B,):
        raise ValueError(f"X holds {B} sequences but y has batch size {arr.shape[0] if arr.ndim else 'none (a scalar)'}; they must match")
    if net.output == "softmax" and arr.ndim == 1:
        if arr.dtype.kind not in "biu" and not np.all(arr == np.round(arr)):
            raise ValueError("with a softmax output a 1-d y must hold integer class labels")
        arr = arr.astype(np.intp)
        if arr.min() < 0 or arr.max() >= net.n_out:
            raise ValueError(f"class labels in y must lie in [0, {net.n_out - 1}], got range [{arr.min()}, {arr.max()}]")
        return arr
    if net.output == "linear" and arr.ndim == 1 and net.n_out == 1:
        arr = arr[:, None]
    if arr.shape != (B, net.n_out):
        kind = "(batch,) integer classes or (batch, n_out) probabilities" if net.output == "softmax" else "(batch, n_out) floats"
        raise ValueError(f"y must have shape {kind} with n_out={net.n_out}, got {arr.shape}")
    arr = arr.astype(net.dtype, copy=False)
    V.check_finite(arr, "y")
    if net.output == "softmax" and not np.allclose(arr.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("with a softmax output each row of a 2-d y must be a probability vector summing to 1")
    return arr


def bptt(net, X, y, h=None, *, reduction="mean", workspace=None):
    """Forward pass, loss and backpropagation through time (eqs. 1-10).

    Args:
        net: an SRN.
        X: (batch, T, n_in) input sequences.
        y: targets at the last step, (batch, n_out) floats for a linear output;
           (batch,) integer classes or (batch, n_out) probabilities for softmax.
        h: depth of the backward pass, 1 <= h <= T; None for full BPTT.  The
           error goes back h steps, to delta(T-1-h) (see the module docstring).
        reduction: "mean" (the default: loss divided by the batch size) or
           "sum" (the paper's learning rate 1e-5 fits the summed loss).
        workspace: an optional ``srnlab.workspace.Workspace`` whose buffers are
           reused (faster in a training loop); the result's delta, a and z are
           then views into it, valid until its next use.
    Returns:
        BPTTResult with .loss, .grads, .delta (batch, T, K) and diagnostics.
    """
    X = check_net(net).check_input(X)
    T = X.shape[1]
    h = V.check_depth(h, T)
    if workspace is not None and not isinstance(workspace, Workspace):
        raise TypeError(f"workspace must be a srnlab.workspace.Workspace or None, got {type(workspace).__name__}")
    depth = T - 1 if h is None else min(h, T - 1)
    return _run(net, X, y, reduction, keep=np.ones(depth + 1), workspace=workspace)


def bptt_randomized(net, X, y, p=0.9, rng=None, *, reduction="mean"):
    """Randomized truncation of BPTT (Tallec & Ollivier 2017; Dive into Deep Learning 9.7).

    Going back from step t to t-1 the local gradient is multiplied by a
    random xi(t): 0 with probability 1-p (the backward pass stops there) and
    1/p with probability p.  Each xi has mean 1 and the gradients are linear
    in them, so the expected gradient is the full BPTT gradient: unbiased,
    at the cost of variance.  One draw of xi per step for the whole minibatch.

    Args:
        p: probability of going one step further back, 0 < p <= 1 (p = 1 is full BPTT).
        rng: None, an int seed or a numpy.random.Generator.
    Returns:
        BPTTResult; its .depth is how far this draw went back.
    """
    X = check_net(net).check_input(X)
    p = V.nonnegative_float(p, "p (the probability of going one step further back)", allow_zero=False)
    if p > 1:
        raise ValueError(f"p must lie in (0, 1], got {p}")
    rng = V.as_rng(rng)
    T = X.shape[1]
    go_on = rng.random(T - 1) < p                 # one draw per step back
    depth = T - 1 if go_on.all() else int(np.argmin(go_on))
    keep = np.ones(depth + 1)
    keep[1:] = 1.0 / p                             # keep[j]: factor on the j-th step back
    return _run(net, X, y, reduction, keep=keep)


def _run(net, X, y, reduction, keep, workspace=None, weight_grads=True):
    """Forward and backward pass on a checked X.

    keep[j] (j = 1..depth) multiplies the local gradient on the j-th step
    back; keep = ones is ordinary (truncated) BPTT of depth len(keep) - 1.
    weight_grads=False skips eq. 4 (the result's grads are then empty): for
    a second pass that needs only the local gradients.
    """
    T = X.shape[1]
    depth = len(keep) - 1
    with np.errstate(over="ignore", invalid="ignore"):
        a, z = net._forward(X, workspace)                   # (T, B, K) each
        o = z[-1] @ net.W_out + net.c
        loss, d_o = output_error(net, o, y, reduction)
        if workspace is None:
            fprime, delta = np.empty_like(z), np.empty_like(z)
        else:
            fprime, delta = workspace.get("fprime", z.shape, z.dtype), workspace.get("delta", z.shape, z.dtype)
        np.multiply(z, z, out=fprime)                       # f'(a) = 1 - tanh(a)^2 = 1 - z^2,
        np.subtract(1.0, fprime, out=fprime)                # once for all steps, in place
        t0 = T - 1 - depth                                  # the earliest step reached
        delta[:t0] = 0.0                                    # below the depth: no error signal
        delta[-1] = (d_o @ net.W_out.T) * fprime[-1]
        W_rec_T = np.ascontiguousarray(net.W_rec.T)         # a copy: BLAS is faster on it
        for t in range(T - 1, t0, -1):                      # eqs. 5-8, one Jacobian a step
            step_back = T - t                               # 1 for the first step back
            np.dot(delta[t], W_rec_T, out=delta[t - 1])
            delta[t - 1] *= fprime[t - 1]
            if keep[step_back] != 1.0:
                delta[t - 1] *= keep[step_back]
        grads = _weight_grads(net, X, z, delta, d_o, t0) if weight_grads else {}
    y_hat = _softmax(o) if net.output == "softmax" else o
    return BPTTResult(loss=loss, grads=grads, delta=delta.transpose(1, 0, 2),
                      a=a.transpose(1, 0, 2), z=z.transpose(1, 0, 2),
                      fprime=fprime.transpose(1, 0, 2), y_hat=y_hat,
                      depth=depth, reduction=reduction)


def _weight_grads(net, X, z, delta, d_o, t0):
    """Eq. 4 as one GEMM per weight matrix over the stacked steps t0..T-1."""
    T, B, K = z.shape
    s = max(t0 - 1, 0)                                      # z(-1) = 0: no term at t = 0
    Xt = X.transpose(1, 0, 2)[t0:].reshape(-1, net.n_in)
    D = delta[t0:].reshape(-1, K)
    return {
        "W_in": Xt.T @ D,
        "W_rec": z[s:T - 1].reshape(-1, K).T @ delta[s + 1:].reshape(-1, K),
        "b": D.sum(axis=0),
        "W_out": z[-1].T @ d_o,
        "c": d_o.sum(axis=0),
    }



def check_result(net, X, y, result, h=None):
    """Check that ``result`` is a BPTT result of ``net`` on this checked X and y, deep enough for h.

    Functions that accept a result to reuse (``ds``, ``ds_relative``,
    ``log_indicator``) call this, so that a result of another network, batch
    or loss is refused instead of silently giving a number about something
    else.  The check recomputes the first two pre-activations and the last
    local gradient (a few small products), not the whole pass.
    """
    if not isinstance(result, BPTTResult):
        raise TypeError(f"result must be a BPTTResult from srnlab.bptt, got {type(result).__name__}")
    B, T, _ = X.shape
    if result.delta.shape != (B, T, net.K):
        raise ValueError(f"result is not a BPTT result of this network and batch: its delta has shape "
                         f"{result.delta.shape}, expected {(B, T, net.K)}")
    if h is not None and result.depth < h:
        raise ValueError(f"the BPTT result went back {result.depth} steps; h={h} needs a backward pass of depth >= h")
    tol = 1e-3 if net.dtype == np.float32 else 1e-8

    def differs(got, want):
        with np.errstate(over="ignore", invalid="ignore"):
            scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
            return not np.allclose(got, want, rtol=tol, atol=tol * scale)

    a0 = X[:, 0] @ net.W_in + net.b
    if differs(result.a[:, 0], a0):
        raise ValueError("result is not a BPTT result of this network on this X: its a(0) differs from "
                         "x(0) W_in + b; pass the result of bptt(net, X, y) for the same net, X and y, or none")
    if T > 1 and differs(result.a[:, 1], X[:, 1] @ net.W_in + result.z[:, 0] @ net.W_rec + net.b):
        raise ValueError("result is not a BPTT result of this network on this X: its a(1) differs from "
                         "x(1) W_in + z(0) W_rec + b; pass the result of bptt(net, X, y) for the same net, X and y, or none")
    with np.errstate(over="ignore", invalid="ignore"):
        o = result.z[:, -1] @ net.W_out + net.c
        _, d_o = output_error(net, o, y, result.reduction)
        delta_k = (d_o @ net.W_out.T) * result.fprime[:, -1]
    if differs(result.delta[:, -1], delta_k):
        raise ValueError(f"result is not a BPTT result for these targets y (its last local gradient differs from "
                         f"the one y and the loss reduced by {result.reduction!r} give); pass the result of "
                         f"bptt(net, X, y) for the same y, or none")
    return result
