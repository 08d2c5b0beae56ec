"""Construction, initialisation and reproducibility of the SRN."""
import numpy as np
import pytest

import srnlab


def test_constructor_and_fields():
    net = srnlab.SRN(W_in=np.ones((2, 3)), W_rec=np.eye(3), b=np.zeros(3), W_out=np.ones((3, 1)),
                     c=np.zeros(1), output="linear")
    assert (net.n_in, net.K, net.n_out) == (2, 3, 1)
    assert net.W_rec.dtype == np.float64
    a = np.ones((2, 3))
    net2 = srnlab.SRN(W_in=a, W_rec=np.eye(3), b=np.zeros(3), W_out=np.ones((3, 1)), c=np.zeros(1))
    a[0, 0] = 5
    assert net2.W_in[0, 0] == 1                   # the network owns its arrays


def test_normal_init_uses_std_as_standard_deviation():
    net = srnlab.SRN.init(50, 200, 10, std=0.1, rng=0)
    assert net.W_rec.std() == pytest.approx(0.1, rel=0.02)
    assert net.W_in.std() == pytest.approx(0.1, rel=0.05)
    assert np.all(net.b == 0) and np.all(net.c == 0)
    # std = 1/sqrt(K): spectral radius near 1 (circular law)
    assert srnlab.SRN.init(1, 400, 1, std=1 / 20, rng=1).spectral_radius() == pytest.approx(1.0, abs=0.1)


def test_orthogonal_and_identity_inits():
    net = srnlab.SRN.init(2, 30, 1, rec_init="orthogonal", gain=1.3, rng=0)
    np.testing.assert_allclose(net.W_rec @ net.W_rec.T, 1.69 * np.eye(30), atol=1e-12)
    assert net.spectral_radius() == pytest.approx(1.3)
    net = srnlab.SRN.init(2, 30, 1, rec_init="identity", gain=0.9, rng=0)
    np.testing.assert_array_equal(net.W_rec, 0.9 * np.eye(30))


def test_same_seed_same_numbers_different_seed_different():
    a = srnlab.SRN.init(6, 20, 4, output="softmax", rng=7)
    b = srnlab.SRN.init(6, 20, 4, output="softmax", rng=7)
    c = srnlab.SRN.init(6, 20, 4, output="softmax", rng=8)
    for k in a.params():
        np.testing.assert_array_equal(a.params()[k], b.params()[k])
    assert not np.array_equal(a.W_rec, c.W_rec)
    X1, y1 = srnlab.tasks.generate("temporal_order", 10, 30, rng=3)
    X2, y2 = srnlab.tasks.generate("temporal_order", 10, 30, rng=3)
    X3, _ = srnlab.tasks.generate("temporal_order", 10, 30, rng=4)
    np.testing.assert_array_equal(X1, X2)
    assert X1.shape != X3.shape or not np.array_equal(X1, X3)
    assert srnlab.bptt(a, X1, y1).loss == srnlab.bptt(b, X2, y2).loss
    # a Generator is used as given (and advanced)
    g = np.random.default_rng(0)
    assert not np.array_equal(srnlab.SRN.init(2, 4, 1, rng=g).W_rec, srnlab.SRN.init(2, 4, 1, rng=g).W_rec)


def test_float32_mode_agrees_with_float64():
    net64 = srnlab.SRN.init(6, 40, 4, output="softmax", std=0.15, rng=0)
    net32 = net64.astype(np.float32)
    X, y = srnlab.tasks.generate("temporal_order", 10, 50, rng=0)
    r64, r32 = srnlab.bptt(net64, X, y), srnlab.bptt(net32, X, y)
    assert r32.delta.dtype == np.float32 and r32.grads["W_rec"].dtype == np.float32
    for k in r64.grads:
        err = np.linalg.norm(r32.grads[k] - r64.grads[k]) / np.linalg.norm(r64.grads[k])
        assert err < 1e-4, (k, err)
    assert srnlab.q_factor(r32.delta, 40) == pytest.approx(srnlab.q_factor(r64.delta, 40), abs=1e-4)


def test_copy_is_independent():
    net = srnlab.SRN.init(2, 4, 1, rng=0)
    other = net.copy()
    other.W_rec += 1
    assert not np.array_equal(net.W_rec, other.W_rec)
