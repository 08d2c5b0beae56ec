"""Bias and variance of truncated and randomized-truncation BPTT gradients.

Full BPTT gives the gradient g = dE/dW_rec.  Two cheaper estimators of it:

* **truncated** BPTT of depth h (``srnlab.bptt(net, X, y, h=h)``): the error
  goes back h steps and stops.  For a given batch it is deterministic, so it
  has a bias and no variance.
* **randomized truncation** (``srnlab.bptt_randomized(net, X, y, p, rng)``;
  Tallec & Ollivier 2017, Dive into Deep Learning 9.7): at each step back the
  pass goes on with probability p, and the local gradient is then multiplied
  by 1/p.  It is unbiased, and has a variance.

Both are weighted sums of the per-step terms of eq. 4,

    C_j = z(k-j-1)^T delta(k-j)        j = 0 .. T-1 steps back from k = T-1,

(delta of FULL BPTT; C_{T-1} = 0 because z(-1) = 0), with g = sum_j C_j:

    truncated, depth h:    g_h   = sum_{j <= h} C_j                 bias g_h - g
    randomized, draw d:    g_rnd = sum_{j <= d} p^{-j} C_j           P(d >= j) = p^j

The depth d of a randomized draw is how many steps back it went.  Since
E[p^{-i} p^{-j} 1(d >= max(i, j))] = p^{-min(i, j)}, the total variance (the sum
over all entries of W_rec of the variances, i.e. E||g_rnd - g||_F^2) is exactly

    Var = sum_{i, j} (p^{-min(i, j)} - 1) <C_i, C_j>_F .

This module computes these exact statistics from one full BPTT, and the
Monte Carlo version from repeated calls of ``bptt_randomized``, so a lesson
can check one against the other.  "Squared bias" and "variance" are totals
over the K x K entries (squared Frobenius norms).

The lesson's picture: ``draw_unrolled(ax, T)`` draws the SRN unrolled over T steps, the
forward pass and the backward pass of the local gradients delta(t) through the Jacobians J(t),
with matplotlib only (no image files).  Its interactive demo: ``build_bias_variance(fig, pre)``
draws the terms C_j and the two estimators' errors once and returns the update for the sliders.
"""
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from . import _real_array
from ..bptt import bptt, bptt_randomized
from ..course.plotting import check_axes, diagram_arrow, diagram_box, diagram_fontsize
from ..srn import SRN


def step_contributions(net, X, y, *, reduction="mean"):
    """The per-step terms of dE/dW_rec (eq. 4), indexed by steps back.

    Args:
        net: an SRN.  X: (batch, T, n_in).  y: targets as for ``srnlab.bptt``.
        reduction: "mean" or "sum", as in ``srnlab.bptt``.
    Returns:
        C: (T, K, K), C[j] = sum over the batch of z(k-j-1)^T delta(k-j),
           the term j steps back from the last step k = T-1 (C[T-1] = 0).
        g: (K, K), the full BPTT gradient dE/dW_rec; equals C.sum(axis=0).
    """
    res = bptt(net, X, y, reduction=reduction)
    z, delta = res.z, res.delta                         # (batch, T, K)
    T, K = z.shape[1], z.shape[2]
    C = np.zeros((T, K, K), dtype=z.dtype)
    # step t = k - j contributes z(t-1)^T delta(t); reverse time so index = steps back
    C[:T - 1] = np.einsum("bti,btj->tij", z[:, :-1], delta[:, 1:])[::-1]
    return C, res.grads["W_rec"]


def gram(C):
    """(T, T) matrix of Frobenius inner products <C_i, C_j> of the per-step terms."""
    C = _real_array(C, "C")
    if C.ndim != 3 or len(C) == 0:
        raise ValueError(f"C must be the (T, K, K) per-step terms of step_contributions, T >= 1; got shape {C.shape}")
    V.check_finite(C, "C")
    F = C.astype(float).reshape(len(C), -1)
    return F @ F.T


def truncated_bias2(C):
    """(T,) squared bias ||g_h - g||_F^2 of truncated BPTT for h = 0 .. T-1.

    g_h - g = -sum_{j > h} C_j, so entry h is the sum of the Gram matrix over
    the block j, i > h.  Entry 0 is the last step alone; entry T-1 is 0 (full BPTT).
    """
    G = gram(C)
    # S[h] = sum_{i, j >= h} G[i, j], by a 2-d suffix sum
    S = np.cumsum(np.cumsum(G[::-1, ::-1], axis=0), axis=1)[::-1, ::-1].diagonal().copy()
    out = np.zeros(len(G))
    out[:-1] = S[1:]
    return np.maximum(out, 0.0)                         # rounding can leave -1e-30


def randomized_variance(C, p):
    """Exact total variance E||g_rnd - g||_F^2 of randomized truncation with parameter p.

    Args:
        C: (T, K, K) per-step terms from ``step_contributions``.
        p: the probability of going one step further back, 0 < p <= 1;
           a float or an array of them.
    Returns:
        A float, or an array of p's shape.  0 for p = 1 (full BPTT).  May be
        +inf when p is small and the old terms are not (the weights p^{-j}
        overflow float64); no warning is raised.
    """
    G = gram(C)
    T = len(G)
    p = _real_array(p, "p").astype(float)
    if np.any(~(p > 0)) or np.any(p > 1):
        raise ValueError(f"p must lie in (0, 1], got {p}")
    m = np.minimum.outer(np.arange(T), np.arange(T)).astype(float)     # min(i, j)
    with np.errstate(over="ignore", invalid="ignore"):
        w = np.power.outer(1.0 / p, m) - 1.0                             # (..., T, T)
        var = np.sum(np.where(G == 0, 0.0, w * G), axis=(-2, -1))        # inf * 0 -> 0
    var = np.where(np.isnan(var), np.inf, np.maximum(var, 0.0))
    return float(var) if var.ndim == 0 else var


def expected_depth(p, T):
    """Expected depth E[d] = sum_{j=1}^{T-1} p^j of a randomized draw on T steps.

    (P(d >= j) = p^j for j <= T-1.)  p: a float or an array in [0, 1].
    """
    T = V.positive_int(T, "T")
    p = _real_array(p, "p").astype(float)
    if np.any(~(p >= 0)) or np.any(p > 1):
        raise ValueError(f"p must lie in [0, 1] (a probability), got {p}")
    j = np.arange(1, T)
    out = np.sum(np.power.outer(p, j), axis=-1)
    return float(out) if out.ndim == 0 else out


def matched_p(h, T, iters=60):
    """The p whose expected depth equals h: expected_depth(p, T) = h.

    Then randomized truncation costs, on average, as many backward steps as
    truncation at depth h.  For long sequences this is close to h / (h + 1)
    (the mean of a geometric depth is p / (1 - p)); with T steps the depth is
    capped at T-1, so the exact p is a little larger.  h = T-1 gives p = 1.

    Args:
        h: a depth or an array of depths, 0 < h <= T-1.
    Returns:
        p of h's shape, found by bisection (expected_depth increases with p).
    """
    T = V.positive_int(T, "T", minimum=2)
    h = _real_array(h, "h").astype(float)
    iters = V.positive_int(iters, "iters (bisection steps)")
    if np.any(~(h > 0)) or np.any(h > T - 1):
        raise ValueError(f"h must lie in (0, T-1] = (0, {T - 1}], got {h}")
    lo, hi = np.zeros_like(h), np.ones_like(h)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        low = expected_depth(mid, T) < h
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    p = np.where(h >= T - 1, 1.0, 0.5 * (lo + hi))
    return float(p) if p.ndim == 0 else p


@dataclass
class EstimatorStats:
    """Exact bias and variance of the two estimators, as functions of the depth h.

    Attributes:
        h: (T-1,) depths 1 .. T-1.
        p: (T-1,) the matched p of each h (``matched_p``).
        bias2_truncated: (T-1,) ||g_h - g||_F^2 (its variance is 0).
        var_randomized: (T-1,) E||g_rnd - g||_F^2 at p (its bias is 0).
        contrib_norms: (T,) ||C_j||_F, j = 0 .. T-1 steps back.
        g_norm2: ||g||_F^2, to make the others relative.
    """

    h: np.ndarray
    p: np.ndarray
    bias2_truncated: np.ndarray
    var_randomized: np.ndarray
    contrib_norms: np.ndarray
    g_norm2: float


def estimator_stats(net, X, y, *, reduction="mean"):
    """Exact bias^2 of truncation and variance of matched randomized truncation, h = 1 .. T-1.

    One full BPTT (``srnlab.bptt``) gives everything.  X: (batch, T, n_in), T >= 2.
    """
    C, g = step_contributions(net, X, y, reduction=reduction)
    T = len(C)
    if T < 2:
        raise ValueError("the sequences need at least T = 2 steps to truncate anything")
    h = np.arange(1, T)
    p = matched_p(h, T)
    return EstimatorStats(h=h, p=p, bias2_truncated=truncated_bias2(C)[1:],
                          var_randomized=randomized_variance(C, p),
                          contrib_norms=np.linalg.norm(C.reshape(T, -1), axis=1),
                          g_norm2=float(np.sum(g * g)))


def randomized_draws(net, X, y, p, n_draws, rng=None, *, reduction="mean"):
    """n_draws independent randomized-truncation gradients dE/dW_rec (Monte Carlo).

    Calls ``srnlab.bptt_randomized`` n_draws times with one Generator.
    Returns:
        draws: (n_draws, K, K) gradients.  depths: (n_draws,) how far each went back.
    """
    n_draws = V.positive_int(n_draws, "n_draws")
    rng = V.as_rng(rng)
    if not isinstance(net, SRN):
        raise TypeError(f"net must be an srnlab.SRN, got {type(net).__name__}")
    draws = np.empty((n_draws, net.K, net.K))
    depths = np.empty(n_draws, dtype=int)
    for i in range(n_draws):
        res = bptt_randomized(net, X, y, p, rng, reduction=reduction)
        draws[i], depths[i] = res.grads["W_rec"], res.depth
    return draws, depths


@dataclass
class MonteCarlo:
    """Sample statistics of gradient draws against the full gradient g.

    Attributes:
        n: number of draws.
        variance: total sample variance, sum over entries of the per-entry variances.
        mean_error2: ||mean of draws - g||_F^2; about variance / n when unbiased.
        proj_mean, proj_se: mean and standard error of <draw, g> / ||g||^2,
            the draws' component along g (1 for an unbiased estimator).
    """

    n: int
    variance: float
    mean_error2: float
    proj_mean: float
    proj_se: float


def monte_carlo(draws, g):
    """Summarize draws (n, K, K) of a gradient estimator against the full gradient g (K, K)."""
    draws = _real_array(draws, "draws").astype(float)
    g = _real_array(g, "g").astype(float)
    if draws.ndim != g.ndim + 1 or draws.shape[1:] != g.shape:
        raise ValueError(f"draws must be (n, *g.shape) = (n, {', '.join(map(str, g.shape))}) to match g, got {draws.shape}")
    V.check_finite(draws, "draws")
    V.check_finite(g, "g")
    if not np.any(g):
        raise ValueError("g is zero: the component along g, <draw, g> / ||g||^2, does not exist")
    n = len(draws)
    if n < 2:
        raise ValueError(f"need at least 2 draws for a variance, got {n}")
    mean = draws.mean(axis=0)
    proj = np.tensordot(draws, g, axes=g.ndim) / np.sum(g * g)
    return MonteCarlo(n=n, variance=float(draws.var(axis=0, ddof=1).sum()),
                      mean_error2=float(np.sum((mean - g) ** 2)),
                      proj_mean=float(proj.mean()), proj_se=float(proj.std(ddof=1) / np.sqrt(n)))


# ---------------------------------------------------------------- the picture
#: The largest number of steps ``draw_unrolled`` draws (more would not be readable).
MAX_DRAWN_STEPS = 6

def draw_unrolled(ax, T=4, *, backward=True, fontsize=None):
    """Draw the SRN unrolled over T steps, forward and (optionally) backward, on a matplotlib Axes.

    Forward (solid, black): for t = 0 .. T-1 an input box x(t), a hidden box a(t) -> z(t),
    an arrow W_in from x(t) up to it and an arrow W_rec from the hidden box of step t-1 (the
    same matrix at every step; z(-1) = 0 on the left), in the row convention of eqs. 1-2,
    a(t) = x(t) W_in + z(t-1) W_rec + b, z(t) = tanh(a(t)).  The output o = z(k) W_out + c
    and the loss E at the last step k = T-1 only (many-to-one, as in the paper, eq. 3).

    Backward (dashed, vermilion; ``backward=True``): dE/do enters the last hidden box, and
    the local gradient delta(t) = dE/da(t), written in each hidden box, flows right to left
    under the hidden row, one arc per step labelled with its Jacobian J(t), where
    delta(t-1) = delta(t) J(t), J(t) = W_rec^T diag(f'(a(t-1))) (eq. 8).

    Drawn with matplotlib patches and mathtext only (no image files); the Axes gets equal
    aspect, its own limits and no frame.  The labels are ``fontsize`` points when the Axes is
    large enough, smaller otherwise (``diagram_fontsize``): at 13 points T = 4 needs a figure
    of about 11.5 x 4.5 inches (``layout="constrained"``), and every further step 1.6 more inches of width.

    Args:
        ax: a matplotlib Axes.
        T: the number of steps drawn, an integer 1 <= T <= MAX_DRAWN_STEPS (6).
        backward: also draw the backward pass (True or False).
        fontsize: the largest size of the labels in points; None (the default) uses the style's
            ``font.size`` (13 under ``plotting.use_style``).
    Returns:
        ax.
    """
    from ..course.plotting import COLORS

    check_axes(ax)
    T = V.positive_int(T, "T (the number of steps drawn)")
    if T > MAX_DRAWN_STEPS:
        raise ValueError(f"T (the number of steps drawn) must be an integer from 1 to {MAX_DRAWN_STEPS}, got {T}; "
                         "more steps do not fit in a readable figure")
    if not isinstance(backward, (bool, np.bool_)):
        raise TypeError(f"backward must be True or False, got {backward!r}")
    back = COLORS["red"]
    light = {"in": "#E8F4FB", "hid": "#DCEBF7", "out": "#FCEFD6"}

    # the layout, in data units (about three letters each)
    dx, yh, yo = 3.7, 2.9, 5.0                   # column spacing, hidden and output rows (inputs at y = 0)
    wh, hh = 2.6, 1.15 if backward else 0.75     # hidden boxes
    wi, hi = 1.2, 0.7                            # input boxes
    k = T - 1
    xs = [dx * (t + 1) for t in range(T)]
    xk, xe = xs[-1], xs[-1] + 2.75               # the last step; the loss box
    # the forward captions sit left of the output box when there is room, else above it
    caption_y = yo + 0.55 if xk - 1.65 > 9.2 else yo + 2.0
    xmin, xmax = -1.2, max(xe + 1.5, 11.2 if backward else 9.0)
    ymin, ymax = (-1.65 if backward else -0.7), caption_y + 0.5
    fs = diagram_fontsize(ax, xmax - xmin, ymax - ymin, fontsize)

    # z(-1) = 0 and the hidden row, with W_rec between neighbours
    diagram_box(ax, 0.0, yh, 1.9, 0.75, r"$z(-1) = 0$", "white", fs)
    for t, x in enumerate(xs):
        diagram_box(ax, x, yh, wh, hh, "", light["hid"], fs)
        ax.text(x, yh + (0.2 if backward else 0.0), rf"$a({t})\;\rightarrow\;z({t})$", ha="center", va="center",
                fontsize=fs, zorder=3)
        if backward:
            ax.text(x, yh - 0.27, rf"$\delta({t})$", ha="center", va="center", fontsize=fs, color=back, zorder=3)
        left = 0.95 if t == 0 else xs[t - 1] + wh / 2
        diagram_arrow(ax, (left, yh), (x - wh / 2, yh))
        ax.text((left + x - wh / 2) / 2, yh + 0.1, r"$W_{rec}$", ha="center", va="bottom", fontsize=fs)
        # the input and W_in
        diagram_box(ax, x, 0.0, wi, hi, rf"$x({t})$", light["in"], fs)
        diagram_arrow(ax, (x, hi / 2), (x, yh - hh / 2))
        ax.text(x + 0.12, 0.95, r"$W_{in}$", ha="left", va="center", fontsize=fs)

    # the output and the loss, at the last step only
    diagram_box(ax, xk, yo, 3.3, 0.75, rf"$o = z({k})\,W_{{out}} + c$", light["out"], fs)
    diagram_arrow(ax, (xk, yh + hh / 2), (xk, yo - 0.375))
    diagram_box(ax, xe, yo, 0.8, 0.75, r"$E$", light["out"], fs)
    diagram_arrow(ax, (xk + 1.65, yo), (xe - 0.4, yo))
    ax.text(xe, yo + 0.55, "loss, last step only", ha="center", va="bottom", fontsize=fs)

    # captions: the forward equations above, the backward ones below
    ax.text(-1.0, caption_y, r"forward: $a(t) = x(t)\,W_{in} + z(t-1)\,W_{rec} + b$,   $z(t) = \tanh(a(t))$",
            ha="left", va="center", fontsize=fs)
    ax.text(-1.0, caption_y - 0.7, r"the same $W_{in}$, $W_{rec}$, $b$ at every step", ha="left", va="center",
            fontsize=fs)
    if backward:
        # dE/do enters the last hidden box; then one dashed arc per step back
        diagram_arrow(ax, (xe, yo - 0.375), (xk + wh / 2, yh + 0.1), color=back, ls="--", rad=-0.3)
        ax.text(xe + 0.1, (yo + yh) / 2 - 0.15, r"$\partial E/\partial o$", ha="left", va="center",
                fontsize=fs, color=back)
        y0 = yh - hh / 2
        for t in range(k, 0, -1):
            start, end = (xs[t] - 0.55, y0), (xs[t - 1] + 0.55, y0)
            diagram_arrow(ax, start, end, color=back, ls="--", rad=-0.45)
            depth = 0.45 * (start[0] - end[0]) / 2           # the arc's lowest point
            ax.text((start[0] + end[0]) / 2, y0 - depth - 0.17, rf"$J({t})$", ha="center", va="top",
                    fontsize=fs, color=back)
        ax.text(-1.0, -1.35, r"backward: $\delta(t) = \partial E/\partial a(t)$,   $\delta(t-1) = \delta(t)\,J(t)$,   "
                r"$J(t) = W_{rec}^\top\,\mathrm{diag}(f'(a(t-1)))$", ha="left", va="center", fontsize=fs, color=back)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# ---------------------------------------------------------------- the interactive demo
def _legend_value(ax, legend_text, new_line=False):
    """A text drawn right after a legend entry's label, for the part of the label that changes.

    The legend keeps the label's fixed beginning; this annotation (placed against the label's
    own box when the figure is drawn, in the legend's font) carries the value, so that a new
    value redraws one text and not the whole figure.  new_line=True: the label ends with a
    line break and the annotation is its (last) line, starting at the label's left edge.
    """
    value = ax.annotate("", xy=(0, 0) if new_line else (1, 0), xycoords=legend_text, ha="left", va="bottom",
                        fontsize=legend_text.get_fontsize(), color=legend_text.get_color(),
                        zorder=ax.get_legend().get_zorder() + 0.1, annotation_clip=False)
    value.set_in_layout(False)      # placed only once the legend is drawn; it fits in the legend's place
    return value


def build_bias_variance(fig, pre):
    """Draw the lesson's bias-variance demo on fig; return ``update(h, s, n)`` for the sliders.

    Left axes: log10 ||C_j|| / ||g|| of the per-step terms of full BPTT against the steps back
    j = 0 .. T-2 (C_{T-1} = 0 is not drawn), the part truncation at depth h keeps (shaded,
    j <= h), and the root-mean-square size p^(-j/2) ||C_j|| / ||g|| of the same term inside a
    randomized draw with the matched p of h.  Right axes: log10 of the squared bias of
    truncation and of the variance / n of randomized truncation (n draws averaged), both
    relative to ||g||^2, against the depth h, with the two values at the chosen h marked.

    Args:
        fig: a matplotlib Figure (empty).
        pre: dict weight scale s -> (EstimatorStats, spectral radius of W_rec), from
            ``estimator_stats`` on one batch for each s; update uses the nearest s.
    Returns:
        update(h, s, n): redraws for the depth h (1 .. T-1), the weight scale s and n
        averaged draws, and returns the note under the figure (which estimator is closer
        to g at h, and how many draws break even).
    """
    from ..course.plotting import COLORS, log10_safe, steps_back_axis

    if not pre:
        raise ValueError("pre must map at least one weight scale s to (EstimatorStats, spectral radius)")
    scales = np.array(sorted(pre))
    T = len(next(iter(pre.values()))[0].h) + 1
    j = np.arange(T - 1)                                  # C_{T-1} = 0 since z(-1) = 0: not drawn
    nan_j, nan_h = np.full(T - 1, np.nan), np.full(T - 1, np.nan)
    left, right = fig.subplots(1, 2)

    kept = left.axvspan(0, 1, color=COLORS["blue"], alpha=0.12, label="kept by truncation (j ≤ ")
    (full,) = left.plot(j, nan_j, color=COLORS["blue"], label="||C_j||, term of full BPTT")
    (rms,) = left.plot(j, nan_j, color=COLORS["orange"], ls="--", label="p^(-j/2) ||C_j||, randomized (p = ")
    left.set_ylim(-12, 8)
    steps_back_axis(left, T, "j, steps back from the last step")
    left.set_ylabel("log10 (size / ||g||)")
    texts = left.legend(loc="upper left").get_texts()
    kept_h, rms_p = _legend_value(left, texts[0]), _legend_value(left, texts[2])

    (bias2_line,) = right.plot(np.arange(1, T), nan_h, color=COLORS["blue"], label="truncated: bias² (variance 0)")
    (var_line,) = right.plot(np.arange(1, T), nan_h, color=COLORS["orange"],
                             label="randomized: variance / n\n")
    at_h = right.axvline(1, color="0.4", lw=1)
    (marks,) = right.plot([1, 1], [np.nan, np.nan], "o", color="0.2")
    right.set_xlim(1, T - 1)
    right.set_ylim(-22, 12)
    right.set_xlabel("depth h (randomized: expected depth)")
    right.set_ylabel("log10 (error² / ||g||²)")
    var_n = _legend_value(right, right.legend(loc="lower left").get_texts()[1], new_line=True)

    def update(h, s, n):
        st, rho = pre[scales[np.argmin(np.abs(scales - s))]]
        n, i, p = int(round(n)), h - 1, st.p[h - 1]
        g_norm = np.sqrt(st.g_norm2)

        log_full, _ = log10_safe(st.contrib_norms[:-1] / g_norm)
        with np.errstate(over="ignore"):
            log_rms, _ = log10_safe(p ** (-j / 2) * st.contrib_norms[:-1] / g_norm)
        kept.set_width(h)
        kept_h.set_text(f"{h})")
        full.set_ydata(log_full)
        rms.set_ydata(log_rms)
        rms_p.set_text(f"{p:.2f})")
        left.set_title(f"terms of dE/dW_rec\ns = {s:.2f}, ρ(W_rec) = {rho:.2f}")

        bias2, _ = log10_safe(st.bias2_truncated / st.g_norm2)
        var, _ = log10_safe(st.var_randomized / n / st.g_norm2)
        bias2_line.set_ydata(bias2)
        var_line.set_ydata(var)
        var_n.set_text(f"(bias 0), n = {n}")
        at_h.set_xdata([h, h])
        marks.set_data([h, h], [bias2[i], var[i]])
        right.set_title(f"h = {h}, matched p = {p:.3f}")

        b, v = st.bias2_truncated[i], st.var_randomized[i] / n
        if b == 0:
            return (f"At h = {h} truncation gives the exact dE/dW_rec (bias 0, not drawn on the log scale): "
                    f"the terms further back are zero because z(-1) = 0."
                    + (" Randomized truncation with p = 1 is full BPTT." if v == 0 else ""))
        better = "truncation" if b < v else "randomized truncation"
        return (f"At h = {h}: truncated bias² = {b / st.g_norm2:.2g}·||g||², randomized variance / n = "
                f"{v / st.g_norm2:.2g}·||g||², so {better} is closer to g on average. Averaging more than "
                f"{st.var_randomized[i] / b:.3g} randomized draws beats one truncated gradient.")
    return update
