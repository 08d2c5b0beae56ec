"""Products of Jacobians and powers of a matrix (lesson 03; the paper's eq. 10).

Going back one step in BPTT multiplies the local gradient by a Jacobian::

    delta(n-1) = delta(n) J(n),        J(n) = W_rec^T diag(f'(a(n-1)))        (8)
    delta(k-h) = delta(k) J(k) J(k-1) ... J(k-h+1)                           (10)

Without the diagonal factors (a linear network, f' = 1) this is a power of one
matrix, v M^n with M = W_rec^T, whose size grows or dies like the spectral
radius of M to the power n, and whose direction turns toward M's top left
eigenvector (Dive into Deep Learning 9.7, the exercise on M^k x).

Row vectors, as in the paper: v has shape (K,), M has shape (K, K), v M is
``v @ M``.  Norms are Euclidean.

Gradient norms span hundreds of orders of magnitude, more than float64 holds
(about 1e-308 to 1e308).  So the functions here return **log10 norms** and
rescale the vector to unit length after every step: the result is the same
number a direct product would give, without overflow or underflow.  A vector
that becomes exactly zero (for instance through saturated tanh units, where
f' = 1 - z^2 is exactly 0 in float64) gives -inf from then on.

The lesson's picture: ``draw_jacobian_chain(ax, h, norms)`` draws eq. 10 as a chain
delta(k) -> delta(k-1) -> ... -> delta(k-h), one Jacobian per arrow, with the norms of a
real profile under the nodes.  ``build_signal_demo`` makes the figure of the lesson's demo
(the error signal against steps back for a spectral radius, a nonlinearity and a depth).
"""
import numpy as np

from .. import _validate as V

#: The nonlinearities f this module knows.  "linear" means f'(a) = 1.
NONLINEARITIES = ("linear", "tanh", "sigmoid")

#: The largest value of f' for each nonlinearity: 1, 1 and 1/4.
MAX_DERIVATIVE = {"linear": 1.0, "tanh": 1.0, "sigmoid": 0.25}


# ---------------------------------------------------------------- checks
def _square(M, name="M"):
    M = V.float_array(M, name)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square (K, K) matrix, got shape {M.shape}")
    V.check_finite(M, name)
    return M


def _vector(v, K, name="v"):
    v = V.float_array(v, name)
    if v.shape != (K,):
        raise ValueError(f"{name} must be a 1-d vector of shape ({K},) to match the ({K}, {K}) matrix, "
                         f"got shape {v.shape}" + ("; for one sequence pass a single row" if v.ndim == 2 else ""))
    V.check_finite(v, name)
    if not np.any(v):
        raise ValueError(f"{name} is the zero vector: its norm is 0 and has no logarithm; pass a nonzero vector")
    with np.errstate(over="ignore", under="ignore"):
        norm = np.linalg.norm(v)
    if not 0 < norm < np.inf:
        raise ValueError(f"the norm of {name} is {norm} in float64 (its entries are too {'large' if norm else 'small'}, "
                         f"largest |entry| {np.max(np.abs(v)):.3g}); rescale it: the log10 norms only shift by log10 of the factor")
    return v


# ---------------------------------------------------------------- matrices
def random_matrix(K, spectral_radius, rng=None, symmetric=False):
    """A random (K, K) matrix whose spectral radius is exactly ``spectral_radius``.

    Draws N(0, 1) entries (symmetrised when ``symmetric``), then divides by the
    largest |eigenvalue| and multiplies by ``spectral_radius``.  Scaling a
    matrix scales its eigenvalues and keeps its eigenvectors, so the matrices
    drawn with the same rng seed and different radii are multiples of each other.

    Args:
        K: size, an integer >= 1.
        spectral_radius: the largest |eigenvalue| wanted, a finite number > 0.
        rng: None, an int seed or a numpy.random.Generator.
        symmetric: True gives a symmetric matrix: real eigenvalues and
            orthogonal eigenvectors (the setting of the D2L exercise), so its
            dominant eigenvalue is real.  False (the default) gives a general
            matrix, whose dominant eigenvalue may be a complex pair.
    Returns:
        (K, K) float64 array.
    """
    K = V.positive_int(K, "K (the matrix size)")
    rho = V.nonnegative_float(spectral_radius, "spectral_radius", allow_zero=False)
    if not isinstance(symmetric, (bool, np.bool_)):
        raise TypeError(f"symmetric must be True or False, got {symmetric!r}")
    G = V.as_rng(rng).normal(size=(K, K))
    if symmetric:
        G = (G + G.T) / 2
    with np.errstate(over="ignore"):
        M = G * (rho / spectral_radius_of(G))
    if not np.all(np.isfinite(M)):
        raise ValueError(f"spectral_radius={rho:g} is too large: the matrix entries overflow float64")
    return M


def spectral_radius_of(M):
    """The largest |eigenvalue| of a square matrix M (K, K), as a float."""
    M = _square(M)
    return float(np.max(np.abs(np.linalg.eigvals(M))))


def top_left_eigenvector(M):
    """The unit left eigenvector u of M for its eigenvalue of largest modulus: u M = lambda u.

    Args:
        M: (K, K) matrix whose dominant eigenvalue is real and strictly larger in
           modulus than all the others (true for almost every symmetric matrix).
    Returns:
        (u, lam, ratio): u (K,) of norm 1, lam the dominant eigenvalue (a float),
        ratio = |second eigenvalue| / |lam|, how fast powers align with u
        (the angle shrinks like ratio^n).
    Raises:
        ValueError if the dominant eigenvalue is complex or shared in modulus:
        then v M^n keeps turning and never settles on one direction.
    """
    M = _square(M)
    lams, vecs = np.linalg.eig(M.T)             # left eigenvectors of M = eigenvectors of M^T
    order = np.argsort(-np.abs(lams))
    lam = lams[order[0]]
    top = abs(lam)
    if top == 0:
        raise ValueError("M is nilpotent (all eigenvalues are 0): its powers vanish and have no top eigenvector")
    if abs(lam.imag) > 1e-9 * top:
        raise ValueError(f"the dominant eigenvalue of M is complex ({lam:.3g}): v M^n rotates in a plane and does "
                         "not align with one real vector; use a matrix with a real dominant eigenvalue "
                         "(e.g. random_matrix(..., symmetric=True))")
    ratio = float(abs(lams[order[1]]) / top) if len(lams) > 1 else 0.0
    if ratio > 1 - 1e-9:
        raise ValueError(f"M has two eigenvalues of the largest modulus {top:.3g} (e.g. +lambda and -lambda): "
                         "v M^n does not settle on one direction")
    u = np.real(vecs[:, order[0]])
    return u / np.linalg.norm(u), float(lam.real), ratio


# ---------------------------------------------------------------- powers
def power_log_norms(v, M, n_steps):
    """log10 ||v M^n|| for n = 0, 1, ..., n_steps.

    Args:
        v: (K,) nonzero start vector (a row vector).
        M: (K, K) matrix.
        n_steps: the highest power, an integer >= 1.
    Returns:
        (n_steps + 1,) array; entry n is log10 of the norm of v M^n.
        -inf once the vector becomes exactly zero (e.g. a nilpotent M).
    """
    M = _square(M)
    v = _vector(v, M.shape[0])
    n_steps = V.positive_int(n_steps, "n_steps")
    logs, _ = _iterate(v, n_steps, lambda x, n: x @ M)
    return logs


def alignment(v, M, n_steps):
    """|cos| of the angle between v M^n and M's top left eigenvector, n = 0..n_steps.

    Args:
        v: (K,) nonzero start vector.   M: (K, K), real dominant eigenvalue
        (see ``top_left_eigenvector``).   n_steps: integer >= 1.
    Returns:
        (n_steps + 1,) array of values in [0, 1]; the absolute value ignores
        the sign flips of a negative dominant eigenvalue.
    """
    M = _square(M)
    v = _vector(v, M.shape[0])
    n_steps = V.positive_int(n_steps, "n_steps")
    u, _, _ = top_left_eigenvector(M)
    _, units = _iterate(v, n_steps, lambda x, n: x @ M)
    return np.clip(np.abs(units @ u), 0.0, 1.0)


def _iterate(v, n_steps, step):
    """Apply x -> step(x, n) n_steps times, rescaling x to unit length each time.

    Returns (logs, units): logs (n_steps + 1,) log10 of the unscaled norms,
    units (n_steps + 1, K) the unit vectors (zero rows after the vector vanished).
    """
    logs = np.full(n_steps + 1, -np.inf)
    units = np.zeros((n_steps + 1, v.size))
    norm = np.linalg.norm(v)
    logs[0], x = np.log10(norm), v / norm
    units[0] = x
    for n in range(1, n_steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            x = step(x, n)
            norm = np.linalg.norm(x)
        if not np.isfinite(norm):
            raise ValueError("one step overflowed float64 even from a unit vector: the matrix entries are "
                             "too large (above about 1e300)")
        if norm == 0:                      # vanished exactly: -inf from here on
            break
        logs[n] = logs[n - 1] + np.log10(norm)
        x = x / norm
        units[n] = x
    return logs, units


# ---------------------------------------------------------------- an SRN's Jacobians
def derivative(z, nonlinearity):
    """f'(a) written through the state z = f(a), elementwise, same shape as z.

    tanh: 1 - z^2 (at most 1);  sigmoid: z (1 - z) (at most 1/4);
    linear: 1 everywhere (z is only used for its shape).
    """
    V.choice(nonlinearity, "nonlinearity", NONLINEARITIES)
    z = V.float_array(z, "z")
    V.check_finite(z, "z")
    lo = {"tanh": -1.0, "sigmoid": 0.0}.get(nonlinearity)
    if lo is not None and z.size and (z.min() < lo or z.max() > 1):
        raise ValueError(f"z must hold states of a {nonlinearity} network, which lie in [{lo:g}, 1]; got values in "
                         f"[{z.min():.3g}, {z.max():.3g}] (pass the states z = f(a), not the pre-activations a)")
    if nonlinearity == "tanh":
        return 1.0 - z * z
    if nonlinearity == "sigmoid":
        return z * (1.0 - z)
    return np.ones_like(z)


def states(X, W_in, W_rec, b=None, nonlinearity="tanh"):
    """The hidden states of one sequence: z(t) = f(x(t) W_in + z(t-1) W_rec + b), z(-1) = 0.

    Eqs. 1-2 for a single sequence, with f = tanh (as ``srnlab.SRN``) or the
    logistic sigmoid 1 / (1 + exp(-a)).

    Args:
        X: (T, n_in) inputs.   W_in: (n_in, K).   W_rec: (K, K).   b: (K,) or None (zeros).
        nonlinearity: "tanh" or "sigmoid".
    Returns:
        z: (T, K) states.
    """
    if nonlinearity == "linear":
        raise ValueError("states() runs a tanh or sigmoid network; a linear network's Jacobians do not depend "
                         "on its states: pass any (T, K) array as z to jacobian_log_norms(..., 'linear')")
    V.choice(nonlinearity, "nonlinearity", ("tanh", "sigmoid"))
    W_rec = _square(W_rec, "W_rec")
    K = W_rec.shape[0]
    X, W_in = V.float_array(X, "X"), V.float_array(W_in, "W_in")
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be one sequence of shape (T, n_in) with T >= 1, got shape {X.shape}")
    if W_in.shape != (X.shape[1], K):
        raise ValueError(f"W_in must have shape (n_in, K) = ({X.shape[1]}, {K}) to match X {X.shape} "
                         f"and W_rec {W_rec.shape}, got {W_in.shape}")
    b = np.zeros(K) if b is None else V.float_array(b, "b")
    if b.shape != (K,):
        raise ValueError(f"b must have shape ({K},), got {b.shape}")
    for arr, name in ((X, "X"), (W_in, "W_in"), (b, "b")):
        V.check_finite(arr, name)
    f = np.tanh if nonlinearity == "tanh" else _sigmoid
    z = np.zeros((X.shape[0], K))
    prev = np.zeros(K)
    with np.errstate(over="ignore", invalid="ignore"):      # an a that overflows to +-inf saturates: f = +-1 or 0
        for t in range(X.shape[0]):
            a = X[t] @ W_in + prev @ W_rec + b
            if not np.isfinite(a).all() and _cancels(X[t], W_in, prev, W_rec, b):
                raise ValueError(_OVERFLOWED)
            prev = f(a)
            z[t] = prev
    if np.isnan(z).any():                                    # a backstop: no NaN leaves this function
        raise ValueError(_OVERFLOWED)
    return z


_OVERFLOWED = "the pre-activations a overflowed float64 (inf - inf): X, W_in, W_rec or b are too large"


def _cancels(x, W_in, z, W_rec, b):
    """Whether some pre-activation a = x W_in + z W_rec + b has both an infinite positive part and an
    infinite negative part (inf - inf): its sign is then unknown, whatever a BLAS kernel returns for it
    (NaN, or +-inf when the kernel fuses a multiply and an add)."""
    pos = (np.maximum(x, 0) @ np.maximum(W_in, 0) + np.minimum(x, 0) @ np.minimum(W_in, 0)
           + np.maximum(z, 0) @ np.maximum(W_rec, 0) + np.minimum(z, 0) @ np.minimum(W_rec, 0) + np.maximum(b, 0))
    neg = (np.maximum(x, 0) @ np.minimum(W_in, 0) + np.minimum(x, 0) @ np.maximum(W_in, 0)
           + np.maximum(z, 0) @ np.minimum(W_rec, 0) + np.minimum(z, 0) @ np.maximum(W_rec, 0) + np.minimum(b, 0))
    return bool((np.isinf(pos) & np.isinf(neg)).any())


def _sigmoid(a):
    """The logistic function, without overflow for large negative a."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def jacobian_log_norms(delta_k, W_rec, z, nonlinearity="tanh"):
    """log10 ||delta(k-j)|| for j = 0, 1, ..., T-1, by the product of Jacobians (eq. 10).

    delta(k-j) = delta(k) J(k) J(k-1) ... J(k-j+1) with J(n) = W_rec^T diag(f'(a(n-1)))
    and k = T-1 the last step.  f' is read from the states: see ``derivative``.

    Args:
        delta_k: (K,) nonzero local gradient at the last step.
        W_rec: (K, K) recurrent weights.
        z: (T, K) states z(0..T-1) of one sequence (from ``states``); for
           "linear" only T is used (f' = 1).
        nonlinearity: "linear", "tanh" or "sigmoid".
    Returns:
        (T,) array, entry j = log10 ||delta(k-j)||; -inf after the signal
        became exactly zero.  Subtract entry 0 for log10 ||delta(k-j)|| / ||delta(k)||.
    """
    V.choice(nonlinearity, "nonlinearity", NONLINEARITIES)
    W_rec = _square(W_rec, "W_rec")
    K = W_rec.shape[0]
    delta_k = _vector(delta_k, K, "delta_k")
    z = V.float_array(z, "z")
    if z.ndim != 2 or z.shape[1] != K or z.shape[0] < 2:
        raise ValueError(f"z must hold the states of one sequence, shape (T, {K}) with T >= 2, got {z.shape}")
    V.check_finite(z, "z")
    fprime = derivative(z, nonlinearity)
    W_T = W_rec.T
    k = z.shape[0] - 1
    # j-th step back: multiply by J(k-j+1) = W_rec^T diag(f'(a(k-j)))
    logs, _ = _iterate(delta_k, k, lambda x, j: (x @ W_T) * fprime[k - j])
    return logs


# ---------------------------------------------------------------- the picture
#: The largest depth ``draw_jacobian_chain`` draws (more would not be readable).
MAX_DRAWN_DEPTH = 6


def _back(n):
    """'k', 'k-1', ... as mathtext (a proper minus sign)."""
    return "k" if n == 0 else f"k-{n}"


def _fmt_norm(value):
    """A norm as mathtext: 0, 0.123, 12.3 or 4.56 x 10^-7."""
    if value == 0:
        return "0"
    if 1e-2 <= value < 1e3:
        return f"{value:.3g}"
    mant, exp = f"{value:.2e}".split("e")
    return rf"{float(mant):.2f}\times 10^{{{int(exp)}}}"


def draw_jacobian_chain(ax, h=4, norms=None, *, fontsize=None):
    """Draw the chain of eq. 10 on a matplotlib Axes: delta(k) -> delta(k-1) -> ... -> delta(k-h).

    The nodes delta(k-h) ... delta(k) stand in time order (the last step k on the right, as in
    ``srn_bptt.draw_unrolled``); each arrow goes one step back, right to left, and is labelled
    with its factor J(n), n = k, k-1, ..., k-h+1, where J(n) = W_rec^T diag(f'(a(n-1))) (eq. 8).
    Under the chain: the product formula delta(k-h) = delta(k) J(k) J(k-1) ... J(k-h+1)
    (eq. 10) and the definition of J(n).  With ``norms`` the size of each local gradient is
    written under its node, so a real profile shows the signal vanish (or grow).

    Args:
        ax: a matplotlib Axes.
        h: the number of steps back (Jacobians) drawn, an integer 1 <= h <= MAX_DRAWN_DEPTH (6).
        norms: None, or h + 1 numbers >= 0, in steps back: norms[j] = ||delta(k-j)|| for
            j = 0 .. h (the order of ``jacobian_log_norms``; from a (T, K) array of local
            gradients ``np.linalg.norm(delta[::-1], axis=1)[:h + 1]``).
        fontsize: the largest size of the labels in points; None (the default) uses the
            style's ``font.size``.  The labels shrink only when the Axes is too small
            (at 13 points h = 4 needs a figure of about 11 x 2.8 inches, ``layout="constrained"``).
    Returns:
        ax.
    """
    from ..course.plotting import COLORS, check_axes, diagram_arrow, diagram_box, diagram_fontsize
    from . import _real_array

    check_axes(ax)
    h = V.positive_int(h, "h (the number of Jacobians drawn)")
    if h > MAX_DRAWN_DEPTH:
        raise ValueError(f"h (the number of Jacobians drawn) must be an integer from 1 to {MAX_DRAWN_DEPTH}, "
                         f"got {h}; more steps do not fit in a readable figure")
    if norms is not None:
        norms = _real_array(norms, "norms")
        if norms.shape != (h + 1,):
            raise ValueError(f"norms must hold h + 1 = {h + 1} numbers, ||delta(k-j)|| for j = 0 .. {h} "
                             f"(a 1-d array), got shape {norms.shape}")
        V.check_finite(norms, "norms")
        if np.any(norms < 0):
            raise ValueError(f"norms must be >= 0 (they are norms), got {norms.min():.3g}")
    back = COLORS["red"]

    dx, y = 3.7, 2.0                                # node spacing, row of the nodes
    w, hgt = 2.0, 0.8
    x_of = {j: dx * (h - j) for j in range(h + 1)}  # j steps back; the last step k on the right
    rows = 2 if norms is None else 3
    xmin, xmax = -1.4, max(dx * h + 1.4, 14.0)
    ymin, ymax = y - 0.65 - 0.75 * rows, y + 0.9
    fs = diagram_fontsize(ax, xmax - xmin, ymax - ymin, fontsize)

    for j in range(h + 1):
        diagram_box(ax, x_of[j], y, w, hgt, rf"$\delta({_back(j)})$", "#FBE3D6" if j else "#FCEFD6", fs, edge=back)
    for j in range(h):                             # the step from delta(k-j) to delta(k-j-1) multiplies by J(k-j)
        start, end = (x_of[j] - w / 2, y), (x_of[j + 1] + w / 2, y)
        diagram_arrow(ax, start, end, color=back, lw=2.0)
        ax.text((start[0] + end[0]) / 2, y + 0.12, rf"$J({_back(j)})$", ha="center", va="bottom", fontsize=fs,
                color=back)
    line = y - 0.9
    if norms is not None:
        for j in range(h + 1):
            ax.text(x_of[j], line, rf"$\Vert\delta\Vert = {_fmt_norm(norms[j])}$", ha="center", va="center",
                    fontsize=fs)
        line -= 0.75
    factors = [rf"J({_back(n)})" for n in range(h)]
    if h > 4:
        factors = factors[:2] + [r"\cdots", factors[-1]]
    product = r"\,".join(factors)
    ax.text(xmin + 0.2, line, rf"$\delta({_back(h)}) = \delta(k)\,{product}$   (eq. 10)",
            ha="left", va="center", fontsize=fs)
    ax.text(xmin + 0.2, line - 0.75, r"$J(n) = W_{rec}^\top\,\mathrm{diag}(f'(a(n-1)))$: one step back",
            ha="left", va="center", fontsize=fs)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# ---------------------------------------------------------------- the lesson's demo
#: While a slider moves, the limits of the demo's axes come from this ladder (times powers
#: of 10), so that they change only now and then (each change redraws the whole figure).
_LADDER = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def _ladder_up(x):
    """The smallest ladder value (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of 10) >= x > 0."""
    p = 10.0 ** np.floor(np.log10(x))
    return next(p * m for m in _LADDER if p * m >= x * (1 - 1e-12))


def _coarse(needed, current, room=2.0, fill=0.25):
    """A limit of size >= needed for a frame during a drag: the current one while it holds
    needed and needed fills at least ``fill`` of it; else a ladder value, with ``room`` to
    grow (room times needed) when the data has left the current limit."""
    if current is None or needed < fill * current:
        return _ladder_up(needed)
    return current if needed <= current else _ladder_up(room * needed)


def _fixed_ylabel(ax, widest):
    """Put the y label of ax at a fixed distance from the axes, left of tick labels as wide as
    the string ``widest``: it then stays in place (and inside a layout made once) when the
    limits, and so the tick labels, change."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path
    from matplotlib.transforms import ScaledTranslation

    tick = ax.yaxis.get_major_ticks()[0]
    width = text_to_path.get_text_width_height_descent(
        widest, FontProperties(size=tick.label1.get_fontsize()), ismath=False)[0]
    points = tick.get_tick_padding() + tick.get_pad() + width + ax.yaxis.labelpad
    ax.yaxis.set_label_coords(0, 0.5, transform=ax.transAxes + ScaledTranslation(
        -points / 72, 0, ax.get_figure(root=True).dpi_scale_trans))


def build_signal_demo(fig, error_signal, norm2, max_steps):
    """The figure of the lesson's demo; returns update(rho, nonlinearity, steps, input_scale).

    Left: log10 ||delta(k-j)|| / ||delta(k)|| against steps back j = 0..steps for the network
    W_rec = rho G (solid), the linear prediction j log10(rho) (dashed) and the norm bound
    j log10(rho ||G||_2 max f') (dotted); the legend sits in the corner the curves leave empty.
    Right: the histogram of the slopes f' along the trajectory (share of unit-steps, 20 bins
    on [0, 1]) with its mean (vertical line).

    For the first picture and when the controls rest (``resting``, as ``Demo`` says), the
    y limits hold the solid and the dashed curve with a margin of 10% and the x limits are
    (0, steps).  While a control moves, the limits stay put as long as the curves fit them and fill at
    least a quarter of them, else move to a coarse value with room to spare, so that most
    frames of a drag only move the curves.

    Args:
        fig: an empty matplotlib Figure.
        error_signal: function(rho, nonlinearity, steps, input_scale) -> (log10 ratios of
            shape (steps+1,), -inf where the signal is exactly 0; the slopes f' along the
            trajectory, any shape).
        norm2: ||G||_2, the operator norm of W_rec at rho = 1.
        max_steps: the largest number of steps back the demo asks for.
    Returns:
        update(rho, nonlinearity, steps, input_scale, resting=True) -> a note (str): where the signal became
        exactly 0 and where a direct float64 product would have overflowed.
    """
    from ..course.plotting import COLORS, dropped_note

    max_steps = V.positive_int(max_steps, "max_steps")
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
    (signal,) = ax1.plot([], [], color=COLORS["blue"], label="tanh network")
    (linear,) = ax1.plot([], [], "--", color=COLORS["black"], lw=1.3, label="linear prediction ρʲ")
    (bound,) = ax1.plot([], [], ":", color=COLORS["red"], lw=1.5, label="bound (‖W‖₂ max f′)ʲ")
    ax1.set_xlabel("steps back j")
    ax1.set_ylabel("log10 ||δ(k−j)|| / ||δ(k)||")
    _fixed_ylabel(ax1, "−1000")                     # the widest tick label of any setting
    legend = ax1.legend(loc="lower left")
    edges = np.linspace(0, 1, 21)
    _, _, bars = ax2.hist([0.5], bins=edges, weights=[0.0], color=COLORS["green"])
    mean_line = ax2.axvline(0.5, color=COLORS["black"], lw=1.3)
    ax2.set_xlabel("f′ along\nthe trajectory")
    ax2.set_ylabel("share of unit-steps")
    ax2.set_ylim(0, 1)
    ax2.set_xticks([0, 0.5, 1])
    ax2.set_yticks([0, 0.5, 1])
    state = {"x": None, "lo": None, "hi": None, "legend": "lower left"}

    def update(rho, nonlinearity, steps, input_scale, resting=True):
        with np.errstate(over="raise", divide="raise", invalid="raise"):   # no silent inf or NaN
            ratio, fprime = error_signal(rho, nonlinearity, steps, input_scale)
        vanished = ~np.isfinite(ratio)                     # -inf: the signal became exactly 0
        shown = np.where(vanished, np.nan, ratio)
        j = np.arange(steps + 1)
        signal.set_data(j, shown)
        linear.set_data(j, j * np.log10(rho))
        bound.set_data(j, j * np.log10(rho * norm2 * MAX_DERIVATIVE[nonlinearity]))
        signal.set_label(f"{nonlinearity} network")
        legend.get_texts()[0].set_text(f"{nonlinearity} network")
        # the curves start at (0, 0): the empty corner is lower left if they fall, upper left if they rise
        loc = "lower left" if np.nanmean(shown) < 0 else "upper left"
        if loc != state["legend"]:
            state["legend"] = loc
            legend.set_loc(loc)
        seen = np.concatenate([shown, j * np.log10(rho)])   # the data and the linear prediction
        lo, hi = np.nanmin(seen), np.nanmax(seen)
        pad = 0.1 * (hi - lo + 1)
        needed = {"x": steps, "lo": -(min(lo, -1) - pad), "hi": max(hi, 1) + pad}
        if not resting and state["x"] is not None:         # a frame of a drag: coarse limits
            needed = {"x": max(steps, min(max_steps, _coarse(steps, state["x"]))),
                      "lo": _coarse(needed["lo"], state["lo"]), "hi": _coarse(needed["hi"], state["hi"])}
        if any(needed[k] != state[k] for k in needed):     # (else the frame only moves artists)
            state.update(needed)
            ax1.set_xlim(0, needed["x"])
            ax1.set_ylim(-needed["lo"], needed["hi"])
        ax1.set_title(f"spectral radius {rho:.3g}, {nonlinearity}")
        heights, _ = np.histogram(fprime.ravel(), bins=edges, weights=np.full(fprime.size, 1 / fprime.size))
        for bar, height in zip(bars, heights):
            bar.set_height(height)
        mean_line.set_xdata([fprime.mean()] * 2)
        ax2.set_title(f"mean f′ = {fprime.mean():.3f}")
        notes = []
        if vanished.any():
            notes.append(f"From step {np.argmax(vanished)} back the signal is exactly 0 (saturated units: "
                         f"f′ = 0 in float64); {dropped_note(int(vanished.sum()), 'steps')}")
        big = np.abs(shown) > 300
        if big.any():
            notes.append(f"From step {np.argmax(big)} back, |log10| > 300: a direct float64 product would "
                         "have overflowed to inf (or underflowed to 0) there; srnlab rescales at every step.")
        return " ".join(notes)

    return update
