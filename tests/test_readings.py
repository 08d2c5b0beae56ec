"""Lesson 07's readings study (srnlab.runs.readings) at toy size: every update's six readings
are those the package's functions give for the same proposal, the decisions follow them, and
the file is written only when every run is done."""
import json
import math

import numpy as np
import pytest

import srnlab
from srnlab.runs import EXPERIMENTS
from srnlab.runs import readings as R
from srnlab.runs.cli import main

EXP = EXPERIMENTS["readings"]
COL = {name: i for i, name in enumerate(R.READINGS)}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    base = tmp_path_factory.mktemp("readings")
    assert main(["run", "readings", "--scale", "tiny", "--out", str(base), "--jobs", "1", "--no-progress"]) == 0
    path = base / "readings-tiny.npz"
    with np.load(path) as f:
        return base, json.loads(str(f["meta"])), {k: f[k] for k in f.files if k != "meta"}


def test_file_holds_every_run(tiny):
    _, meta, arrays = tiny
    cfg = R.CONFIGS["tiny"]
    assert meta["readings"] == list(R.READINGS) and set(meta["runs"]) == set(R.RUNS)
    for seed in cfg["seeds"]:
        for run in R.RUNS:
            r = arrays[f"seed{seed}-{run}/readings"]
            assert r.shape == (cfg["updates"], len(R.READINGS))
            assert arrays[f"seed{seed}-{run}/accepted"].shape == (cfg["updates"],)
            assert meta["status"][f"seed{seed}-{run}"] == "completed"


def test_decisions_follow_the_readings(tiny):
    _, _, arrays = tiny
    q_range, ds_max = R.CONFIGS["tiny"]["q_range"], R.CONFIGS["tiny"]["ds_max"]
    r, acc = arrays["seed0-author/readings"], arrays["seed0-author/accepted"]
    expected = srnlab.decide(r[:, COL["q_spectral"]], r[:, COL["log_exact"]], q_range, ds_max)
    np.testing.assert_array_equal(acc, expected)
    r, acc = arrays["seed0-srnlab/readings"], arrays["seed0-srnlab/accepted"]
    np.testing.assert_array_equal(acc, srnlab.decide(r[:, COL["q_mean"]], r[:, COL["ds"]], q_range, ds_max))
    assert arrays["seed0-sgd_author/accepted"].all()


def test_runs_share_the_first_proposal_and_the_reset_matters(tiny):
    """Update 1 starts from the same weights, minibatch and v = 0 in every run."""
    _, _, arrays = tiny
    first = [arrays[f"seed0-{run}/readings"][0] for run in R.RUNS]
    for row in first[1:]:
        np.testing.assert_allclose(row, first[0], rtol=1e-12)
    epoch = 50    # the reset's period
    with_reset, without = arrays["seed0-author/readings"], arrays["seed0-author_noreset/readings"]
    assert len(with_reset) < epoch or not np.array_equal(with_reset, without)


def test_readings_are_the_packages_numbers():
    """The watch's six numbers for the first update, against the public functions."""
    cfg = R.CONFIGS["tiny"]
    t = R.make_trainer(cfg, 2016, 0, "sgd_author")
    X, y = t._minibatch()
    net = t.net.copy()
    t2 = R.make_trainer(cfg, 2016, 0, "sgd_author")
    t2.run(1)
    got = t2.history["watch"][0]
    res = srnlab.bptt(net, X, y, reduction="sum")
    h = X.shape[1] - 1
    step = {k: -cfg["lr"] * g for k, g in res.grads.items()}            # v = 0 at the first update
    G = res.delta[:, 0]
    ds = srnlab.ds(net, X, y, step["W_rec"], h, reduction="sum")
    expected = (srnlab.q_factor(res.delta, h), srnlab.q_factor(res.delta, h, "spectral"), ds,
                ds / float(np.sum(G * G)),
                srnlab.log_indicator(net, X, y, step, h), srnlab.log_indicator(net, X, y, step, h, exact=False))
    for name, a, b in zip(R.READINGS, got, expected):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-300), name
        assert math.isfinite(a)


def test_no_file_until_every_run_is_done(tmp_path, capsys):
    code = main(["run", "readings", "--scale", "tiny", "--columns", "author", "--out", str(tmp_path), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "results file is written when all have" in out
    assert not (tmp_path / "readings-tiny.npz").exists()
    code = main(["summarize", "readings", "--scale", "tiny", "--out", str(tmp_path)])
    assert code == 2 and "nothing was written" in capsys.readouterr().err
    assert not (tmp_path / "readings-tiny.npz").exists()
