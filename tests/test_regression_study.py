"""The regression study (srnlab.runs.regression_study) at toy size: its grid, shared starts and
data, the plateau rule, the best constant under both criteria, and the summary."""
import json

import numpy as np
import pytest

from srnlab.runs import EXPERIMENTS
from srnlab.runs import regression_study as R
from srnlab.runs.cli import main

EXP = EXPERIMENTS["regression_study"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("regression")
    assert main(["run", "regression_study", "--scale", "tiny", "--out", str(out), "--no-progress"]) == 0
    return out, json.loads((out / "regression_study-tiny.json").read_text())


def test_the_grid():
    specs = R.settings("lesson", 2016)
    assert len(specs) == 3 * 2 * 36 and len({s.name for s in specs}) == len(specs)
    assert {s.lr for s in specs} == {1e-4, 1e-3, 1e-2} and {s.variant for s in specs} == {"paper", "author"}
    assert len(EXP.columns) == 36
    paper = R.settings("paper", 2016)                 # T = 100: only the named settings, 10 networks each
    assert len(paper) == 10 * sum(len(v) for v in R.SCALES["paper"]["only"].values())
    assert {s.column for s in paper} <= set(EXP.columns) and {s.task for s in paper} == {"addition", "multiplication"}


def test_settings_share_starts_and_data():
    a, b = [s for s in R.settings("tiny", 7) if s.task == "addition" and s.variant == "paper"][:2]
    na, nb = R.initial_net(a), R.initial_net(b)
    assert np.array_equal(na.W_in, nb.W_in) and np.array_equal(na.W_out, nb.W_out)
    orth = next(s for s in R.settings("tiny", 7) if s.rec_init == "orthogonal" and s.task == "addition")
    no = R.initial_net(orth)
    assert np.array_equal(no.W_in, na.W_in) and np.allclose(no.W_rec @ no.W_rec.T, np.eye(no.K))
    ta, tb = EXP.new_run(a)[0], EXP.new_run(b)[0]
    np.testing.assert_array_equal(ta._minibatch()[0], tb._minibatch()[0])


def test_plateau_rule():
    u, acc = np.array([0, 100, 200, 300]), np.array([0.10, 0.15, 0.21, 0.30])
    assert R.leaves_plateau(u, acc, chance=0.15, margin=0.05) == 200
    assert R.leaves_plateau(u, acc, chance=0.30, margin=0.05) is None
    # with a window: one validation above the bar is not enough, the mean of the last `window` must be
    u, acc = np.arange(0, 800, 100), np.array([0.15, 0.30, 0.10, 0.10, 0.22, 0.24, 0.25, 0.26])
    assert R.leaves_plateau(u, acc, chance=0.15, margin=0.05) == 100
    assert R.leaves_plateau(u, acc, chance=0.15, margin=0.05, window=3) == 600   # mean(0.22, 0.24, 0.25) > 0.20
    assert R.leaves_plateau(u[:2], acc[:2], chance=0.15, margin=0.05, window=3) is None


def test_every_run_recorded_with_its_network_and_cells_summarized(tiny):
    out, res = tiny
    assert res["complete"] and res["runs_done"] == len(R.settings("tiny", 2016))
    for r in res["runs"]:
        assert (out / "runs" / "regression_study-tiny" / r["network"]).exists()
        assert 0 <= r["test_accuracy"] <= r["test_accuracy_squared"] <= 1
        assert r["leaves_plateau_at"] is None or r["leaves_plateau_at"] in r["val_update"]
    for key, cell in res["cells"].items():
        rs = [r for r in res["runs"] if f"{r['task']}|{r['column']}" == key]
        assert cell["n"] == len(rs) and cell["best_squared"] == max(r["test_accuracy_squared"] for r in rs)


def test_summarize_never_replaces_the_file_with_less(tiny, capsys):
    out, res = tiny
    rec = out / "runs" / "regression_study-tiny" / f"{res['runs'][0]['name']}.json"
    moved = rec.with_suffix(".aside")
    rec.rename(moved)
    try:
        assert main(["summarize", "regression_study", "--scale", "tiny", "--out", str(out)]) == 2
        assert "replace it with less" in capsys.readouterr().err
        assert json.loads((out / "regression_study-tiny.json").read_text()) == res
    finally:
        moved.rename(rec)
