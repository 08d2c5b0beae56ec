"""Cost of one sampling-method update against one plain SGD update.

    .venv/bin/python benchmarks/sampling_step.py [--repeats N]

Both run Trainer.step on the paper's configuration (temporal order, T = 100,
K = 100, batch 10, float64, a fixed training set so no data is generated in
the loop): forward, backward, Q, and for "sampling" the dS pass and
the decision.  The two trainers step alternately; medians are reported.
The target is a ratio of at most 1.3.  The script also times the dS
pass alone and its bare matrix products, the floor of any exact dS pass.

The author's indicator (``indicator="log10"``, spectral norm, the velocity
reset every 50 updates) is timed the same way, first order ("author, first
order", target <= 1.45 x sgd) and exact with its second forward and backward
pass ("author, exact", target <= 2.1 x sgd).
"""
import argparse

import _common  # noqa: F401
import numpy as np

import srnlab
from _common import blas_info, interleaved
from srnlab.theorem import s_gradient

common_batch = 10


def main(repeats):
    print(f"BLAS: {blas_info()}")
    net = srnlab.SRN.init(6, 100, 4, output="softmax", std=0.1, rng=0)
    common = dict(task="temporal_order", T=100, n_train=1000, n_val=10, epoch=10 ** 9,
                  record_every=10 ** 9, lr=1e-5, batch=common_batch)
    trainers = {m: srnlab.Trainer(net, srnlab.TrainConfig(method=m, **common), seed=0)
                for m in ("sgd", "sampling")}
    author = dict(method="sampling", indicator="log10", norm="spectral", reset_velocity_every=50)
    trainers["author, first order"] = srnlab.Trainer(net, srnlab.TrainConfig(**author, exact=False, **common), seed=0)
    trainers["author, exact"] = srnlab.Trainer(net, srnlab.TrainConfig(**author, exact=True, **common), seed=0)
    # The floor of any exact dS pass, forward mode (srnlab.tangent) or reverse
    # (srnlab.s_gradient, what the trainer uses): h products (B x K)(K x K), one
    # after the other (each step needs the previous one), and one (hB x K)(K x K)
    # product for the terms with dW_rec.  Timed bare, with nothing around them.
    K, B, h = 100, common_batch, 99
    rng = np.random.default_rng(0)
    W, dg, out = rng.normal(size=(K, K)), rng.normal(size=(B, K)), np.empty((B, K))
    stacked, P = rng.normal(size=(h * B, K)), np.empty((h * B, K))

    def floor():
        for _ in range(h):
            np.dot(dg, W, out=out)
        np.dot(stacked, W, out=P)

    sampler = trainers["sampling"]
    X, y = sampler.train_set[0]
    res = srnlab.bptt(sampler.net, X, y, reduction="sum")
    med = interleaved({**{m: tr.step for m, tr in trainers.items()},
                       "dS pass": lambda: s_gradient(sampler.net, res, h),
                       "floor": floor}, repeats=repeats)
    for m in trainers:
        print(f"{m:>20}: {med[m] * 1e3:.2f} ms per update")
    targets = {"sampling": 1.3, "author, first order": 1.45, "author, exact": 2.1}
    for m, target in targets.items():
        acc = np.mean(trainers[m].history["accepted"])
        print(f"{m} / sgd = {med[m] / med['sgd']:.2f} (target <= {target}); "
              f"{acc:.0%} of its minibatches were accepted")
    print(f"the dS pass alone (h = {h}): {med['dS pass'] * 1e3:.2f} ms; its bare matrix products "
          f"({h} sequential (B x K)(K x K) and one ({h}B x K)(K x K)): {med['floor'] * 1e3:.2f} ms,\n"
          f"so no exact dS pass can bring the ratio below 1 + {med['floor'] * 1e3:.2f} / "
          f"{med['sgd'] * 1e3:.2f} = {1 + med['floor'] / med['sgd']:.2f} at this batch size")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=300)
    main(ap.parse_args().repeats)
