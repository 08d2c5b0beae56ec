"""Checkers for the lessons' exercises.

Each ``check_*`` calls the student's function on a few random inputs,
compares with srnlab's own answer, prints a verdict, and returns a
``CheckResult`` (truthy when right).  When the answer is wrong it says what
differs and, for the common slips (a transposed matrix, a missing f', the
wrong logarithm), which slip it looks like.

In a lesson the exercise cell holds a stub the student fills in, and the checker
judges the student's own function; the committed notebook then carries a working
solution in a collapsed cell tagged "solution" (under "Click to show the
solution"), which ``tools/student_edition.py`` removes.
"""
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from ..qfactor import q_factor


@dataclass
class CheckResult:
    passed: bool
    message: str

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return ("PASSED: " if self.passed else "NOT YET: ") + self.message


def _verdict(passed, message):
    result = CheckResult(passed, message)
    print(repr(result))
    return result


def _function(fn):
    """The student's function, or a TypeError that says what was passed instead."""
    if not callable(fn):
        raise TypeError(f"pass your function itself (its name, no parentheses), got {type(fn).__name__} {fn!r:.60}")
    return fn


def _call(fn, *args):
    """Run the student's function; turn its exceptions into a readable result."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, "not implemented yet: replace the `raise NotImplementedError` line with your code."
    except Exception as exc:
        return None, f"your function raised {type(exc).__name__}: {exc}"


def _compare(got, want, slips, what="the result", rtol=1e-10):
    """None if got matches want; otherwise a message naming the difference."""
    got = np.asarray(got, dtype=float) if got is not None else None
    if got is None:
        return f"{what} is None: did you forget `return`?"
    if got.shape != np.shape(want):
        return f"{what} has shape {got.shape}, expected {np.shape(want)}."
    if np.allclose(got, want, rtol=rtol, atol=1e-12):
        return None
    for hint, alt in slips:
        if np.shape(alt) == got.shape and np.allclose(got, alt, rtol=rtol, atol=1e-12):
            return f"{what} is off: it looks like you {hint}."
    err = np.max(np.abs(got - want))
    return f"{what} is off by up to {err:.3g} (largest entry of the answer: {np.max(np.abs(want)):.3g})."


def check_backward_step(fn, seed=0):
    """fn(delta_t, W_rec, z_prev) -> delta(t-1), one step of BPTT (eqs. 5-8).

    Shapes: delta_t (batch, K), W_rec (K, K), z_prev = z(t-1) (batch, K).
    Answer: delta(t-1) = (delta_t W_rec^T) * (1 - z_prev^2).
    """
    _function(fn)
    rng = V.as_rng(seed)
    for B, K in ((3, 4), (1, 6), (5, 5)):
        d, W, z = rng.normal(size=(B, K)), rng.normal(size=(K, K)), np.tanh(rng.normal(size=(B, K)))
        got, err = _call(fn, d.copy(), W.copy(), z.copy())
        if err:
            return _verdict(False, err)
        want = (d @ W.T) * (1 - z ** 2)
        slips = [("used W_rec instead of its transpose W_rec^T", (d @ W) * (1 - z ** 2)),
                 ("forgot the factor f'(a(t-1)) = 1 - z(t-1)^2", d @ W.T),
                 ("used 1 - z instead of 1 - z^2", (d @ W.T) * (1 - z)),
                 ("used tanh'(z) = 1 - tanh(z)^2, but z is already tanh(a): f'(a) = 1 - z^2",
                  (d @ W.T) * (1 - np.tanh(z) ** 2))]
        msg = _compare(got, want, slips, f"delta(t-1) for batch {B}, K {K}")
        if msg:
            return _verdict(False, msg)
    return _verdict(True, "one backward step of BPTT is right for every shape tried.")


def check_softmax_cross_entropy(fn, seed=0):
    """fn(o, y) -> mean cross-entropy of softmax(o) against integer classes y.

    Shapes: o (batch, n_classes) logits, y (batch,) ints.  Must be stable:
    logits of size 1000 must give a finite, correct answer.
    """
    _function(fn)
    rng = V.as_rng(seed)
    for scale in (1.0, 1000.0):
        o = scale * rng.normal(size=(6, 4))
        y = rng.integers(0, 4, size=6)
        with np.errstate(all="ignore"):
            got, err = _call(fn, o.copy(), y.copy())
        if err:
            return _verdict(False, err)
        shifted = o - o.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        want = -log_p[np.arange(6), y].mean()
        if got is None or not np.isfinite(got):
            return _verdict(False, f"with logits of size {scale:g} you got {got}: subtract each row's "
                                   "maximum before exp (the stable form) so exp cannot overflow.")
        slips = [("summed over the batch instead of taking the mean", want * 6),
                 ("used log2 or another base instead of the natural log", want / np.log(2))]
        msg = _compare(got, want, slips, f"the loss for logits of size {scale:g}", rtol=1e-9)
        if msg:
            return _verdict(False, msg)
    return _verdict(True, "the cross-entropy is right, and stable for logits of size 1000.")


def check_q_factor(fn, seed=0):
    """fn(delta, h) -> Q of eq. 25 for delta (batch, T, K), with srnlab's norm.

    ||delta(t)|| is the mean over the batch of per-example Euclidean norms.
    """
    _function(fn)
    rng = V.as_rng(seed)
    delta = rng.normal(size=(5, 12, 4)) * np.logspace(-3, 0, 12)[None, :, None]
    delta[0] *= 7.0                                       # makes the norm choice matter
    for h in (1, 5, 11):
        got, err = _call(fn, delta.copy(), h)
        if err:
            return _verdict(False, err)
        want = q_factor(delta, h)
        last, old = delta[:, -1], delta[:, -1 - h]
        fro = np.log10(np.linalg.norm(last)) - np.log10(np.linalg.norm(old))
        slips = [("swapped the two terms: Q = log10||delta(k)|| - log10||delta(k-h)||", -want),
                 ("used the natural log; eq. 25 uses log10", want * np.log(10)),
                 ("took the Frobenius norm of the whole batch; srnlab (and Fig. 2) use the mean "
                  "of the per-example norms", fro),
                 ("compared delta(k) with delta(k-h+1): delta(k-h) is h steps back, index T-1-h",
                  q_factor(delta, h - 1) if h > 1 else np.nan)]
        msg = _compare(got, want, slips, f"Q for h={h}")
        if msg:
            return _verdict(False, msg)
    return _verdict(True, "your Q-factor matches eq. 25 for h = 1, 5 and 11.")


def check_jacobian_product(fn, seed=0):
    """fn(delta_k, W_rec, z, h) -> delta(k-h) by eq. 10, with z the states (T, K) of one sequence.

    delta(k-h) = delta(k) J(k) ... J(k-h+1), J(n) = W_rec^T diag(1 - z(n-1)^2), k = T-1.
    """
    _function(fn)
    rng = V.as_rng(seed)
    T, K = 9, 5
    W = rng.normal(0, 0.6, (K, K))
    z = np.tanh(rng.normal(size=(T, K)))
    d = rng.normal(size=K)
    for h in (1, 3, 8):
        got, err = _call(fn, d.copy(), W.copy(), z.copy(), h)
        if err:
            return _verdict(False, err)
        want, no_f = d.copy(), d.copy()
        for n in range(T - 1, T - 1 - h, -1):
            want = (want @ W.T) * (1 - z[n - 1] ** 2)
            no_f = no_f @ W.T
        wrong_t = d.copy()
        for n in range(T - 1, T - 1 - h, -1):
            wrong_t = (wrong_t @ W) * (1 - z[n - 1] ** 2)
        slips = [("used W_rec instead of W_rec^T", wrong_t),
                 ("left out the diag(f') factors", no_f)]
        msg = _compare(got, want, slips, f"delta(k-{h})")
        if msg:
            return _verdict(False, msg)
    return _verdict(True, "your product of Jacobians gives delta(k-h) for h = 1, 3 and 8.")


def check_critical_std(fn):
    """fn(K) -> the standard deviation of N(0, std^2) entries of a K x K matrix whose
    spectral radius is about 1 (the circular law: std = 1/sqrt(K))."""
    _function(fn)
    for K in (25, 100, 400):
        got, err = _call(fn, K)
        if err:
            return _verdict(False, err)
        want = 1 / np.sqrt(K)
        slips = [("returned the variance 1/K, not the standard deviation", 1 / K),
                 ("returned sqrt(K) instead of 1/sqrt(K)", np.sqrt(K))]
        msg = _compare(got, want, slips, f"the std for K={K}", rtol=1e-6)
        if msg:
            return _verdict(False, msg)
    return _verdict(True, "std = 1/sqrt(K): the spectral radius of the random matrix is then close to 1.")
