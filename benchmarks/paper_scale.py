"""Projected wall time of the paper's full Table 1, and the peak memory of one run.

    .venv/bin/python benchmarks/paper_scale.py [--updates N] [--jobs J]

Measures the first N updates of the runner's own paper-scale runs (temporal
order, T = 100, K = 100, batch 10, the paper's 20,000 training and 1,000
validation sequences, validation after every 50-update epoch) for each method, then projects the full Table 1
(4 tasks x 2 methods x 10 networks x 100,000 updates) onto J cores, assuming J
independent processes scale linearly (benchmarks/runner_scaling.py measures
how nearly they do).  For plain SGD it also times NumPy's float64 tanh alone on the
arrays a run evaluates it on: a cost outside BLAS, which the choice of BLAS kernel
does not change.  Peak memory is the resident set size of this process,
which holds one run at a time, as a runner process does.
"""
import argparse
import resource
import time

import _common  # noqa: F401
import numpy as np

from srnlab.runs import tables as ex
from _common import blas_info


def tanh_per_update(tr, repeats=5):
    """Seconds per update spent in NumPy's tanh alone, on the arrays a run evaluates it on: each step
    of the training forward pass, (batch, K), and each step of every validation chunk, (chunk, K),
    once an epoch; and the nanoseconds per value.  (A sampling update's second pass is not counted.)"""
    K = tr.net.K
    train_steps = [np.random.default_rng(0).normal(size=(tr.config.batch, K))] * tr.train_set[0][0].shape[1]
    val_steps = [np.random.default_rng(1).normal(size=(len(X), K)) for X, _ in tr.val_set for _ in range(X.shape[1])]
    per_update = []
    for arrays, share in ((train_steps, 1.0), (val_steps, 1.0 / tr.config.epoch)):
        out = np.empty_like(arrays[0])
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for a in arrays:
                np.tanh(a, out=out if out.shape == a.shape else None)
            times.append(time.perf_counter() - t0)
        per_update.append((min(times) * share, sum(a.size for a in arrays) * share))
    seconds, values = sum(t for t, _ in per_update), sum(v for _, v in per_update)
    return seconds, seconds / values * 1e9


def main(updates, jobs):
    print(f"BLAS: {blas_info()}")
    specs = {s.column: s for s in ex.runs("table1", "paper", networks=1)
             if s.task == "temporal_order" and s.column in ("sgd", "sampling")}
    per_update, peaks = {}, []
    for method, spec in specs.items():
        t0 = time.perf_counter()
        tr = ex.new_trainer(spec)                  # exactly the runner's run
        setup = time.perf_counter() - t0
        t0 = time.perf_counter()
        tr.run(updates)
        train = time.perf_counter() - t0
        val_t0 = time.perf_counter()
        tr._validate()
        one_val = time.perf_counter() - val_t0
        per_update[method] = train / updates
        print(f"{method:>9}: {train / updates * 1e3:.2f} ms per update including validation "
              f"({one_val * 1e3:.0f} ms per validation of 1,000 sequences, i.e. "
              f"{one_val / tr.config.epoch * 1e3:.2f} ms per update); data set-up {setup:.1f} s")
        if method == "sgd":
            tanh_s, ns = tanh_per_update(tr)
            print(f"{'':>9}  of which NumPy's tanh alone: {tanh_s * 1e3:.2f} ms per update "
                  f"({tanh_s / per_update[method]:.0%}; {ns:.1f} ns per value on this CPU)")
        peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        del tr
    runs_per_method = 4 * 10
    total = sum(runs_per_method * 100_000 * t for t in per_update.values())
    print(f"Table 1 at the paper's scale: {total / 3600:.1f} core-hours; "
          f"on {jobs} cores {total / jobs / 3600:.1f} hours of wall time "
          f"(one run: {100_000 * per_update['sgd'] / 60:.0f} min plain SGD, "
          f"{100_000 * per_update['sampling'] / 60:.0f} min sampling)")
    print(f"peak resident memory of this process (Python, NumPy and one paper-scale run at a time): "
          f"{peaks[0]:.0f} MiB after the first run, {peaks[1]:.0f} MiB after the second")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--updates", type=int, default=1_000)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    main(a.updates, a.jobs)
