"""Cost of one sampling-method update against one plain SGD update.

    .venv/bin/python benchmarks/sampling_step.py [--repeats N]

Both run Trainer.step on the paper's configuration (temporal order, T = 100,
K = 100, batch 10, float64, a fixed training set so no data is generated in
the loop): forward, backward, Q, and for "sampling" the dS tangent pass and
the decision.  The two trainers step alternately; medians are reported.
The target is a ratio of at most 1.3.
"""
import argparse

import _common  # noqa: F401
import numpy as np

import srnlab
from _common import blas_info, interleaved


def main(repeats):
    print(f"BLAS: {blas_info()}")
    net = srnlab.SRN.init(6, 100, 4, output="softmax", std=0.1, rng=0)
    common = dict(task="temporal_order", T=100, n_train=1000, n_val=10, epoch=10 ** 9,
                  record_every=10 ** 9, lr=1e-5)
    trainers = {m: srnlab.Trainer(net, srnlab.TrainConfig(method=m, **common), seed=0)
                for m in ("sgd", "sampling")}
    med = interleaved({m: tr.step for m, tr in trainers.items()}, repeats=repeats)
    for m, t in med.items():
        print(f"{m:>9}: {t * 1e3:.2f} ms per update")
    acc = np.mean(trainers["sampling"].history["accepted"])
    print(f"sampling / sgd = {med['sampling'] / med['sgd']:.2f} (target <= 1.3); "
          f"{acc:.0%} of the sampling run's minibatches were accepted")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=300)
    main(ap.parse_args().repeats)
