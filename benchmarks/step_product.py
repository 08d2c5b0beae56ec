"""The product the BPTT loops are made of, on its own: (B x K)(K x K), one thread.

    .venv/bin/python benchmarks/step_product.py [--repeats N]

Each of the forward, backward and dS loops makes one such product per step
(K = 100, batch B = 10 at the paper's set-up), each waiting for the one
before, so their speed bounds the whole pass.  The script times them in the
layout srnlab uses (rows are sequences: state (B, K) times W_rec^T held
contiguous) and in the transposed layout (W_rec (K, K) times state (K, B)),
in float64 and float32, and sets them beside the throughput of a large GEMM
of the same dtype.  Run it under both OpenBLAS kernels to see why srnlab keeps
the row layout (prefix `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` for the
kernel OpenBLAS picks itself).
"""
import argparse

import _common  # noqa: F401  (sets one thread before numpy loads)
import numpy as np

from _common import blas_info, gemm_flops_per_second, interleaved


def main(repeats, B=10, K=100):
    print(f"BLAS: {blas_info()}")
    rng = np.random.default_rng(0)
    flops = 2.0 * B * K * K
    print(f"one step: ({B} x {K})({K} x {K}), {flops / 1e3:.0f} kFLOP\n")
    print(f"{'dtype':>8} {'layout':>34} {'us':>6} {'GFLOP/s':>8} {'% of large GEMM':>16}")
    for dtype in (np.float64, np.float32):
        W = rng.standard_normal((K, K)).astype(dtype)
        W_T = np.ascontiguousarray(W.T)
        z = rng.standard_normal((B, K)).astype(dtype)
        z_T = np.ascontiguousarray(z.T)
        out, out_T = np.empty((B, K), dtype), np.empty((K, B), dtype)
        funcs = {
            "rows: z @ W_rec^T (srnlab)": lambda: np.dot(z, W_T, out=out),
            "rows: z @ W_rec.T (a view)": lambda: np.dot(z, W.T, out=out),
            "columns: W_rec @ z^T": lambda: np.dot(W, z_T, out=out_T),
        }
        ref = np.dot(z, W_T)                                  # both layouts compute the same numbers
        np.testing.assert_allclose(np.dot(W, z_T).T, ref, atol=1e-5 * np.abs(ref).max())
        med = interleaved(funcs, repeats=repeats, warmup=50)
        gemm = gemm_flops_per_second(dtype=dtype)
        for name, t in med.items():
            print(f"{np.dtype(dtype).name:>8} {name:>34} {t * 1e6:>6.2f} {flops / t / 1e9:>8.1f} "
                  f"{100 * flops / t / gemm:>15.0f}%")
        print(f"{np.dtype(dtype).name:>8} {'large GEMM (2560x100)(100x100)':>34} {'':>6} {gemm / 1e9:>8.1f}\n")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5000)
    main(ap.parse_args().repeats)
