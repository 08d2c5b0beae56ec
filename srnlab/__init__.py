"""srnlab: the Simple Recurrent Network, BPTT, the Q-factor, the theorem on dS and
the sampling method of Chernodub (2016), in small readable NumPy modules.

    srn.py       the network, eqs. 1-3                    SRN
    bptt.py      backpropagation through time, eqs. 4-10  bptt, bptt_randomized
    qfactor.py   the Q-factor, eq. 25                     q_factor
    theorem.py   dS for a change of W_rec, eqs. 14-24     ds, ds_relative, s_gradient
    sampling.py  the sampling decision, section 6         accept
    tasks.py     the four tasks, section 7                tasks.generate
    train.py     SGD / clipping / sampling training       train, Trainer
    experiments.py  the paper's tables from the command line (python -m srnlab.experiments)

For the lessons: plotting.py (one figure style), widgets.py (Demo and slider),
exercises.py (checkers), and one module per lesson that needs more than a few
lines: feedforward.py (01), estimators.py (02), jacobians.py (03), sweeps.py (04).
"""
from . import exercises, plotting, tasks
from .bptt import BPTTResult, bptt, bptt_randomized
from .qfactor import q_factor, step_norms
from .sampling import accept
from .srn import SRN, softmax
from .theorem import ds, ds_relative, s_frozen, s_gradient, tangent
from .train import TrainConfig, Trainer, train

__version__ = "0.1.0"

__all__ = [
    "SRN", "softmax", "bptt", "bptt_randomized", "BPTTResult", "q_factor", "step_norms",
    "ds", "ds_relative", "s_frozen", "s_gradient", "tangent", "accept", "tasks", "train", "Trainer",
    "TrainConfig",
]
