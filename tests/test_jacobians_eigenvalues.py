"""srnlab.lessons.jacobians_eigenvalues (lesson 03) against direct computation, and its input checks."""
import numpy as np
import pytest

import srnlab
from srnlab.lessons import jacobians_eigenvalues as J


def direct_delta(delta_k, W_rec, z, fprime, h):
    """delta(k-h) by forming every Jacobian J(n) = W_rec^T diag(f'(a(n-1))) as a matrix."""
    k = len(z) - 1
    out = np.array(delta_k, float)
    for n in range(k, k - h, -1):
        out = out @ (W_rec.T @ np.diag(fprime[n - 1]))
    return out


# ---------------------------------------------------------------- random_matrix
@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("rho", [0.3, 1.0, 7.5])
def test_random_matrix_has_the_prescribed_spectral_radius(rho, symmetric):
    M = J.random_matrix(12, rho, rng=0, symmetric=symmetric)
    assert M.shape == (12, 12)
    assert np.max(np.abs(np.linalg.eigvals(M))) == pytest.approx(rho, rel=1e-10)
    assert J.spectral_radius_of(M) == pytest.approx(rho, rel=1e-10)
    if symmetric:
        np.testing.assert_array_equal(M, M.T)


def test_random_matrix_same_seed_different_radius_is_a_multiple():
    A, B = J.random_matrix(8, 1.0, rng=3), J.random_matrix(8, 2.5, rng=3)
    np.testing.assert_allclose(B, 2.5 * A, rtol=1e-12)


# ---------------------------------------------------------------- powers
def test_power_log_norms_match_matrix_power():
    rng = np.random.default_rng(1)
    M, v = J.random_matrix(6, 1.3, rng=rng), rng.normal(size=6)
    logs = J.power_log_norms(v, M, 25)
    want = [np.log10(np.linalg.norm(v @ np.linalg.matrix_power(M, n))) for n in range(26)]
    assert logs.shape == (26,)
    np.testing.assert_allclose(logs, want, rtol=0, atol=1e-10)


def test_power_log_norms_slope_is_log10_spectral_radius():
    M = J.random_matrix(10, 2.0, rng=5, symmetric=True)
    logs = J.power_log_norms(np.ones(10), M, 200)
    assert (logs[-1] - logs[-51]) / 50 == pytest.approx(np.log10(2.0), abs=1e-6)


def test_power_log_norms_beyond_float64_range():
    """A direct product overflows to inf; the rescaled one keeps counting."""
    M = J.random_matrix(5, 100.0, rng=2, symmetric=True)
    v = np.ones(5)
    logs = J.power_log_norms(v, M, 400)
    assert np.all(np.isfinite(logs)) and logs[-1] > 700
    with np.errstate(over="ignore", invalid="ignore"):
        direct = np.linalg.norm(v @ np.linalg.matrix_power(M, 400))
    assert not np.isfinite(direct)


def test_power_log_norms_nilpotent_gives_minus_inf():
    M = np.array([[0.0, 1.0], [0.0, 0.0]])
    logs = J.power_log_norms(np.array([1.0, 0.0]), M, 4)
    assert logs[0] == 0 and logs[1] == 0 and np.all(logs[2:] == -np.inf)


def test_top_left_eigenvector_and_alignment():
    M = J.random_matrix(8, 1.0, rng=1, symmetric=True)
    u, lam, ratio = J.top_left_eigenvector(M)
    np.testing.assert_allclose(u @ M, lam * u, atol=1e-12)
    assert abs(lam) == pytest.approx(1.0) and 0 <= ratio < 1
    v = np.random.default_rng(0).normal(size=8)
    cos = J.alignment(v, M, 300)
    x = v.copy()
    for n in (0, 1, 7):
        x = v @ np.linalg.matrix_power(M, n)
        assert cos[n] == pytest.approx(abs(x @ u) / np.linalg.norm(x), abs=1e-12)
    assert cos[-1] > 1 - 1e-9


def test_top_left_eigenvector_is_left_not_right():
    M = np.array([[2.0, 1.0], [0.0, 0.5]])          # not symmetric: left != right eigenvector
    u, lam, ratio = J.top_left_eigenvector(M)
    assert lam == pytest.approx(2.0) and ratio == pytest.approx(0.25)
    np.testing.assert_allclose(u @ M, 2.0 * u, atol=1e-12)


# ---------------------------------------------------------------- an SRN's Jacobians
def test_derivative_values():
    a = np.linspace(-6, 6, 1001)
    np.testing.assert_allclose(J.derivative(np.tanh(a), "tanh"), 1 / np.cosh(a) ** 2, atol=1e-12)
    s = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(J.derivative(s, "sigmoid"), np.exp(-a) / (1 + np.exp(-a)) ** 2, atol=1e-12)
    assert J.derivative(np.tanh(a), "tanh").max() == pytest.approx(1.0)
    assert J.derivative(s, "sigmoid").max() == pytest.approx(0.25)
    np.testing.assert_array_equal(J.derivative(s, "linear"), np.ones_like(s))


def test_states_match_srn_forward_for_tanh():
    rng = np.random.default_rng(2)
    net = srnlab.SRN.init(3, 6, 1, std=0.7, rng=rng)
    net.b = rng.normal(0, 0.2, 6)
    X = rng.normal(size=(1, 9, 3))
    z = J.states(X[0], net.W_in, net.W_rec, net.b, "tanh")
    np.testing.assert_allclose(z, net.forward(X).z[0], atol=1e-14)


def test_states_sigmoid_by_hand():
    rng = np.random.default_rng(3)
    X, W_in, W_rec = rng.normal(size=(5, 2)), rng.normal(size=(2, 4)), rng.normal(size=(4, 4))
    z = J.states(X, W_in, W_rec, nonlinearity="sigmoid")
    prev = np.zeros(4)
    for t in range(5):
        prev = 1 / (1 + np.exp(-(X[t] @ W_in + prev @ W_rec)))
        np.testing.assert_allclose(z[t], prev, atol=1e-15)
    big = J.states(np.full((3, 1), -1e3), np.ones((1, 2)), np.zeros((2, 2)), nonlinearity="sigmoid")
    assert np.all(np.isfinite(big)) and np.all(big >= 0)


@pytest.mark.parametrize("nonlinearity", ["linear", "tanh", "sigmoid"])
def test_jacobian_log_norms_match_the_product_of_jacobian_matrices(nonlinearity):
    rng = np.random.default_rng(4)
    T, K = 12, 5
    W_rec = rng.normal(0, 0.8, (K, K))
    X, W_in = rng.normal(size=(T, 2)), rng.normal(size=(2, K))
    z = J.states(X, W_in, W_rec, nonlinearity="tanh" if nonlinearity == "linear" else nonlinearity)
    fprime = J.derivative(z, nonlinearity)
    d = rng.normal(size=K)
    logs = J.jacobian_log_norms(d, W_rec, z, nonlinearity)
    assert logs.shape == (T,)
    want = [np.log10(np.linalg.norm(direct_delta(d, W_rec, z, fprime, h))) for h in range(T)]
    np.testing.assert_allclose(logs, want, rtol=0, atol=1e-10)


def test_jacobian_log_norms_match_bptt():
    rng = np.random.default_rng(5)
    net = srnlab.SRN.init(3, 7, 2, std=0.6, rng=rng)
    X, y = rng.normal(size=(1, 15, 3)), rng.normal(size=(1, 2))
    res = srnlab.bptt(net, X, y)
    delta = res.delta[0]
    logs = J.jacobian_log_norms(delta[-1], net.W_rec, res.z[0], "tanh")
    np.testing.assert_allclose(logs, np.log10(np.linalg.norm(delta[::-1], axis=1)), atol=1e-10)


def test_jacobian_log_norms_saturated_units_give_minus_inf():
    z = np.ones((4, 3))                               # tanh saturated exactly: f' = 0
    logs = J.jacobian_log_norms(np.ones(3), np.eye(3), z, "tanh")
    assert logs[0] == pytest.approx(np.log10(np.sqrt(3))) and np.all(logs[1:] == -np.inf)


def test_sigmoid_obeys_the_norm_bound():
    rng = np.random.default_rng(6)
    K, T = 8, 40
    W = J.random_matrix(K, 3.0, rng=rng)
    z = J.states(rng.normal(size=(T, 2)), rng.normal(size=(2, K)), W, nonlinearity="sigmoid")
    logs = J.jacobian_log_norms(rng.normal(size=K), W, z, "sigmoid")
    bound = np.arange(T) * np.log10(np.linalg.norm(W, 2) / 4)
    assert np.all(logs - logs[0] <= bound + 1e-9)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, words", [
    (lambda: J.random_matrix(0, 1.0), ["K", ">= 1"]),
    (lambda: J.random_matrix(4, 0.0), ["spectral_radius", "> 0"]),
    (lambda: J.random_matrix(4, -1.0), ["spectral_radius", "> 0"]),
    (lambda: J.power_log_norms(np.ones(3), np.ones((3, 4)), 5), ["square", "(3, 4)"]),
    (lambda: J.power_log_norms(np.ones(4), np.eye(3), 5), ["shape (3,)", "(4,)"]),
    (lambda: J.power_log_norms(np.zeros(3), np.eye(3), 5), ["zero vector"]),
    (lambda: J.power_log_norms(np.ones(3), np.eye(3), 0), ["n_steps", ">= 1"]),
    (lambda: J.power_log_norms(np.ones(3), np.full((3, 3), np.nan), 2), ["NaN"]),
    (lambda: J.top_left_eigenvector(np.array([[0.0, -1.0], [1.0, 0.0]])), ["complex"]),
    (lambda: J.top_left_eigenvector(np.diag([1.0, -1.0])), ["two eigenvalues"]),
    (lambda: J.top_left_eigenvector(np.array([[0.0, 1.0], [0.0, 0.0]])), ["nilpotent"]),
    (lambda: J.derivative(np.zeros(3), "relu"), ["nonlinearity", "'tanh'"]),
    (lambda: J.states(np.ones((4, 2)), np.ones((2, 3)), np.eye(3), nonlinearity="linear"), ["linear"]),
    (lambda: J.states(np.ones(4), np.ones((1, 3)), np.eye(3)), ["(T, n_in)"]),
    (lambda: J.states(np.ones((4, 2)), np.ones((3, 3)), np.eye(3)), ["W_in", "(2, 3)"]),
    (lambda: J.states(np.ones((4, 2)), np.ones((2, 3)), np.eye(3), b=np.ones(2)), ["b", "(3,)"]),
    (lambda: J.jacobian_log_norms(np.ones(3), np.eye(3), np.ones((5, 4))), ["z", "(T, 3)"]),
    (lambda: J.jacobian_log_norms(np.ones(3), np.eye(3), np.ones((1, 3))), ["T >= 2"]),
    (lambda: J.jacobian_log_norms(np.ones(2), np.eye(3), np.ones((5, 3))), ["delta_k", "(3,)"]),
    (lambda: J.jacobian_log_norms(np.ones(3), np.eye(3), np.ones((5, 3)), "sigmoidal"), ["'sigmoid'"]),
])
def test_bad_input_raises_a_clear_value_error(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for w in words:
        assert w in str(info.value), f"message {str(info.value)!r} lacks {w!r}"


# ---------------------------------------------------------------- the picture: draw_jacobian_chain
@pytest.fixture
def course_style():
    """The course's figure style (plotting.use_style), undone after the test."""
    import matplotlib as mpl

    from srnlab.course import plotting

    with mpl.rc_context():
        plotting.use_style()
        yield


def _axes(figsize=(11, 2.8)):
    """A frameless Axes on a figure that no pyplot window ever sees."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").subplots()


@pytest.mark.parametrize("h", [1, 4, 6])
@pytest.mark.parametrize("with_norms", [False, True])
def test_draw_jacobian_chain_draws_without_warnings(h, with_norms, course_style):
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ax = _axes((11 + 1.6 * max(h - 4, 0), 2.8))
    norms = 0.7 * 0.3 ** np.arange(h + 1) if with_norms else None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert J.draw_jacobian_chain(ax, h=h, norms=norms) is ax
        FigureCanvasAgg(ax.figure).draw()                      # parses every mathtext label
    assert not ax.axison
    assert min(t.get_fontsize() for t in ax.texts) >= 11


def test_draw_jacobian_chain_puts_the_expected_labels(course_style):
    ax = J.draw_jacobian_chain(_axes(), h=3, norms=[1.0, 0.25, 0.0, 3e-7])
    labels = [t.get_text() for t in ax.texts]
    for node in (r"$\delta(k)$", r"$\delta(k-1)$", r"$\delta(k-2)$", r"$\delta(k-3)$"):
        assert node in labels
    assert [s for s in labels if s.startswith("$J(")][:3] == ["$J(k)$", "$J(k-1)$", "$J(k-2)$"]
    assert r"$\delta(k-3) = \delta(k)\,J(k)\,J(k-1)\,J(k-2)$   (eq. 10)" in labels
    assert any(r"J(n) = W_{rec}^\top" in s and r"\mathrm{diag}(f'(a(n-1)))" in s for s in labels)
    norms = [s for s in labels if s.startswith(r"$\Vert\delta\Vert")]
    assert norms == [r"$\Vert\delta\Vert = 1$", r"$\Vert\delta\Vert = 0.25$", r"$\Vert\delta\Vert = 0$",
                     r"$\Vert\delta\Vert = 3.00\times 10^{-7}$"]             # in steps back, j = 0 .. h
    assert all(t.get_fontsize() == 13 for t in ax.texts)


def test_draw_jacobian_chain_long_product_uses_dots_and_no_norms_by_default(course_style):
    labels = [t.get_text() for t in J.draw_jacobian_chain(_axes((14, 2.8)), h=6).texts]
    assert r"$\delta(k-6) = \delta(k)\,J(k)\,J(k-1)\,\cdots\,J(k-5)$   (eq. 10)" in labels
    assert not any(r"\Vert" in s for s in labels)


@pytest.mark.parametrize("call, exc, words", [
    (lambda: J.draw_jacobian_chain(_axes(), h=0), ValueError, ["h (the number of Jacobians drawn)", ">= 1"]),
    (lambda: J.draw_jacobian_chain(_axes(), h=7), ValueError, ["from 1 to 6", "got 7"]),
    (lambda: J.draw_jacobian_chain(_axes(), h=2.0), TypeError, ["h (the number of Jacobians drawn) must be an integer"]),
    (lambda: J.draw_jacobian_chain(None, h=2), TypeError, ["ax must be a matplotlib Axes", "NoneType"]),
    (lambda: J.draw_jacobian_chain(_axes(), h=4, norms=np.ones(4)), ValueError, ["h + 1 = 5", "j = 0 .. 4", "(4,)"]),
    (lambda: J.draw_jacobian_chain(_axes(), h=2, norms=np.ones((3, 1))), ValueError, ["h + 1 = 3", "(3, 1)"]),
    (lambda: J.draw_jacobian_chain(_axes(), h=2, norms=[1.0, -0.5, 0.1]), ValueError, ["norms must be >= 0"]),
    (lambda: J.draw_jacobian_chain(_axes(), h=2, norms=[1.0, np.nan, 0.1]), ValueError, ["norms contains 1 NaN"]),
    (lambda: J.draw_jacobian_chain(_axes(), h=2, norms=["1", "2", "3"]), TypeError, ["norms must be a numeric array"]),
    (lambda: J.draw_jacobian_chain(_axes(), h=1, norms=[True, False]), TypeError, ["norms must be numbers", "booleans"]),
])
def test_draw_jacobian_chain_refuses_bad_arguments(call, exc, words, course_style):
    from conftest import expect_error

    with expect_error(exc, *words):
        call()


# ---------------------------------------------------------------- the lesson's demo figure
def _demo_signal(rho, nonlinearity, steps, input_scale):
    """A stand-in for the lesson's error_signal: a straight line of slope log10(rho / 2)."""
    j = np.arange(steps + 1)
    ratio = j * np.log10(rho / 2)
    if nonlinearity == "tanh" and input_scale > 5:            # saturated: the signal dies
        ratio[steps // 2:] = -np.inf
    fprime = np.full((steps + 1, 4), 0.25 if nonlinearity == "sigmoid" else 0.5)
    return ratio, fprime


def test_build_signal_demo_moves_curves_and_keeps_limits_while_dragging(course_style):
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    update = J.build_signal_demo(fig, _demo_signal, 2.0, max_steps=400)
    ax1, ax2 = fig.axes
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert update(1.0, "tanh", 100, 0.5) == ""
        fig.canvas.draw()
    signal, linear, bound = ax1.lines
    np.testing.assert_allclose(signal.get_ydata(), np.arange(101) * np.log10(0.5))
    np.testing.assert_allclose(bound.get_ydata(), np.arange(101) * np.log10(2.0))
    lo, hi = np.log10(0.5) * 100, 0.0                         # at rest: the data with a margin of 10%
    pad = 0.1 * (hi - lo + 1)
    assert ax1.get_xlim() == (0, 100) and ax1.get_ylim() == pytest.approx((lo - pad, 1 + pad))
    assert ax1.get_title() == "spectral radius 1, tanh" and ax2.get_title() == "mean f′ = 0.500"
    assert sum(p.get_height() for p in ax2.patches) == pytest.approx(1)
    assert ax1.get_legend().get_texts()[0].get_text() == "tanh network"
    # a drag: new values each frame; the limits change only when the data leaves them
    changes, before = 0, (ax1.get_xlim(), ax1.get_ylim())
    for rho in np.geomspace(1.0, 1.6, 12):
        update(rho, "tanh", 100, 0.5, resting=False)
        now = (ax1.get_xlim(), ax1.get_ylim())
        shown = signal.get_ydata()
        assert now[1][0] <= shown.min() and shown.max() <= now[1][1]
        changes, before = changes + (now != before), now
    assert changes <= 3
    update(1.6, "tanh", 100, 0.5, resting=True)                # the hand rests: the tight limits again
    lo, hi = 100 * np.log10(0.8), 100 * np.log10(1.6)         # the signal's end, the linear prediction's
    pad = 0.1 * (hi - lo + 1)
    assert ax1.get_ylim() == pytest.approx((lo - pad, hi + pad))
    note = update(100.0, "linear", 400, 0.5)                   # rising: the legend moves up
    assert ax1.get_legend()._loc == 2 and ax1.get_legend().get_texts()[0].get_text() == "linear network"
    assert "|log10| > 300" in note
    note = update(30.0, "tanh", 10, 8.0)
    assert "From step 5 back the signal is exactly 0" in note and "6 steps were 0, inf or NaN" in note
    assert update(1.0, "sigmoid", 10, 0.5) == "" and ax2.get_title() == "mean f′ = 0.250"
    assert ax1.get_xlim() == (0, 10)
