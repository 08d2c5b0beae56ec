"""The four long-term dependency tasks of the paper's section 7.

The definitions follow Pascanu, Mikolov & Bengio (2013), as the paper
(Chernodub 2016; Chernodub & Nowicki, arXiv:1606.07767) states them.  Every call draws ONE length T' uniform
in [T, floor(11 T / 10)] for all its sequences, so a batch is one dense array
(batch, T', n_in); the length varies from call to call.  Marker positions are
computed from the drawn T'.  Positions below are 1-based as in the paper; the
arrays are 0-based.

The sources differ in the details; ``generate(..., variant=...)`` gives each one
("paper", the default and srnlab's reading of the text; "pascanu", Pascanu's public
code; "author", the author's public code), and its docstring lists every difference.
They also judge a regression answer differently: the paper's text counts it right
when |error| < 0.04, Pascanu's code when the SQUARED error is at most 0.04
(``accuracy(..., criterion=...)``).  ``best_constant`` is the chance level: what
always answering one number scores under either.
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


#: The three sources' versions of the tasks (see ``generate``).
VARIANTS = ("paper", "pascanu", "author")

#: How a regression answer is judged (see ``accuracy``).
CRITERIA = ("absolute", "squared")


def max_length(T):
    """The longest length a call of the paper's variant can draw: floor(11 T / 10)."""
    return (11 * T) // 10


def lengths(name, T, variant="paper"):
    """(shortest, longest): the lengths T' a call of ``generate`` can draw for minimal length T."""
    V.choice(name, "task name", tuple(TASKS))
    V.choice(variant, "variant", VARIANTS)
    T = V.positive_int(T, "T")
    if variant == "paper":
        return T, max_length(T)
    if variant == "pascanu" and name in ("addition", "multiplication"):
        return T, T + max(int(0.1 * T), 1) - 1           # T + randint(int(0.1 T)): [T, 1.1 T)
    return T, T


def marker_ranges(name, length, variant="paper"):
    """The 1-based inclusive ranges [lo, hi] from which each marker is drawn, in a sequence of
    this length (for short lengths a range may be empty: ``min_length`` finds the shortest T
    where none is).

    paper (the text): addition and multiplication [1, floor(T'/10)] and
    [floor(T'/10)+1, floor(T'/2)]; temporal order [ceil(T'/10), floor(2T'/10)] and
    [ceil(4T'/10), floor(5T'/10)]; 3-bit: the tenths [1, 2], [3, 4] and [6, 7] of T' likewise.
    pascanu (his code's 0-based half-open ranges, here 1-based): addition and multiplication
    [1, int(T'/10)] and [int(T'/10)+1, int(T'/10)+int(0.4 T')]; temporal order
    [int(T'/10)+1, 2 int(T'/10)] and [int(T'/2)+1, int(T'/2)+int(T'/10)]; 3-bit likewise at
    the tenths 1, 3 and 6.
    author (his code; every sequence has length T' = T): addition and multiplication drawn
    from T~ = ceil(1.1 T): [1, floor(T~/10)] and [floor(T~/10)+1, floor(T~/2)]; the temporal
    orders as the paper's text.
    """
    V.choice(name, "task name", tuple(TASKS))
    V.choice(variant, "variant", VARIANTS)
    L = V.positive_int(length, "length")
    regression = name in ("addition", "multiplication")
    if variant == "pascanu":
        d = int(0.1 * L)
        if regression:
            return [(1, d), (d + 1, d + int(0.4 * L))]
        starts = [int(0.1 * L), int(0.5 * L)] if name == "temporal_order" else \
            [int(0.1 * L), int(0.3 * L), int(0.6 * L)]
        return [(s + 1, s + d) for s in starts]
    if variant == "author" and regression:
        Tt = -(-11 * L // 10)                              # ceil(1.1 T)
        return [(1, Tt // 10), (Tt // 10 + 1, Tt // 2)]
    if regression:
        return [(1, L // 10), (L // 10 + 1, L // 2)]
    tenths = [(1, 2), (4, 5)] if name == "temporal_order" else [(1, 2), (3, 4), (6, 7)]
    return [(-(-lo * L // 10), hi * L // 10) for lo, hi in tenths]


def min_length(name, variant="paper"):
    """The smallest T for which every length a call can draw leaves room for the markers."""
    for T in range(1, 1000):
        lo, hi = lengths(name, T, variant)
        if (variant != "pascanu" or name not in ("addition", "multiplication") or T >= 10) and \
                all(_ranges_ok(marker_ranges(name, L, variant)) for L in range(lo, hi + 1)):
            return T
    raise RuntimeError("no valid length below 1000")  # pragma: no cover


def _ranges_ok(ranges):
    return all(1 <= lo <= hi for lo, hi in ranges) and all(
        prev[1] < nxt[0] for prev, nxt in zip(ranges, ranges[1:]))


def generate(name, n, T, rng=None, variant="paper"):
    """n sequences of one task, all of one length T' (drawn per call; see ``variant``).

    Args:
        name: "addition", "multiplication", "temporal_order" or "temporal_order_3bit".
        n: number of sequences, >= 1.
        T: the minimal length (the paper's T: 50, 100, 150, ...).
        rng: None, an int seed or a numpy.random.Generator.
        variant: whose version of the task (the differences, all of them):
            "paper" (default), the paper's text: T' uniform in [T, floor(11T/10)];
                values uniform in [0, 1]; addition target (a + b) / 2, multiplication a b;
                markers as in ``marker_ranges``.
            "pascanu", Pascanu's public code (github.com/pascanur/trainingRNNs,
                ``addition.py``, ``multiplication.py``, ``tempOrder.py``,
                ``tempOrder3bit.py``): addition and multiplication draw T' = T + an
                integer in [0, int(T/10)) and values in [0, 1), targets as the paper's;
                the temporal orders keep T' = T and put the second marker in the sixth
                tenth (the paper: the fifth).  He scores regression with the squared error
                (``accuracy(..., criterion="squared")``).
            "author", the paper's author's public code (github.com/FlyElephant-M31/r3,
                ``synthetic_problems/``): every sequence has length T' = T; addition and
                multiplication draw the markers from ceil(1.1 T), values uniform in [-1, 1],
                targets 0.5 + (a + b) / 4 and 0.5 + a b / 4 (his multiplication generator
                multiplies two column vectors as matrices, which runs only for one sequence;
                this is the elementwise product it computes then); the temporal orders as the
                paper's text at T' = T (his code has no 3-bit task; the same rule is used).
    Returns:
        X: (n, T', n_in) float64 inputs.
        y: addition and multiplication: (n, 1) float64 targets;
           temporal order: (n,) int64 classes in [0, 4); 3-bit: [0, 8).

    Addition / multiplication: input channel 0 holds the values, channel 1 is 1
    at the two marked steps and 0 elsewhere (in every variant; the sources order
    the channels differently, which changes nothing for a network).

    Temporal order: one-hot inputs over the symbols (A, B, c, d, e, f); every
    step is a random noise symbol c-f except two (three) marked steps that
    hold A or B.  The class is the order read as a binary number, A = 0,
    B = 1: AA=0, AB=1, BA=2, BB=3 (and 0-7 for three markers).
    """
    name = V.choice(name, "task name", tuple(TASKS))
    variant = V.choice(variant, "variant", VARIANTS)
    n = V.positive_int(n, "n (the number of sequences)")
    T = V.positive_int(T, "T (the sequence length)")
    need = min_length(name, variant)
    if T < need:
        raise ValueError(
            f"T={T} is too short to place the markers of {name!r} ({variant} variant): the marker ranges "
            f"{marker_ranges(name, T, variant)} (1-based) must be non-empty and in order; use T >= {need}"
        )
    rng = V.as_rng(rng)
    lo, hi = lengths(name, T, variant)
    L = int(rng.integers(lo, hi + 1))
    positions = np.stack([rng.integers(a, b + 1, size=n) - 1 for a, b in marker_ranges(name, L, variant)], axis=1)
    rows = np.arange(n)[:, None]
    if name in ("addition", "multiplication"):
        X = np.zeros((n, L, 2))
        X[:, :, 0] = rng.random((n, L)) if variant != "author" else rng.uniform(-1.0, 1.0, (n, L))
        X[rows, positions, 1] = 1.0
        v = X[rows, positions, 0]
        if variant == "author":
            y = 0.5 + (v.sum(axis=1) if name == "addition" else v.prod(axis=1)) / 4.0
        else:
            y = v.sum(axis=1) / 2.0 if name == "addition" else v.prod(axis=1)
        return X, y[:, None]
    symbols = rng.integers(2, 6, size=(n, L))                 # noise c..f
    bits = rng.integers(0, 2, size=positions.shape)           # A = 0, B = 1
    symbols[rows, positions] = bits
    X = np.zeros((n, L, 6))
    X[rows, np.arange(L)[None, :], symbols] = 1.0
    weights = 2 ** np.arange(bits.shape[1] - 1, -1, -1)
    y = (bits * weights).sum(axis=1).astype(np.int64)
    return X, y


def accuracy(name, y_hat, y, tol=TOLERANCE, criterion="absolute"):
    """The fraction of sequences answered correctly, in [0, 1].

    Regression tasks, by ``criterion``:
        "absolute" (default, the paper's text): correct when |y_hat - y| < tol
            (the paper: tol = 0.04);
        "squared" (Pascanu's code, ``RNN.py``): correct when (y_hat - y)^2 <= tol,
            i.e. |error| <= 0.2 at his tol = 0.04.
    Classification tasks: correct when argmax of y_hat is the class y (the
    criterion does not apply).

    Args:
        y_hat: (n, n_out) network outputs (``net.predict(X)``); (n,) is taken
            as (n, 1) for a one-output task.  Every entry must be finite: a
            NaN output is no answer, and a score would hide that.
        y: targets as ``generate`` returns them: (n, 1) or (n,) values for a
            regression task, (n,) integer classes in [0, n_classes) for a
            classification task.
        tol: the tolerance of a regression answer, a number > 0.
        criterion: "absolute" or "squared" (see above).
    """
    task = spec(name)
    V.choice(criterion, "criterion", CRITERIA)
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
        err = y_hat - y
        if criterion == "squared":
            return float(np.mean((err * err).sum(axis=1) <= tol))
        return float(np.mean(np.abs(err).max(axis=1) < tol))
    if y.ndim != 1 or (y.dtype.kind == "f" and not np.all(y == np.round(y))):
        raise ValueError(f"y must be ({len(y_hat)},) integer class labels for {name!r}, got shape {y.shape}, "
                         f"dtype {y.dtype}")
    if y.min() < 0 or y.max() >= n_out:
        raise ValueError(f"class labels in y must lie in [0, {n_out - 1}] for {name!r}, "
                         f"got range [{y.min()}, {y.max()}]")
    return float(np.mean(np.argmax(y_hat, axis=1) == y))


def best_constant(name, tol=TOLERANCE, criterion="absolute", variant="paper", n=200_000, rng=0):
    """The best single answer of a regression task and its accuracy: the chance level.

    A network that ignores its input answers one constant c; its accuracy is the
    share of targets inside c's window (|y - c| < tol, or (y - c)^2 <= tol by
    ``criterion``, as in ``accuracy``).  The targets are n draws of ``generate``
    (they do not depend on T), sorted, so a window's count is two ``searchsorted``;
    c runs over a grid of step 0.001 across the targets' range.

    Args:
        name: "addition" or "multiplication".
        tol: a tolerance > 0, or a 1-D sequence of them (then both results are arrays).
        criterion, variant, n, rng: as in ``accuracy`` and ``generate``.
    Returns:
        (c, acc): the best constant and its accuracy in [0, 1] (floats, or arrays of tol's length).
    """
    name = V.choice(name, "task name", tuple(TASKS))
    if TASKS[name].output != "linear":
        raise ValueError(f"best_constant is for the regression tasks ('addition', 'multiplication'), "
                         f"got {name!r}: a classification task's chance is its most frequent class")
    V.choice(criterion, "criterion", CRITERIA)
    scalar = np.ndim(tol) == 0
    tols = [V.nonnegative_float(t, "tol", allow_zero=False) for t in ([tol] if scalar else tol)]
    if not tols:
        raise ValueError("tol must be a number > 0 or a non-empty sequence of them")
    _, y = generate(name, V.positive_int(n, "n"), min_length(name, variant), rng, variant=variant)
    y = np.sort(y[:, 0])
    grid = np.arange(y[0], y[-1] + 0.0005, 0.001)
    c, acc = [], []
    for t in tols:
        if criterion == "absolute":               # y in (c - t, c + t)
            hits = np.searchsorted(y, grid + t, "left") - np.searchsorted(y, grid - t, "right")
        else:                                     # y in [c - sqrt(t), c + sqrt(t)]
            half = np.sqrt(t)
            hits = np.searchsorted(y, grid + half, "right") - np.searchsorted(y, grid - half, "left")
        j = int(np.argmax(hits))
        c.append(float(grid[j]))
        acc.append(float(hits[j] / y.size))
    return (c[0], acc[0]) if scalar else (np.array(c), np.array(acc))
