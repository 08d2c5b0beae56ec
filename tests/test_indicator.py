"""The author's log10 indicator: exact against a direct recomputation, first order
against a finite difference of the frozen-factor quantity, and the trainer's
options that run the method as the author's code does."""
import math

import numpy as np
import pytest

import srnlab
from srnlab.indicator import first_order
from srnlab.qfactor import block_norms
from srnlab.theorem import g_frozen

NORMS = ("spectral", "frobenius", "mean")


def problem(seed, task="temporal_order", T=20, K=12, B=6, std=0.3):
    rng = np.random.default_rng(seed)
    spec = srnlab.tasks.spec(task)
    net = srnlab.SRN.init(spec.n_in, K, spec.n_out, output=spec.output, std=std, rng=rng)
    X, y = srnlab.tasks.generate(task, B, T, rng=rng)
    return net, X, y, rng


def random_step(net, rng, scale):
    return {k: scale * rng.normal(size=v.shape) for k, v in net.params().items()}


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_is_the_log_change_of_a_direct_recomputation(norm, seed):
    """Apply the step by hand to every weight, run BPTT again, take log10 after - before."""
    net, X, y, rng = problem(seed)
    h = X.shape[1] - 1
    step = random_step(net, rng, 0.05)
    moved = net.copy()
    for k, v in moved.params().items():
        v += step[k]
    before = block_norms(srnlab.bptt(net, X, y).delta[:, 0], norm)
    after = block_norms(srnlab.bptt(moved, X, y).delta[:, 0], norm)
    expected = math.log10(after) - math.log10(before)
    got = srnlab.log_indicator(net, X, y, step, h, norm=norm)
    print(f"\n{norm} seed {seed}: indicator {got:.6f}, direct {expected:.6f}")
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-13)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("h", [1, 5, 19])
def test_first_order_matches_a_finite_difference_of_the_frozen_quantity(norm, h):
    """exact=False is d/de log10 ||G(W_rec + e dW_rec)|| at e = 0, D_n and delta(k) frozen."""
    net, X, y, rng = problem(3)
    res = srnlab.bptt(net, X, y)
    step = {"W_rec": rng.normal(size=net.W_rec.shape)}
    f = lambda e: math.log10(block_norms(g_frozen(net, res, net.W_rec + e * step["W_rec"], h), norm))
    eps = 1e-6
    fd = (f(eps) - f(-eps)) / (2 * eps)
    got = srnlab.log_indicator(net, X, y, step, h, norm=norm, exact=False)
    print(f"\n{norm} h={h}: first order {got:.8e}, finite difference {fd:.8e}")
    assert got == pytest.approx(fd, rel=1e-6)


def test_first_order_frobenius_is_ds_over_2_s_ln10():
    net, X, y, rng = problem(4)
    h = 10
    dW = 1e-3 * rng.normal(size=net.W_rec.shape)
    res = srnlab.bptt(net, X, y, reduction="sum")
    G = res.delta[:, X.shape[1] - 1 - h]
    S = float(np.sum(G * G))
    dS = srnlab.ds(net, X, y, dW, h, reduction="sum")
    got = srnlab.log_indicator(net, X, y, {"W_rec": dW}, h, norm="frobenius", exact=False)
    assert got == pytest.approx(dS / (2 * S * math.log(10)), rel=1e-10)


def test_the_loss_scale_cancels():
    """A log change does not depend on how the loss is reduced: a mean-reduced result gives the same."""
    net, X, y, rng = problem(5)
    step = random_step(net, rng, 0.02)
    h = 15
    for exact in (True, False):
        a = srnlab.log_indicator(net, X, y, step, h, exact=exact, result=srnlab.bptt(net, X, y, reduction="mean"))
        b = srnlab.log_indicator(net, X, y, step, h, exact=exact, result=srnlab.bptt(net, X, y, reduction="sum"))
        assert a == pytest.approx(b, rel=1e-10, abs=1e-14)


def test_frozen_first_order_is_not_the_derivative_of_the_exact_change():
    """Even for vanishing W_rec steps the two differ: moving W_rec also moves every f'(a(n)) and
    delta(k), which the theorem holds fixed.  The exact change is linear in a small step, and
    its slope is not the frozen one."""
    net, X, y, rng = problem(6)
    dW = rng.normal(size=net.W_rec.shape)
    exact = [srnlab.log_indicator(net, X, y, {"W_rec": s * dW}, 19) / s for s in (1e-5, 1e-6)]
    frozen = srnlab.log_indicator(net, X, y, {"W_rec": 1e-6 * dW}, 19, exact=False) / 1e-6
    print(f"\nslopes: exact {exact}, frozen {frozen}")
    assert exact[0] == pytest.approx(exact[1], rel=1e-3)
    assert abs(exact[1] / frozen - 1) > 0.05


def test_sign_follows_eq_25_a_grown_w_rec_grows_the_old_gradient():
    net, X, y, rng = problem(7, std=0.2)
    grow = {"W_rec": 0.1 * net.W_rec}
    assert srnlab.log_indicator(net, X, y, grow, 19) > 0
    assert srnlab.log_indicator(net, X, y, {"W_rec": -0.1 * net.W_rec}, 19) < 0
    assert srnlab.log_indicator(net, X, y, {}, 19) == 0.0


@pytest.mark.parametrize("step, error, words", [
    ([1.0], TypeError, "dict of parameter changes"),
    ({"W_hh": np.zeros((12, 12))}, ValueError, "unknown key"),
    ({"W_rec": np.zeros((3, 3))}, ValueError, "shape of W_rec"),
    ({"W_rec": np.full((12, 12), np.nan)}, ValueError, "NaN"),
    ({"b": "up"}, TypeError, "numeric"),
])
def test_bad_steps_are_refused(step, error, words):
    net, X, y, _ = problem(8)
    with pytest.raises(error, match=words):
        srnlab.log_indicator(net, X, y, step, 5)


def test_bad_options_and_foreign_results_are_refused():
    net, X, y, _ = problem(9)
    with pytest.raises(ValueError, match="norm"):
        srnlab.log_indicator(net, X, y, {}, 5, norm="l1")
    with pytest.raises(TypeError, match="exact"):
        srnlab.log_indicator(net, X, y, {}, 5, exact="yes")
    with pytest.raises(ValueError, match="h=20 goes deeper"):
        srnlab.log_indicator(net, X, y, {}, 20)
    shallow = srnlab.bptt(net, X, y, h=3)
    with pytest.raises(ValueError, match="depth >= h"):
        srnlab.log_indicator(net, X, y, {}, 5, result=shallow)
    other = srnlab.bptt(net, X[:3], y[:3])
    with pytest.raises(ValueError, match="this network and batch"):
        srnlab.log_indicator(net, X, y, {}, 5, result=other)


def test_a_vanished_old_gradient_gives_nan_not_a_number_that_does_not_exist():
    net, X, y, _ = problem(10)
    net.W_rec[:] = 0.0                    # the error never reaches back
    with pytest.warns(srnlab.NumericalWarning, match="vanished completely"):
        assert math.isnan(srnlab.log_indicator(net, X, y, {"W_rec": np.ones((12, 12))}, 5))


def test_spectral_first_order_formula_on_a_known_matrix():
    G = np.diag([3.0, 1.0])
    dG = np.array([[0.5, 7.0], [7.0, 2.0]])
    assert first_order(G, dG, "spectral") == pytest.approx(0.5 / 3.0 / math.log(10))


# ----------------------------------------------------------------- the trainer's options
def tiny(**kw):
    net = srnlab.SRN.init(6, 10, 4, output="softmax", std=0.3, rng=1)
    return srnlab.Trainer(net, task="temporal_order", T=20, n_train=200, n_val=50, epoch=10, lr=1e-3, **kw)


def test_reset_velocity_every_zeroes_the_velocity_at_each_epoch_start():
    a, b = tiny(), tiny(reset_velocity_every=10)
    a.run(10), b.run(10)
    for k in a.velocity:                  # the first ten updates are the same
        np.testing.assert_array_equal(a.velocity[k], b.velocity[k])
    a.run(1), b.run(1)
    # update 11 starts from v = 0 in b: its velocity is -lr g alone
    g_b = -b.velocity["W_rec"] / 1e-3
    assert not np.allclose(a.velocity["W_rec"], b.velocity["W_rec"])
    c = tiny()
    c.run(10)
    c.velocity = {k: np.zeros_like(v) for k, v in c.velocity.items()}
    c.run(1)
    np.testing.assert_allclose(-c.velocity["W_rec"] / 1e-3, g_b, rtol=1e-12)


def test_the_authors_sampling_judges_with_the_log10_indicator():
    t = tiny(method="sampling", indicator="log10", norm="spectral", reset_velocity_every=10)
    t.run(30)
    h = t.arrays()
    assert np.all(np.abs(h["ds"][h["accepted"]]) <= 1.0)
    # the recorded indicator is the one log_indicator gives for the same proposal at update 1
    u = tiny(method="sampling", indicator="log10", norm="spectral")
    X, y = u._minibatch()
    u2 = tiny(method="sampling", indicator="log10", norm="spectral")
    u2.run(1)
    res = srnlab.bptt(u.net, X, y, reduction="sum")
    step = {k: -1e-3 * g for k, g in res.grads.items()}
    assert u2.history["ds"][0] == pytest.approx(srnlab.log_indicator(u.net, X, y, step, 19), rel=1e-10)
    assert u2.history["q"][0] == pytest.approx(srnlab.q_factor(res.delta, 19, norm="spectral"), rel=1e-12)


def test_first_order_and_relative_indicators_run():
    for kw in ({"indicator": "log10", "exact": False}, {"indicator": "ds_relative"}):
        t = tiny(method="sampling", **kw)
        t.run(20)
        assert np.all(np.isfinite(t.arrays()["ds"]))


def test_select_by_loss_keeps_the_lowest_validation_loss():
    t = tiny(select_by="loss")
    t.run(60)
    h = t.arrays()
    i = int(np.argmin(h["val_loss"]))
    assert t.best_update == h["val_update"][i]
    assert t.best_val[1] == h["val_loss"][i]


@pytest.mark.parametrize("kw, error, words", [
    ({"indicator": "dS"}, ValueError, "unknown indicator"),
    ({"norm": "max"}, ValueError, "unknown norm"),
    ({"exact": 1}, TypeError, "exact must be True or False"),
    ({"reset_velocity_every": 0}, ValueError, "reset_velocity_every must be an integer >= 1"),
    ({"reset_velocity_every": 5.0}, TypeError, "reset_velocity_every must be an integer"),
    ({"select_by": "acc"}, ValueError, "unknown select_by"),
    ({"ds_max": True}, ValueError, "ds_max must be a number"),
])
def test_bad_trainer_options_are_refused(kw, error, words):
    with pytest.raises(error, match=words):
        srnlab.TrainConfig(task="temporal_order", T=20, **kw)


def test_numpy_scalars_are_numbers_for_ds_max():
    cfg = srnlab.TrainConfig(task="temporal_order", T=20, ds_max=np.float32(1.0), reset_velocity_every=np.int64(50))
    assert cfg.ds_max == 1.0 and cfg.reset_velocity_every == 50


@pytest.mark.parametrize("norm", NORMS)
def test_first_order_does_not_depend_on_the_scale_of_the_old_gradient(norm):
    """A tiny G (squares far below the float range) gives the same first-order change as G itself."""
    rng = np.random.default_rng(11)
    G, dG = rng.normal(size=(6, 12)), rng.normal(size=(6, 12))
    for c in (1e-200, 1e200):
        assert first_order(c * G, c * dG, norm) == pytest.approx(first_order(G, dG, norm), rel=1e-12)
