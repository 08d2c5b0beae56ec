"""Backpropagation through time, written as plainly as possible: the reference.

This is the whole algorithm of the paper's eqs. 1-10 in one screen, one loop
per equation and no tricks.  ``srnlab.bptt`` computes exactly the same numbers
faster (time-major arrays, one GEMM for all input projections, buffers reused);
the tests hold it to this version, and lesson 02 reads this one.

    forward   a(t) = x(t) W_in + z(t-1) W_rec + b,   z(t) = tanh(a(t)),  z(-1) = 0   (1-2)
    output    o = z(k) W_out + c                                                     (3)
    backward  delta(k)   = (dE/do W_out^T) * (1 - z(k)^2)
              delta(t-1) = (delta(t) W_rec^T) * (1 - z(t-1)^2)   for h steps back    (5-10)
    weights   dE/dW_rec = sum_t z(t-1)^T delta(t),  dE/dW_in = sum_t x(t)^T delta(t),
              dE/db = sum_t delta(t)                                                 (4)
"""
import numpy as np

from . import _validate as V
from .bptt import output_error
from .srn import check_net


def bptt_reference(net, X, y, h=None, reduction="mean"):
    """Loss, gradients and local gradients of an SRN, step by step.

    Args:
        net: an SRN.  X: (batch, T, n_in).  y: targets at the last step (see ``srnlab.bptt``).
        h: depth, steps back from the last step (None: full BPTT).
        reduction: "mean" or "sum" over the batch.
    Returns:
        (loss, grads, delta): grads a dict with the keys of ``bptt``'s, delta (batch, T, K).
    """
    X = check_net(net).check_input(X)
    B, T, _ = X.shape
    h = V.check_depth(h, T)                              # 1 <= h <= T, or None
    k = T - 1                                            # the last step
    depth = k if h is None else min(h, k)

    # forward (eqs. 1-2), keeping every hidden state
    z = np.zeros((B, T, net.K))
    z_prev = np.zeros((B, net.K))                        # z(-1) = 0
    for t in range(T):
        a_t = X[:, t] @ net.W_in + z_prev @ net.W_rec + net.b
        z[:, t] = np.tanh(a_t)
        z_prev = z[:, t]

    # output and its error (eq. 3 and the loss)
    o = z[:, k] @ net.W_out + net.c
    loss, d_o = output_error(net, o, y, reduction)

    # backward (eqs. 5-10): the local gradients delta(t) = dE/da(t)
    delta = np.zeros((B, T, net.K))
    delta[:, k] = (d_o @ net.W_out.T) * (1 - z[:, k] ** 2)
    for t in range(k, k - depth, -1):
        delta[:, t - 1] = (delta[:, t] @ net.W_rec.T) * (1 - z[:, t - 1] ** 2)

    # weight gradients (eq. 4): a sum of per-step terms
    grads = {"W_in": np.zeros_like(net.W_in), "W_rec": np.zeros_like(net.W_rec),
             "b": np.zeros_like(net.b), "W_out": z[:, k].T @ d_o, "c": d_o.sum(axis=0)}
    for t in range(k - depth, T):
        grads["W_in"] += X[:, t].T @ delta[:, t]
        grads["b"] += delta[:, t].sum(axis=0)
        if t > 0:                                        # z(-1) = 0: no W_rec term at t = 0
            grads["W_rec"] += z[:, t - 1].T @ delta[:, t]
    return loss, grads, delta
