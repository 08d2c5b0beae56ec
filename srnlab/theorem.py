"""The theorem of the paper's section 4 (eqs. 14-24): dS for a change of W_rec.

Hold the derivative factors D_n = diag(f'(a(n))) and the last local gradient
delta(k) fixed, and look at the size of the error signal h steps back,

    S(W_rec) = ||G||_F^2,   G = delta(k-h) = delta(k) W_rec^T D_{k-1} ... W_rec^T D_{k-h}.

For an update W_rec -> W_rec + dW_rec the first-order change is

    dS = 2 (G, dG)          (Frobenius inner product over the whole minibatch)

where dG replaces, in turn, each W_rec of the product by dW_rec and sums.
dS > 0 means the update grows the old gradients, dS < 0 shrinks them.

dG is computed by a forward-mode (tangent) pass along the backward pass:
carry g and dg back together,

    g(n-1)  = (g(n) W_rec^T) * f'(a(n-1))                      g(k)  = delta(k)
    dg(n-1) = (dg(n) W_rec^T + g(n) dW_rec^T) * f'(a(n-1))     dg(k) = 0

Inside the BPTT depth g(n) is delta(n), already known, so only dg needs a
loop, and all the g(n) dW_rec^T terms are one matrix product: about one
extra backward pass.  ``s_gradient`` gets the same dS in reverse mode, as
dS = (grad S, dW_rec) for any dW_rec at once (what the trainer uses).  The
result is exact for S as defined (D and delta(k) fixed); for the true
change of ||delta(k-h)||^2, where everything is recomputed, it is a
first-order predictor (lesson 06 measures how good).
"""
import numpy as np

from . import _validate as V
from .bptt import BPTTResult, bptt, check_result
from .srn import check_net


def tangent(net, result, dW_rec, h, workspace=None):
    """G = delta(k-h) and its directional derivative dG along dW_rec.

    Args:
        net: the SRN the result was computed with.
        result: a BPTTResult from ``bptt`` with depth >= h (not a randomized one).
        dW_rec: (K, K) proposed change of W_rec.
        h: steps back, 1 <= h <= T-1.
        workspace: an optional Workspace for the (h, batch, K) buffer.
    Returns:
        (G, dG), each (batch, K).
    """
    dW_rec = _check_dW(net, dW_rec)
    delta, fprime, h = _time_major(net, result, h)
    k = delta.shape[0] - 1
    with np.errstate(over="ignore", invalid="ignore"):
        inside = delta[k - h + 1:]                    # g(n) = delta(n) for n = k-h+1 .. k
        P = np.empty_like(inside) if workspace is None else workspace.get("P", inside.shape, inside.dtype)
        np.matmul(inside, dW_rec.T, out=P)            # every g(n) dW_rec^T in one GEMM
        W_rec_T = np.ascontiguousarray(net.W_rec.T)
        dg = P[h - 1] * fprime[k - 1]                 # n = k: dg(k) = 0, so only g(k) dW_rec^T
        u = np.empty_like(dg)
        for j in range(h - 2, -1, -1):                # n = k-h+1+j, from k-1 down to k-h+1
            n = k - h + 1 + j
            np.dot(dg, W_rec_T, out=u)
            u += P[j]
            np.multiply(u, fprime[n - 1], out=dg)
    return delta[k - h], dg


def s_gradient(net, result, h, workspace=None):
    """The gradient of S = ||delta(k-h)||_F^2 with respect to W_rec, D_n and delta(k) frozen.

    dS is linear in the proposed change, dS = (grad S, dW_rec), so with this
    (K, K) matrix the dS of *any* proposal is one inner product: the trainer
    uses it to judge the momentum step and the minibatch's own step alike.
    Reverse mode (backpropagation through the backward pass) instead of the
    tangent pass's forward mode; the two agree to rounding (tested).
    It is ``g_adjoint`` with the seed dS/dG = 2 G.

    Args:
        net, result, h, workspace: as for ``tangent``.
    Returns:
        (K, K) array.
    """
    delta, _, h = _time_major(net, result, h)
    return g_adjoint(net, result, 2.0 * delta[delta.shape[0] - 1 - h], h, workspace)


def g_adjoint(net, result, seed, h, workspace=None):
    """The gradient of (seed, G) with respect to W_rec, G = delta(k-h), D_n and delta(k) frozen.

    For any function F of G, seed = dF/dG gives dF = (g_adjoint(seed), dW_rec)
    to first order, for every dW_rec at once (``s_gradient``: F = ||G||^2;
    the first-order log10 indicator: F = log10 ||G||).  With lam(n) = dF/dg(n)
    and mu(n) = lam(n) * f'(a(n)):

        lam(k-h) = seed,   lam(n+1) = mu(n) W_rec,
        grad     = sum over n = k-h .. k-1 of  mu(n)^T g(n+1)     (one GEMM)

    The same work as ``tangent``: h products (batch, K)(K, K), one after
    another, and one (h*batch, K)(K, K) product, with one elementwise
    operation a step instead of two.

    Args:
        net, result, h, workspace: as for ``tangent``.  seed: (batch, K).
    Returns:
        (K, K) array.
    """
    delta, fprime, h = _time_major(net, result, h)
    T, B, K = delta.shape
    k = T - 1
    if np.shape(seed) != (B, K):
        raise ValueError(f"seed must have the shape of G, {(B, K)}, got {np.shape(seed)}")
    with np.errstate(over="ignore", invalid="ignore"):
        mu = np.empty((h, B, K), delta.dtype) if workspace is None else workspace.get("mu", (h, B, K), delta.dtype)
        lam = np.array(seed, dtype=delta.dtype)       # dF/dG
        for j in range(h):                            # n = k-h+j, from k-h up to k-1
            np.multiply(lam, fprime[k - h + j], out=mu[j])
            if j < h - 1:
                np.dot(mu[j], net.W_rec, out=lam)
        return mu.reshape(h * B, K).T @ delta[k - h + 1:].reshape(h * B, K)


def ds(net, X, y, dW_rec, h, *, reduction=None, result=None):
    """dS = 2 (G, dG) of the theorem (eqs. 14-24) for a proposed dW_rec, as a float.

    Args:
        net: an SRN.  X: (batch, T, n_in).  y: targets (see ``bptt``).
        dW_rec: (K, K) proposed change of W_rec (e.g. -lr * grads["W_rec"]).
        h: steps back, 1 <= h <= T-1; G = delta(T-1-h) for the whole batch.
        reduction: the loss's reduction, "mean" or "sum" as in ``bptt`` (it
            scales delta and so dS); None: the result's when one is given,
            else "mean".  A result of the other reduction is refused.
        result: a BPTTResult of ``bptt(net, X, y, h)`` (or deeper) to reuse;
            computed here when None.  One of another network, batch or
            targets is refused (``bptt.check_result``).
    """
    G, dG = _tangent_for(net, X, y, dW_rec, h, reduction, result)
    with np.errstate(over="ignore", invalid="ignore"):
        value = 2.0 * float(np.sum(G.astype(np.float64) * dG))
    if not np.isfinite(value):
        V.warn_numerical(f"dS = {value}: {_why_not_finite(G, dG)}", stacklevel=2)
    return value


def _why_not_finite(G, dG):
    if not np.all(np.isfinite(G)):
        return f"the old gradient G = delta(k-h) itself is not finite (it overflowed in {G.dtype})"
    if not np.all(np.isfinite(dG)):
        return f"its change dG overflowed in {dG.dtype} (the gradients explode over these h steps)"
    return "the sum (G, dG) overflowed"


def ds_relative(net, X, y, dW_rec, h, *, reduction=None, result=None):
    """The scale-free dS / S, S = ||delta(k-h)||_F^2: the relative first-order change of S.

    Unlike dS it does not depend on the loss scale (sum or mean, output
    layer), only on dW_rec.  When S = 0 (the old gradient vanished completely)
    no ratio exists: NaN, with a ``NumericalWarning`` that says so.
    """
    G, dG = _tangent_for(net, X, y, dW_rec, h, reduction, result)
    with np.errstate(over="ignore", invalid="ignore"):
        scale = float(np.max(np.abs(G))) if G.size else 0.0
        Gs = G.astype(np.float64) / scale if 0 < scale < np.inf else G.astype(np.float64)
        S = float(np.sum(Gs * Gs))
        value = 2.0 * float(np.sum(Gs * dG)) / S / (scale if 0 < scale < np.inf else 1.0) if S > 0 else np.nan
    if S > 0 and np.isfinite(value):
        return value
    if S > 0 or not np.isfinite(scale):
        V.warn_numerical(f"dS / S = {value}: {_why_not_finite(G, dG)}", stacklevel=2)
        return value
    V.warn_numerical("dS / S = nan: S = ||delta(k-h)||^2 is exactly zero (the old gradient vanished "
                     "completely), so no relative change exists", stacklevel=2)
    return float("nan")


def s_frozen(net, result, W_rec, h):
    """S(W_rec) = ||delta(k-h)||_F^2 with D_n and delta(k) frozen at ``result``'s values.

    The function whose derivative the theorem gives; a finite difference of
    it along dW_rec checks ``ds``.  Only W_rec changes; ``net`` gives K.
    """
    g = g_frozen(net, result, W_rec, h)
    return float(np.sum(g * g))


def g_frozen(net, result, W_rec, h):
    """G(W_rec) = delta(k-h), (batch, K), with D_n and delta(k) frozen at ``result``'s values.

    What ``tangent`` differentiates; a finite difference of it (or of any
    norm of it) along dW_rec checks dG and the first-order log10 indicator.
    """
    W_rec = _check_dW(net, W_rec, "W_rec")
    delta, _, h = _time_major(net, result, h, need_depth=False)
    z = result.z.transpose(1, 0, 2)
    T = delta.shape[0]
    g = delta[T - 1]
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(T - 1, T - 1 - h, -1):
            g = (g @ W_rec.T) * (1.0 - z[n - 1] ** 2)
    if not np.all(np.isfinite(g)):
        V.warn_numerical("G(W_rec) overflowed: this W_rec is so large that the frozen product of h factors "
                         "leaves the floating-point range", stacklevel=3)
    return g


def _tangent_for(net, X, y, dW_rec, h, reduction, result):
    X = check_net(net).check_input(X)
    _check_dW(net, dW_rec)
    h = _check_h(h, X.shape[1])
    if reduction is not None:
        V.choice(reduction, "reduction", ("mean", "sum"))
    if result is None:
        result = bptt(net, X, y, h=h, reduction=reduction or "mean")
    else:
        if not isinstance(result, BPTTResult):
            raise TypeError(f"result must be a BPTTResult from srnlab.bptt, got {type(result).__name__}")
        if reduction is not None and result.reduction != reduction:
            raise ValueError(f"result was computed with reduction={result.reduction!r} but reduction={reduction!r} "
                             f"was asked (it scales delta and so dS); pass the same reduction, or no result")
        check_result(net, X, y, result, h)
    return tangent(net, result, dW_rec, h)


def _time_major(net, result, h, need_depth=True):
    """delta and f'(a) of a BPTT result as time-major (T, B, K) views, and h checked against its depth."""
    check_net(net)
    if not isinstance(result, BPTTResult):
        raise TypeError(f"result must be a BPTTResult from srnlab.bptt, got {type(result).__name__}")
    if result.delta.ndim != 3 or result.delta.shape[2] != net.K:
        raise ValueError(f"result is not a BPTT result of this network: its delta has shape {result.delta.shape}, "
                         f"the network has K={net.K} hidden units")
    delta = result.delta.transpose(1, 0, 2)
    h = _check_h(h, delta.shape[0])
    if need_depth and result.depth < h:
        raise ValueError(f"the BPTT result went back {result.depth} steps; dS over h={h} needs a backward pass of depth >= h")
    return delta, result.fprime.transpose(1, 0, 2), h


def _check_h(h, T):
    h = V.positive_int(h, "h")
    if h > T - 1:
        raise ValueError(f"h={h} goes deeper than the sequence: with T={T} steps, G = delta(T-1-h) needs 1 <= h <= {T - 1}")
    return h


def _check_dW(net, dW, name="dW_rec"):
    check_net(net)
    dW = V.float_array(dW, name)
    if dW.shape != net.W_rec.shape:
        raise ValueError(f"{name} must have the shape of W_rec, {net.W_rec.shape}, got {dW.shape}")
    V.check_finite(dW, name)
    return dW
