"""srnlab: the Simple Recurrent Network, BPTT, the Q-factor, the theorem on dS and
the sampling method of Chernodub (2016; arXiv:1606.07767), in small readable NumPy modules.

The core, the paper's mathematics (read these first):

    srn.py            the network, eqs. 1-3                     SRN
    bptt.py           backpropagation through time, eqs. 4-10   bptt, bptt_randomized
    bptt_reference.py the same BPTT as plain loops, one screen  bptt_reference
    qfactor.py        the Q-factor, eq. 25                      q_factor
    theorem.py        dS for a change of W_rec, eqs. 14-24      ds, ds_relative, s_gradient
    indicator.py      the author's log10 change of the old gradient   log_indicator
    sampling.py       the sampling rule, section 6              accept (one), decide / winds (arrays)
    tasks.py          the four tasks, section 7                 tasks.generate, tasks.accuracy
    train.py          SGD / clipping / sampling training        train, Trainer, TrainConfig
    workspace.py      reusable buffers for a training loop      Workspace
    _validate.py      the input checks every function shares
    results.py        where results files live; atomic writes, checked reads

The rooms around it:

    course/    the course's shared tools: plotting (figure style), widgets (Demo, slider),
               exercises (checkers), blas (one BLAS thread)
    lessons/   one module per notebook, named after it: sigma_prime (01), srn_bptt (02),
               jacobians_eigenvalues (03), init_sweep (04), training_dynamics (05),
               theorem_ds (06), sampling_method (07), benchmarks_tables (08)
    runs/      the long runs behind `python -m srnlab list | run | summarize`: the run loop
               (loop), the paper's tables (tables), the dynamics of lessons 05 and 07 (dynamics) and
               lesson 07's study (sampling_study).  The lessons never import it.
"""
from . import tasks
from ._validate import NumericalWarning
from .bptt import BPTTResult, bptt, bptt_randomized
from .bptt_reference import bptt_reference
from .indicator import log_indicator
from .qfactor import q_factor, step_norms
from .sampling import accept, decide, winds
from .srn import SRN, softmax
from .theorem import ds, ds_relative, s_frozen, s_gradient, tangent
from .train import TrainConfig, Trainer, train

__version__ = "0.1.0"

__all__ = [
    "SRN", "softmax", "bptt", "bptt_randomized", "bptt_reference", "BPTTResult", "q_factor", "step_norms",
    "ds", "ds_relative", "log_indicator", "s_frozen", "s_gradient", "tangent", "accept", "decide", "winds", "tasks", "train",
    "Trainer", "TrainConfig", "NumericalWarning",
]
