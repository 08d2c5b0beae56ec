"""Projected wall time of the paper's full Table 1, and the peak memory of one run.

    .venv/bin/python benchmarks/paper_scale.py [--updates N] [--jobs J]

Measures one paper-scale run (T = 100 temporal order, K = 100, batch 10, the
paper's 20,000 training and 1,000 validation sequences, validation after every
50-update epoch) for N updates of each method, then projects the full Table 1
(4 tasks x 2 methods x 10 networks x 100,000 updates) onto J cores, assuming J
independent processes scale linearly (benchmarks/runner_scaling.py measures
how nearly they do).  Peak memory is the resident set size of this process.
"""
import argparse
import resource
import time

import _common  # noqa: F401

import srnlab
from _common import blas_info


def main(updates, jobs):
    print(f"BLAS: {blas_info()}")
    net = srnlab.SRN.init(6, 100, 4, output="softmax", std=0.1, rng=0)
    per_update = {}
    for method in ("sgd", "sampling"):
        t0 = time.perf_counter()
        tr = srnlab.Trainer(net, srnlab.TrainConfig(task="temporal_order", T=100, method=method,
                                                    n_train=20_000, n_val=1_000, val_chunk=500,
                                                    epoch=50, record_every=1_000), seed=0)
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
              f"{one_val / 50 * 1e3:.2f} ms per update); data set-up {setup:.1f} s")
    runs_per_method = 4 * 10
    total = sum(runs_per_method * 100_000 * t for t in per_update.values())
    print(f"Table 1 at the paper's scale: {total / 3600:.1f} core-hours; "
          f"on {jobs} cores {total / jobs / 3600:.1f} hours of wall time "
          f"(one run: {100_000 * per_update['sgd'] / 60:.0f} min plain SGD, "
          f"{100_000 * per_update['sampling'] / 60:.0f} min sampling)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process (two paper-scale trainers): {peak:.0f} MiB")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--updates", type=int, default=1_000)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    main(a.updates, a.jobs)
