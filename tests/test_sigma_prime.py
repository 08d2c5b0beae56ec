"""The sigmoid feed-forward network of lesson 01 (srnlab.lessons.sigma_prime).

Gradients are checked against central finite differences of an independent,
plain loss function, in float64, to a relative error below 1e-6.
"""
import warnings

import numpy as np
import pytest

from srnlab.lessons import sigma_prime as ff
from conftest import expect_error, rel_err

EPS = 1e-6
TOL = 1e-6


# ---------------------------------------------------------------- an independent reference
def reference_cost(weights, biases, X, Y, cost):
    """The mean cost, written out plainly, example by example."""
    total = 0.0
    for x, y in zip(X, Y):
        a = x
        for W, b in zip(weights, biases):
            a = 1.0 / (1.0 + np.exp(-(a @ W + b)))
        if cost == "quadratic":
            total += 0.5 * np.sum((a - y) ** 2)
        else:
            total += -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))
    return total / len(X)


def numerical(f, arrays):
    """Central differences of f() with respect to every entry of every array (changed in place)."""
    out = []
    for p in arrays:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + EPS
            fp = f()
            p[idx] = old - EPS
            fm = f()
            p[idx] = old
            g[idx] = (fp - fm) / (2 * EPS)
        out.append(g)
    return out


def problem(sizes, cost, seed, batch=5):
    rng = np.random.default_rng(seed)
    net = ff.Network.init(sizes, cost=cost, rng=rng)
    X = rng.uniform(0, 1, (batch, sizes[0]))
    labels = rng.integers(0, sizes[-1], batch)
    return net, X, np.eye(sizes[-1])[labels], labels


# ---------------------------------------------------------------- the sigmoid
def test_sigmoid_matches_the_textbook_formula_and_is_safe_in_the_tails():
    z = np.linspace(-30, 30, 601)
    s = 1 / (1 + np.exp(-z))
    assert np.allclose(ff.sigmoid(z), s, rtol=1e-14, atol=0)
    # s (1 - s) loses digits to cancellation for z >> 0; exp(-z) / (1 + exp(-z))^2 does not
    assert np.allclose(ff.sigmoid_prime(z), np.exp(-z) / (1 + np.exp(-z)) ** 2, rtol=1e-12, atol=0)
    small = np.abs(z) < 5
    assert np.allclose(ff.sigmoid_prime(z[small]), (s * (1 - s))[small], rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = np.array([-1e4, -800.0, 800.0, 1e4])
        assert np.all(np.isfinite(ff.sigmoid(big))) and np.all(ff.sigmoid_prime(big) >= 0)
    assert ff.sigmoid_prime(-40.0) > 0          # relative precision in the tails


def test_sigma_prime_peaks_at_one_quarter():
    z = np.linspace(-10, 10, 20001)
    sp = ff.sigmoid_prime(z)
    assert sp.max() == 0.25 and z[np.argmax(sp)] == 0.0


# ---------------------------------------------------------------- backprop
@pytest.mark.parametrize("cost", ff.COSTS)
@pytest.mark.parametrize("sizes", [[3, 2], [4, 5, 3], [5, 4, 4, 3, 2]])
def test_gradients_match_finite_differences(cost, sizes):
    net, X, Y, labels = problem(sizes, cost, seed=len(sizes) + 10 * (cost == "quadratic"))
    res = ff.backprop(net, X, labels)
    assert res.loss == pytest.approx(reference_cost(net.weights, net.biases, X, Y, cost), rel=1e-12)
    f = lambda: reference_cost(net.weights, net.biases, X, Y, cost)  # noqa: E731
    num_W = numerical(f, net.weights)
    num_b = numerical(f, net.biases)
    for l in range(net.n_layers):
        assert res.grad_W[l].shape == net.weights[l].shape
        assert res.grad_b[l].shape == net.biases[l].shape
        assert rel_err(res.grad_W[l], num_W[l]) < TOL, f"dC/dW^{l + 1}"
        assert rel_err(res.grad_b[l], num_b[l]) < TOL, f"dC/db^{l + 1}"


@pytest.mark.parametrize("cost", ff.COSTS)
def test_delta_is_each_examples_dC_dz(cost):
    """delta^l[i] = dC_i/dz^l for example i, i.e. the gradient of example i's cost w.r.t. b^l."""
    net, X, Y, labels = problem([4, 3, 3, 2], cost, seed=3, batch=4)
    res = ff.backprop(net, X, Y)
    for i in range(len(X)):
        f = lambda: reference_cost(net.weights, net.biases, X[i:i + 1], Y[i:i + 1], cost)  # noqa: E731
        for l, g in enumerate(numerical(f, net.biases)):
            assert res.delta[l].shape == (len(X), net.sizes[l + 1])
            assert rel_err(res.delta[l][i], g) < TOL
    for l in range(net.n_layers):
        assert np.allclose(res.grad_b[l], res.delta[l].mean(axis=0))
    assert np.allclose(res.speeds, [np.linalg.norm(g) for g in res.grad_b])
    assert np.array_equal(res.hidden_speeds, res.speeds[:-1])


def test_labels_and_one_hot_targets_agree():
    net, X, Y, labels = problem([4, 3, 3], "cross_entropy", seed=5)
    a, b = ff.backprop(net, X, labels), ff.backprop(net, X, Y)
    assert a.loss == b.loss and all(np.array_equal(g, h) for g, h in zip(a.grad_W, b.grad_W))


def test_cross_entropy_is_finite_for_saturated_outputs():
    net = ff.Network([np.full((2, 2), 50.0)], [np.zeros(2)])
    res = ff.backprop(net, np.ones((1, 2)), np.array([[0.0, 1.0]]))
    assert np.isfinite(res.loss) and res.loss == pytest.approx(100.0)


def test_init_scales():
    net = ff.Network.init([400, 300, 10], rng=0)
    assert net.sizes == [400, 300, 10] and net.n_layers == 2
    assert net.weights[0].std() == pytest.approx(1 / np.sqrt(400), rel=0.02)
    assert net.biases[0].std() == pytest.approx(1.0, rel=0.2)
    big = ff.Network.init([400, 300, 10], init="standard", rng=0)
    assert big.weights[0].std() == pytest.approx(1.0, rel=0.02)
    again = ff.Network.init([400, 300, 10], rng=0)
    assert np.array_equal(net.weights[1], again.weights[1])


# ---------------------------------------------------------------- the chain of single neurons
def test_chain_gradient_matches_finite_differences_and_the_product_formula():
    rng = np.random.default_rng(7)
    w, b = rng.normal(0, 2, 6), rng.normal(0, 1, 6)
    c = ff.chain(w, b, a0=0.3, dC_daL=1.7)

    def a_last():
        return ff.chain(w, b, a0=0.3).a[-1]
    num = numerical(lambda: 1.7 * a_last(), [b])[0]
    assert rel_err(c.grad_b, num) < TOL
    sp = ff.sigmoid_prime(c.z)
    assert np.allclose(c.factors, w * sp)
    # dC/db_1 = sigma'(z_1) w_2 sigma'(z_2) ... w_L sigma'(z_L) dC/da_L
    assert c.grad_b[0] == pytest.approx(sp[0] * np.prod(c.factors[1:]) * 1.7, rel=1e-12)
    assert np.allclose(c.z, w * np.r_[0.3, c.a[:-1]] + b)


def test_chain_exploding_example():
    c = ff.chain(100.0, -100 * np.r_[0.2, np.full(3, 0.5)], a0=0.2)
    assert np.all(c.z == 0) and np.all(c.factors == 25.0)
    assert c.grad_b[0] == 0.25 * 25.0 ** 3


def test_chain_with_numbers_needs_depth():
    assert ff.chain(1.0, 0.0, depth=5).depth == 5
    with pytest.raises(ValueError, match="give depth"):
        ff.chain(1.0, 0.0)
    with pytest.raises(ValueError, match="disagree"):
        ff.chain([1.0, 2.0], [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="disagree"):
        ff.chain([1.0, 2.0], 0.0, depth=3)
    with pytest.raises(ValueError, match="w contains 1 NaN"):
        ff.chain([1.0, np.nan], 0.0)
    with pytest.raises(ValueError, match="a0 must be finite"):
        ff.chain(1.0, 0.0, a0=np.inf, depth=2)


# ---------------------------------------------------------------- SGD
def test_one_full_batch_step_is_gradient_descent_with_weight_decay():
    net, X, Y, labels = problem([4, 3, 2], "quadratic", seed=11, batch=6)
    before = net.copy()
    res = ff.backprop(before, X, Y)
    hist = ff.sgd(net, X, Y, epochs=1, batch_size=6, eta=0.5, lmbda=0.3, rng=0)
    decay = 1 - 0.5 * 0.3 / 6
    for l in range(2):
        assert np.allclose(net.weights[l], decay * before.weights[l] - 0.5 * res.grad_W[l])
        assert np.allclose(net.biases[l], before.biases[l] - 0.5 * res.grad_b[l])
    assert hist.speeds.shape == (2, 2) and hist.loss.shape == (2,) and hist.accuracy.shape == (2,)
    assert np.allclose(hist.speeds[0], res.speeds) and hist.loss[0] == pytest.approx(res.loss)
    assert hist.loss[1] < hist.loss[0]


def test_sgd_is_reproducible_and_learns_digits():
    X, labels = ff.load_digits()
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 1 and set(labels) == set(range(10))
    runs = []
    for _ in range(2):
        net = ff.Network.init([64, 20, 10], rng=0)
        runs.append(ff.sgd(net, X[:500], labels[:500], epochs=5, batch_size=10, eta=1.0, rng=1))
    assert np.array_equal(runs[0].speeds, runs[1].speeds)
    assert runs[0].accuracy[-1] > 0.8 and runs[0].hidden_speeds.shape == (6, 1)


# ---------------------------------------------------------------- bad input
def expect(*words):
    """pytest.raises(ValueError) whose message holds every word."""
    return expect_error(ValueError, *words)


@pytest.fixture
def net():
    return ff.Network.init([4, 3, 2], rng=0)


def test_wrong_input_width(net):
    with expect("5 features", "n_in=4"):
        ff.backprop(net, np.zeros((2, 5)), [0, 1])


def test_one_example_as_1d(net):
    with expect("2-d", "X[None]"):
        net.predict(np.zeros(4))


def test_nan_input(net):
    with expect("X contains 1 NaN"):
        ff.backprop(net, np.array([[0, 1, np.nan, 0.0]]), [0])


def test_batch_size_mismatch(net):
    with expect("3 examples", "2 rows"):
        ff.backprop(net, np.zeros((3, 4)), [0, 1])


def test_label_out_of_range(net):
    with expect("[0, 1]", "[0, 2]"):
        ff.backprop(net, np.zeros((2, 4)), [0, 2])


def test_targets_outside_unit_interval(net):
    with expect("[0, 1]", "sigmoid"):
        ff.backprop(net, np.zeros((1, 4)), [[2.0, 0.0]])


def test_unknown_cost():
    with expect("'crossentropy'", "'cross_entropy'", "Did you mean"):
        ff.Network.init([4, 2], cost="crossentropy")


def test_too_few_sizes():
    with expect("at least an input and an output"):
        ff.Network.init([4])


def test_zero_width_layer():
    with expect("sizes[1]", ">= 1"):
        ff.Network.init([4, 0, 2])


def test_shapes_that_do_not_chain():
    with expect("weights[1]", "must chain"):
        ff.Network([np.zeros((4, 3)), np.zeros((2, 2))], [np.zeros(3), np.zeros(2)])


def test_bias_of_wrong_shape():
    with expect("biases[0]", "(3,)"):
        ff.Network([np.zeros((4, 3))], [np.zeros(4)])


def test_batch_larger_than_data(net):
    with expect("batch_size=10", "4 examples"):
        ff.sgd(net, np.zeros((4, 4)), [0, 1, 0, 1], epochs=1, batch_size=10, eta=0.1)


def test_zero_learning_rate(net):
    with expect("eta", "> 0"):
        ff.sgd(net, np.zeros((4, 4)), [0, 1, 0, 1], epochs=1, batch_size=2, eta=0.0)


# ---------------------------------------------------------------- Nielsen's exercises (section 4)
def test_largest_factor_is_the_grid_maximum():
    a = np.linspace(-20, 20, 400001)
    for w, b in ((0.7, 0.0), (-3.0, 1.2), (8.0, -2.5)):
        grid_max = np.max(np.abs(w * ff.sigmoid_prime(w * a + b)))
        assert ff.largest_factor(w) == pytest.approx(grid_max, rel=1e-6)
    assert np.array_equal(ff.largest_factor([-8.0, 2.0]), [2.0, 0.5])


def test_window_width_is_the_counted_window():
    a = np.linspace(-2, 2, 400001)
    da = a[1] - a[0]
    for w, b in ((4.5, 0.3), (-6.9, -1.0), (20.0, 2.0)):
        counted = np.count_nonzero(np.abs(w * ff.sigmoid_prime(w * a + b)) >= 1) * da
        assert ff.window_width(w) == pytest.approx(counted, abs=2 * da)
    assert np.array_equal(ff.window_width([0.0, 3.99, 4.0]), [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="finite"):
        ff.window_width(np.inf)


def test_exercise_checkers_accept_answers_and_name_slips():
    assert ff.check_largest_factor(lambda w: abs(w) / 4)
    r = ff.check_largest_factor(lambda w: w / 4)
    assert not r and "absolute value" in r.message
    r = ff.check_largest_factor(lambda w: 0.25)
    assert not r and "w times sigma'" in r.message

    def width(w):
        w = abs(w)
        r = np.sqrt(1 - 4 / w)
        return 2 / w * np.log((1 + r) / (1 - r))
    assert ff.check_window_width(width)
    assert ff.check_window_width(lambda w: float(ff.window_width(w)))
    for wrong, hint in ((lambda w: width(w) * abs(w), "divide by |w|"),
                        (lambda w: width(w) / 2, "half the window"),
                        (lambda w: width(w) / np.log(10), "natural log"),
                        (lambda w: 2 / w * np.log(abs(w) * (1 + np.sqrt(1 - 4 / abs(w))) / 2 - 1), "absolute value")):
        r = ff.check_window_width(wrong)
        assert not r and hint in r.message, r.message

    def stub(w):
        raise NotImplementedError
    assert "not implemented" in ff.check_window_width(stub).message
    assert "not implemented" in ff.check_largest_factor(stub).message


# ---------------------------------------------------------------- the demos
def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def test_chain_demo_fits_the_data_at_rest_and_only_grows_its_limits_while_dragging():
    fig = _figure()
    update = ff.build_chain(fig, a0=0.5)
    assert update(w=0.8, b=0.0, depth=10).startswith("a0 = 0.5. Every factor is < 1")   # the first picture
    ax1, ax2 = fig.axes
    log_g = np.log10(np.abs(ff.chain(0.8, 0.0, a0=0.5, depth=10).grad_b))
    assert ax1.get_xlim() == (0.4, 10.6) and ax1.get_ylim() == pytest.approx((-1.3, 0.5))
    lo, hi = ax2.get_ylim()
    assert lo < log_g.min() and hi > np.log10(0.25) and hi - lo < 1.2 * (np.log10(0.25) - log_g.min())
    limits = [ax.get_ylim() for ax in fig.axes]
    update(w=0.7, b=0.0, depth=8, resting=False)         # a drag inside the limits: they stay
    assert [ax.get_ylim() for ax in fig.axes] == limits and ax1.get_xlim() == (0.4, 10.6)
    update(w=8.0, b=-3.0, depth=30, resting=False)       # leaves them: they grow, in round steps
    g_lo, g_hi = ax2.get_ylim()
    assert ax1.get_xlim() == (0.4, 30.6) and g_lo <= lo and g_hi >= hi and g_lo == round(g_lo)
    assert "factors are >= 1" in update(w=8.0, b=-3.0, depth=30, resting=True)    # at rest: they fit again
    assert ax1.get_xlim() == (0.4, 30.6) and ax2.get_ylim()[1] - ax2.get_ylim()[0] < g_hi - g_lo
    assert "exactly 0" in update(w=0.0, b=0.0, depth=3)


def test_speed_demo_shows_the_reference_and_its_legend_only_where_given():
    fig = _figure()
    speeds = {d: np.geomspace(0.25 ** d, 0.25, d) for d in (1, 2, 3)}
    update = ff.build_speeds(fig, speeds, {2: [0.05, 0.3]})
    (ax,) = fig.axes
    legends = [a for a in ax.get_children() if type(a).__name__ == "Legend"]
    assert update(2) == ""
    assert [len(g.get_texts()) for g in legends if g.get_visible()] == [3]
    update(3)
    assert [len(g.get_texts()) for g in legends if g.get_visible()] == [2]
    assert ax.get_title() == "3 hidden layers: the first learns\n16 times slower than the last"
    assert ax.get_ylim() == (-8.0, 0.5) and list(ax.get_xticks()) == [1, 2, 3]
