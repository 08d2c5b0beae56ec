"""BPTT against central finite differences, in float64.

The figure reported in the closing note is the worst relative error printed
by test_gradient_check_all (run pytest -s to see it).
"""
import numpy as np
import pytest

import srnlab
from conftest import reference_loss, reference_states, rel_err

WORST = {}


def numerical_grads(f, params, eps=1e-6):
    """Central differences of f(params) for every entry of every parameter."""
    out = {}
    for name, p in params.items():
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            fp = f(params)
            p[idx] = old - eps
            fm = f(params)
            p[idx] = old
            g[idx] = (fp - fm) / (2 * eps)
        out[name] = g
    return out


def make_net(output, seed):
    rng = np.random.default_rng(seed)
    n_out = 1 if output == "linear" else 3
    net = srnlab.SRN.init(3, 5, n_out, output=output, std=0.6, rng=rng)
    net.b = rng.normal(0, 0.3, 5)
    net.c = rng.normal(0, 0.3, n_out)
    X = rng.normal(size=(4, 8, 3))
    y = rng.normal(size=(4, 1)) if output == "linear" else rng.integers(0, 3, size=4)
    return net, X, y


@pytest.mark.parametrize("output", ["linear", "softmax"])
@pytest.mark.parametrize("h", [None, 1, 3, 7, 8])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_gradient_check_all(output, h, reduction):
    net, X, y = make_net(output, seed=hash((output, h, reduction)) % 2**32)
    res = srnlab.bptt(net, X, y, h=h, reduction=reduction)
    T = X.shape[1]
    params = {k: v.copy() for k, v in net.params().items()}
    if h is None or h >= T - 1:
        f = lambda p: reference_loss(p, X, y, output, reduction)
    else:
        t_cut = T - 1 - h                     # the first step of the kept graph
        z_frozen = reference_states(params, X)[:, t_cut - 1] if t_cut > 0 else np.zeros((4, 5))
        f = lambda p: reference_loss(p, X, y, output, reduction, cut=(t_cut, z_frozen.copy()))
    assert res.loss == pytest.approx(f(params), rel=1e-12)
    num = numerical_grads(f, params)
    assert set(res.grads) == {"W_in", "W_rec", "b", "W_out", "c"}
    for name in num:
        err = rel_err(num[name], res.grads[name])
        WORST[(output, h, reduction, name)] = err
        assert err < 1e-6, f"{name}: relative error {err:.2e}"
    print(f"\nworst gradient-check relative error so far: {max(WORST.values()):.2e}")


def test_truncated_gradient_differs_from_full(small_problem):
    """The cut matters: a shallow truncation is a different (biased) gradient."""
    net, X, y = small_problem
    full = srnlab.bptt(net, X, y).grads["W_rec"]
    cut = srnlab.bptt(net, X, y, h=1).grads["W_rec"]
    assert rel_err(full, cut) > 1e-3


@pytest.mark.parametrize("output", ["linear", "softmax"])
def test_delta_is_dE_da(output):
    """delta(t) against finite differences of the loss in a(t), every t and unit."""
    net, X, y = make_net(output, seed=7)
    res = srnlab.bptt(net, X, y)
    params = net.params()
    B, T, K = res.delta.shape
    eps = 1e-6
    num = np.zeros_like(res.delta)
    for t in range(T):
        for b in range(B):
            for k in range(K):
                v = np.zeros((B, K))
                v[b, k] = eps
                fp = reference_loss(params, X, y, output, a_shift=(t, v))
                fm = reference_loss(params, X, y, output, a_shift=(t, -v))
                num[b, t, k] = (fp - fm) / (2 * eps)
    assert rel_err(num, res.delta) < 1e-6


def test_forward_matches_reference(small_problem):
    net, X, y = small_problem
    fp = net.forward(X)
    np.testing.assert_allclose(fp.z, reference_states(net.params(), X), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(fp.a[:, 3], np.arctanh(fp.z[:, 3]), rtol=1e-9)
    np.testing.assert_allclose(net.predict(X), fp.y_hat, rtol=1e-13)
    np.testing.assert_allclose(net.predict(X, chunk=3), fp.y_hat, rtol=1e-13)


def test_truncation_depth_and_zero_delta(small_problem):
    net, X, y = small_problem
    T = X.shape[1]
    for h in (1, 2, T - 2):
        res = srnlab.bptt(net, X, y, h=h)
        assert res.depth == h
        assert np.all(res.delta[:, : T - 1 - h] == 0)
        assert np.all(np.linalg.norm(res.delta[:, T - 1 - h:], axis=2) > 0)
        assert np.isfinite(srnlab.q_factor(res.delta, h))
    assert srnlab.bptt(net, X, y, h=T).depth == T - 1
    np.testing.assert_array_equal(srnlab.bptt(net, X, y, h=T).grads["W_rec"],
                                  srnlab.bptt(net, X, y).grads["W_rec"])


def test_sum_is_batch_times_mean(small_problem):
    net, X, y = small_problem
    m = srnlab.bptt(net, X, y, reduction="mean")
    s = srnlab.bptt(net, X, y, reduction="sum")
    assert s.loss == pytest.approx(len(X) * m.loss, rel=1e-14)
    for k in m.grads:
        np.testing.assert_allclose(s.grads[k], len(X) * m.grads[k], rtol=1e-12)


def test_softmax_one_hot_equals_labels_and_is_stable():
    net, X, labels = make_net("softmax", seed=3)
    one_hot = np.eye(3)[labels]
    a = srnlab.bptt(net, X, labels)
    b = srnlab.bptt(net, X, one_hot)
    assert a.loss == pytest.approx(b.loss, rel=1e-14)
    np.testing.assert_allclose(a.grads["W_rec"], b.grads["W_rec"], rtol=1e-12)
    # huge logits: the stable form stays finite, and is exact there
    big = net.copy()
    big.W_out *= 1e4
    res = srnlab.bptt(big, X, labels)
    assert res.finite and res.loss >= 0
    np.testing.assert_allclose(res.y_hat.sum(axis=1), 1.0)


def test_randomized_truncation_is_unbiased(small_problem):
    """The mean over many draws converges to the full gradient.

    A z-test per entry: |mean - full| within 5 standard errors, and the
    error of the mean shrinks about as 1/sqrt(n).  Fixed truncation at h=1
    fails the same test (so this test can fail).
    """
    net, X, y = small_problem
    full = srnlab.bptt(net, X, y).grads["W_rec"]
    rng = np.random.default_rng(0)
    n = 8000
    draws = np.stack([srnlab.bptt_randomized(net, X, y, p=0.7, rng=rng).grads["W_rec"] for _ in range(n)])
    mean, sem = draws.mean(axis=0), draws.std(axis=0, ddof=1) / np.sqrt(n)
    z_scores = np.abs(mean - full) / np.maximum(sem, 1e-300)
    err_small, err_big = rel_err(draws[: n // 16].mean(axis=0), full), rel_err(mean, full)
    truncated = srnlab.bptt(net, X, y, h=1).grads["W_rec"]
    z_truncated = np.abs(truncated - full) / np.maximum(sem, 1e-300)
    print(f"\nrandomized truncation p=0.7: relative error of the mean {err_small:.4f} after {n // 16} "
          f"draws, {err_big:.4f} after {n}; largest z-score {z_scores.max():.2f}; "
          f"one draw {rel_err(draws[0], full):.3f}; fixed h=1 {rel_err(truncated, full):.3f} "
          f"(largest z-score {z_truncated.max():.0f})")
    assert z_scores.max() < 5
    assert err_big < err_small / 2          # sqrt(16) = 4 expected
    assert z_truncated.max() > 20


def test_randomized_with_p_one_is_full(small_problem):
    net, X, y = small_problem
    r = srnlab.bptt_randomized(net, X, y, p=1.0, rng=0)
    np.testing.assert_allclose(r.grads["W_rec"], srnlab.bptt(net, X, y).grads["W_rec"], rtol=1e-14)


def test_plot_diagnostics(small_problem):
    net, X, y = small_problem
    res = srnlab.bptt(net, X, y)
    T = X.shape[1]
    assert res.delta_norms.shape == (T,)
    np.testing.assert_allclose(res.delta_norms, srnlab.step_norms(res.delta))
    # per-example outer-product norm equals ||z(t-1)|| ||delta(t)||
    b, t = 2, 4
    term = np.outer(res.z[b, t - 1], res.delta[b, t])
    per_ex = [np.linalg.norm(np.outer(res.z[i, t - 1], res.delta[i, t])) for i in range(len(X))]
    assert res.dW_rec_norms[t] == pytest.approx(np.mean(per_ex), rel=1e-12)
    assert np.linalg.norm(term) == pytest.approx(per_ex[b])
    assert res.dW_rec_norms[0] == 0.0


def test_workspace_gives_the_same_numbers():
    """Reusing buffers (for speed) changes nothing, across lengths, depths and dtypes."""
    from srnlab.workspace import Workspace
    ws = Workspace()
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        net = srnlab.SRN.init(6, 12, 4, output="softmax", std=0.3, rng=0).astype(dtype)
        for T, h in ((30, None), (33, 5), (20, 19), (31, 2)):
            X, y = srnlab.tasks.generate("temporal_order", 5, T, rng=rng)
            plain = srnlab.bptt(net, X, y, h=h)
            reused = srnlab.bptt(net, X, y, h=h, workspace=ws)
            assert plain.loss == reused.loss
            np.testing.assert_array_equal(plain.delta, reused.delta)
            for k in plain.grads:
                np.testing.assert_array_equal(plain.grads[k], reused.grads[k])
            dW = rng.normal(size=net.W_rec.shape).astype(dtype)
            for a, b in zip(srnlab.tangent(net, plain, dW, 2), srnlab.tangent(net, reused, dW, 2, ws)):
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("output, n_out", [("linear", 2), ("softmax", 3)])
@pytest.mark.parametrize("h", [None, 1, 4])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fast_bptt_equals_the_plain_reference(output, n_out, h, reduction):
    """srnlab.bptt (time-major, one GEMM per weight) gives the reference loop's numbers."""
    rng = np.random.default_rng(11)
    net = srnlab.SRN.init(3, 6, n_out, output=output, std=0.5, rng=rng)
    X = rng.normal(size=(4, 9, 3))
    y = rng.integers(0, n_out, size=4) if output == "softmax" else rng.normal(size=(4, n_out))
    fast = srnlab.bptt(net, X, y, h=h, reduction=reduction)
    loss, grads, delta = srnlab.bptt_reference(net, X, y, h=h, reduction=reduction)
    assert fast.loss == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(fast.delta, delta, rtol=1e-12, atol=1e-15)
    for k in grads:
        np.testing.assert_allclose(fast.grads[k], grads[k], rtol=1e-12, atol=1e-15, err_msg=k)
