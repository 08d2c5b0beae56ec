"""BPTT forward + backward: srnlab against PyTorch eager autograd and torch.nn.RNN.

    .venv/bin/python benchmarks/bptt_speed.py [--repeats N]

The paper's configuration: K = 100 tanh units, T = 100 steps, linear output,
float64, batch 10 (and 100).  One thread everywhere; the contenders run
alternately and medians are reported, so drifting load hits all alike.  All
three compute the same loss and gradients on the same weights (checked).
The "compute limit" line divides the pass's floating-point operations by the
one-thread GEMM throughput measured in the same run.
"""
import argparse

import _common  # noqa: F401  (sets one thread before numpy loads)
import numpy as np

import srnlab
from _common import blas_info, gemm_flops_per_second, interleaved, try_torch
from srnlab.workspace import Workspace


def flops(B, T, n_in, K, n_out):
    """Multiply-adds x 2 of one forward + backward pass (GEMMs only)."""
    forward = T * (2 * B * n_in * K + 2 * B * K * K) + 2 * B * K * n_out
    backward = T * 2 * B * K * K + T * 2 * B * K * K + T * 2 * B * n_in * K + 2 * B * K * n_out
    return forward + backward


def torch_contenders(torch, net, X, y, dtype):
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    P = {k: torch.tensor(v, dtype=tdt, requires_grad=True) for k, v in net.params().items()}
    Xt, yt = torch.tensor(X, dtype=tdt), torch.tensor(y, dtype=tdt)
    B, T, _ = X.shape

    def eager():
        for p in P.values():
            p.grad = None
        z = torch.zeros(B, net.K, dtype=tdt)
        for t in range(T):
            z = torch.tanh(Xt[:, t] @ P["W_in"] + z @ P["W_rec"] + P["b"])
        o = z @ P["W_out"] + P["c"]
        loss = 0.5 * ((o - yt) ** 2).sum() / B
        loss.backward()
        return loss.item(), P["W_rec"].grad.numpy()

    rnn = torch.nn.RNN(net.n_in, net.K, nonlinearity="tanh", batch_first=True).to(tdt)
    head = torch.nn.Linear(net.K, net.n_out).to(tdt)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(net.W_in.T))
        rnn.weight_hh_l0.copy_(torch.tensor(net.W_rec.T))
        rnn.bias_ih_l0.copy_(torch.tensor(net.b))
        rnn.bias_hh_l0.zero_()
        head.weight.copy_(torch.tensor(net.W_out.T))
        head.bias.copy_(torch.tensor(net.c))

    def nn_rnn():
        rnn.zero_grad(set_to_none=True)
        head.zero_grad(set_to_none=True)
        out, _ = rnn(Xt)
        o = head(out[:, -1])
        loss = 0.5 * ((o - yt) ** 2).sum() / B
        loss.backward()
        return loss.item(), rnn.weight_hh_l0.grad.numpy().T

    return eager, nn_rnn


def main(repeats):
    torch = try_torch()
    print(f"BLAS: {blas_info()}")
    if torch is not None:
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread")
    gemm = {dt: gemm_flops_per_second(dtype=dt) for dt in ("float64", "float32")}
    print("one-thread GEMM throughput, (2560x100) @ (100x100): "
          + ", ".join(f"{gemm[dt] / 1e9:.1f} GFLOP/s in {dt}" for dt in gemm) + "\n")
    rows = []
    for B in (10, 100):
        for dtype in (np.float64, np.float32):
            net = srnlab.SRN.init(2, 100, 1, std=0.1, rng=0).astype(dtype)
            X, y = srnlab.tasks.generate("addition", B, 100, rng=1)
            X = X[:, :100]
            ws = Workspace()
            funcs = {"srnlab": lambda: srnlab.bptt(net, X, y),
                     "srnlab+ws": lambda: srnlab.bptt(net, X, y, workspace=ws)}
            if torch is not None:
                eager, nn_rnn = torch_contenders(torch, net, X, y, dtype)
                ref = srnlab.bptt(net, X, y)
                tol = 1e-10 if dtype == np.float64 else 1e-4
                for name, f in (("torch eager", eager), ("torch.nn.RNN", nn_rnn)):
                    loss, g = f()
                    assert abs(loss - ref.loss) <= tol * abs(ref.loss), (name, loss, ref.loss)
                    err = np.linalg.norm(g - ref.grads["W_rec"]) / np.linalg.norm(ref.grads["W_rec"])
                    assert err < tol * 10, (name, err)
                funcs["torch eager"] = eager
                funcs["torch.nn.RNN"] = nn_rnn
            med = interleaved(funcs, repeats=repeats)
            rows.append((B, np.dtype(dtype).name, med))
    print("srnlab: fresh arrays every call (the default); srnlab+ws: with a reused Workspace "
          "(what the trainer uses)")
    print(f"{'batch':>5} {'dtype':>8} {'srnlab ms':>10} {'+ws ms':>7} {'eager ms':>9} {'nn.RNN ms':>10} "
          f"{'eager/srnlab':>13} {'eager/+ws':>10} {'nn.RNN/srnlab':>14} {'nn.RNN/+ws':>11} {'+ws % of GEMM peak':>19}")
    if torch is None:
        print("(PyTorch is not installed: its columns and ratios show nan)")
    for B, dt, med in rows:
        ours, ws = med["srnlab"], med["srnlab+ws"]
        eager = med.get("torch eager", np.nan)
        nnr = med.get("torch.nn.RNN", np.nan)
        peak = flops(B, 100, 2, 100, 1) / ws / gemm[dt]       # against the same dtype's GEMM
        print(f"{B:>5} {dt:>8} {ours * 1e3:>10.2f} {ws * 1e3:>7.2f} {eager * 1e3:>9.2f} {nnr * 1e3:>10.2f} "
              f"{eager / ours:>13.2f} {eager / ws:>10.2f} {nnr / ours:>14.2f} {nnr / ws:>11.2f} {100 * peak:>18.0f}%")
    for key in ("srnlab", "srnlab+ws"):
        f64 = {B: med[key] for B, dt, med in rows if dt == "float64"}
        f32 = {B: med[key] for B, dt, med in rows if dt == "float32"}
        print(f"{key}: float32 speed-up over float64: "
              + ", ".join(f"{f64[B] / f32[B]:.2f}x at batch {B}" for B in f64))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=200)
    main(ap.parse_args().repeats)
