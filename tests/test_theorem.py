"""dS of the theorem (eqs. 14-24) against finite differences and brute force."""
import numpy as np
import pytest

import srnlab
from conftest import rel_err


def problem(seed, std=0.4, T=12, K=6, B=5):
    rng = np.random.default_rng(seed)
    net = srnlab.SRN.init(2, K, 1, std=std, rng=rng)
    X, y = srnlab.tasks.generate("addition", B, T, rng=rng)
    return net, X, y, rng


@pytest.mark.parametrize("h", [1, 2, 5, 10])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ds_matches_finite_difference_of_frozen_S(h, seed):
    """Central difference of S with D_n and delta(k) frozen: agrees to rounding."""
    net, X, y, rng = problem(seed)
    res = srnlab.bptt(net, X, y)
    dW = rng.normal(size=net.W_rec.shape)
    eps = 1e-6
    S = lambda W: srnlab.s_frozen(net, res, W, h)
    fd = (S(net.W_rec + eps * dW) - S(net.W_rec - eps * dW)) / (2 * eps)
    exact = srnlab.ds(net, X, y, dW, h)
    print(f"\nh={h} seed={seed}: dS={exact:.6e} finite difference={fd:.6e} rel diff={abs(fd - exact) / abs(exact):.1e}")
    assert fd == pytest.approx(exact, rel=1e-8)


def test_ds_equals_brute_force_product_rule():
    """dG as the sum over i of the product with the i-th W_rec replaced by dW_rec."""
    net, X, y, rng = problem(5, T=10)
    h = 4
    res = srnlab.bptt(net, X, y)
    delta = res.delta
    fp = 1 - res.z ** 2
    k = X.shape[1] - 1
    dW = rng.normal(size=net.W_rec.shape)
    dG = np.zeros_like(delta[:, 0])
    for i in range(h):                       # which factor gets dW_rec
        g = delta[:, k]
        for j, n in enumerate(range(k, k - h, -1)):
            W = dW if j == i else net.W_rec
            g = (g @ W.T) * fp[:, n - 1]
        dG += g
    G = delta[:, k - h]
    G2, dG2 = srnlab.tangent(net, res, dW, h)
    np.testing.assert_allclose(G2, G, rtol=1e-14)
    assert rel_err(dG2, dG) < 1e-13
    assert srnlab.ds(net, X, y, dW, h) == pytest.approx(2 * np.sum(G * dG), rel=1e-12)
    S = np.sum(G * G)
    assert srnlab.ds_relative(net, X, y, dW, h) == pytest.approx(2 * np.sum(G * dG) / S, rel=1e-12)
    assert srnlab.s_frozen(net, res, net.W_rec, h) == pytest.approx(S, rel=1e-12)


def test_ds_reuses_a_result_and_a_truncated_one():
    net, X, y, rng = problem(3)
    dW = rng.normal(size=net.W_rec.shape)
    a = srnlab.ds(net, X, y, dW, 4)
    b = srnlab.ds(net, X, y, dW, 4, result=srnlab.bptt(net, X, y))
    c = srnlab.ds(net, X, y, dW, 4, result=srnlab.bptt(net, X, y, h=4))
    assert a == pytest.approx(b, rel=1e-14) and a == pytest.approx(c, rel=1e-14)
    with pytest.raises(ValueError, match="depth >= h"):
        srnlab.ds(net, X, y, dW, 4, result=srnlab.bptt(net, X, y, h=3))
    # sum reduction scales delta by B, so dS (quadratic in delta) by B^2; dS/S is scale-free
    s = srnlab.ds(net, X, y, dW, 4, reduction="sum")
    assert s == pytest.approx(len(X) ** 2 * a, rel=1e-12)
    assert srnlab.ds_relative(net, X, y, dW, 4, reduction="sum") == pytest.approx(
        srnlab.ds_relative(net, X, y, dW, 4), rel=1e-12)


def test_sign_of_ds_predicts_true_change():
    """How often sign(dS) predicts the sign of the true change of ||delta(k-h)||_F^2.

    The update is a gradient step on W_rec; after it everything (D_n,
    delta(k)) is recomputed.  A measured figure, printed; first-order
    accuracy should make the sign right in a large majority of cases.
    """
    rng = np.random.default_rng(2016)
    hits, total, tiny = 0, 0, 0
    for trial in range(300):
        std = rng.choice([0.05, 0.1, 0.15, 0.2])
        task = "temporal_order" if trial % 2 else "addition"
        spec = srnlab.tasks.spec(task)
        net = srnlab.SRN.init(spec.n_in, 20, spec.n_out, output=spec.output, std=std, rng=rng)
        X, y = srnlab.tasks.generate(task, 10, 20, rng=rng)
        h = 15
        res = srnlab.bptt(net, X, y, reduction="sum")
        dW = -1e-3 * res.grads["W_rec"]
        d = srnlab.ds(net, X, y, dW, h, reduction="sum", result=res)
        S0 = np.sum(res.delta[:, -1 - h] ** 2)
        moved = net.copy()
        moved.W_rec = net.W_rec + dW
        S1 = np.sum(srnlab.bptt(moved, X, y, reduction="sum").delta[:, -1 - h] ** 2)
        if S1 == S0:
            tiny += 1
            continue
        total += 1
        hits += np.sign(S1 - S0) == np.sign(d)
    acc = hits / total
    print(f"\nsign(dS) predicted the sign of the true change of ||delta(k-h)||^2 in "
          f"{hits}/{total} = {acc:.1%} of gradient steps (lr 1e-3, h=15, K=20)")
    assert acc > 0.75


@pytest.mark.parametrize("h", [1, 2, 5, 11])
def test_s_gradient_gives_the_tangent_pass_dS_for_any_update(h):
    """Reverse mode: dS = (grad S, dW_rec) for every dW_rec, equal to 2 (G, dG) and to a finite difference."""
    net, X, y, rng = problem(7, T=12)
    res = srnlab.bptt(net, X, y, h=h)
    grad_S = srnlab.s_gradient(net, res, h)
    assert grad_S.shape == net.W_rec.shape
    for _ in range(3):
        dW = rng.normal(size=net.W_rec.shape)
        G, dG = srnlab.tangent(net, res, dW, h)
        assert np.sum(grad_S * dW) == pytest.approx(2 * np.sum(G * dG), rel=1e-12)
    eps = 1e-6
    E = np.zeros_like(net.W_rec)
    E[1, 2] = 1.0                        # one entry: the gradient's (1, 2) element by central difference
    S = lambda W: srnlab.s_frozen(net, res, W, h)
    fd = (S(net.W_rec + eps * E) - S(net.W_rec - eps * E)) / (2 * eps)
    assert grad_S[1, 2] == pytest.approx(fd, rel=1e-7)
    with pytest.raises(ValueError, match="depth >= h"):
        srnlab.s_gradient(net, srnlab.bptt(net, X, y, h=h - 1) if h > 1 else srnlab.bptt_randomized(net, X, y, p=1e-9, rng=0), h)


def test_s_gradient_in_float32_tracks_float64():
    net, X, y, rng = problem(8, T=30, K=20, std=0.25)
    g64 = srnlab.s_gradient(net, srnlab.bptt(net, X, y), 20)
    net32 = net.astype(np.float32)
    g32 = srnlab.s_gradient(net32, srnlab.bptt(net32, X.astype(np.float32), y), 20)
    assert g32.dtype == np.float32
    assert rel_err(g32, g64) < 1e-4
