"""Shared helpers: an independent, deliberately plain reference SRN for checks; the browser tests' tools."""
import os

import numpy as np
import pytest

import srnlab


def reference_loss(params, X, y, output, reduction="mean", cut=None, a_shift=None):
    """The loss of eqs. 1-3 computed step by step, example by example.

    cut: if given, (t_cut, z_frozen): the states before t_cut are replaced by
    z_frozen (computed elsewhere) so the graph is cut there.
    a_shift: (t, v) adds v (batch, K) to a(t), to differentiate in a(t).
    """
    W_in, W_rec, b, W_out, c = (params[k] for k in ("W_in", "W_rec", "b", "W_out", "c"))
    B, T, _ = X.shape
    z = np.zeros((B, W_rec.shape[0]))
    start = 0
    if cut is not None:
        start, z = cut
    for t in range(start, T):
        a = X[:, t] @ W_in + z @ W_rec + b
        if a_shift is not None and a_shift[0] == t:
            a = a + a_shift[1]
        z = np.tanh(a)
    o = z @ W_out + c
    if output == "linear":
        loss = 0.5 * np.sum((o - y.reshape(o.shape)) ** 2)
    else:
        logp = o - np.log(np.sum(np.exp(o), axis=1, keepdims=True))
        loss = -np.sum(logp[np.arange(B), y]) if y.ndim == 1 else -np.sum(y * logp)
    return loss / B if reduction == "mean" else loss


def reference_states(params, X):
    """All hidden states z(t), (B, T, K), by the plain loop."""
    B, T, _ = X.shape
    z = np.zeros((B, params["W_rec"].shape[0]))
    out = []
    for t in range(T):
        z = np.tanh(X[:, t] @ params["W_in"] + z @ params["W_rec"] + params["b"])
        out.append(z)
    return np.stack(out, axis=1)


def expect_error(exc, *words):
    """pytest.raises(exc) that also checks the message holds every word (what was
    wrong, what is allowed) and that srnlab's own checks raised it, not NumPy."""
    class Check:
        def __enter__(self):
            self.cm = pytest.raises(exc)
            self.info = self.cm.__enter__()
            return self.info

        def __exit__(self, *args):
            out = self.cm.__exit__(*args)
            msg = str(self.info.value)
            for w in words:
                assert w in msg, f"message {msg!r} lacks {w!r}"
            assert "srnlab" in self.info.traceback[-1].path.as_posix()
            return out
    return Check()


def rel_err(a, b):
    """Norm-wise relative error between two arrays."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


@pytest.fixture
def small_problem():
    """A small random net with non-zero biases and a regression batch."""
    rng = np.random.default_rng(42)
    net = srnlab.SRN.init(3, 5, 2, std=0.5, rng=rng)
    net.b = rng.normal(0, 0.3, 5)
    net.c = rng.normal(0, 0.3, 2)
    X = rng.normal(size=(4, 7, 3))
    y = rng.normal(size=(4, 2))
    return net, X, y


# --------------------------------------------------------------- the browser tests (test_browser, test_site)
CHROMIUM = os.environ.get("SRNLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing_tool(reason, ci_must, hint=""):
    """Skip a test whose tools are absent here; under CI (CI=true) fail instead, saying what CI must do."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI must {ci_must})")
    pytest.skip(f"{reason}{hint}")
