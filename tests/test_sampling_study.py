"""Lesson 07's study (srnlab.runs.sampling_study) at toy size, the sampling rule for arrays
(srnlab.sampling), and the lesson's reader, checkers and demo figures (srnlab.lessons.sampling_method)."""
import json

import ipywidgets as W
import numpy as np
import pytest
from matplotlib.figure import Figure

import srnlab
from srnlab import sampling as sr
from srnlab.course.widgets import Demo, slider
from srnlab.lessons import sampling_method as lesson
from srnlab.runs import EXPERIMENTS, loop
from srnlab.runs import sampling_study as S
from srnlab.runs.cli import main

EXP = EXPERIMENTS["sampling_study"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    base = tmp_path_factory.mktemp("study")
    assert main(["run", "sampling_study", "--scale", "tiny", "--out", str(base), "--jobs", "1", "--no-progress"]) == 0
    out = base / "sampling_study-tiny.json"
    return out, json.loads(out.read_text())


def test_file_and_structure(tiny):
    out, data = tiny
    assert json.loads(out.read_text()) == json.loads(json.dumps(data))
    study = lesson.load(out)
    assert study.names == list(S.RUNS)
    cfg = S.CONFIGS["tiny"]
    n_ep = cfg["updates"] // cfg["epoch"]
    for run in study.names:
        assert study.curve(run, "val_acc").shape == (1, n_ep + 1)
        assert study.curve(run, "epoch_in_zone").shape == (1, n_ep)
        if run in S.DETAIL_RUNS:
            assert study.detail(run, "q").shape == study.detail(run, "ds", seed=0).shape == (cfg["updates"],)
            acc = study.detail(run, "accepted")
            assert acc.dtype == bool and acc.sum() == study.curve(run, "epoch_accepted").sum()
        else:
            with pytest.raises(KeyError):
                study.detail(run, "q")
    for run in S.WITH_DS:
        p = study.probes(run)
        assert p["update"].size == (cfg["updates"] // cfg["probe_every"] + 1) * cfg["probe_batches"]
        # the averaged loss at lr * batch proposes the same step: dS and S shrink by batch^2, dS/S does not
        B = cfg["batch"]
        np.testing.assert_allclose(p["ds_sum"] / p["ds_mean"], B ** 2, rtol=1e-3)
        np.testing.assert_allclose(p["s_sum"] / p["s_mean"], B ** 2, rtol=1e-3)
        assert np.isfinite(p["ds_grad"]).all()
    p = study.probes("sgd")
    first = p["update"] == 0                      # no velocity yet: the step is the gradient term alone
    np.testing.assert_allclose(p["ds_grad"][first], p["ds_sum"][first], rtol=1e-3)
    assert study.detail("sgd", "accepted").all()


def test_sgd_run_is_plain_sgd():
    """The 'sgd' run (sampling with an infinite zone) makes exactly the updates of method='sgd'."""
    cfg = S.config_of("tiny", 2016)
    logged = S.make_trainer(cfg, 0, "sgd").run(30)
    plain_net = S.initial_net(cfg, 0, "sgd")
    config = logged.config
    plain = srnlab.Trainer(plain_net, srnlab.TrainConfig(**{**config.__dict__, "method": "sgd"}),
                           seed=np.random.default_rng((cfg["seed_base"], 0, 1))).run(30)
    np.testing.assert_array_equal(logged.history["q"], plain.history["q"])
    np.testing.assert_array_equal(logged.net.W_rec, plain.net.W_rec)
    assert np.isfinite(logged.history["ds"]).all() and np.isnan(plain.history["ds"]).all()


def test_same_start_and_data_for_every_run():
    cfg = S.config_of("tiny", 2016)
    a, b = S.make_trainer(cfg, 0, "consistent"), S.make_trainer(cfg, 0, "printed")
    np.testing.assert_array_equal(a.net.W_rec, b.net.W_rec)
    np.testing.assert_array_equal(a.train_set[0][0], b.train_set[0][0])
    o = S.make_trainer(cfg, 0, "orthogonal")
    np.testing.assert_array_equal(o.net.W_in, a.net.W_in)
    W = o.net.W_rec
    np.testing.assert_allclose(W @ W.T, np.eye(cfg["K"]), atol=1e-12)
    np.testing.assert_array_equal(S.make_trainer(cfg, 0, "identity").net.W_rec, np.eye(cfg["K"]))


def test_resume_gives_the_numbers_of_an_unbroken_run(tmp_path):
    job = next(j for j in EXP.specs("tiny", 2016) if j.seed == 0 and j.run == "consistent")
    assert loop.run_one(EXP, job, tmp_path / "a", stop_after=25) is None
    assert loop.checkpoint_path(EXP, tmp_path / "a", job).exists()
    resumed = loop.run_one(EXP, job, tmp_path / "a")
    unbroken = loop.run_one(EXP, job, tmp_path / "b")
    resumed.pop("wall_seconds"), unbroken.pop("wall_seconds")
    assert resumed == unbroken
    assert not loop.checkpoint_path(EXP, tmp_path / "a", job).exists()


@pytest.mark.parametrize("rule", srnlab.sampling.RULES)
def test_decide_matches_accept(rule):
    qs = np.array([-np.inf, -3, -1, -0.999, 0, 0.5, 1, 1.001, 2, np.inf, np.nan])
    dss = np.array([-np.inf, -2, -1, -1e-9, 0, 1e-9, 0.3, 1, 2, np.inf, np.nan])
    Q, D = np.meshgrid(qs, dss)
    for q_range, ds_max in (((-1, 1), 1.0), ((0, 2), 0.5), ((-1, -1), np.inf)):
        got = sr.decide(Q, D, q_range, ds_max, rule)
        want = np.vectorize(lambda q, d: srnlab.accept(q, d, q_range, ds_max, rule))(Q, D)
        np.testing.assert_array_equal(got, want)


def test_winds():
    w = sr.winds([0.0, 2.0, 2.0, -2.0, -2.0, 2.0, 0.0, np.nan], [0.1, 0.1, -0.1, -0.1, 0.1, 0.0, 5.0, 0.1])
    assert w.tolist() == [sr.INSIDE, sr.TOWARD, sr.AWAY, sr.TOWARD, sr.AWAY, sr.CALM, sr.GALE, sr.GALE]
    assert set(sr.WINDS) == {sr.GALE, sr.INSIDE, sr.TOWARD, sr.AWAY, sr.CALM}


def test_decide_rejects_a_crossed_zone():
    with pytest.raises(ValueError, match="Q_min > Q_max"):
        sr.decide([0.0], [0.1], (1.0, -1.0))
    with pytest.raises(ValueError):
        sr.decide([0.0], [0.1], ds_max=0)
    with pytest.raises(ValueError, match="rule"):
        sr.decide([0.0], [0.1], rule="paper")


def test_check_accept_rule(capsys):
    assert lesson.check_accept_rule(lambda q, ds, q_range, ds_max: srnlab.accept(q, ds, q_range, ds_max))
    printed = lesson.check_accept_rule(lambda q, ds, q_range, ds_max: srnlab.accept(q, ds, q_range, ds_max, "printed"))
    assert not printed and "flipped" in printed.message

    def no_threshold(q, ds, q_range, ds_max):
        return srnlab.accept(q, ds, q_range, np.inf)
    r = lesson.check_accept_rule(no_threshold)
    assert not r and "ds_max" in r.message

    def open_zone(q, ds, q_range, ds_max):
        lo, hi = q_range
        if abs(ds) > ds_max:
            return False
        if lo < q < hi:
            return True
        return ds > 0 if q >= hi else ds < 0
    r = lesson.check_accept_rule(open_zone)
    assert not r and "edges" in r.message

    def stub(q, ds, q_range, ds_max):
        raise NotImplementedError
    assert "not implemented" in lesson.check_accept_rule(stub).message
    assert "True or False" in lesson.check_accept_rule(lambda *a: "yes").message
    out = capsys.readouterr().out
    assert "PASSED" in out and "NOT YET" in out


def test_the_study_file_is_never_written_partial(tmp_path, capsys):
    assert main(["run", "sampling_study", "--scale", "tiny", "--columns", "sgd", "--out", str(tmp_path),
                 "--jobs", "1", "--no-progress"]) == 0
    assert "1 of 8 runs of sampling_study have records" in capsys.readouterr().out
    assert not (tmp_path / "sampling_study-tiny.json").exists()


def test_the_lesson_reads_the_file(tiny):
    study = lesson.load(tiny[0])
    assert study.names == list(S.RUNS) and study.seeds == [0]
    net = lesson.initial_net(study.config, 0)
    np.testing.assert_array_equal(net.W_rec, S.initial_net(S.config_of("tiny", 2016), 0, "sgd").W_rec)


def test_missing_or_damaged_file_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m srnlab run sampling_study"):
        lesson.load(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="bad.json: this study file is damaged"):
        lesson.load(tmp_path / "bad.json")


# ---------------------------------------------------------------- exercise 2: a threshold on dS / S
def right_relative(q, ds, S, q_range, threshold):
    return srnlab.accept(q, ds / S, q_range, threshold)


def test_check_relative_rule_accepts_every_right_route(capsys):
    assert lesson.check_relative_rule(right_relative)
    # the threshold multiplied over, and the direction read from dS itself (S > 0 keeps its sign)
    assert lesson.check_relative_rule(lambda q, ds, S, z, t: abs(ds) <= t * S and srnlab.accept(q, ds, z, np.inf))
    assert lesson.check_relative_rule(lambda q, ds, S, z, t: sr.decide(np.array([q]), np.array([ds]) / S, z, t)[0])
    assert "PASSED" in capsys.readouterr().out


def _strict(q, ds, S, q_range, threshold):
    return abs(ds / S) < threshold and srnlab.accept(q, ds / S, q_range, np.inf)


def _free_inside(q, ds, S, q_range, threshold):
    return q_range[0] <= q <= q_range[1] or srnlab.accept(q, ds / S, q_range, threshold)


def _open_zone(q, ds, S, q_range, threshold):
    lo, hi = q_range
    if abs(ds / S) > threshold:
        return False
    if lo < q < hi:
        return True
    return ds > 0 if q >= hi else ds < 0


@pytest.mark.parametrize("wrong, hint", [
    (lambda q, ds, S, z, t: srnlab.accept(q, ds, z, t), "compared |dS| itself"),
    (lambda q, ds, S, z, t: srnlab.accept(q, ds / np.sqrt(S), z, t), "sqrt(S)"),
    (lambda q, ds, S, z, t: srnlab.accept(q, ds * S, z, t), "multiplied dS by S"),
    (lambda q, ds, S, z, t: srnlab.accept(q, ds / S, z, t, "printed"), "printed rule"),
    (_strict, "exactly at the threshold"),
    (_open_zone, "edges"),
    (_free_inside, "inside the zone too"),
    (lambda q, ds, S, z, t: srnlab.accept(q, ds / S, z, np.inf), "left out the threshold"),
])
def test_check_relative_rule_names_the_slip(wrong, hint):
    result = lesson.check_relative_rule(wrong)
    assert not result and hint in result.message


def test_check_relative_rule_handles_stubs_and_bad_returns():
    def stub(q, ds, S, q_range, threshold):
        raise NotImplementedError
    assert "not implemented" in lesson.check_relative_rule(stub).message
    assert "True or False" in lesson.check_relative_rule(lambda *a: 1).message
    other = lesson.check_relative_rule(lambda q, ds, S, z, t: abs(ds / S) <= t)          # no zone at all
    assert not other and "cases differ; the first" in other.message and "skip" in other.message
    with pytest.raises(TypeError, match="pass your function"):
        lesson.check_relative_rule(None)


def test_the_relative_threshold_does_not_see_the_loss_scale():
    """What the exercise rests on: the same step judged on the summed and on the mean loss gets the same
    dS / S, while dS differs by B^2, so the |dS| threshold can decide differently and the dS / S one cannot."""
    B, T, h = 10, 12, 11
    net = srnlab.SRN.init(6, 8, 4, output="softmax", std=0.5, rng=0)
    X, y = srnlab.tasks.generate("temporal_order", B, T, rng=1)
    res = srnlab.bptt(net, X, y, reduction="sum")
    step = -1e-3 * res.grads["W_rec"]
    ds = {r: srnlab.ds(net, X, y, step, h, reduction=r) for r in ("sum", "mean")}
    rel = {r: srnlab.ds_relative(net, X, y, step, h, reduction=r) for r in ("sum", "mean")}
    assert ds["sum"] / ds["mean"] == pytest.approx(B * B, rel=1e-9)
    assert rel["sum"] == pytest.approx(rel["mean"], rel=1e-9)
    q = srnlab.q_factor(res.delta, h)
    threshold = abs(rel["sum"]) * 2
    assert right_relative(q, ds["sum"], ds["sum"] / rel["sum"], (-1, 1), threshold) == \
        right_relative(q, ds["mean"], ds["mean"] / rel["mean"], (-1, 1), threshold)


# --------------------------------------------------------------------- the lesson's demos (build functions)
def _ship_runs(n=400):
    rng = np.random.default_rng(0)
    runs = {}
    for rule in ("consistent", "printed"):
        q = 1.2 + np.cumsum(rng.normal(0, 0.05, n))
        ds = rng.normal(0, 0.5, n)
        ds[5], q[7] = 0.0, np.nan                          # no wind; a Q that vanished to 0
        wind = sr.winds(np.nan_to_num(q), ds, (-1, 1), 1.0)
        runs[0, rule] = dict(q=q, ds=ds, used=sr.decide(np.nan_to_num(q), ds, (-1, 1), 1.0, rule), wind=wind,
                             ylim=(-2.0, 3.0), q_epoch=np.nanmedian(q.reshape(-1, 50), axis=1))
    return runs


def test_build_ship_scrolls_the_window_without_new_limits():
    runs = _ship_runs()
    demo = Demo(lambda fig: lesson.build_ship(fig, runs, np.arange(50, 401, 50), window=100),
                seed=W.Dropdown(options=[0], value=0), rule=W.Dropdown(options=["consistent", "printed"]),
                update=slider(1, 400, 200, integer=True))
    demo.sweep()
    ax_win, ax_ship = (next(ax for ax in demo.fig.axes if ax.get_ylabel() == label)
                       for label in ("Q of the minibatch", "Q"))
    lim = ax_win.get_xlim()
    note = demo.update(0, "printed", 230)
    labels = [t.get_text() for t in ax_win.texts if t.get_visible() and t.get_text()]
    assert ax_win.get_xlim() == lim == (0, 100) and labels[0] == "180" and labels[-1] == "280"
    assert note.startswith("update 230: Q = ") and "The printed rule" in note
    assert "vanished to 0" in demo.update(0, "printed", 8) and not ax_ship.lines[-1].get_visible()
    demo.update(0, "printed", 6)                          # dS = 0: no wind, the ship still sails or not
    assert ax_ship.lines[-1].get_visible() and not ax_ship.texts[-1].get_visible()
    with pytest.raises(ValueError, match="at least one sampling run"):
        lesson.build_ship(Figure(), {}, [])


def test_build_redecide_colours_the_decisions_and_handles_a_crossed_zone():
    rng = np.random.default_rng(1)
    logs = {s: (rng.normal(0.5 * s, 1, 1000), rng.normal(0, 1, 1000) * 10.0 ** rng.uniform(-4, 1, 1000))
            for s in (0, 1)}
    demo = Demo(lambda fig: lesson.build_redecide(fig, logs, block=100, every=2),
                seed=W.Dropdown(options=[0, 1]), rule=W.Dropdown(options=["consistent", "printed"]),
                q_min=slider(-4, 2, -1, step=0.1), q_max=slider(-2, 6, 1, step=0.1),
                log10_ds_max=slider(-4, 4, 0, step=0.25))
    demo.sweep()
    ax_pts, ax_rate = demo.fig.axes
    assert demo.update(1, "printed", -1, 1, 0) == ""
    q, ds = logs[1]
    used = sr.decide(q, ds, (-1, 1), 1.0, "printed")
    shown = sorted(t.get_text() for t in ax_rate.texts if t.get_visible())
    assert shown == sorted(f"{r}: {sr.decide(q, ds, (-1, 1), 1.0, r).mean():.1%} used"
                           for r in ("consistent", "printed"))
    np.testing.assert_allclose(ax_rate.lines[1].get_ydata(), used.reshape(-1, 100).mean(axis=1))
    lim = ax_pts.get_xlim()
    demo.update(1, "printed", -1.05, 1.05, 0.1)              # inside the points' view: the same limits
    assert ax_pts.get_xlim() == lim and len(demo.fig.legends) == 1
    note = demo.update(1, "printed", 2, -2, 0)
    assert "srnlab.accept raises ValueError" in note and not demo.fig.legends
    assert ax_pts.get_title() == "seed 1: no safe zone"
    with pytest.raises(ValueError, match="multiple of block"):
        lesson.build_redecide(Figure(), {0: (np.zeros(150), np.zeros(150))}, block=100)
