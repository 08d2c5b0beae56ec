"""Lesson 07's study (srnlab.runs.sampling_study) at toy size, the sampling rule for arrays
(srnlab.sampling), and the lesson's reader and checker (srnlab.lessons.sampling_method)."""
import json

import numpy as np
import pytest

import srnlab
from srnlab import sampling as sr
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
