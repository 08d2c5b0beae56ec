"""Shared helpers for the benchmark scripts: one thread, interleaved timing, medians."""
import os

# One thread for BLAS and PyTorch, set before numpy is imported anywhere.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import time  # noqa: E402

import numpy as np  # noqa: E402


def interleaved(funcs, repeats=200, warmup=10):
    """Time each function `repeats` times, alternating between them; return medians in seconds.

    Alternating (A, B, A, B, ...) makes drifting machine load hit every contender alike.
    """
    for f in funcs.values():
        for _ in range(warmup):
            f()
    times = {name: [] for name in funcs}
    for _ in range(repeats):
        for name, f in funcs.items():
            t = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t)
    return {name: float(np.median(ts)) for name, ts in times.items()}


def gemm_flops_per_second(rows=2560, m=100, dtype=np.float64, repeats=30):
    """This machine's one-thread GEMM throughput on (rows x m) @ (m x m) products, FLOP/s.

    The shape is that of the stacked-steps gradient GEMM of an SRN with K = m
    (rows = batch x steps; 2560 is about batch 10 x T = 256).
    """
    a = np.random.default_rng(0).normal(size=(rows, m)).astype(dtype)
    b = np.random.default_rng(1).normal(size=(m, m)).astype(dtype)
    for _ in range(3):
        a @ b
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        ts.append(time.perf_counter() - t)
    return 2.0 * a.shape[0] * m * m / float(np.median(ts))


def try_torch():
    """Import torch with one thread, or return None with a reason printed."""
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: its columns are skipped "
              "(pip install torch==2.13.0 installs the CPU build from a local file on these machines).")
        return None
    torch.set_num_threads(1)
    return torch


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return ", ".join(f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, "
                         f"{i['num_threads']} thread)" for i in threadpool_info())
    except ImportError:
        return "threadpoolctl not installed"
