"""Input checks shared by the package.

Every public function checks its arguments here, so that a student who passes
something wrong gets a message that says what was wrong and what is allowed,
instead of a NumPy error from deep inside a matrix product.
"""
import difflib
import numbers

import numpy as np


def as_rng(rng):
    """An int seed, None, or a numpy Generator -> a numpy Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        if rng is not None and rng < 0:
            raise ValueError(f"rng seed must be a non-negative integer, got {rng}")
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be None, a non-negative int seed or a numpy.random.Generator, "
        f"got {type(rng).__name__}"
    )


def positive_int(value, name, minimum=1):
    """Check that value is an integer >= minimum and return it as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def nonnegative_float(value, name, allow_zero=True):
    """Check that value is a finite real number >= 0 (or > 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def choice(value, name, allowed):
    """Check that value is one of allowed; suggest the closest if not."""
    if value in allowed:
        return value
    close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    options = ", ".join(repr(a) for a in allowed)
    raise ValueError(f"unknown {name} {value!r}; allowed: {options}.{hint}")


def float_array(value, name):
    """Convert to a float ndarray with a clear error for non-numeric input."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return arr


def check_finite(arr, name):
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); all entries must be finite")


def check_depth(h, T, name="h"):
    """A truncation depth h: 1 <= h <= T (None means the whole sequence)."""
    if h is None:
        return None
    h = positive_int(h, name)
    if h > T:
        raise ValueError(
            f"{name}={h} goes deeper than the sequence: with T={T} time steps "
            f"{name} must be between 1 and {T} (or None for full BPTT)"
        )
    return h


class NumericalWarning(RuntimeWarning):
    """A value that srnlab returns as inf or NaN because the number asked for does not exist
    in floating point (an old gradient that underflowed to 0, a norm that overflowed); the
    message says which and why.  The trainer records such values without warning."""


def warn_numerical(message, stacklevel=3):
    import warnings
    warnings.warn(message, NumericalWarning, stacklevel=stacklevel)
