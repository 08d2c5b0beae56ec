"""Throughput of the run loop with 1 and with 2 (or --jobs) processes.

    .venv/bin/python benchmarks/runner_scaling.py [--jobs 2] [--runs 4]

Runs the same independent runs (the first --runs of Table 1 at the small scale,
T = 50, 10,000 updates each) once with one process and once with J, in fresh
result folders, and prints updates per second and the ratio.  The target: 2
processes give at least 1.8x the throughput of one.  Meaningful only on an
otherwise idle machine; about 3 minutes with the defaults.
"""
import argparse
import tempfile
import time

import _common  # noqa: F401

from srnlab.runs import EXPERIMENTS, loop


def main(jobs, n_runs):
    exp = EXPERIMENTS["table1"]
    specs = exp.select(exp.specs("small", 2016), tasks=["temporal_order"])[:n_runs]
    updates = sum(exp.planned_updates(s) for s in specs)
    rates = {}
    for j in (1, jobs):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            loop.run_many(exp, specs, out, jobs=j, progress=False)
            rates[j] = updates / (time.perf_counter() - t0)
        print(f"{j} process(es): {rates[j]:.0f} updates/s over {len(specs)} runs of "
              f"{updates // len(specs)} updates at T = {specs[0].T}")
    print(f"speed-up with {jobs} processes: {rates[jobs] / rates[1]:.2f}x (target >= {0.9 * jobs:.1f}x)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--runs", type=int, default=4)
    a = ap.parse_args()
    main(a.jobs, a.runs)
