"""Lesson 09's helpers (srnlab.lessons.regression_tasks), on a toy study written by the runner."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from srnlab import SRN, tasks
from srnlab.course import plotting
from srnlab.lessons import regression_tasks as reg
from srnlab.runs.cli import main


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    out = tmp_path_factory.mktemp("regression")
    assert main(["run", "regression_study", "--scale", "tiny", "--out", str(out), "--no-progress"]) == 0
    return reg.load_study("tiny", out), out


def test_load_study_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m srnlab run regression_study"):
        reg.load_study("lesson", tmp_path)
    (tmp_path / "regression_study-lesson.json").write_text('{"runs": []}')
    with pytest.raises(Exception, match="not the regression study's summary"):
        reg.load_study("lesson", tmp_path)


def test_rows_and_grid_count_every_setting(toy):
    study, _ = toy
    for task in reg.TASKS:
        rows = reg.setting_rows(study, task)
        assert [r["column"] for r in rows] == reg.columns(study) and len(rows) == 36
        assert all(r["left"] == f"{r['left_plateau']}/{r['n']}" and r["best"] >= r["mean"] for r in rows)
        grid, header = reg.plateau_grid(study, task)
        assert len(grid) == 6 and len(header) == 2 + 6
        assert sum(int(v.split("/")[1]) for row in grid for k, v in row.items() if "|" in k) == study["runs_done"] // 2


def test_marginals_count_every_network_once_per_setting(toy):
    study, _ = toy
    rows = reg.marginals(study, "addition")
    runs = [r for r in study["runs"] if r["task"] == "addition"]
    for label in ("learning rate", "clipping", "start of W_rec", "data"):
        mine = [r for r in rows if r["factor"] == label]
        assert sum(r["n"] for r in mine) == len(runs)
        assert sum(r["left"] for r in mine) == sum(r["leaves_plateau_at"] is not None for r in runs)
    assert [r["value"] for r in rows if r["factor"] == "clipping"] == ["none", "1"]


def test_setting_names_round_trip(toy):
    study, _ = toy
    for column in reg.columns(study):
        s = reg.split_column(column)
        clip = f"clip{s['clip']:g}" if s["clip"] else "noclip"
        assert f"lr{s['lr']:g}-{clip}-{s['rec_init']}-{s['variant']}" == column
    assert reg.describe_setting("lr0.001-clip1-orthogonal-author") == "lr 0.001, clip 1, orthogonal W_rec, author's data"
    with pytest.raises(ValueError, match="named like"):
        reg.split_column("lr0.001-clip1")


def test_the_kept_network_gives_the_recorded_accuracy(toy):
    """The network beside a record is the one its test accuracy comes from (same test set)."""
    study, out = toy
    from srnlab.runs import regression_study as R
    for run in study["runs"][:6]:
        net = reg.load_network(study, run, out)
        assert isinstance(net, SRN)
        s = next(s for s in R.settings("tiny", study["seed"]) if s.name == run["name"])
        correct = sum(tasks.accuracy(s.task, net.predict(X), y) * len(X) for X, y in R.test_set(s))
        assert correct / study["config"]["n_test"] == pytest.approx(run["test_accuracy"])
    with pytest.raises(FileNotFoundError, match="not kept"):
        reg.load_network(study, dict(study["runs"][0], network="nowhere.net.npz"), out)


def test_accuracy_at_and_error_profile_agree_with_tasks_accuracy(toy):
    study, out = toy
    run = study["runs"][0]
    net = reg.load_network(study, run, out)
    errors = reg.error_profile(net, run["task"], run["variant"], T=study["config"]["T"], n=300, rng=3)
    X, y = tasks.generate(run["task"], 300, study["config"]["T"], 3, variant=run["variant"])
    for tol in (0.04, 0.1, 0.2):
        assert reg.accuracy_at(errors, tol) == pytest.approx(tasks.accuracy(run["task"], net.predict(X), y, tol=tol))
    # the squared criterion at 0.04 is |e| <= 0.2: equal up to ties at exactly 0.2
    assert reg.accuracy_at(errors, 0.2) == pytest.approx(tasks.accuracy(run["task"], net.predict(X), y,
                                                                        criterion="squared"), abs=1e-9)


def test_first_above_and_its_checker():
    assert reg.first_above([0, 100, 200], [0.1, 0.3, 0.5], 0.2) == 100
    assert reg.first_above([0, 100, 200], [0.1, 0.2, 0.2], 0.2) is None       # strictly above
    assert reg.check_first_above(reg.first_above)
    slips = {
        "index": lambda u, a, lv: next((i for i, x in enumerate(a) if x > lv), None),
        ">=": lambda u, a, lv: next((int(v) for v, x in zip(u, a) if x >= lv), None),
        "-1": lambda u, a, lv: next((int(v) for v, x in zip(u, a) if x > lv), -1),
    }
    for words, fn in (("the index", slips["index"]), ("used >=", slips[">="]), ("return None", slips["-1"])):
        result = reg.check_first_above(fn)
        assert not result and words in result.message, (words, result.message)


def test_the_demo_draws_every_setting_and_fits(toy):
    study, out = toy
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    update = reg.build_study_demo(study, out, n_test=100)(fig)
    for task in reg.TASKS:
        for column in reg.columns(study)[::7]:
            update(task, column, 0.04)
    update("multiplication", reg.columns(study)[-1], 0.3)
    fig.canvas.draw()
    assert plotting.fit_problems(fig) == []
    assert "of 1 networks left the plateau" in fig.axes[0].get_title()


def test_scale_rows_and_the_two_scales_plot(toy):
    """Two copies of the toy study stand for the two scales: each row pairs a cell with itself."""
    study, _ = toy
    one = {**study, "cells": {k: v for k, v in study["cells"].items() if "lr0.01" in k},
           "runs": [r for r in study["runs"] if r["lr"] == 0.01]}                       # a paper scale runs a few
    rows = reg.scale_rows(study, one, "addition")
    assert [r["column"] for r in rows] == [c for c in reg.columns(study) if c.startswith("lr0.01-")]
    for r in rows:
        cell = study["cells"][f"addition|{r['column']}"]
        for tag in ("50", "100"):
            assert (r[f"n_{tag}"], r[f"left_plateau_{tag}"], r[f"mean_{tag}"]) == (cell["n"], cell["left_plateau"],
                                                                                  cell["mean"])
        assert r["chance"] == cell["chance"]["absolute"] and r["setting"] == reg.describe_setting(r["column"])
    no_small = reg.scale_rows({**study, "cells": {}, "runs": []}, one, "addition")
    assert no_small and all(r["n_50"] is None and r["mean_100"] is not None for r in no_small)
    ax = Figure().subplots()
    reg.plot_two_scales(ax, study, one, "addition", rows[0]["column"])
    n = len(reg.runs_of(one, "addition", rows[0]["column"]))
    assert len(ax.lines) == 2 * n + 2 and ax.get_ylabel().startswith("validation accuracy")


def test_table1_runs_and_their_curves(tmp_path):
    from srnlab.lessons import benchmarks_tables as paper
    assert main(["run", "table1", "--scale", "tiny", "--tasks", "multiplication", "--columns", "sgd", "sampling",
                 "--out", str(tmp_path), "--no-progress"]) == 0
    table1 = paper.load("table1", "tiny", tmp_path)
    rows = reg.table1_runs(table1, "multiplication")
    recs = [r for r in table1["runs"] if r["task"] == "multiplication"]
    assert len(rows) == len(recs) > 0 and [r["column"] for r in rows] == sorted(r["column"] for r in rows)
    for row in rows:
        rec = next(r for r in recs if (r["column"], r["net"]) == (row["column"], row["net"]))
        acc = rec["curves"]["val_acc"]
        assert row["val_at_start"] == acc[0] and row["best_update"] == rec["best_update"]
        half = [a for u, a in zip(rec["curves"]["val_update"], acc) if u >= rec["updates"] / 2]
        assert row["late_median"] == pytest.approx(float(np.median(half)))
        assert row["accept_rate"] == rec["accept_rate"] and 0 <= row["accept_rate"] <= 1
        assert row["column"] != "sgd" or row["accept_rate"] == 1.0
    assert reg.table1_runs(table1, "addition") == []
    fig = Figure()
    reg.plot_table1_curves(fig.subplots(), rows, paper.chance_level("multiplication", n=1000), "multiplication")
    with pytest.raises(ValueError, match="no run of addition"):
        reg.plot_table1_curves(fig.subplots(), [], paper.chance_level("addition", n=1000), "addition")
    with pytest.raises(TypeError, match="table1 must be"):
        reg.table1_runs({"runs": None}, "addition")
    with pytest.raises(ValueError):
        reg.table1_runs(table1, "temporal_order")
