"""The initialisation sweep of the paper's Fig. 2 (lesson 04).

An SRN with K tanh units and a softmax output reads a batch of temporal-order
sequences; its error at the last step is sent back h steps by BPTT.  For one
standard deviation ``std`` of the (zero-mean normal) weights this module gives

* the mean ||delta|| per step back (Fig. 2, solid line),
* the mean norm of the per-step term of dE/dW_rec per step back (Fig. 2, dashed),
* the Q-factor Q(delta, h) of eq. 25 and the spectral radius of W_rec,

and sweeps std over a grid, repeated over a few seeds (networks and batches).

One seed fixes one network *direction* and one batch.  The weights of the
network at std are ``std * W1`` where ``W1`` is drawn with std = 1, which is
what ``SRN.init(..., std=std, rng=seed)`` draws (NumPy's normal(0, s) is
s * standard normal), so moving std moves one network along a line: sweeps are
smooth and the spectral radius is exactly proportional to std.

Conventions (as in ``srnlab.bptt`` and ``srnlab.q_factor``):
    steps back j = 0..h; j = 0 is the last step k = T'-1, j = h is delta(k-h).
    ||.|| of a batch is the mean over the batch of per-example Euclidean norms.
"""
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from .. import tasks
from . import _real_array
from ..bptt import bptt
from ..course.blas import one_blas_thread
from ..course.plotting import log10_safe
from ..qfactor import q_factor
from ..srn import SRN

TASK = "temporal_order"
#: The paper's setting: K = 100 hidden units, T = 100, BPTT horizon h = 100.
K_PAPER, T_PAPER, H_PAPER = 100, 100, 100
#: How far apart the data stream of a seed is from its network stream.
DATA_SEED_OFFSET = 1000

def _positive_std(std, name="std"):
    std = V.nonnegative_float(std, f"{name} (a standard deviation of the weights)", allow_zero=False)
    return std


def temporal_order_batch(n=20, T=T_PAPER, h=H_PAPER, rng=None):
    """A temporal-order batch long enough to look h steps back.

    ``tasks.generate`` draws one length T' in [T, floor(11T/10)] per call; Q over
    h steps needs T' >= h + 1, so a draw with T' <= h is discarded and drawn again
    from the same generator (with T = h = 100 only T' = 100 is redrawn).

    Args:
        n: number of sequences, >= 1.
        T: minimal length, as in ``tasks.generate``.
        h: steps back that will be looked at, >= 1; needs floor(11T/10) > h.
        rng: None, an int seed or a numpy.random.Generator.
    Returns:
        X: (n, T', 6) one-hot inputs, y: (n,) classes in [0, 4).
    """
    n = V.positive_int(n, "n (the number of sequences)")
    T = V.positive_int(T, "T (the minimal sequence length)")
    h = V.positive_int(h, "h (the number of steps back)")
    if tasks.max_length(T) <= h:
        raise ValueError(
            f"sequences of length T={T}..{tasks.max_length(T)} are too short to look h={h} steps back: "
            f"Q needs at least h+1={h + 1} steps; use a larger T or a smaller h"
        )
    rng = V.as_rng(rng)
    while True:
        X, y = tasks.generate(TASK, n, T, rng=rng)
        if X.shape[1] > h:
            return X, y


@dataclass
class Flow:
    """The backward flow of one network on one batch (one panel of Fig. 2).

    Attributes:
        std: the weights' standard deviation.
        delta_norms: (h+1,) mean ||delta(k-j)|| for j = 0..h steps back (solid line).
        dW_rec_norms: (h+1,) mean norm of the term z(k-j-1)^T delta(k-j) of
            dE/dW_rec for j = 0..h (dashed line).
        q: Q(delta, h) = log10 delta_norms[0] - log10 delta_norms[h]  (eq. 25);
            +inf if the old gradient underflowed to 0.
        spectral_radius: the largest |eigenvalue| of W_rec.
        h: steps back.
    """

    std: float
    delta_norms: np.ndarray
    dW_rec_norms: np.ndarray
    q: float
    spectral_radius: float
    h: int

    @property
    def steps_back(self):
        """(h+1,) the x axis of Fig. 2: 0, 1, ..., h."""
        return np.arange(self.h + 1)


class Setup:
    """One seed of the experiment: a network direction W1 (std 1) and one batch.

    Args:
        seed: non-negative int.  The network is ``SRN.init(6, K, 4, "softmax",
            std, rng=seed)`` for every std; the batch comes from
            ``temporal_order_batch(n, T, h, rng=seed + 1000)``.
        n: sequences in the batch (Fig. 2's mean is over them).
        K: hidden units.  T: minimal sequence length.  h: steps back.

    Attributes:
        X: (n, T', 6), y: (n,) the batch.  base: the SRN at std = 1.
    """

    def __init__(self, seed=0, n=20, K=K_PAPER, T=T_PAPER, h=H_PAPER):
        seed = V.positive_int(seed, "seed", minimum=0)
        self.seed, self.h = seed, V.positive_int(h, "h (the number of steps back)")
        self.X, self.y = temporal_order_batch(n, T, self.h, rng=seed + DATA_SEED_OFFSET)
        n_in, n_out, output, _ = tasks.spec(TASK)
        K = V.positive_int(K, "K (the number of hidden units)")
        self.base = SRN.init(n_in, K, n_out, output=output, std=1.0, rng=seed)
        self._rho1 = self.base.spectral_radius()          # rho(std W1) = std rho(W1)

    @property
    def K(self):
        return self.base.K

    def net(self, std):
        """The SRN whose weights W_in, W_rec, W_out have standard deviation std (biases 0)."""
        std = _positive_std(std)
        b = self.base
        return SRN(W_in=std * b.W_in, W_rec=std * b.W_rec, b=b.b, W_out=std * b.W_out, c=b.c,
                   output=b.output)

    def spectral_radius(self, std):
        """The spectral radius of W_rec at std (computed once, scaled)."""
        return _positive_std(std) * self._rho1

    def flow(self, std):
        """The Flow (norms per step back, Q, spectral radius) of this seed at std."""
        std = _positive_std(std)
        with one_blas_thread():
            res = bptt(self.net(std), self.X, self.y, h=self.h)
        h = self.h
        back = slice(-1, -h - 2, -1)                        # steps k, k-1, ..., k-h
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            q = q_factor(res.delta, h, quiet=True)
        return Flow(std=std, delta_norms=res.delta_norms[back].copy(),
                    dW_rec_norms=res.dW_rec_norms[back].copy(), q=q,
                    spectral_radius=self.spectral_radius(std), h=h)


def gradient_flow(std, seed=0, n=20, K=K_PAPER, T=T_PAPER, h=H_PAPER):
    """Mean ||delta|| and mean ||dE/dW_rec term|| per step back for one network.

    Args:
        std: standard deviation of the weights (> 0), not a variance.
        seed, n, K, T, h: see ``Setup``.
    Returns:
        Flow with delta_norms and dW_rec_norms of shape (h+1,), q and spectral_radius.
    """
    return Setup(seed, n, K, T, h).flow(std)


def q_at(std, seed=0, n=20, K=K_PAPER, T=T_PAPER, h=H_PAPER):
    """The Q-factor Q(delta, h) (eq. 25) of one network at std, as a float."""
    return gradient_flow(std, seed, n, K, T, h).q


@dataclass
class Sweep:
    """Q and spectral radius over a grid of standard deviations and seeds.

    Attributes:
        stds: (S,) the standard deviations.  seeds: (R,) the seeds.
        q: (S, R) Q(delta, h) of each network.  rho: (S, R) spectral radii.
    """

    stds: np.ndarray
    seeds: np.ndarray
    q: np.ndarray
    rho: np.ndarray

    def _stat(self, fn, a):
        with np.errstate(invalid="ignore", over="ignore"):
            return fn(a, axis=1)

    @property
    def q_mean(self):
        """(S,) mean Q over the seeds (+inf if any network's old gradient underflowed)."""
        return self._stat(np.mean, self.q)

    @property
    def q_sd(self):
        """(S,) standard deviation of Q over the seeds (NaN where Q is infinite)."""
        return self._stat(np.std, self.q)

    @property
    def q_min(self):
        return self._stat(np.min, self.q)

    @property
    def q_max(self):
        return self._stat(np.max, self.q)

    @property
    def rho_mean(self):
        """(S,) mean spectral radius over the seeds."""
        return self.rho.mean(axis=1)

    def row(self, std):
        """The index of std in stds (exact match) for reading one row."""
        std = V.nonnegative_float(std, "std")
        idx = np.flatnonzero(np.isclose(self.stds, std, rtol=1e-12, atol=0))
        if idx.size == 0:
            raise ValueError(f"std={std} is not in this sweep; its stds are {[float(s) for s in self.stds]}")
        return int(idx[0])


def sweep(stds, seeds=(0, 1, 2), n=20, K=K_PAPER, T=T_PAPER, h=H_PAPER):
    """Q(delta, h) and the spectral radius of W_rec for every std and seed.

    Args:
        stds: 1-d sequence of standard deviations, each > 0.
        seeds: 1-d sequence of distinct non-negative int seeds (networks and batches).
        n, K, T, h: see ``Setup``.
    Returns:
        Sweep with q and rho of shape (len(stds), len(seeds)) and their summaries.
    """
    stds = _real_array(stds, "stds")
    if stds.ndim != 1 or stds.size == 0:
        raise ValueError(f"stds must be a non-empty 1-d sequence of standard deviations, got shape {stds.shape}")
    for s in stds:
        _positive_std(float(s), "every entry of stds")
    seeds = list(np.atleast_1d(np.asarray(seeds, dtype=object)))
    if len(seeds) == 0:
        raise ValueError("seeds must hold at least one seed")
    seeds = [V.positive_int(s, "every seed", minimum=0) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}")
    q = np.empty((stds.size, len(seeds)))
    rho = np.empty_like(q)
    for j, seed in enumerate(seeds):
        with one_blas_thread():
            setup = Setup(seed, n, K, T, h)
        for i, s in enumerate(stds):
            f = setup.flow(float(s))
            q[i, j], rho[i, j] = f.q, f.spectral_radius
    return Sweep(stds=stds.copy(), seeds=np.array(seeds), q=q, rho=rho)


def flow_curves(flow):
    """The two curves of a Fig. 2 panel, as ``draw_flow`` draws them.

    Returns (log10 mean ||delta||, log10 mean ||dE/dW_rec term||, both (h+1,) with
    0, inf and NaN as NaN: a gap in the plot, and the number of such values).
    A demo moves lines drawn once by ``draw_flow`` with ``line.set_ydata`` of these.
    """
    d, nd = log10_safe(flow.delta_norms)
    w, nw = log10_safe(flow.dW_rec_norms)
    return d, w, nd + nw


def draw_flow(ax, flow, color=None, label=None):
    """Draw one Fig. 2 panel curve pair on ax: log10 mean ||delta|| (solid) and
    log10 mean ||dE/dW_rec term|| (dashed) against steps back.

    Returns the number of values that were 0, inf or NaN and are not drawn.
    """
    d, w, dropped = flow_curves(flow)
    prefix = f"{label}: " if label else ""
    (line,) = ax.plot(flow.steps_back, d, "-", color=color, label=prefix + "mean ||δ||")
    ax.plot(flow.steps_back, w, "--", color=line.get_color(), label=prefix + "mean ||∂E/∂W_rec term||")
    return dropped


def text_table(header, rows):
    """A plain-text table: header (list of str), rows (lists of str) -> one str."""
    if isinstance(header, str) or isinstance(rows, str):
        raise TypeError("header must be a list of cells and rows a list of such lists, not a single string")
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    if any(len(r) != len(cells[0]) for r in cells):
        raise ValueError("every row of the table must have as many cells as the header")
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
