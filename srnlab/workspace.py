"""Reusable buffers for the hot loop of training.

A forward and backward pass at the paper's size needs four (T, batch, K)
arrays (a, z, f'(a), delta), 800 kB each in float64.  Fresh arrays that large
come from the operating system as new pages, and touching them for the first
time costs more than the arithmetic: measured here, about half the time of a
whole BPTT pass (``benchmarks/bptt_speed.py``).  A ``Workspace`` keeps such
buffers and hands out views into them, so a training loop allocates them once.

The catch, and why this is opt-in: the arrays of a result computed with a
workspace are views into it, valid only until the next call that uses the
same workspace.  Lessons that keep several results simply do not pass one.
"""
import math

import numpy as np


class Workspace:
    """Named buffers that grow to the largest shape asked for and are then reused."""

    def __init__(self):
        self._buffers = {}

    def get(self, name, shape, dtype):
        """An uninitialised array of the given shape and dtype, a view into buffer `name`."""
        if not isinstance(shape, tuple) or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0
                                               for s in shape):
            raise ValueError(f"shape must be a tuple of integers >= 0, got {shape!r}")
        size = math.prod(shape)
        buf = self._buffers.get(name)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = np.empty(size, dtype=dtype)
            self._buffers[name] = buf
        return buf[:size].reshape(shape)

    @property
    def nbytes(self):
        return sum(b.nbytes for b in self._buffers.values())

    def __getstate__(self):
        return {"_buffers": {}}      # a pickled (checkpointed) run does not carry scratch space
