"""Bias and variance of truncated and randomized-truncation BPTT (srnlab.lessons.srn_bptt)."""
import numpy as np
import pytest

import srnlab
from srnlab.lessons import srn_bptt as est


@pytest.fixture
def problem():
    rng = np.random.default_rng(3)
    net = srnlab.SRN.init(6, 7, 4, output="softmax", std=0.45, rng=rng)
    X, y = srnlab.tasks.generate("temporal_order", 5, 12, rng=rng)
    return net, X[:, :12], y


def test_contributions_sum_to_the_full_gradient(problem):
    net, X, y = problem
    C, g = est.step_contributions(net, X, y)
    assert C.shape == (12, 7, 7) and g.shape == (7, 7)
    np.testing.assert_allclose(C.sum(axis=0), g, rtol=1e-12, atol=1e-15)
    assert np.all(C[-1] == 0)                                   # z(-1) = 0


def test_truncated_bias_matches_bptt_at_every_depth(problem):
    net, X, y = problem
    C, g = est.step_contributions(net, X, y)
    bias2 = est.truncated_bias2(C)
    T = X.shape[1]
    for h in range(1, T):
        g_h = srnlab.bptt(net, X, y, h=h).grads["W_rec"]
        np.testing.assert_allclose(g_h, C[:h + 1].sum(axis=0), rtol=1e-12, atol=1e-15)
        assert bias2[h] == pytest.approx(np.sum((g_h - g) ** 2), rel=1e-9, abs=1e-30)
    assert bias2[T - 1] == 0.0


def test_randomized_draw_is_the_weighted_sum(problem):
    """Each bptt_randomized draw equals sum_{j <= d} p^-j C_j for its depth d."""
    net, X, y = problem
    C, _ = est.step_contributions(net, X, y)
    p = 0.7
    rng = np.random.default_rng(0)
    for _ in range(20):
        res = srnlab.bptt_randomized(net, X, y, p, rng)
        d = res.depth
        want = sum(p ** -j * C[j] for j in range(d + 1))
        np.testing.assert_allclose(res.grads["W_rec"], want, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("p", [0.3, 0.7, 0.95, 1.0])
def test_exact_variance_by_enumerating_depths(problem, p):
    net, X, y = problem
    C, g = est.step_contributions(net, X, y)
    T = len(C)
    probs = [p ** d * (1 - p) for d in range(T - 1)] + [p ** (T - 1)]
    assert sum(probs) == pytest.approx(1.0)
    mean = sum(q * sum(p ** -j * C[j] for j in range(d + 1)) for d, q in enumerate(probs))
    np.testing.assert_allclose(mean, g, rtol=1e-9, atol=1e-14)          # unbiased
    var = sum(q * np.sum((sum(p ** -j * C[j] for j in range(d + 1)) - g) ** 2)
              for d, q in enumerate(probs))
    assert est.randomized_variance(C, p) == pytest.approx(var, rel=1e-9, abs=1e-30)
    assert np.allclose(est.randomized_variance(C, np.array([p, p])), var, rtol=1e-9, atol=1e-30)


def test_monte_carlo_agrees_with_exact(problem):
    net, X, y = problem
    C, g = est.step_contributions(net, X, y)
    p = 0.8
    draws, depths = est.randomized_draws(net, X, y, p, 3000, rng=1)
    mc = est.monte_carlo(draws, g)
    exact = est.randomized_variance(C, p)
    assert mc.variance == pytest.approx(exact, rel=0.15)
    assert abs(mc.proj_mean - 1) < 4 * mc.proj_se
    assert mc.mean_error2 < 5 * exact / mc.n
    assert depths.mean() == pytest.approx(est.expected_depth(p, len(C)), rel=0.05)


def test_matched_p():
    T = 30
    for h in (1, 2.5, 10, 28):
        p = est.matched_p(h, T)
        assert est.expected_depth(p, T) == pytest.approx(h, rel=1e-9)
        assert p >= h / (h + 1) - 1e-12                 # the cap at T-1 only raises p
    assert est.matched_p(T - 1, T) == 1.0
    ps = est.matched_p(np.arange(1, T), T)
    assert ps.shape == (T - 1,) and np.all(np.diff(ps) > 0)
    with pytest.raises(ValueError):
        est.matched_p(T, T)
    with pytest.raises(ValueError):
        est.matched_p(0, T)


def test_estimator_stats_shapes_and_ends(problem):
    net, X, y = problem
    s = est.estimator_stats(net, X, y)
    T = X.shape[1]
    assert s.h.tolist() == list(range(1, T))
    assert s.bias2_truncated.shape == s.var_randomized.shape == s.p.shape == (T - 1,)
    assert s.contrib_norms.shape == (T,)
    assert s.bias2_truncated[-1] == 0 and s.var_randomized[-1] == 0   # h = T-1 is full BPTT
    assert np.all(s.var_randomized[:-1] > 0)


def test_bad_input(problem):
    net, X, y = problem
    C, g = est.step_contributions(net, X, y)
    for p in (0.0, -0.1, 1.5, np.nan):
        with pytest.raises(ValueError):
            est.randomized_variance(C, p)
    with pytest.raises(ValueError):
        est.monte_carlo(np.zeros((1, 7, 7)), g)
    with pytest.raises(TypeError):
        est.randomized_draws(net, X, y, 0.5, 2.5)
    assert est.randomized_variance(C, 1e-300) == np.inf                 # overflow: inf, no warning


# ---------------------------------------------------------------- the picture: draw_unrolled
@pytest.fixture
def course_style():
    """The course's figure style (plotting.use_style), undone after the test."""
    import matplotlib as mpl

    from srnlab.course import plotting

    with mpl.rc_context():
        plotting.use_style()
        yield


def _axes(figsize=(11.5, 4.5)):
    """A frameless Axes on a figure that no pyplot window ever sees."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").subplots()


def _render(ax):
    """Draw the figure with Agg, so that every mathtext label is parsed (a bad one raises)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ax.figure
    FigureCanvasAgg(fig).draw()


@pytest.mark.parametrize("T", [1, 2, 4, 6])
@pytest.mark.parametrize("backward", [True, False])
def test_draw_unrolled_draws_without_warnings(T, backward, course_style):
    import warnings

    ax = _axes((11.5 + 1.6 * max(T - 4, 0), 4.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert est.draw_unrolled(ax, T=T, backward=backward) is ax
        _render(ax)
    assert not ax.axison and ax.get_aspect() == 1.0
    assert min(t.get_fontsize() for t in ax.texts) >= 11             # readable at the documented sizes


def test_draw_unrolled_puts_the_expected_labels(course_style):
    ax = est.draw_unrolled(_axes(), T=4)
    labels = [t.get_text() for t in ax.texts]
    for t in range(4):
        assert f"$x({t})$" in labels and rf"$\delta({t})$" in labels
        assert any(f"a({t})" in s and f"z({t})" in s for s in labels)
    assert labels.count("$W_{rec}$") == 4 and labels.count("$W_{in}$") == 4      # shared: one per step
    assert "$z(-1) = 0$" in labels and "$E$" in labels
    assert labels.count(r"$o = z(3)\,W_{out} + c$") == 1                         # many-to-one: one output
    assert [s for s in labels if s.startswith("$J(")] == ["$J(3)$", "$J(2)$", "$J(1)$"]
    assert any(r"J(t) = W_{rec}^\top" in s and "diag" in s for s in labels)
    assert any(r"\partial E/\partial a(t)" in s for s in labels)
    assert all(t.get_fontsize() == 13 for t in ax.texts)                        # the style's font.size


def test_draw_unrolled_forward_only_has_no_backward_labels(course_style):
    ax = est.draw_unrolled(_axes(), T=3, backward=False)
    labels = " ".join(t.get_text() for t in ax.texts)
    assert r"\delta" not in labels and "J(" not in labels and "$x(2)$" in labels


def test_draw_unrolled_shrinks_its_labels_only_when_the_axes_is_small(course_style):
    big = est.draw_unrolled(_axes(), T=4, fontsize=12)
    assert {t.get_fontsize() for t in big.texts} == {12}
    small = est.draw_unrolled(_axes((5, 2.5)), T=4)
    assert max(t.get_fontsize() for t in small.texts) < 11


@pytest.mark.parametrize("call, exc, words", [
    (lambda: est.draw_unrolled(_axes(), T=0), ValueError, ["T (the number of steps drawn)", ">= 1", "got 0"]),
    (lambda: est.draw_unrolled(_axes(), T=7), ValueError, ["from 1 to 6", "got 7"]),
    (lambda: est.draw_unrolled(_axes(), T=2.5), TypeError, ["T (the number of steps drawn) must be an integer"]),
    (lambda: est.draw_unrolled("ax", T=4), TypeError, ["ax must be a matplotlib Axes", "str"]),
    (lambda: est.draw_unrolled(_axes(), T=4, backward="yes"), TypeError, ["backward must be True or False"]),
    (lambda: est.draw_unrolled(_axes(), T=4, fontsize=0), ValueError, ["fontsize must be > 0"]),
])
def test_draw_unrolled_refuses_bad_arguments(call, exc, words, course_style):
    from conftest import expect_error

    with expect_error(exc, *words):
        call()


# ---------------------------------------------------------------- the demo: build_bias_variance
def test_bias_variance_demo_shows_the_whole_labels_and_changes_only_artists(problem, course_style):
    """The legend's changing values are annotations placed right after the fixed labels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    net, X, y = problem
    pre = {1.0: (est.estimator_stats(net, X, y), net.spectral_radius())}
    fig = Figure(layout="constrained")
    FigureCanvasAgg(fig)
    update = est.build_bias_variance(fig, pre)
    note = update(h=3, s=1.0, n=20)
    fig.canvas.draw()
    left, right = fig.axes
    legend_texts = left.get_legend().get_texts()
    values = {t.get_text(): t for t in left.texts + right.texts if t.get_text()}
    r = fig.canvas.get_renderer()
    for text, value in [(legend_texts[0], "3)"), (legend_texts[2], f"{pre[1.0][0].p[2]:.2f})")]:
        assert text.get_window_extent(r).x1 == pytest.approx(values[value].get_window_extent(r).x0, abs=1)
    assert "kept by truncation (j ≤ " == legend_texts[0].get_text() and "(bias 0), n = 20" in values
    assert right.get_title() == f"h = 3, matched p = {pre[1.0][0].p[2]:.3f}" and note.startswith("At h = 3")
    children = [list(ax.get_children()) for ax in fig.axes]
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in fig.axes]
    assert update(h=11, s=1.3, n=1).startswith("At h = 11 truncation gives the exact")    # z(-1) = 0
    assert [list(ax.get_children()) for ax in fig.axes] == children
    assert [(ax.get_xlim(), ax.get_ylim()) for ax in fig.axes] == limits
