"""The four long-term dependency tasks of the paper's section 7.

The definitions follow Pascanu, Mikolov & Bengio (2013), as the paper
(Chernodub 2016; Chernodub & Nowicki, arXiv:1606.07767) states them.  Every call draws ONE length T' uniform
in [T, floor(11 T / 10)] for all its sequences, so a batch is one dense array
(batch, T', n_in); the length varies from call to call.  Marker positions are
computed from the drawn T'.  Positions below are 1-based as in the paper; the
arrays are 0-based.

Where the sources differ (srnlab follows the paper's text):

* Pascanu's public code (trainingRNNs) also draws one length per minibatch,
  but places the temporal-order markers in [0.1T', 0.2T') and [0.5T', 0.6T')
  (the paper: [T'/10, 2T'/10] and [4T'/10, 5T'/10]), and scores a regression
  answer as correct when its SQUARED error is below 0.04 (the paper: the
  absolute error; ``accuracy`` takes the tolerance as a parameter).
* The author's public code keeps every sequence at length T, draws the marker
  ranges from ceil(1.1 T), takes values in [-1, 1] (here [0, 1]) and accepts
  |error| <= 0.08 for addition.
"""
from collections import namedtuple

import numpy as np

from . import _validate as V

TaskSpec = namedtuple("TaskSpec", "n_in n_out output n_classes")

TASKS = {
    "addition": TaskSpec(n_in=2, n_out=1, output="linear", n_classes=None),
    "multiplication": TaskSpec(n_in=2, n_out=1, output="linear", n_classes=None),
    "temporal_order": TaskSpec(n_in=6, n_out=4, output="softmax", n_classes=4),
    "temporal_order_3bit": TaskSpec(n_in=6, n_out=8, output="softmax", n_classes=8),
}

#: The paper's success criterion for regression: |error| < 0.04.
TOLERANCE = 0.04

SYMBOLS = ("A", "B", "c", "d", "e", "f")  # one-hot order of the temporal-order inputs


def spec(name):
    """(n_in, n_out, output, n_classes) of a task, for ``SRN.init``."""
    return TASKS[V.choice(name, "task name", tuple(TASKS))]


def max_length(T):
    """The longest length a call can draw: floor(11 T / 10)."""
    return (11 * T) // 10


def marker_ranges(name, length):
    """The 1-based inclusive ranges [lo, hi] from which each marker is drawn.

    Addition and multiplication: [1, floor(T'/10)] and [floor(T'/10)+1, floor(T'/2)].
    Temporal order: [ceil(T'/10), floor(2T'/10)] and [ceil(4T'/10), floor(5T'/10)].
    3-bit temporal order: the tenths [1, 2], [3, 4] and [6, 7] of T' likewise.
    """
    V.choice(name, "task name", tuple(TASKS))
    L = V.positive_int(length, "length")
    if name in ("addition", "multiplication"):
        return [(1, L // 10), (L // 10 + 1, L // 2)]
    tenths = [(1, 2), (4, 5)] if name == "temporal_order" else [(1, 2), (3, 4), (6, 7)]
    return [(-(-lo * L // 10), hi * L // 10) for lo, hi in tenths]


def min_length(name):
    """The smallest T for which every length in [T, 11T/10] leaves room for the markers."""
    for T in range(1, 1000):
        if all(_ranges_ok(marker_ranges(name, L)) for L in range(T, max_length(T) + 1)):
            return T
    raise RuntimeError("no valid length below 1000")  # pragma: no cover


def _ranges_ok(ranges):
    return all(1 <= lo <= hi for lo, hi in ranges) and all(
        prev[1] < nxt[0] for prev, nxt in zip(ranges, ranges[1:]))


def generate(name, n, T, rng=None):
    """n sequences of one task, all of one length T' drawn uniformly from [T, floor(11T/10)].

    Args:
        name: "addition", "multiplication", "temporal_order" or "temporal_order_3bit".
        n: number of sequences, >= 1.
        T: the minimal length (the paper's T: 50, 100, 150, ...).
        rng: None, an int seed or a numpy.random.Generator.
    Returns:
        X: (n, T', n_in) float64 inputs.
        y: addition and multiplication: (n, 1) float64 targets;
           temporal order: (n,) int64 classes in [0, 4); 3-bit: [0, 8).

    Addition / multiplication: input channel 0 holds values uniform in
    [0, 1], channel 1 is 1 at the two marked steps and 0 elsewhere; the target
    is the sum of the two marked values divided by 2 (addition) or their
    product (multiplication).

    Temporal order: one-hot inputs over the symbols (A, B, c, d, e, f); every
    step is a random noise symbol c-f except two (three) marked steps that
    hold A or B.  The class is the order read as a binary number, A = 0,
    B = 1: AA=0, AB=1, BA=2, BB=3 (and 0-7 for three markers).
    """
    name = V.choice(name, "task name", tuple(TASKS))
    n = V.positive_int(n, "n (the number of sequences)")
    T = V.positive_int(T, "T (the sequence length)")
    need = min_length(name)
    if T < need:
        raise ValueError(
            f"T={T} is too short to place the markers of {name!r}: the marker ranges "
            f"{marker_ranges(name, T)} (1-based) must be non-empty and in order; use T >= {need}"
        )
    rng = V.as_rng(rng)
    L = int(rng.integers(T, max_length(T) + 1))
    positions = np.stack([rng.integers(lo, hi + 1, size=n) - 1 for lo, hi in marker_ranges(name, L)], axis=1)
    rows = np.arange(n)[:, None]
    if name in ("addition", "multiplication"):
        X = np.zeros((n, L, 2))
        X[:, :, 0] = rng.random((n, L))
        X[rows, positions, 1] = 1.0
        v = X[rows, positions, 0]
        y = (v.sum(axis=1) / 2.0 if name == "addition" else v.prod(axis=1))[:, None]
        return X, y
    symbols = rng.integers(2, 6, size=(n, L))                 # noise c..f
    bits = rng.integers(0, 2, size=positions.shape)           # A = 0, B = 1
    symbols[rows, positions] = bits
    X = np.zeros((n, L, 6))
    X[rows, np.arange(L)[None, :], symbols] = 1.0
    weights = 2 ** np.arange(bits.shape[1] - 1, -1, -1)
    y = (bits * weights).sum(axis=1).astype(np.int64)
    return X, y


def accuracy(name, y_hat, y, tol=TOLERANCE):
    """The fraction of sequences answered correctly, in [0, 1].

    Regression tasks: correct when |y_hat - y| < tol (the paper: tol = 0.04).
    Classification tasks: correct when argmax of y_hat is the class y.

    Args:
        y_hat: (n, n_out) network outputs (``net.predict(X)``); (n,) is taken
            as (n, 1) for a one-output task.  Every entry must be finite: a
            NaN output is no answer, and a score would hide that.
        y: targets as ``generate`` returns them: (n, 1) or (n,) values for a
            regression task, (n,) integer classes in [0, n_classes) for a
            classification task.
        tol: the tolerance of a regression answer, a number > 0.
    """
    task = spec(name)
    n_out = task.n_out
    y_hat, y = V.float_array(y_hat, "y_hat"), np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"y must be a numeric array, got dtype {y.dtype}")
    if y_hat.ndim == 1 and n_out == 1:
        y_hat = y_hat[:, None]
    if y_hat.ndim != 2 or y_hat.shape[1] != n_out or len(y_hat) == 0:
        raise ValueError(f"y_hat must have shape (n, {n_out}) for {name!r}"
                         f"{' (or (n,))' if n_out == 1 else ''} with n >= 1, got {y_hat.shape}")
    if y.ndim == 0 or y.shape[0] != y_hat.shape[0]:
        raise ValueError(f"y_hat has {y_hat.shape[0]} rows but y has "
                         f"{y.shape[0] if y.ndim else 'none (a scalar)'}; they must match")
    if not np.all(np.isfinite(y_hat)):
        bad = int(y_hat.size - np.count_nonzero(np.isfinite(y_hat)))
        raise ValueError(f"y_hat contains {bad} NaN or infinite output(s): a network that outputs them "
                         f"has diverged, and no accuracy can be given")
    if task.output == "linear":
        tol = V.nonnegative_float(tol, "tol", allow_zero=False)
        if y.ndim == 1:
            y = y[:, None]
        if y.shape != y_hat.shape:
            raise ValueError(f"y must have shape ({len(y_hat)}, 1) or ({len(y_hat)},) for {name!r}, got {y.shape}")
        V.check_finite(y, "y")
        return float(np.mean(np.abs(y_hat - y).max(axis=1) < tol))
    if y.ndim != 1 or (y.dtype.kind == "f" and not np.all(y == np.round(y))):
        raise ValueError(f"y must be ({len(y_hat)},) integer class labels for {name!r}, got shape {y.shape}, "
                         f"dtype {y.dtype}")
    if y.min() < 0 or y.max() >= n_out:
        raise ValueError(f"class labels in y must lie in [0, {n_out - 1}] for {name!r}, "
                         f"got range [{y.min()}, {y.max()}]")
    return float(np.mean(np.argmax(y_hat, axis=1) == y))
