"""Each lesson's own code: one module per notebook, named after it.

    sigma_prime.py            01  Nielsen's feed-forward network, backprop, the chain of sigma' factors
    srn_bptt.py               02  full, truncated and randomized BPTT as estimators: bias and variance
    jacobians_eigenvalues.py  03  products of Jacobians, spectral radius, eigenvector alignment
    init_sweep.py             04  the initialisation sweep of the paper's Fig. 2
    training_dynamics.py      05  the training-dynamics data file read back, and its figures
    theorem_ds.py             06  the theorem on dS checked against finite changes; the sign sweep
    sampling_method.py        07  the sampling study's data file read back; the rule's exercise checker
    benchmarks_tables.py      08  the paper's reported numbers, our results files, and the verdicts

A lesson module computes, reads data files and draws; it never trains for long
(that is ``srnlab.runs``, which the lessons never import).
"""
import numpy as np

from .. import _validate as V


def _real_array(value, name):
    """value as a float array; strings, booleans and other non-numbers are refused (TypeError)."""
    try:
        is_bool = np.asarray(value).dtype == bool
    except Exception:  # ragged lists and the like: float_array says so
        is_bool = False
    if is_bool:
        raise TypeError(f"{name} must be numbers, got booleans: {value!r}")
    return V.float_array(value, name)
