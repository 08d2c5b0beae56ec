"""The Q-factor of eq. 25: how much the error signal shrinks over h steps back.

    Q(delta, h) = log10 ||delta(k)|| - log10 ||delta(k-h)||            (25)

Q > 0: older local gradients are smaller (vanishing); Q < 0: larger
(exploding); Q near 0: the error signal keeps its size.  The paper's safe
zone is [-1, 1], at most a tenfold change over h steps.

The norm.  For a minibatch ||delta(t)|| is the MEAN OVER THE BATCH OF THE
PER-EXAMPLE EUCLIDEAN NORMS (what the paper's Fig. 2 plots as "mean norm").
The Frobenius norm of the whole (batch, K) block would weight the examples
with the largest errors more; for a single example the two agree.
"""
import numpy as np

from . import _validate as V


def step_norms(delta):
    """(T,) mean over the batch of per-example Euclidean norms of delta(t).

    Args:
        delta: (batch, T, K) local gradients, as ``bptt`` returns them.
    """
    delta = _check_delta(delta)
    return np.linalg.norm(delta, axis=2).mean(axis=0)


def q_factor(delta, h):
    """Eq. 25 on a (batch, T, K) array of local gradients, as a float.

    Args:
        delta: (batch, T, K), e.g. ``bptt(net, X, y).delta``.
        h: steps back from the last step, 1 <= h <= T-1.
    Returns:
        log10 ||delta(T-1)|| - log10 ||delta(T-1-h)||.  +inf when the older
        gradient has vanished to exactly zero (e.g. below the BPTT depth or
        through saturated units), -inf when the last one is zero, NaN when
        both are.
    """
    delta = _check_delta(delta)
    T = delta.shape[1]
    h = V.positive_int(h, "h")
    if h > T - 1:
        raise ValueError(
            f"h={h} goes deeper than delta: delta has T={T} steps, so Q can look back at most "
            f"h={T - 1} steps (from delta({T - 1}) to delta(0))"
        )
    norms = np.linalg.norm(delta[:, [T - 1 - h, T - 1]], axis=2).mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.log10(norms[1]) - np.log10(norms[0]))


def _check_delta(delta):
    delta = V.float_array(delta, "delta")
    if delta.ndim != 3:
        raise ValueError(f"delta must be 3-d with shape (batch, T, K), got shape {delta.shape}")
    if delta.shape[0] == 0 or delta.shape[1] == 0:
        raise ValueError(f"delta must hold at least one example and one step, got shape {delta.shape}")
    return delta
