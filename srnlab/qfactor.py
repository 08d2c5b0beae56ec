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
import numpy as np

from . import _validate as V

NORMS = ("mean", "spectral", "frobenius")


def block_norms(delta, norm="mean"):
    """The norm of each (batch, K) block of local gradients.

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
    if norm == "mean":
        return np.linalg.norm(delta, axis=2).mean(axis=0)
    if norm == "frobenius":
        return np.sqrt(np.einsum("btk,btk->t", delta, delta))
    return np.linalg.norm(delta.transpose(1, 0, 2), ord=2, axis=(1, 2))


def step_norms(delta, norm="mean"):
    """(T,) the norm of delta(t) at every step; by default the mean of per-example norms.

    Args:
        delta: (batch, T, K) local gradients, as ``bptt`` returns them.
        norm: "mean", "spectral" or "frobenius" (see the module docstring).
    """
    return block_norms(_check_delta(delta), norm)


def q_factor(delta, h, norm="mean"):
    """Eq. 25 on a (batch, T, K) array of local gradients, as a float.

    Args:
        delta: (batch, T, K), e.g. ``bptt(net, X, y).delta``.
        h: steps back from the last step, 1 <= h <= T-1.
        norm: how a (batch, K) block is measured: "mean" (default), "spectral"
            (the author's code) or "frobenius"; see the module docstring.
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
    norms = block_norms(delta[:, [T - 1 - h, T - 1]], norm)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.log10(norms[1]) - np.log10(norms[0]))


def _check_delta(delta):
    delta = V.float_array(delta, "delta")
    if delta.ndim != 3:
        raise ValueError(f"delta must be 3-d with shape (batch, T, K), got shape {delta.shape}")
    if delta.shape[0] == 0 or delta.shape[1] == 0:
        raise ValueError(f"delta must hold at least one example and one step, got shape {delta.shape}")
    return delta
