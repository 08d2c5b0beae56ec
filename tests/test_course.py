"""The exercise checkers accept right answers, diagnose common slips; Demo catches failures."""
import numpy as np
import pytest


from srnlab.course import exercises as ex
from srnlab.course.widgets import Demo, slider


def test_backward_step_checker():
    assert ex.check_backward_step(lambda d, W, z: (d @ W.T) * (1 - z ** 2))
    r = ex.check_backward_step(lambda d, W, z: (d @ W) * (1 - z ** 2))
    assert not r and "transpose" in r.message
    r = ex.check_backward_step(lambda d, W, z: d @ W.T)
    assert not r and "f'" in r.message

    def stub(d, W, z):
        raise NotImplementedError
    assert "not implemented yet" in ex.check_backward_step(stub).message


def test_softmax_checker():
    def stable(o, y):
        s = o - o.max(axis=1, keepdims=True)
        return -(s - np.log(np.exp(s).sum(1, keepdims=True)))[np.arange(len(y)), y].mean()

    def naive(o, y):
        p = np.exp(o) / np.exp(o).sum(1, keepdims=True)
        return -np.log(p[np.arange(len(y)), y]).mean()
    assert ex.check_softmax_cross_entropy(stable)
    r = ex.check_softmax_cross_entropy(naive)
    assert not r and "maximum" in r.message


def test_q_factor_checker():
    mean_norm = lambda d, t: np.linalg.norm(d[:, t], axis=1).mean()
    assert ex.check_q_factor(lambda d, h: np.log10(mean_norm(d, -1)) - np.log10(mean_norm(d, -1 - h)))
    r = ex.check_q_factor(lambda d, h: np.log10(mean_norm(d, -1 - h)) - np.log10(mean_norm(d, -1)))
    assert not r and "swapped" in r.message
    r = ex.check_q_factor(lambda d, h: np.log10(np.linalg.norm(d[:, -1])) - np.log10(np.linalg.norm(d[:, -1 - h])))
    assert not r and "Frobenius" in r.message


def test_jacobian_and_std_checkers():
    def product(d, W, z, h):
        for n in range(len(z) - 1, len(z) - 1 - h, -1):
            d = (d @ W.T) * (1 - z[n - 1] ** 2)
        return d
    assert ex.check_jacobian_product(product)
    assert ex.check_critical_std(lambda K: 1 / np.sqrt(K))
    r = ex.check_critical_std(lambda K: 1 / K)
    assert not r and "variance" in r.message


def _line_demo(**kw):
    """A demo with a moving curve under a static line and legend, and a title that changes."""
    x = np.linspace(0, 10, 200)

    def build(fig):
        ax = fig.subplots()
        (curve,) = ax.plot(x, np.zeros_like(x), label="curve")
        ax.axhline(0.5, color="k", label="static")
        ax.set_ylim(-1.2, 1.2)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(loc="upper right")

        def update(rho):
            if rho > 1.45:
                raise ValueError("too big")
            curve.set_ydata(np.sin(rho * x))
            ax.set_title(f"rho = {rho:.2f}")
            return f"rho is {rho:.2f}"
        return update
    return Demo(build, rho=slider(0.5, 1.5, 0.9, step=0.01, description="rho"), **kw)


def _pixels(demo):
    from PIL import Image
    import io
    return np.asarray(Image.open(io.BytesIO(demo.image.value)))


def _drag(demo, name, values):
    """Move a control through values as a drag does, without the exact picture at the end."""
    exact_later, demo._exact_later = demo._exact_later, lambda: None
    try:
        for v in values:
            demo.controls[name].value = v
    finally:
        demo._exact_later = exact_later


def test_demo_reports_errors_and_keeps_the_last_picture():
    demo = _line_demo()
    assert demo.image.value and "rho is 0.90" in demo.note.value
    first = demo.image.value
    demo.controls["rho"].value = 1.2
    assert demo.image.value != first and "rho is 1.20" in demo.note.value     # the figure answers
    good = demo.image.value
    demo.controls["rho"].value = 1.5
    assert "too big" in demo.note.value and demo.image.value == good           # last picture kept
    with pytest.raises(AssertionError, match="rho=1.5"):
        demo.sweep()
    assert demo.controls["rho"].value == 1.5


def test_drag_frames_redraw_only_what_moved_and_give_the_exact_picture():
    demo = _line_demo()
    _drag(demo, "rho", np.linspace(0.5, 1.4, 12))
    kinds = [k for k, _ in demo.frames]
    assert kinds[0] == "exact" and kinds[1:] == ["drag"] * 12
    moving = [a for a in demo._animated if id(a) in demo._moving and not (hasattr(a, "get_text") and a.get_text() == "")]
    assert demo._background is not None and len(moving) == 2                   # the curve and the title
    # the static line, the legend and the spines are drawn on top of the curve, as matplotlib
    # draws them: the frame is already the exact picture, none is due at rest
    assert not demo.pending
    quick = _pixels(demo)
    fresh = _line_demo()
    fresh.controls["rho"].value = 1.4
    fresh.redraw()
    assert np.array_equal(_pixels(fresh), quick)                               # = drawn from scratch


def _span_demo():
    """A demo whose moving shaded span lies under the axis's grid lines."""
    def build(fig):
        ax = fig.subplots()
        ax.grid(True)
        ax.set_xlim(0, 1)
        span = ax.axvspan(0, 0.5, color="0.8")
        (line,) = ax.plot([0, 1], [0, 1])

        def update(a):
            span.set_x(0)
            span.set_width(a)
            line.set_ydata([0, a])
        return update
    return Demo(build, a=slider(0.1, 0.9, 0.5, step=0.1))


def test_under_the_grid_a_drag_frame_is_quick_and_the_exact_picture_follows():
    demo = _span_demo()
    _drag(demo, "a", [0.3, 0.7])
    assert demo.pending and demo.frames[-1][0] == "drag"
    quick = _pixels(demo)
    demo.redraw()
    exact = _pixels(demo)
    # They differ only where the grid lines cross the span (a few % of the pixels); a span
    # left behind in the saved picture would differ over a fifth of the axes.
    differ = np.any(quick != exact, axis=-1).mean()
    assert not demo.pending and 0 < differ < 0.06, differ


def test_a_changed_limit_redraws_the_whole_figure():
    x = np.linspace(0, 1, 50)

    def build(fig):
        ax = fig.subplots()
        (line,) = ax.plot(x, x)

        def update(a):
            line.set_ydata(a * x)
            if ax.get_ylim() != (0, max(1.0, a)):            # follows the data above 1
                ax.set_ylim(0, max(1.0, a))
        return update
    demo = Demo(build, a=slider(0.0, 4.0, 0.5, step=0.5))
    _drag(demo, "a", [0.5, 0.0, 1.0])                        # limits stay (0, 1): blitted
    background = demo._background
    _drag(demo, "a", [0.0])
    assert demo._background is background                    # the saved picture was reused
    _drag(demo, "a", [3.0])                                  # the limits change: everything again
    assert demo._background is not background
    moved = _pixels(demo)
    demo.redraw()
    assert np.array_equal(_pixels(demo), moved)


def test_a_changed_legend_or_axis_label_is_drawn_during_the_drag():
    def build(fig):
        ax = fig.subplots()
        (line,) = ax.plot([0, 1], [0, 1], label="a = 0")
        legend = ax.legend(loc="upper left")

        def update(a, where):
            line.set_ydata([0, a])
            if where == "legend":
                legend.get_texts()[0].set_text(f"a = {a}")
            else:
                ax.xaxis.label.set_text(f"x for a = {a}")
        return update
    import ipywidgets as W
    for where in ("legend", "label"):
        demo = Demo(build, a=slider(0, 1, 0.5, step=0.25), where=W.Dropdown(options=[where]))
        _drag(demo, "a", [0.25, 0.75])
        quick = _pixels(demo)
        demo.redraw()
        assert np.array_equal(quick, _pixels(demo)), where        # a full frame: nothing left behind


def test_without_an_event_loop_the_exact_picture_follows_at_once():
    demo = _span_demo()
    demo.controls["a"].value = 0.7
    assert [k for k, _ in demo.frames[-2:]] == ["drag", "exact"] and not demo.pending


def test_in_a_kernel_the_exact_picture_waits_until_the_hand_rests():
    import asyncio
    from srnlab.course import widgets

    async def play():
        demo = _span_demo()
        for v in (0.2, 0.3, 0.4, 0.6, 0.7):
            demo.controls["a"].value = v
            await asyncio.sleep(0.01)                        # faster than EXACT_AFTER
        assert demo.pending and [k for k, _ in demo.frames].count("exact") == 1
        await asyncio.sleep(widgets.EXACT_AFTER + 0.2)
        assert not demo.pending and demo.frames[-1][0] == "exact"
        assert [k for k, _ in demo.frames].count("exact") == 2   # one exact picture for the whole drag
    asyncio.run(play())


def test_update_is_told_when_the_hand_rests():
    seen = []

    def build(fig):
        fig.subplots().plot([0, 1])

        def update(a, resting):
            seen.append((a, resting))
        return update
    demo = Demo(build, a=slider(0, 1, 0.5, step=0.25))
    exact_later, demo._exact_later = demo._exact_later, lambda: None
    demo.controls["a"].value = 0.75
    demo._exact_later = exact_later
    demo.redraw()
    assert seen == [(0.5, True), (0.75, False), (0.75, True)]


def test_build_must_return_update_and_draws_once():
    calls = []

    def build(fig):
        calls.append(fig)
        fig.subplots()
        return lambda a: None
    demo = Demo(build, a=slider(0, 1, 0.5))
    demo.sweep()
    assert len(calls) == 1 and demo.fig is calls[0]
    with pytest.raises(TypeError, match="must return the function update"):
        Demo(lambda fig: None, a=slider(0, 1, 0.5))


def test_sweep_redraws_a_control_already_at_its_end():
    import ipywidgets as W

    def build(fig):
        fig.subplots().plot([0, 1])
        return lambda k: None
    demo = Demo(build, k=W.Dropdown(options=["only"]))
    assert demo.sweep() > 0


def test_sliders_follow_the_drag():
    assert slider(0, 1, 0.5).continuous_update and slider(1, 10, 2, log=True).continuous_update
    assert slider(1, 10, 2, integer=True).continuous_update


# ---------------------------------------------------------------------- the projector style
@pytest.fixture
def settings_home(tmp_path, monkeypatch):
    """A private settings folder, no environment switch, and the screen style restored after."""
    import matplotlib as mpl
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("SRNLAB_PROJECTOR", raising=False)
    saved = dict(mpl.rcParams)
    yield tmp_path
    mpl.rcParams.update(saved)


def test_projector_style_is_readable_from_the_back(settings_home):
    import matplotlib as mpl
    from srnlab.course import plotting
    assert plotting.use_style(projector=True) is True
    assert mpl.rcParams["font.size"] >= 16 and mpl.rcParams["axes.labelsize"] >= 16
    assert mpl.rcParams["xtick.labelsize"] >= 16 and mpl.rcParams["legend.fontsize"] >= 12
    assert mpl.rcParams["lines.linewidth"] > plotting.STYLE["lines.linewidth"]
    assert mpl.rcParams["figure.dpi"] > plotting.STYLE["figure.dpi"]
    assert plotting.use_style(projector=False) is False and mpl.rcParams["font.size"] == plotting.STYLE["font.size"]


def test_the_switch_persists_and_the_environment_overrides_it(settings_home, monkeypatch):
    import matplotlib as mpl
    from srnlab.course import plotting
    assert plotting.projector_on() is False                       # nothing set: the screen style
    plotting.set_projector(True)
    assert (settings_home / "srnlab" / "style.json").exists() and plotting.projector_on() is True
    assert plotting.use_style() is True and mpl.rcParams["font.size"] >= 16
    monkeypatch.setenv("SRNLAB_PROJECTOR", "0")
    assert plotting.projector_on() is False
    monkeypatch.setenv("SRNLAB_PROJECTOR", "yes")
    with pytest.raises(ValueError, match="SRNLAB_PROJECTOR must be 1"):
        plotting.projector_on()
    with pytest.raises(TypeError, match="True or False"):
        plotting.set_projector("on")
    with pytest.raises(TypeError, match="projector must be"):
        plotting.use_style(projector=1)


def test_a_demo_renders_at_the_styles_resolution(settings_home):
    from srnlab.course import plotting
    from srnlab.course.widgets import Demo, slider

    def draw(fig):
        (line,) = fig.subplots().plot([0, 1], [0, 0])
        return lambda x: line.set_ydata([0, x])

    plotting.use_style(projector=False)
    small = Demo(draw, x=slider(0.0, 1.0, 0.5)).image.value
    plotting.use_style(projector=True)
    large = Demo(draw, x=slider(0.0, 1.0, 0.5)).image.value
    width = lambda png: int.from_bytes(png[16:20], "big")       # the PNG header's width in pixels
    assert width(small) == 9 * plotting.STYLE["figure.dpi"] and width(large) == 9 * plotting.PROJECTOR["figure.dpi"]


# ---------------------------------------------------------------- does a figure fit (lecture mode)
@pytest.fixture
def agg_figure():
    """A fresh matplotlib Figure on an Agg canvas, in the screen style; rcParams restored after."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from srnlab.course import plotting
    saved = dict(mpl.rcParams)
    plotting.use_style(projector=False)

    def make(**kw):
        fig = Figure(**kw)
        FigureCanvasAgg(fig)
        return fig
    yield make
    mpl.rcParams.update(saved)


def test_a_figure_that_fits_has_no_fit_problems(agg_figure):
    from srnlab.course.plotting import fit_problems
    fig = agg_figure(figsize=(9, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    for ax, name in ((left, "left"), (right, "right")):
        ax.plot([0, 1], [0, 1], label=name)
        ax.set_title(f"the {name} panel")
        ax.set_xlabel("step t")
        ax.set_ylabel("log10 norm")
        ax.legend()
    fig.text(0.5, 0.01, "a note", ha="center", va="bottom")
    assert fit_problems(fig) == []


def test_a_title_cut_off_at_the_edge_is_a_fit_problem(agg_figure):
    from srnlab.course.plotting import fit_problems
    fig = agg_figure(figsize=(4, 3))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.2, bottom=0.2)
    ax.set_title("a title far too long for a figure only four inches wide")
    ax.set_xlabel("")                                   # (empty texts are not checked)
    problems = fit_problems(fig)
    assert len(problems) == 1 and "axes 0 title" in problems[0] and "right edge" in problems[0]
    ax.set_title("short")
    assert fit_problems(fig) == []
    ax.text(1.2, 0.5, "a note outside the figure", transform=ax.transAxes)
    assert any("axes 0 text 'a note outside" in p for p in fit_problems(fig))


def test_overlapping_titles_of_two_axes_are_a_fit_problem(agg_figure):
    from srnlab.course.plotting import fit_problems
    fig = agg_figure(figsize=(8, 3))
    left, right = fig.subplots(1, 2)
    left.set_title("a long title on the left panel that runs on into the right one", loc="left")
    right.set_title("the right panel")
    problems = fit_problems(fig)
    assert any("axes 0 title" in p and "overlaps axes 1 title 'the right panel'" in p for p in problems)
    left.set_title("", loc="left")
    left.set_title("left")
    assert not any("overlaps" in p for p in fit_problems(fig))
    with pytest.raises(TypeError, match="Figure"):
        fit_problems(left)


def test_sweep_fails_on_a_figure_that_does_not_fit(agg_figure):
    def build(fig):
        ax = fig.subplots()
        (line,) = ax.plot([0, 1], [0, 0])
        ax.set_ylim(-1, 1)

        def update(x):
            line.set_ydata([0, x])
            ax.set_title("a long title " * (8 if x > 0.5 else 1))
        return update

    demo = Demo(build, figsize=(5, 3), x=slider(0.0, 1.0, 0.2))
    with pytest.raises(AssertionError, match=r"x=1\.0: axes 0 title 'a long title .*runs past the figure"):
        demo.sweep()
    assert demo.controls["x"].value == 0.2


def test_updates_axis_writes_thousands_that_do_not_touch_on_a_narrow_panel(agg_figure):
    from srnlab.course.plotting import updates_axis
    fig = agg_figure(figsize=(3.3, 3.4), layout="constrained")     # one panel of lesson 09's row of four
    ax = fig.subplots()
    ax.plot([0, 100_000], [0, 1])
    updates_axis(ax)
    fig.canvas.draw()
    labels = [t for t in ax.get_xticklabels() if t.get_text() and 0 <= t.get_position()[0] <= 100_000]
    assert ax.get_xlabel() == "update"
    assert [t.get_text() for t in labels][-1] == "100k" and labels[0].get_text() == "0"
    boxes = [t.get_window_extent() for t in labels]
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:])), "tick labels run into each other"
