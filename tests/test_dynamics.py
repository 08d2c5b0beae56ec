"""Lesson 05's training dynamics: the runs (srnlab.runs.dynamics) at the tiny scale, and the
lesson's reader and figures (srnlab.lessons.training_dynamics)."""
import copy
import io
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

import srnlab
from srnlab.lessons import training_dynamics as dynamics
from srnlab.runs import EXPERIMENTS
from srnlab.runs import dynamics as runs_dynamics
from srnlab.runs.cli import main
from srnlab.runs.loop import RunError

EXP = EXPERIMENTS["dynamics"]


def precompute(out, *columns):
    """Run (some of) the tiny dynamics runs into the folder out; return its file, read back."""
    args = ["run", "dynamics", "--scale", "tiny", "--out", str(out), "--jobs", "1", "--no-progress"]
    assert main(args + (["--columns", *columns] if columns else [])) == 0
    return dynamics.load(out / "dynamics-tiny.npz")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("dyn")
    return out / "dynamics-tiny.npz", precompute(out)


def test_file_holds_every_run_with_consistent_shapes(tiny):
    path, dyn = tiny
    cfg = runs_dynamics.CONFIGS["tiny"]
    assert path.stat().st_size < 200_000
    assert list(dyn.runs) == [s.name for s in cfg["runs"]]
    for spec in cfg["runs"]:
        r = dyn[spec.name]
        assert (r.T, r.method, r.status) == (spec.T, spec.method, "completed")
        n = spec.updates
        for name in dynamics.PER_UPDATE:
            assert getattr(r, name).shape == (n,), name
        assert np.array_equal(r.update, np.arange(1, n + 1))
        n_rec = 1 + n // cfg["record_every"]                  # update 1 and every record_every
        assert r.record_update[0] == 1 and r.record_update.shape == (n_rec,)
        assert r.log10_delta.shape == (n_rec, spec.T)
        assert np.array_equal(r.steps_back, np.arange(spec.T))
        for name in ("saturation", "mean_abs_z", "median_abs_z", "spectral_radius"):
            assert getattr(r, name).shape == (n_rec,), name
        n_val = 1 + n // cfg["epoch"]                          # before training and every epoch
        assert r.val_update[0] == 0 and r.val_acc.shape == r.sv_max.shape == (n_val,)
        assert np.all((0 <= r.saturation) & (r.saturation <= 1))
        assert np.all(r.median_abs_z <= 1) and np.all(r.mean_abs_z <= 1)
        assert r.end_q.shape == r.end_ds_velocity.shape == r.end_ds_gradient.shape == (20,)
    assert dyn.meta["config"] == "tiny" and dyn.meta["hyper"]["reduction"] == "sum"


def test_runs_share_initial_weights_and_minibatches(tiny):
    _, dyn = tiny
    sgd, samp = dyn["sgd"], dyn["sampling"]
    # the first minibatch: same network, same data, so the same loss, Q and profile
    assert sgd.loss[0] == samp.loss[0] and sgd.q[0] == samp.q[0]
    assert np.array_equal(sgd.log10_delta[0], samp.log10_delta[0])
    assert sgd.val_acc[0] == samp.val_acc[0] and sgd.sv_max[0] == samp.sv_max[0]
    # while every update is accepted the two runs are the same run
    k = int(np.argmin(samp.accepted)) if not samp.accepted.all() else len(samp.accepted)
    assert np.array_equal(sgd.loss[:k + 1], samp.loss[:k + 1])
    net = runs_dynamics.initial_net(dyn.meta["K"], dyn.meta["seed"])
    assert sgd.sv_max[0] == pytest.approx(np.linalg.norm(net.W_rec, 2), rel=1e-6)


def test_sgd_accepts_everything_and_sampling_follows_its_rule(tiny):
    _, dyn = tiny
    for r in dyn.runs.values():
        if r.method == "sgd":
            assert r.accepted.all() and np.isnan(r.ds).all()
        else:
            ds_max = r.info["ds_max"]
            want = [srnlab.accept(float(q), float(d), (-1.0, 1.0), ds_max) for q, d in zip(r.q, r.ds)]
            # float32 storage can flip a decision only for values on a boundary
            assert np.mean(np.array(want) == r.accepted) > 0.95


def test_same_seed_same_numbers(tmp_path, tiny):
    _, dyn = tiny
    again = precompute(tmp_path)
    for name, r in dyn.runs.items():
        for field in dynamics.PER_UPDATE + dynamics.PER_RECORD + dynamics.PER_EPOCH + dynamics.AT_END:
            np.testing.assert_array_equal(getattr(r, field), getattr(again[name], field), err_msg=field)


def test_ds_parts_add_up_to_the_methods_ds():
    spec = runs_dynamics.CONFIGS["tiny"]["runs"][1]
    trainer = runs_dynamics.make_trainer(spec, "tiny")
    trainer.run(7)
    parts = runs_dynamics.ds_parts(trainer, n=3, seed=5)
    cfg = trainer.config
    rng = np.random.default_rng(5)
    for i in range(3):
        X, y = srnlab.tasks.generate(cfg.task, cfg.batch, cfg.T, rng)
        res = srnlab.bptt(trainer.net, X, y, reduction=cfg.reduction)
        proposal = cfg.momentum * trainer.velocity["W_rec"] - cfg.lr * res.grads["W_rec"]
        total = srnlab.ds(trainer.net, X, y, proposal, cfg.h, reduction=cfg.reduction)
        assert parts["ds_velocity"][i] + parts["ds_gradient"][i] == pytest.approx(total, rel=1e-4, abs=1e-9)
        assert parts["q"][i] == pytest.approx(srnlab.q_factor(res.delta, cfg.h), rel=1e-6)


def test_helpers(tiny):
    _, dyn = tiny
    r = dyn["sgd"]
    assert r.record_index(1) == 0 and r.record_index(10 ** 6) == len(r.record_update) - 1
    assert r.first_update_below(np.inf, 0) == 1 and r.first_update_below(-np.inf, 0) is None
    ends, means = r.rolling("accepted", 10)
    assert len(ends) == len(means) == r.n_updates - 9 and np.allclose(means, 1.0)
    ends, means = r.rolling("q", 5)
    assert np.isclose(means[0], r.q[:5].mean(dtype=float))
    assert r.updates_to(0.0) == 0 and r.updates_to(1.01) is None
    assert r.rolling("q", r.n_updates + 1)[1].size == 0


def test_draw_helpers_do_not_warn(tiny):
    _, dyn = tiny
    r = copy.deepcopy(dyn["sgd_long"])
    r.log10_delta[-1, -1] = -np.inf                      # an underflowed point is left out and counted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = Figure()
        ax1, ax2 = fig.subplots(1, 2)
        upd, bad = dynamics.draw_profile(ax1, r, 10 ** 6)
        dynamics.style_profile(ax1, [r], upd)
        for what in dynamics.SERIES:
            dynamics.draw_series(ax2, r, what, max_points=7)
            dynamics.style_series(ax2, what, [r], update=5)
        fig.savefig(io.BytesIO(), format="png")
        note = dynamics.draw_overview(Figure(), [dyn["sgd_long"], dyn["sampling_long"]], 10 ** 6)
    assert upd == r.record_update[-1] and bad == 1
    assert "ends at update" not in note and note.count("\n") == 1      # clipped to the last update
    assert "ends at update 20" in dynamics.describe_at(r, 10 ** 6)
    with pytest.raises(ValueError, match="one length T"):
        dynamics.draw_overview(Figure(), [dyn["sgd"], dyn["sgd_long"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        update = dynamics.build_scrub(Figure(), {"long": [r, dyn["sampling_long"]]})
        for series in dynamics.SERIES:                   # the lessons' demo figure, past the end too
            note = update(10 ** 6, "long", series)
            assert "ends at update 20" in note and "were 0, inf or NaN" in note
    with pytest.raises(ValueError, match="series must be one of"):
        update(1, "long", "loss")
    with pytest.raises(ValueError, match="what must be one of"):
        dynamics.draw_series(ax2, r, "loss")


def test_block_mean_skips_non_finite_values():
    x, m = dynamics.block_mean([1.0, 3.0, np.inf, 5.0, np.nan, np.nan, 7.0], 2)
    assert list(x) == [2, 4, 6] and m[0] == 2.0 and m[1] == 5.0 and np.isnan(m[2])
    assert dynamics.block_mean([1.0], 2)[1].size == 0


def test_a_partial_run_merges_into_the_file(tmp_path, tiny, capsys):
    """Once: training some runs replaced the whole file with just those."""
    import shutil
    shutil.copy(tiny[0], tmp_path / "dynamics-tiny.npz")
    merged = precompute(tmp_path, "sgd")
    assert list(merged.runs) == list(tiny[1].runs)
    for name, r in tiny[1].runs.items():
        for key in dynamics.KEYS:
            np.testing.assert_array_equal(getattr(merged[name], key), getattr(r, key), err_msg=f"{name}/{key}")
    capsys.readouterr()
    assert main(["summarize", "dynamics", "--scale", "tiny", "--out", str(tmp_path / "empty")]) == 2
    assert "no run records" in capsys.readouterr().err


def test_a_file_of_other_settings_is_not_merged_into(tmp_path, tiny, capsys):
    import shutil
    shutil.copy(tiny[0], tmp_path / "dynamics-tiny.npz")
    before = (tmp_path / "dynamics-tiny.npz").read_bytes()
    assert main(["run", "dynamics", "--scale", "tiny", "--seed", "5", "--columns", "sgd", "--out", str(tmp_path),
                 "--jobs", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "dynamics-tiny.npz was made under other settings (differs in: seed)" in err
    assert (tmp_path / "dynamics-tiny.npz").read_bytes() == before


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m srnlab run dynamics"):
        dynamics.load(tmp_path / "missing.npz")
    (tmp_path / "bad.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="bad.npz: this data file is damaged"):
        dynamics.load(tmp_path / "bad.npz")
    with pytest.raises(ValueError, match="no scale 'huge'"):
        EXP.specs("huge", 2016)


def test_initial_net_is_rebuilt_from_the_file(tiny):
    _, dyn = tiny
    net = dynamics.initial_net(dyn.meta)
    want = runs_dynamics.initial_net(dyn.meta["K"], dyn.meta["seed"])
    np.testing.assert_array_equal(net.W_rec, want.W_rec)


def test_build_scrub_moves_the_profile_and_redraws_on_a_new_group(tiny):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    _, dyn = tiny
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    groups = {"short": [dyn["sgd"], dyn["sampling"]], "long": [dyn["sgd_long"]]}
    update = dynamics.build_scrub(fig, groups, labels={"sgd": "plain SGD"})
    assert len(fig.axes) == 2 and fig.get_layout_engine().__class__.__name__ == "PlaceHolderLayoutEngine"
    ax_p, ax_s = fig.axes
    places = [ax.get_position().bounds for ax in fig.axes]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        note = update(1, "short", "q")
        fig.canvas.draw()
        lines = list(ax_p.lines)
        assert note.startswith("plain SGD at update 1") and note.count("\n") == 1
        last = int(dyn["sgd"].record_update[-1])
        update(last, "short", "q")                                   # same content: only moved
        assert list(ax_p.lines) == lines and ax_p.get_title() == f"profile at update {last}"
        np.testing.assert_array_equal(lines[0].get_ydata(), dyn["sgd"].log10_delta[-1])
        assert list(ax_s.lines[-1].get_xdata()) == [last, last]
        for series in dynamics.SERIES:                               # new content: drawn anew
            note = update(10 ** 6, "long", series)
            fig.canvas.draw()
            assert ax_p.lines[0] is not lines[0] and "ends at update 20" in note
    assert [ax.get_position().bounds for ax in fig.axes] == places  # the layout made once is kept
    # a panel drawn anew after other content looks as if it had been the first one drawn
    pictures = []
    for order in (["q"], ["gradient", "activations", "accuracy", "q"]):
        fig = Figure(figsize=(9, 4.2), layout="constrained")
        FigureCanvasAgg(fig)
        update = dynamics.build_scrub(fig, groups)
        for series in order:
            update(5, "short", series)
        fig.canvas.draw()
        pictures.append(np.asarray(fig.canvas.buffer_rgba()).copy())
    assert np.array_equal(*pictures)
    with pytest.raises(ValueError, match="unknown group 'medium'"):
        update(1, "medium", "q")
    with pytest.raises(ValueError, match="series must be one of"):
        update(1, "short", "loss")
    with pytest.raises(ValueError, match="group 'mixed': the scrub figure needs runs of one length T"):
        dynamics.build_scrub(Figure(), {"mixed": [dyn["sgd"], dyn["sgd_long"]]})
