"""srnlab.lessons.init_sweep: the initialisation sweep of Fig. 2 (lesson 04)."""
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

import srnlab
from srnlab.lessons import init_sweep as sweeps

SMALL = dict(n=6, K=12, T=30, h=25)       # fast: K = 12 units, 25 steps back


def test_batch_is_long_enough_and_reproducible():
    for seed in range(15):                 # some of these draw T' = 100 and must redraw
        X, y = sweeps.temporal_order_batch(5, T=100, h=100, rng=seed)
        assert X.shape[0] == 5 and 101 <= X.shape[1] <= 110 and X.shape[2] == 6
        assert y.shape == (5,) and set(np.unique(y)) <= {0, 1, 2, 3}
    X1, _ = sweeps.temporal_order_batch(4, rng=3)
    X2, _ = sweeps.temporal_order_batch(4, rng=3)
    assert np.array_equal(X1, X2)


def test_setup_net_is_srn_init_at_that_std():
    setup = sweeps.Setup(seed=7, **SMALL)
    for std in (0.05, 0.3):
        net = setup.net(std)
        ref = srnlab.SRN.init(6, 12, 4, output="softmax", std=std, rng=7)
        for name in ("W_in", "W_rec", "W_out"):
            np.testing.assert_allclose(getattr(net, name), getattr(ref, name), rtol=1e-14)
        assert not net.b.any() and not net.c.any()
        assert setup.spectral_radius(std) == pytest.approx(ref.spectral_radius(), rel=1e-10)


def test_flow_matches_bptt_and_q_factor():
    setup = sweeps.Setup(seed=1, **SMALL)
    f = setup.flow(0.3)
    h = SMALL["h"]
    assert f.delta_norms.shape == f.dW_rec_norms.shape == f.steps_back.shape == (h + 1,)
    res = srnlab.bptt(setup.net(0.3), setup.X, setup.y, h=h)
    T = setup.X.shape[1]
    # index j of the flow is step T-1-j of bptt
    np.testing.assert_allclose(f.delta_norms, res.delta_norms[::-1][:h + 1])
    np.testing.assert_allclose(f.dW_rec_norms, res.dW_rec_norms[T - 1 - h:][::-1])
    assert f.q == pytest.approx(srnlab.q_factor(res.delta, h), rel=1e-12)
    assert f.q == pytest.approx(np.log10(f.delta_norms[0] / f.delta_norms[h]), rel=1e-12)
    assert sweeps.q_at(0.3, seed=1, **SMALL) == pytest.approx(f.q, rel=1e-12)
    g = sweeps.gradient_flow(0.3, seed=1, **SMALL)
    np.testing.assert_array_equal(g.delta_norms, f.delta_norms)


def test_linear_regime_q_is_minus_h_log10_rho():
    """Small weights: f' is about 1, so the signal shrinks by the spectral radius per step."""
    h = 60
    setup = sweeps.Setup(seed=0, n=10, K=40, T=70, h=h)
    f = setup.flow(0.3 / np.sqrt(40))
    assert f.spectral_radius < 0.5
    assert f.q == pytest.approx(-h * np.log10(f.spectral_radius), abs=3.0)


def test_sweep_shapes_and_trends():
    stds = [0.05, 0.2, 0.6]
    sw = sweeps.sweep(stds, seeds=(0, 3), **SMALL)
    assert sw.q.shape == sw.rho.shape == (3, 2)
    assert sw.q_mean.shape == sw.q_sd.shape == sw.rho_mean.shape == (3,)
    assert np.all(np.diff(sw.q, axis=0) < 0)               # larger weights: less vanishing
    ratio = sw.rho / np.asarray(stds)[:, None]             # rho is proportional to std
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio[0], ratio.shape), rtol=1e-10)
    assert sw.row(0.2) == 1
    assert np.all(sw.q_min <= sw.q_mean) and np.all(sw.q_mean <= sw.q_max)
    one = sweeps.sweep([0.2], seeds=3, **SMALL)            # a single int seed is accepted
    assert one.q[0, 0] == pytest.approx(sw.q[1, 1])


def test_underflow_is_inf_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = sweeps.gradient_flow(1e-4, seed=0, n=4, K=12, T=100, h=100)
        assert f.q == np.inf and (f.delta_norms == 0).any()
        sw = sweeps.sweep([1e-4, 0.3], seeds=(0, 1), n=4, K=12, T=100, h=100)
        assert sw.q_mean[0] == np.inf and np.isnan(sw.q_sd[0]) and np.isfinite(sw.q_mean[1])
        fig = Figure()
        dropped = sweeps.draw_flow(fig.subplots(), f, label="tiny")
        assert dropped == int((f.delta_norms == 0).sum() + (f.dW_rec_norms == 0).sum())


def test_text_table():
    out = sweeps.text_table(["reading", "Q"], [["std 0.1", "1.9"], ["variance", "14.5"]])
    lines = out.splitlines()
    assert len(lines) == 4 and lines[1].startswith("---") and "14.5" in lines[3]


@pytest.mark.parametrize("call, words", [
    (lambda: sweeps.gradient_flow(0.0, **SMALL), ["std", "> 0", "0.0"]),
    (lambda: sweeps.gradient_flow(-0.1, **SMALL), ["std", "> 0", "-0.1"]),
    (lambda: sweeps.gradient_flow(float("nan"), **SMALL), ["std", "finite"]),
    (lambda: sweeps.q_at(0.1, seed=-1, **SMALL), ["seed", ">= 0"]),
    (lambda: sweeps.sweep([], **SMALL), ["stds", "non-empty"]),
    (lambda: sweeps.sweep([[0.1, 0.2]], **SMALL), ["stds", "1-d"]),
    (lambda: sweeps.sweep([0.1, 0.0], **SMALL), ["stds", "> 0"]),
    (lambda: sweeps.sweep([0.1], seeds=[], **SMALL), ["seeds", "at least one"]),
    (lambda: sweeps.sweep([0.1], seeds=[1, 1], **SMALL), ["seeds", "distinct"]),
    (lambda: sweeps.temporal_order_batch(5, T=50, h=100), ["too short", "h=100", "T=50"]),
    (lambda: sweeps.Setup(0, **SMALL).net(0), ["std", "> 0"]),
    (lambda: sweeps.sweep([0.1, 0.2], seeds=0, **SMALL).row(0.3), ["std=0.3", "not in this sweep"]),
    (lambda: sweeps.text_table(["a", "b"], [["1"]]), ["as many cells"]),
])
def test_bad_input_raises_value_error(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for w in words:
        assert w in str(info.value), f"message {str(info.value)!r} lacks {w!r}"


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="std"):
        sweeps.gradient_flow("0.1", **SMALL)
    with pytest.raises(TypeError, match="seed"):
        sweeps.sweep([0.1], seeds=[0.5], **SMALL)


def test_flow_curves_are_what_draw_flow_draws():
    f = sweeps.gradient_flow(1e-4, seed=0, n=4, K=12, T=100, h=100)      # with underflowed values
    d, w, dropped = sweeps.flow_curves(f)
    ax = Figure().subplots()
    assert sweeps.draw_flow(ax, f) == dropped > 0
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), d)
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), w)
    assert np.isnan(d).sum() + np.isnan(w).sum() == dropped
