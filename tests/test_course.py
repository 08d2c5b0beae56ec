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


def test_demo_reports_errors_and_sweeps():
    def draw(fig, a):
        ax = fig.subplots()
        x = np.linspace(0, 1, 5)
        if a > 5:
            raise ValueError("too big")
        ax.plot(x, np.exp(a * x))
        return f"a = {a}"
    demo = Demo(draw, a=slider(0, 10, 1, description="a"))
    assert demo.image.value and "a = 1" in demo.note.value
    first = demo.image.value
    demo.controls["a"].value = 3
    assert demo.image.value != first                      # the figure answers
    demo.controls["a"].value = 8
    assert "too big" in demo.note.value and demo.image.value  # last picture kept
    with pytest.raises(AssertionError, match="a=10"):
        demo.sweep()
    assert demo.controls["a"].value == 8
    good = Demo(lambda fig, a: fig.subplots().plot([0, a]), a=slider(0, 1, 0.5))
    assert good.sweep() > 0


def test_sweep_redraws_a_control_already_at_its_end():
    import ipywidgets as W
    demo = Demo(lambda fig, k: fig.subplots().plot([0, 1]), k=W.Dropdown(options=["only"]))
    assert demo.sweep() > 0


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

    def draw(fig, x):
        fig.subplots().plot([0, 1], [0, x])

    plotting.use_style(projector=False)
    small = Demo(draw, x=slider(0.0, 1.0, 0.5)).image.value
    plotting.use_style(projector=True)
    large = Demo(draw, x=slider(0.0, 1.0, 0.5)).image.value
    width = lambda png: int.from_bytes(png[16:20], "big")       # the PNG header's width in pixels
    assert width(small) == 9 * plotting.STYLE["figure.dpi"] and width(large) == 9 * plotting.PROJECTOR["figure.dpi"]
