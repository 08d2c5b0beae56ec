"""The Q-factor of eq. 25: how much the error signal shrinks over h steps back.

    Q(delta, h) = log10 ||delta(k)|| - log10 ||delta(k-h)||            (25)

Q > 0: older local gradients are smaller (vanishing); Q < 0: larger
(exploding); Q near 0: the error signal keeps its size.  The paper's safe
zone is [-1, 1], at most a tenfold change over h steps.

The norm of a minibatch's (batch, K) block of local gradients delta(t):

* "mean" (the default): the MEAN OVER THE BATCH OF THE PER-EXAMPLE EUCLIDEAN
  NORMS, what the paper's Fig. 2 plots as "mean norm";
* "spectral": the matrix 2-norm, the block's largest singular value, what
  the author's public MATLAB code takes (``norm`` of the block; repository
  github.com/FlyElephant-M31/r3, ``srnbkp.m``);
* "frobenius": the Frobenius norm of the block, which weights the examples
  with the largest errors more.

For a single example the three agree.
"""
import math

import numpy as np

from . import _validate as V

NORMS = ("mean", "spectral", "frobenius")


def block_norms(delta, norm="mean"):
    """The norm of each (batch, K) block of local gradients.

    A block whose largest |entry| is near the square root of the ends of its
    floating-point range (beyond about 1e150 or below 1e-150 in float64; 1e16
    and 1e-16 in float32) is measured divided by that entry, then scaled back, so that entries near the ends of
    the floating-point range (1e-200, 1e200) give their true norm instead of
    0 or inf.

    Args:
        delta: (batch, T, K) local gradients; or one (batch, K) block.
        norm: "mean", "spectral" or "frobenius" (see the module docstring).
    Returns:
        (T,) array for a 3-d delta, a float for one block.
    """
    V.choice(norm, "norm", NORMS)
    delta = V.float_array(delta, "delta")
    if delta.ndim == 2:
        return float(block_norms(delta[:, None, :], norm)[0])
    if delta.ndim != 3:
        raise ValueError(f"delta must be (batch, T, K) or one (batch, K) block, got shape {delta.shape}")
    return _norms(delta, norm)


def _norms(delta, norm):
    """block_norms on a checked (batch, T, K) array."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        scale = np.abs(delta).max(axis=(0, 2)) if delta.size else np.zeros(delta.shape[1])
        # Scale only where squares could leave the floating-point range, so that ordinary
        # gradients give exactly the bits they always gave.
        info = np.finfo(delta.dtype)           # where squares leave the range: about 1e+-150 in float64, 1e+-18 in float32
        extreme = (scale > 0) & ((scale < np.sqrt(info.tiny) * 1e3) | (scale > np.sqrt(info.max) / 1e3)) & np.isfinite(scale)
        safe = np.where(extreme, scale, 1.0)
        x = delta / safe[None, :, None] if extreme.any() else delta
        if norm == "mean":
            n = np.linalg.norm(x, axis=2).mean(axis=0)
        elif norm == "frobenius":
            n = np.sqrt(np.einsum("btk,btk->t", x, x))
        else:
            n = np.linalg.norm(x.transpose(1, 0, 2), ord=2, axis=(1, 2)) if np.all(np.isfinite(x)) else \
                np.array([np.linalg.norm(b, 2) if np.all(np.isfinite(b)) else np.nan for b in x.transpose(1, 0, 2)])
        n = n * safe
    n[np.isinf(scale)] = np.inf                 # an entry that overflowed: the norm did too
    return n


def step_norms(delta, norm="mean"):
    """(T,) the norm of delta(t) at every step; by default the mean of per-example norms.

    Args:
        delta: (batch, T, K) local gradients, as ``bptt`` returns them.
        norm: "mean", "spectral" or "frobenius" (see the module docstring).
    """
    V.choice(norm, "norm", NORMS)
    return _norms(_check_delta(delta), norm)


def q_factor(delta, h, norm="mean", *, quiet=False):
    """Eq. 25 on a (batch, T, K) array of local gradients, as a float.

    Args:
        delta: (batch, T, K), e.g. ``bptt(net, X, y).delta``; no NaN (inf is
            allowed: a gradient that overflowed).
        h: steps back from the last step, 1 <= h <= T-1.
        norm: how a (batch, K) block is measured: "mean" (default), "spectral"
            (the author's code) or "frobenius"; see the module docstring.
        quiet: True for code that records an infinite Q as a result (a sweep,
            a training log): no ``NumericalWarning``.
    Returns:
        log10 ||delta(T-1)|| - log10 ||delta(T-1-h)||, finite whenever both
        norms are positive and finite, however large or small.  Otherwise,
        with a ``NumericalWarning`` that says why: +inf when the older gradient
        is exactly zero (it underflowed, or lies below the BPTT depth, or
        passed through saturated units) or the last one overflowed to inf;
        -inf when the older one overflowed or the last one is zero; NaN when
        both are zero or both inf.
    """
    delta = _check_delta(delta)
    T = delta.shape[1]
    h = V.positive_int(h, "h")
    if h > T - 1:
        raise ValueError(
            f"h={h} goes deeper than delta: delta has T={T} steps, so Q can look back at most "
            f"h={T - 1} steps (from delta({T - 1}) to delta(0))"
        )
    V.choice(norm, "norm", NORMS)
    if np.isnan(delta[:, [T - 1 - h, T - 1]]).any():
        raise ValueError("delta contains NaN at the steps Q compares; Q needs numbers (inf is allowed)")
    q, why = q_of_norms(*_norms(delta[:, [T - 1 - h, T - 1]], norm))
    if why and not quiet:
        V.warn_numerical(f"Q = {q}: {why}")
    return q


def q_of_norms(old, new):
    """(Q, why): Q = log10 new - log10 old, and None or why it is not finite (no warning)."""
    old, new = float(old), float(new)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = float(np.log10(new) - np.log10(old))
    if math.isfinite(q):
        return q, None
    if old == 0 and new == 0:
        return q, "both the last and the older local gradient are exactly zero: no ratio exists"
    if math.isinf(old) and math.isinf(new):
        return q, "both the last and the older local gradient overflowed to inf: no ratio exists"
    if old == 0:
        return q, ("the older local gradient delta(k-h) is exactly zero (it underflowed, lies below the BPTT "
                   "depth, or passed through saturated units): it vanished completely")
    if math.isinf(old):
        return q, "the older local gradient delta(k-h) overflowed to inf: it exploded"
    if new == 0:
        return q, "the last local gradient delta(k) is exactly zero (no error signal enters)"
    return q, "the last local gradient delta(k) overflowed to inf"


def _q(delta, h, norm):
    """Q of a BPTT result's delta with h already checked, without warnings (the trainer's)."""
    T = delta.shape[1]
    return q_of_norms(*_norms(delta[:, [T - 1 - h, T - 1]], norm))[0]


def _check_delta(delta):
    delta = V.float_array(delta, "delta")
    if delta.ndim != 3:
        raise ValueError(f"delta must be 3-d with shape (batch, T, K), got shape {delta.shape}")
    if delta.shape[0] == 0 or delta.shape[1] == 0:
        raise ValueError(f"delta must hold at least one example and one step, got shape {delta.shape}")
    return delta
