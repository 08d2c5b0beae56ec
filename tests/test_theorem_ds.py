"""Lesson 06 helpers: the tangent-step checker, the true S, the step curves and the sign sweep."""
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

import srnlab
from srnlab.lessons import theorem_ds as td
from srnlab.course.exercises import CheckResult


def right_step(g, dg, W, dW, fp):
    return (g @ W.T) * fp, (dg @ W.T + g @ dW.T) * fp


def test_checker_accepts_the_answer(capsys):
    result = td.check_tangent_step(right_step)
    assert result and isinstance(result, CheckResult)
    assert "PASSED" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda g, dg, W, dW, fp: ((g @ W.T) * fp, (dg @ W.T) * fp), "left out g dW_rec^T"),
    (lambda g, dg, W, dW, fp: ((g @ W.T) * fp, (g @ dW.T) * fp), "left out dg W_rec^T"),
    (lambda g, dg, W, dW, fp: ((g @ W.T) * fp, (dg @ W.T + g @ dW) * fp), "dW_rec^T"),
    (lambda g, dg, W, dW, fp: ((g @ W.T) * fp, dg @ W.T + g @ dW.T), "forgot the factor"),
    (lambda g, dg, W, dW, fp: ((g @ W.T) * fp, (dg @ dW.T + g @ W.T) * fp), "swapped the roles"),
    (lambda g, dg, W, dW, fp: ((g @ W) * fp, (dg @ W.T + g @ dW.T) * fp), "g_prev"),
])
def test_checker_names_the_slip(wrong, hint):
    result = td.check_tangent_step(wrong)
    assert not result and hint in result.message


def test_checker_handles_stubs_and_bad_returns():
    def stub(*args):
        raise NotImplementedError
    assert "not implemented" in td.check_tangent_step(stub).message
    one = td.check_tangent_step(lambda g, dg, W, dW, fp: (g @ W.T) * fp)
    assert not one and "two arrays" in one.message
    none = td.check_tangent_step(lambda g, dg, W, dW, fp: (None, None))
    assert not none and "None" in none.message


def problem(scale=1.0, seed=0, K=8, T=14, B=4):
    net = srnlab.SRN.init(6, K, 4, output="softmax", std=scale / np.sqrt(K), rng=seed)
    X, y = srnlab.tasks.generate("temporal_order", B, T, rng=seed + 1)
    return net, X, y


def test_true_s_is_the_old_gradient_and_differs_from_the_frozen_s():
    net, X, y = problem()
    h = 9
    res = srnlab.bptt(net, X, y, h=h)
    S0 = np.sum(res.delta[:, -1 - h] ** 2)
    assert td.true_s(net, X, y, net.W_rec, h) == pytest.approx(S0, rel=1e-14)
    assert srnlab.s_frozen(net, res, net.W_rec, h) == pytest.approx(S0, rel=1e-12)
    W = net.W_rec + 0.3 * np.random.default_rng(0).normal(size=net.W_rec.shape)
    assert td.true_s(net, X, y, W, h) != pytest.approx(srnlab.s_frozen(net, res, W, h), rel=1e-3)
    # the net itself is untouched
    assert np.array_equal(net.W_rec, problem()[0].W_rec)


def test_step_curves_first_and_second_order():
    net, X, y = problem(0.6)
    h = 9
    res = srnlab.bptt(net, X, y, h=h)
    U = -res.grads["W_rec"] / np.linalg.norm(res.grads["W_rec"])
    steps = np.array([1e-6, 1e-5, 1e-4])
    c = td.step_curves(net, X, y, U, h, steps)
    assert c.ds == pytest.approx(srnlab.ds(net, X, y, U, h), rel=1e-14)
    np.testing.assert_allclose(c.predicted, steps * c.ds)
    err = np.abs(c.predicted - c.frozen) / np.abs(c.frozen)
    assert err[0] < 1e-4 and 5 < err[2] / err[0] < 200          # the remainder is O(t^2)
    # against the true S the first-order part is ds_full
    np.testing.assert_allclose(c.true[:2], steps[:2] * c.ds_full, rtol=1e-3)


def test_sign_sweep_shapes_and_limits():
    etas = np.array([1e-5, 1e-2, 10.0])
    sw = td.sign_sweep(etas, scales=(0.6, 1.4), nets_per_scale=6, K=10, T=12, batch=4, seed=3)
    n = 12
    assert sw.true.shape == (n, 3) and sw.predicted.shape == (n, 3) and sw.h == 7
    assert sw.S0.shape == sw.q.shape == sw.ds.shape == sw.ds_full.shape == (n,)
    assert set(sw.task) == {"temporal_order", "addition"}
    assert sw.select(0.6).sum() == 6 and sw.select().sum() == n
    assert sw.fraction_correct(full=True)[0] == 1.0           # first order done right: always right
    f = sw.fraction_correct()
    assert f.shape == (3,) and np.all((0 <= f) & (f <= 1))
    assert np.all(sw.relative_error(full=True)[0] < 0.05)
    mask = sw.q > 1
    assert np.array_equal(sw.select(mask), mask)
    with pytest.raises(ValueError, match="one entry per network"):
        sw.select(np.ones(3, bool))
    again = td.sign_sweep(etas, scales=(0.6, 1.4), nets_per_scale=6, K=10, T=12, batch=4, seed=3)
    np.testing.assert_array_equal(again.true, sw.true)


def test_sign_sweep_rejects_bad_input():
    with pytest.raises(ValueError, match="positive learning rates"):
        td.sign_sweep([0.0, 1.0], nets_per_scale=1)
    with pytest.raises(ValueError, match="at most T-1"):
        td.sign_sweep([1.0], nets_per_scale=1, T=12, h=12)


def test_symlog_axis_draws_without_warnings():
    fig = Figure()
    ax = fig.subplots()
    ax.scatter([-1e5, -1e-3, 0, 1e-2, 3e6], [1, -1, 0, 2e3, -0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lin = td.symlog_threshold([1e-3, 1e5, np.inf, 0.0, np.nan])
        td.symlog_axis(ax, "x", lin, 1e7)
        td.symlog_axis(ax, "y", 1.0, 2.0)                  # narrower than one decade
        fig.canvas.draw()
    assert lin > 0 and td.symlog_threshold([0.0, np.nan]) == 1.0
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "0" in labels and len(labels) <= 7


def test_symlog_axis_keeps_the_first_tick_away_from_0_over_many_decades():
    fig = Figure()
    ax = fig.subplots()
    td.symlog_axis(ax, "x", 1e-6, 7.5e11)              # 18 decades: one decade above the band would crowd 0
    ticks = ax.get_xticks()
    band, span = 1 / (1 - 1 / 10), 1 / (1 - 1 / 10) + np.log10(7.5e11 / 1e-6)
    first = band + np.log10(ticks[ticks > 0].min() / 1e-6)          # its place, in decades from 0
    assert first >= span / 5 and ticks.max() <= 7.5e11 and 0 in ticks
    assert [t.get_text() for t in ax.get_xticklabels()] == ["−1e11", "−1e4", "−1e-3", "0", "1e-3", "1e4", "1e11"]


def test_sign_demo_draws_every_group_and_step_size():
    from srnlab.course.widgets import Demo, slider
    import ipywidgets as W

    etas = np.logspace(-3, 1, 5)
    sw = td.sign_sweep(etas, scales=(0.6, 1.4), nets_per_scale=4, K=8, T=12, batch=3, seed=1)
    groups = {"all networks": None, "std = 0.6/√K": 0.6, "std = 1.4/√K": 1.4}
    demo = Demo(lambda fig: td.build_sign_demo(fig, sw, groups), figsize=(11, 4.4),
                eta=slider(1e-3, 10, 1e-2, step=0.25, log=True, description="η"),
                networks=W.Dropdown(options=list(groups), value="all networks"))
    demo.sweep()
    assert "minibatches" in demo.note.value
    demo.controls["eta"].value = 10.0
    right = np.mean(np.sign(sw.predicted[:, -1]) == np.sign(sw.true[:, -1]))
    ax2 = demo.fig.axes[1]
    assert ax2.get_title() == f"η = {etas[-1]:.3g}: sign right (blue) for {right:.0%}"
    # one real symlog range for every eta and group, holding every point of the sweep
    lin, big = td.sign_demo_range(sw)
    rel = np.stack([sw.predicted, sw.true]) / sw.S0[:, None]
    assert ax2.get_xscale() == ax2.get_yscale() == "symlog"
    assert ax2.get_xlim() == ax2.get_ylim() == (-big, big) and big > np.abs(rel).max()
    assert lin == 10.0 ** np.floor(np.log10(td.symlog_threshold(rel[:, :, 0])))   # smallest eta: smallest changes
    # a drag changes only artists (scatter offsets, the dot, titles): blitted, never a full render
    from srnlab.course.widgets import _changed_artists
    for eta in (1e-3, 0.1, 3.0):
        demo.controls["eta"].value = eta
        assert ax2.get_xlim() == ax2.get_ylim() == (-big, big)
        for points in ax2.collections[-2:]:                         # right and wrong signs
            assert np.all(np.abs(points.get_offsets()) < big)
    demo.update(eta=0.01, networks="std = 1.4/√K")
    changed, deep = _changed_artists(demo.fig)
    assert not deep and ax2.collections[-1] in changed


# ---------------------------------------------------------------- exercise 2: dS split by linearity
def right_split(ds_of, v, g, mu, lr):
    return mu * ds_of(v), -lr * ds_of(g)


def test_ds_split_checker_accepts_every_linear_route(capsys):
    assert td.check_ds_split(right_split)
    assert td.check_ds_split(lambda f, v, g, mu, lr: (f(mu * v), f(mu * v - lr * g) - f(mu * v)))
    assert td.check_ds_split(lambda f, v, g, mu, lr: [np.float64(mu * f(v)), np.array(-lr * f(g))])
    assert "PASSED" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda f, v, g, mu, lr: (f(v), -lr * f(g)), "momentum factor"),
    (lambda f, v, g, mu, lr: (mu * f(v), lr * f(g)), "minus sign"),
    (lambda f, v, g, mu, lr: (mu * f(v), -f(g)), "learning rate"),
    (lambda f, v, g, mu, lr: (-lr * f(g), mu * f(v)), "swapped the two parts"),
    (lambda f, v, g, mu, lr: (f(mu * v - lr * g),) * 2, "ADD UP"),
])
def test_ds_split_checker_names_the_slip(wrong, hint):
    result = td.check_ds_split(wrong)
    assert not result and hint in result.message


def test_ds_split_checker_handles_stubs_and_bad_returns():
    def stub(*args):
        raise NotImplementedError
    assert "not implemented" in td.check_ds_split(stub).message
    one = td.check_ds_split(lambda f, v, g, mu, lr: mu * f(v))
    assert not one and "two numbers" in one.message
    text = td.check_ds_split(lambda f, v, g, mu, lr: ("a", "b"))
    assert not text and "two numbers" in text.message
    with pytest.raises(TypeError, match="pass your function"):
        td.check_ds_split(None)


def test_ds_is_linear_in_the_step():
    """What the exercise rests on: dS(mu v - lr g) = mu dS(v) - lr dS(g)."""
    net, X, y = problem()
    res = srnlab.bptt(net, X, y, h=9)
    rng = np.random.default_rng(1)
    v, g = rng.normal(size=net.W_rec.shape), res.grads["W_rec"]
    ds = lambda dW: srnlab.ds(net, X, y, dW, 9, result=res)
    assert ds(0.9 * v - 0.1 * g) == pytest.approx(0.9 * ds(v) - 0.1 * ds(g), rel=1e-10)
