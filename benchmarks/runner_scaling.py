"""Throughput of the experiment runner with 1 and with 2 (or --jobs) processes.

    .venv/bin/python benchmarks/runner_scaling.py [--jobs 2] [--updates 300]

Runs the same set of independent runs (Table 1's first network at the tiny
scale but T = 100, --updates each) once with one process and once with J,
in fresh result folders, and prints updates per second and the ratio.  The
target: 2 processes give at least 1.8x the throughput of one.  Meaningful
only on an otherwise idle machine.
"""
import argparse
import tempfile
import time

import _common  # noqa: F401

from srnlab import experiments as ex


def main(jobs, updates):
    ex.SCALES["bench"] = dict(ex.SCALES["tiny"], T_factor=1.0, n_train=2_000, n_val=500, n_test=500)
    n_runs = len(ex.runs("table1", "bench", networks=1))
    rates = {}
    for j in (1, jobs):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            ex.run_experiment("table1", "bench", jobs=j, out=out, networks=1, updates=updates, progress=False)
            rates[j] = n_runs * updates / (time.perf_counter() - t0)
        print(f"{j} process(es): {rates[j]:.0f} updates/s over {n_runs} runs of {updates} updates at T = 100")
    print(f"speed-up with {jobs} processes: {rates[jobs] / rates[1]:.2f}x (target >= {0.9 * jobs:.1f}x)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--updates", type=int, default=300)
    a = ap.parse_args()
    main(a.jobs, a.updates)
