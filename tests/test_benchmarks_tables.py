"""srnlab.lessons.benchmarks_tables (lesson 08): the paper's numbers as printed, the verdict rule, and reading results files."""
import copy

import numpy as np
import pytest

from srnlab import tasks
from srnlab.lessons import benchmarks_tables as paper
from srnlab.runs import tables as ex
from srnlab.runs.cli import main

TASKS = list(tasks.TASKS)


# ------------------------------------------------------------------ the data
def test_parse_keeps_bounds_as_bounds():
    r = paper.Reported.parse(">99%")
    assert (r.value, r.kind, r.text) == (0.99, "above", ">99%")
    assert paper.Reported.parse("96%") == paper.Reported(0.96, "exact", "96%")
    assert paper.Reported.parse("~100%").kind == "approx"
    assert paper.Reported.parse("-").kind == paper.Reported.parse(None).kind == "missing"
    assert not paper.Reported.parse("-").reported


def test_tables_as_printed():
    t1 = {(c.task, c.method): (c.best.text, c.mean.text) for c in paper.TABLE1}
    assert len(t1) == 8 and all(c.T == 100 for c in paper.TABLE1)
    assert t1["addition", "sgd"] == ("99%", "68%") and t1["temporal_order", "sampling"] == (">99%", "60%")
    assert t1["multiplication", "sgd"] == (">99%", "72%") and t1["temporal_order_3bit", "sampling"] == (">99%", "62%")
    t2 = {(c.task, c.method): (c.best.value, c.mean.value) for c in paper.TABLE2}
    assert len(t2) == 6 and not any(task == "multiplication" for task, _ in t2)
    assert t2["temporal_order", "sampling"] == (0.72, 0.42) and t2["temporal_order_3bit", "sgd"] == (0.32, 0.24)
    for c in paper.TABLE1 + paper.TABLE2 + paper.FIG5:
        assert c.method in paper.METHODS and c.task in TASKS
        for r in (c.best, c.mean):
            assert r.kind in ("exact", "above", "approx", "missing")
            assert (r.value is None) == (r.kind == "missing")
            assert r.value is None or 0 <= r.value <= 1
        if c.best.reported and c.mean.reported:
            assert c.best.value >= c.mean.value


def test_fig5_points_and_claim_agree_with_the_tables():
    by = {(c.T, c.method): c for c in paper.FIG5}
    assert sorted({T for T, _ in by}) == [50, 100, 150]
    assert by[50, "sgd"].best.kind == "approx" and not by[50, "sgd"].mean.reported
    for table in (paper.TABLE1, paper.TABLE2):
        for c in table:
            if c.task == "temporal_order":
                f = by[c.T, c.method]
                assert (f.best, f.mean) == (c.best, c.mean)
    lo, hi = paper.FIG5_CLAIM["mean_improvement"]
    for T in paper.FIG5_CLAIM["T"]:
        gain = by[T, "sampling"].mean.value - by[T, "sgd"].mean.value
        assert lo <= gain <= hi


# ------------------------------------------------------------------ the rule
def _cell(best, mean):
    return paper.PaperCell("table1", "addition", 100, "sgd", paper.Reported.parse(best),
                           paper.Reported.parse(mean), "test")


@pytest.mark.parametrize("best, mean, ours, word", [
    ("96%", "44%", (0.97, 0.50), "reproduced"),
    ("96%", "44%", (0.97, 0.80), "partly"),
    ("96%", "44%", (0.80, 0.50), "partly"),
    ("96%", "44%", (0.50, 0.90), "not reproduced"),
    ("99%", "68%", (0.995, 0.68), "partly"),         # 99% is not a success, 99.5% is
    ("99%", "68%", (0.985, 0.68), "reproduced"),
    (">99%", "60%", (0.995, 0.60), "reproduced"),
    (">99%", "60%", (0.99, 0.60), "partly"),          # ">99%" needs strictly more than 99%
    ("~100%", None, (0.97, 0.10), "reproduced"),      # no mean reported: judged on the best only
    ("~100%", None, (0.90, 0.90), "not reproduced"),
])
def test_verdict_rule(best, mean, ours, word):
    v = paper.verdict(_cell(best, mean), {"best": ours[0], "mean": ours[1], "n": 3})
    assert v.verdict == word
    assert v.reason


def test_not_run():
    c = _cell("96%", "44%")
    assert paper.verdict(c, None).verdict == "not run"
    assert paper.verdict(c, {"best": 0.9, "mean": 0.9, "n": 0}).verdict == "not run"


def test_run_length_matches_the_runner():
    for name, exp in ex.TABLES.items():
        for scale, sc in ex.SCALES.items():
            got = {paper.run_length(T, sc["T_factor"]) for T in exp["T"]}
            assert got == {s.T for s in ex.runs(name, scale)}


# ------------------------------------------------------------------ results files
def _fake_result(experiment="table1", scale="small", drop=()):
    """A results dict with the runner's schema (accuracies from a seeded generator)."""
    rng = np.random.default_rng(0)
    runs = []
    for s in ex.runs(experiment, scale):
        if (s.task, s.column, s.net) in drop:
            continue
        runs.append({"task": s.task, "T": s.T, "column": s.column, "net": s.net, "updates": 10_000,
                     "status": "completed", "test_accuracy": float(rng.uniform(0.2, 1.0)),
                     "curves": {"val_update": [0, 50, 100], "val_acc": [0.25, 0.5, 0.6]}})
    cells = {}
    for r in runs:
        cells.setdefault(f"{r['task']}|T{r['T']}|{r['column']}", []).append(r["test_accuracy"])
    total = len(ex.runs(experiment, scale))
    return {"experiment": experiment, "scale": scale, "seed": 2016, "complete": len(runs) == total,
            "runs_done": len(runs), "runs_total": total,
            "config": {"scale": ex.SCALES[scale], "hyper": ex.HYPER, "columns": ex.COLUMNS,
                       "experiment": ex.TABLES[experiment]},
            "versions": {"srnlab": "0", "numpy": np.__version__, "python": "3"},
            "cells": {k: {"best": max(v), "mean": float(np.mean(v)), "n": len(v)} for k, v in cells.items()},
            "runs": runs}


def _consistent(row):
    if row["n"] == 0:
        return row["verdict"] == "not run"
    flags = [f for f in (row["best_ok"], row["mean_ok"]) if f is not None]
    want = "reproduced" if all(flags) else "partly" if any(flags) else "not reproduced"
    return row["verdict"] == want and 0 <= row["mean"] <= row["best"] <= 1


def test_compare_complete_partial_and_missing():
    full = paper.compare("table1", _fake_result())
    assert len(full) == 8 and all(r["n"] == 3 and not r["provisional"] for r in full)
    assert all(r["T_paper"] == 100 and r["T_ours"] == 50 for r in full)
    assert all(_consistent(r) for r in full)

    drop = {("temporal_order", "sampling", n) for n in range(3)} | {("addition", "sgd", 2)}
    part = paper.compare("table1", _fake_result(drop=drop))
    row = {(r["task"], r["method"]): r for r in part}
    assert row["temporal_order", "sampling"]["verdict"] == "not run"
    assert row["addition", "sgd"]["provisional"] and row["addition", "sgd"]["n"] == 2
    assert all(_consistent(r) for r in part)

    none = paper.compare("table2", None, "small")
    assert len(none) == 6 and all(r["verdict"] == "not run" and r["T_ours"] == 75 for r in none)


def test_compare_scores_regression_cells_under_the_squared_criterion_where_they_have_it():
    res = _fake_result()
    res["cells"]["addition|T50|sgd"].update(best_squared=0.70, mean_squared=0.66)      # the paper: 99% / 68%
    res["cells"]["multiplication|T50|sgd"].update(best_squared=1.0, mean_squared=0.95)  # the paper: >99% / 72%
    row = {(r["task"], r["method"]): r for r in paper.compare("table1", res)}
    add, mul = row["addition", "sgd"], row["multiplication", "sgd"]
    assert (add["best_squared"], add["mean_squared"]) == (0.70, 0.66)
    assert add["verdict_squared"] == "partly" and "mean 0.660 vs 68%" in add["reason_squared"]   # best < 99%
    assert mul["verdict_squared"] == "partly" and "best 1.000 vs >99%" in mul["reason_squared"]  # mean 0.23 off
    for r in row.values():               # cells without the criterion, and classification, have none
        if (r["task"], r["method"]) not in {("addition", "sgd"), ("multiplication", "sgd")}:
            assert r["best_squared"] is r["mean_squared"] is r["verdict_squared"] is r["reason_squared"] is None


def test_effects_are_paired():
    res = _fake_result(drop={("temporal_order", "sampling", 2)})
    eff = {e["task"]: e for e in paper.effects("table1", res)}
    e = eff["temporal_order"]
    assert e["pairs"] == 2
    acc = {(r["column"], r["net"]): r["test_accuracy"] for r in res["runs"] if r["task"] == "temporal_order"}
    want = np.mean([acc["sampling", i] - acc["sgd", i] for i in (0, 1)])
    assert np.isclose(e["diff"], want)
    assert np.isclose(e["paper_diff"], 0.16) and e["paper_reads"] == "better"
    assert eff["multiplication"]["paper_reads"] == "same"          # -4 points is inside +-0.05
    assert all(e["verdict"] == "not run" for e in paper.effects("table1", None))


def test_paired_differences_pair_networks_by_number():
    """Only networks both columns finished are paired, each with its own twin, in network order."""
    res = _fake_result(drop={("temporal_order", "sampling", 0)})
    T = res["runs"][0]["T"]
    acc = paper.accuracies(res, "temporal_order", T, "sampling")
    sgd = paper.accuracies(res, "temporal_order", T, "sgd")
    assert sorted(acc) == [1, 2] and sorted(sgd) == [0, 1, 2]
    d = paper.paired_differences(res, "temporal_order", T, "sampling")
    assert d.shape == (2,) and np.allclose(d, [acc[1] - sgd[1], acc[2] - sgd[2]])
    assert np.allclose(paper.paired_differences(res, "temporal_order", T, "sgd", "sampling"), -d)
    assert paper.paired_differences(res, "temporal_order", T + 1, "sampling").shape == (0,)   # no such T
    assert paper.accuracies(None, "temporal_order", T, "sgd") == {}
    with pytest.raises(TypeError, match="names"):
        paper.accuracies(res, "temporal_order", T, 3)


def test_extra_cells_curves_and_describe():
    res = _fake_result()
    extra = paper.extra_cells(res)
    assert {e["column"] for e in extra} == set(ex.TABLES["table1"]["columns"]) - set(paper.METHODS) - set(paper.AUTHOR_COLUMNS.values())
    assert {"clip", "orthogonal", "identity"} <= {e["column"] for e in extra}
    curves = paper.learning_curves(res)
    assert len(curves) == 4 * len(ex.TABLES["table1"]["columns"]) and all(len(v) == 3 for v in curves.values())
    text = paper.describe(res)
    assert "T trained on [50]" in text and "100,000" in text and "seed 2016" in text
    assert "3 networks per cell (paper 10)" in paper.scale_note(res)


def test_load_results_missing_says_how(tmp_path):
    res, msg = paper.load_results("fig5", "small", tmp_path)
    assert res is None and "python -m srnlab run fig5 --scale small" in msg


def test_load_results_from_the_runner(tmp_path):
    assert main(["run", "fig5", "--scale", "tiny", "--out", str(tmp_path), "--jobs", "1", "--no-progress"]) == 0
    res, msg = paper.load_results("fig5", "tiny", tmp_path)
    n = 3 * len(ex.TABLES["fig5"]["columns"])
    assert res is not None and msg == f"fig5 at scale 'tiny': all {n} runs done." and res["complete"]
    rows = paper.compare("fig5", res)
    assert [r["T_ours"] for r in rows] == [10, 10, 20, 20, 30, 30]
    assert all(_consistent(r) and r["scale"] == "tiny" for r in rows)


def test_load_results_says_how_far_each_column_is(tmp_path):
    """A partial results file says, by column, what is complete, what is partly run and what is not run."""
    from srnlab.results import column_progress, progress_text
    assert main(["run", "fig5", "--scale", "tiny", "--out", str(tmp_path), "--jobs", "1", "--no-progress",
                 "--columns", "sgd"]) == 0
    res, msg = paper.load_results("fig5", "tiny", tmp_path)
    columns = ex.TABLES["fig5"]["columns"]
    progress = column_progress(res)
    assert list(progress) == list(columns) and progress["sgd"] == (3, 3)       # 3 T x 1 network at 'tiny'
    assert all(progress[c] == (0, 3) for c in columns if c != "sgd") and not res["complete"]
    others = ", ".join(c for c in columns if c != "sgd")
    assert msg == f"fig5 at scale 'tiny': 3 of {3 * len(columns)} runs done: sgd complete; {others} not run."
    one_short = dict(res, cells={k: dict(v, n=0) if k.startswith("temporal_order|T10|") else v for k, v in res["cells"].items()})
    assert column_progress(one_short)["sgd"] == (2, 3)
    assert progress_text(one_short).startswith(f"3 of {3 * len(columns)} runs done: sgd 2 of 3; ")


# ------------------------------------------------------------------ chance and display
def test_chance_levels():
    c = {t: paper.chance_level(t, n=50_000, rng=1) for t in TASKS}
    assert abs(c["temporal_order"].accuracy - 1 / 4) < 0.01
    assert abs(c["temporal_order_3bit"].accuracy - 1 / 8) < 0.01
    assert abs(c["addition"].accuracy - (1 - 0.92 ** 2)) < 0.008
    assert abs(c["multiplication"].accuracy - 0.08 * (1 - np.log(0.08))) < 0.008
    F = lambda y: y - y * np.log(y)                      # antiderivative of -ln y
    assert abs(c["multiplication"].mean_guess_accuracy - (F(0.29) - F(0.21))) < 0.008
    assert c["temporal_order"].mean_guess is None


def test_markdown_table():
    text = paper.markdown_table([{"a": 0.5, "b": None, "c": True}], [("a", "A"), ("b", "B"), ("c", "C")])
    assert text.splitlines() == ["| A | B | C |", "|---|---|---|", "| 0.500 | – | yes |"]


def test_markdown_table_escapes_a_bar():
    """A "|" in a header or a cell is escaped once, so that it does not split the cell; "\\|" is kept."""
    text = paper.markdown_table([{"a": "|e| < 0.04", "b": r"\|e\|"}], [("a", "|e| < 0.04"), ("b", r"\|e\| ok")])
    head, _, row = text.splitlines()
    assert head == r"| \|e\| < 0.04 | \|e\| ok |"
    assert row == r"| \|e\| < 0.04 | \|e\| |"
    assert all(line.count("|") - line.count(r"\|") == 3 for line in (head, row))


def test_compare_does_not_change_the_results():
    res = _fake_result()
    before = copy.deepcopy(res)
    paper.compare("table1", res)
    paper.effects("table1", res)
    assert res == before


def test_author_rows_from_the_runner(tmp_path):
    """The author's columns against the paper's cells, with the pairing against plain SGD."""
    base = ["--scale", "tiny", "--out", str(tmp_path), "--jobs", "1", "--no-progress", "--tasks", "temporal_order"]
    assert main(["run", "table1", *base, "--columns", "sgd", "sgd_author", "sampling_author"]) == 0
    res, _ = paper.load_results("table1", "tiny", tmp_path)
    rows = {r["method"]: r for r in paper.author_rows("table1", res) if r["task"] == "temporal_order"}
    assert set(rows) == {"sgd", "sampling"}
    for method, r in rows.items():
        assert r["column"] == paper.AUTHOR_COLUMNS[method] and r["n"] == 1 and r["pairs"] == 1
        run = next(x for x in res["runs"] if x["column"] == r["column"])
        sgd = next(x for x in res["runs"] if x["column"] == "sgd")
        assert r["minus_sgd"] == pytest.approx(run["test_accuracy"] - sgd["test_accuracy"])
        assert r["accepted"] == run["accept_rate"] and r["q_in_zone"] == run["q_in_zone"]
        assert 0 <= r["q_in_zone"] <= 1 and r["verdict"] in paper.VERDICTS
    assert rows["sgd"]["accepted"] == 1.0
    assert rows["sgd"]["pairs_own"] is None and rows["sgd"]["minus_own"] is None
    own = {x["column"]: x["test_accuracy"] for x in res["runs"] if x["column"].endswith("_author")}
    assert rows["sampling"]["pairs_own"] == 1
    assert rows["sampling"]["minus_own"] == pytest.approx(own["sampling_author"] - own["sgd_author"])
    assert rows["sampling"]["better_own"] == int(own["sampling_author"] > own["sgd_author"])
    assert rows["sampling"]["worse_own"] == int(own["sampling_author"] < own["sgd_author"])
    assert not any(e["column"].endswith("_author") for e in paper.extra_cells(res))
    assert rows["sampling"]["p_sgd"] == rows["sampling"]["p_own"] == 1.0    # one pair: both signs as far out
    assert rows["sgd"]["p_own"] is None
    assert paper.author_rows("table1", None) == []
    # the same rows as a table, and the report that prints them
    table = paper.author_table(paper.author_rows("table1", res)).splitlines()
    assert len(table) == 2 + 2 and table[0].startswith("| task | T | column |")      # the two temporal-order rows
    d = rows["sampling"]["minus_sgd"]
    counts = f"{int(d > 0)} better, {int(d < 0)} worse" + (", 1 tied" if d == 0 else "")
    assert any("| sampling_author |" in line and f"{d:+.3f} ({counts}; p = 1)" in line for line in table)
    assert all("1/1 |" in line for line in table[2:])
    assert paper.author_table([]) == ""
    text = paper.report("table1", "tiny", tmp_path)
    assert "table1 at scale 'tiny'" in text and "\n".join(table) in text
    assert sum(line.startswith("| addition | sgd |") for line in text.splitlines()) == 1     # not run, still listed
    assert paper.main(["table1", "--scale", "tiny", "--out", str(tmp_path)]) == 0
    assert paper.main(["table1", "--scale", "nowhere", "--out", str(tmp_path)]) == 0      # says how to make it
    assert "No results file" in paper.report("table1", "nowhere", tmp_path) and "|" not in paper.report("table1", "nowhere", tmp_path)
    with pytest.raises(ValueError, match="experiment"):
        paper.report("table9", "tiny", tmp_path)


def test_paired_p_value_counts_sign_patterns():
    """The exact sign-flip test, against the 2**n patterns counted by hand."""
    # d = (1, 2, 3): of the 8 sign patterns only (+,+,+) and (-,-,-) reach |mean| = 2
    assert paper.paired_p_value([1.0, 2.0, 3.0]) == pytest.approx(2 / 8)
    # (3, -1, 1), sum 3: the sums 3 +- 1 +- 1 are 5, 3, 3, 1; |sum| >= 3 for three of them and their negatives
    assert paper.paired_p_value([3.0, -1.0, 1.0]) == pytest.approx(6 / 8)
    assert paper.paired_p_value([0.2]) == 1.0           # one pair: both signs are as far from 0
    assert paper.paired_p_value(np.full(10, 0.1)) == pytest.approx(2 / 1024)   # the smallest at 10 networks
    rng = np.random.default_rng(0)
    d = rng.normal(size=7)
    signs = np.array(np.meshgrid(*[[-1, 1]] * 7)).reshape(7, -1).T
    by_hand = np.mean(np.abs(signs @ d) >= abs(d.sum()) - 1e-12)
    assert paper.paired_p_value(d) == pytest.approx(by_hand)
    assert paper.paired_p_value([]) is None
    for bad in ([np.nan, 1.0], [[1.0, 2.0]], np.ones(21)):
        with pytest.raises(ValueError, match="paired_p_value"):
            paper.paired_p_value(bad)


# ------------------------------------------------------------------ the exercise: the chance level of multiplication
def exact_chance(tol):
    F = paper.product_cdf
    return tol, float(F(2 * tol)), float(F(0.25 + tol) - F(0.25 - tol))


def simulated_chance(tol):
    _, y = tasks.generate("multiplication", 100_000, 10, rng=7)
    y = y.ravel()
    grid = np.linspace(0, 1, 501)
    hits = [np.mean(np.abs(y - c) < tol) for c in grid]
    j = int(np.argmax(hits))
    return grid[j], hits[j], np.mean(np.abs(y - y.mean()) < tol)


def test_product_cdf_is_the_distribution_of_a_product():
    F = paper.product_cdf
    rng = np.random.default_rng(0)
    y = rng.random(200_000) * rng.random(200_000)
    for t in (0.01, 0.08, 0.25, 0.5, 0.9):
        assert abs(np.mean(y <= t) - F(t)) < 0.005
    assert F(0.0) == 0 and F(-1.0) == 0 and F(1.0) == 1 and F(2.0) == 1
    assert abs(paper.chance_level("multiplication", n=50_000, rng=1).accuracy - F(0.08)) < 0.008


def test_multiplication_chance_checker_accepts_both_routes(capsys):
    assert paper.check_multiplication_chance(exact_chance)
    assert paper.check_multiplication_chance(simulated_chance)
    assert paper.check_multiplication_chance(lambda tol: list(np.array(exact_chance(tol))))
    assert "PASSED" in capsys.readouterr().out


F = paper.product_cdf
WINDOW = lambda c, tol: float(F(c + tol) - F(c - tol))          # noqa: E731


@pytest.mark.parametrize("wrong, hint", [
    (lambda tol: (0.25, WINDOW(0.25, tol), WINDOW(0.25, tol)), "that is the mean target"),
    (lambda tol: (0.5, WINDOW(0.5, tol), WINDOW(0.25, tol)), "best constant for addition"),
    (lambda tol: (0.1867, WINDOW(0.1867, tol), WINDOW(0.25, tol)), "median target"),
    (lambda tol: (0.0, float(F(tol)), WINDOW(0.25, tol)), "lies below 0"),
    (lambda tol: (tol, WINDOW(tol, tol / 2), WINDOW(0.25, tol)), "width of the window"),
    (lambda tol: (tol, 2 * tol, WINDOW(0.25, tol)), "UNIFORM"),
    (lambda tol: (tol, 1 - (1 - 2 * tol) ** 2, WINDOW(0.25, tol)), "addition's chance level"),
    (lambda tol: (tol, -2 * tol * np.log(tol), WINDOW(0.25, tol)), "integrate"),
    (lambda tol: (tol, WINDOW(0.25, tol), WINDOW(0.25, tol)), "mean target's accuracy in place"),
    (lambda tol: (tol, float(F(2 * tol)), WINDOW(0.5, tol)), "mean of ONE uniform"),
    (lambda tol: (tol, float(F(2 * tol)), WINDOW(0.1867, tol)), "median target"),
    (lambda tol: (tol, float(F(2 * tol)), float(F(2 * tol))), "for the mean target too"),
    (lambda tol: (tol, 100 * float(F(2 * tol)), 100 * WINDOW(0.25, tol)), "percentages"),
    (lambda tol: exact_chance(0.04), "use the argument tol"),
])
def test_multiplication_chance_checker_names_the_slip(wrong, hint):
    result = paper.check_multiplication_chance(wrong)
    assert not result and hint in result.message


def test_multiplication_chance_checker_handles_stubs_and_bad_returns():
    def stub(tol):
        raise NotImplementedError
    assert "not implemented" in paper.check_multiplication_chance(stub).message
    assert "three numbers" in paper.check_multiplication_chance(lambda tol: (tol, 0.28)).message
    assert "three numbers" in paper.check_multiplication_chance(lambda tol: ("a", "b", "c")).message
    assert "finite" in paper.check_multiplication_chance(lambda tol: (tol, np.nan, 0.1)).message
    with pytest.raises(TypeError, match="pass your function"):
        paper.check_multiplication_chance(None)


def test_chance_levels_under_pascanus_squared_criterion():
    """(y - c)^2 <= 0.04 is |y - c| <= 0.2: addition's best constant 0.5 scores 1 - 4 * 0.3^2 = 0.64;
    multiplication's best window [c - 0.2, c + 0.2] of the density -ln t scores about 0.77."""
    add = paper.chance_level("addition", criterion="squared", n=200_000)
    assert abs(add.accuracy - 0.64) < 0.005 and abs(add.mean_guess_accuracy - 0.64) < 0.005
    grid = np.linspace(0.2, 0.8, 6001)
    exact = max(paper.product_cdf(c + 0.2) - paper.product_cdf(c - 0.2) for c in grid)
    mul = paper.chance_level("multiplication", criterion="squared", n=200_000)
    assert abs(mul.accuracy - exact) < 0.005 and 0.76 < exact < 0.78
    assert abs(mul.mean_guess_accuracy - (paper.product_cdf(0.45) - paper.product_cdf(0.05))) < 0.005
    with pytest.raises(ValueError, match="criterion"):
        paper.chance_level("addition", criterion="relative")


# ------------------------------------------------------------------ the demos' drawing
def test_task_demo_draws_every_task_and_length():
    import ipywidgets as W
    from srnlab.course.widgets import Demo, slider

    def marked_steps(task, X):
        channel = X[:, :, 1] if tasks.spec(task).output == "linear" else X[:, :, :2].sum(axis=2)
        return [np.flatnonzero(row) for row in channel]

    demo = Demo(lambda fig: paper.build_task_demo(fig, marked_steps),
                task=W.Dropdown(options=TASKS, value="temporal_order"),
                T=slider(10, 60, 20, integer=True), example=slider(0, 49, 0, integer=True))
    demo.sweep()
    ax = demo.fig.axes[0]
    for task in TASKS:
        for T in (10, 33, 60):
            note = demo.update(task=task, T=T, example=1)      # the artists only, no picture
            L = int(note.split("T' = ")[1].split(" ")[0])
            assert T <= L <= ax.get_xlim()[1] - 0.5 < 1.4 * L    # the axis holds T' and little more
            assert ax.get_xlim()[1] - 0.5 in paper.TASK_AXIS_ENDS
            bands = [b for b in ax.patches if b.get_visible()]
            assert len(bands) == len(tasks.marker_ranges(task, L)) == len(ax.get_legend().get_texts())


def test_reserve_legend_room_keeps_the_layout():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    paper.reserve_legend_room(ax, ["a rather long legend entry"] * 5, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    box = ax.get_position().bounds
    assert ax.get_legend() is None                         # the stand-in is gone
    assert box[0] + box[2] < 0.8                           # room on the right for the legend
    ax.legend(handles=ax.plot([0, 1], label="x"), loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.canvas.draw()
    assert ax.get_position().bounds == box


def test_chance_level_measures_both_constants_on_one_draw():
    """With a Generator, the best constant and the mean target are scored on the same targets: the
    mean target is the mean of the targets one seed drawn from that Generator gives."""
    from srnlab import tasks
    a = paper.chance_level("multiplication", n=20_000, rng=np.random.default_rng(7))
    seed = int(np.random.default_rng(7).integers(2**63))
    b = paper.chance_level("multiplication", n=20_000, rng=seed)
    assert a == b
    _, y = tasks.generate("multiplication", 20_000, tasks.min_length("multiplication"), seed)
    assert a.mean_guess == pytest.approx(float(y.mean()))
    assert a.accuracy >= a.mean_guess_accuracy


def test_cell_points_and_plot_fig5():
    """Fig. 5's points are the results file's cells, by T; the figure draws the paper's lines and ours."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    res = _fake_result("fig5", "small")
    points = paper.cell_points(res, "temporal_order", "sgd_author")
    assert [T for T, _, _ in points] == [25, 50, 75]
    for T, best, mean in points:
        cell = res["cells"][f"temporal_order|T{T}|sgd_author"]
        assert (best, mean) == (cell["best"], cell["mean"])
    assert paper.cell_points(None, "temporal_order", "sgd") == [] and paper.cell_points(res, "addition", "sgd") == []
    with pytest.raises(TypeError, match="results dict"):
        paper.cell_points([1, 2], "temporal_order", "sgd")
    with pytest.raises(TypeError, match="task and column"):
        paper.cell_points(res, 3, "sgd")
    fig = plt.figure()
    axes = paper.plot_fig5(fig, {"sgd_author": points, "sampling_author": []}, 0.25, "small")
    labels = [line.get_label() for line in axes[1].get_lines() if not line.get_label().startswith("_")]
    assert "ours (small), SGD as the author ran it" in labels and not any("the author's method" in l for l in labels)
    ours = next(line for line in axes[1].get_lines() if line.get_label() == "ours (small), SGD as the author ran it")
    assert list(ours.get_ydata()) == [m for _, _, m in points]          # the right panel: the means
    assert sum(l.startswith("paper, ") for l in labels) == 2
    assert len(axes[0].texts) == 1 and "so far" not in axes[0].texts[-1].get_text()
    plt.close(fig)
    # a T with fewer networks than planned is marked "n/planned so far" above its points, in both panels
    partial = dict(res, cells=dict(res["cells"]))
    partial["cells"]["temporal_order|T75|sgd_author"] = dict(partial["cells"]["temporal_order|T75|sgd_author"], n=1)
    assert paper.unfinished_cells(partial, "temporal_order") == {("sgd_author", 75): (1, 3)}
    assert paper.unfinished_cells(res, "temporal_order") == {} and paper.unfinished_cells(None, "temporal_order") == {}
    fig = plt.figure()
    axes = paper.plot_fig5(fig, {"sgd_author": points}, 0.25, "small", paper.unfinished_cells(partial, "temporal_order"))
    for ax in axes:
        marks = [t for t in ax.texts if t.get_text() == "1/3 so far"]
        assert len(marks) == 1 and marks[0].xy[0] == 75 and len(ax.texts) == 1 + (ax is axes[0])
    assert "so far" in axes[0].texts[-1].get_text()
    plt.close(fig)


def test_author_runs_demo_draws_each_networks_records(tmp_path):
    """The demo's lines are the records' curves; a network a column has not finished is named, not drawn."""
    import ipywidgets as W
    from srnlab.course.widgets import Demo, slider
    base = ["--scale", "tiny", "--out", str(tmp_path), "--jobs", "1", "--no-progress", "--tasks", "temporal_order"]
    assert main(["run", "table1", *base, "--columns", "sgd", "sgd_author", "sampling_author"]) == 0
    res, _ = paper.load_results("table1", "tiny", tmp_path)
    chance = {"temporal_order": paper.chance_level("temporal_order", n=2000)}
    T = res["runs"][0]["T"]
    demo = Demo(lambda fig: paper.build_author_runs_demo(fig, res, chance, T=T),
                task=W.Dropdown(options=["temporal_order"]), net=slider(0, 1, 0, integer=True))
    demo.sweep()
    ax_acc, ax_q = demo.fig.axes[:2]
    note = demo.update(task="temporal_order", net=0)
    record = {r["column"]: r for r in res["runs"]}
    for column, r in record.items():
        curves = paper.run_curves(r)
        assert f"{column} {r['test_accuracy']:.3f}" in note
        drawn = [line for line in ax_acc.lines if line.get_label() == paper.COLUMN_LABELS[column]]
        assert len(drawn) == 1 and np.array_equal(drawn[0].get_ydata(), curves["val_acc"])
        assert curves["q_update"].shape == curves["q_median"].shape and curves["q_update"][-1] < r["updates"]
    q_line = next(line for line in ax_q.lines if line.get_label().endswith(paper.COLUMN_LABELS["sampling_author"]))
    assert np.array_equal(q_line.get_ydata(), paper.run_curves(record["sampling_author"])["q_median"], equal_nan=True)
    assert f"{record['sampling_author']['accept_rate']:.0%}" in ax_acc.get_title()
    assert "sgd not run" in demo.update(task="temporal_order", net=1)        # tiny runs one network a cell
    assert "not finished" in ax_acc.get_title()
    with pytest.raises(ValueError, match="no run of the column sampling_author"):
        paper.build_author_runs_demo(demo.fig, res, chance, T=T + 1)
    with pytest.raises(TypeError, match="one run record"):
        paper.run_curves({"task": "temporal_order"})


def test_answer_correlation_tells_a_constant_from_the_target(tmp_path):
    """1 for the target up to scale and shift, near 0 for an answer that ignores the marked values."""
    from srnlab import SRN
    net = SRN.init(2, 4, 1, rng=0)
    for W in (net.W_in, net.W_rec, net.W_out):
        W[...] = 0.0
    net.c[...] = 0.3                                       # a constant answer
    assert paper.answer_correlation(net, "addition", 20, n=500) == 0.0

    class Target(SRN):                                     # answers 2 * target + 1, read off the sequence
        def predict(self, X, chunk=None):
            marked = X[:, :, 1] == 1
            return (2 * (X[:, :, 0] * marked).sum(axis=1) / 2 + 1)[:, None]
    target = Target(**{name: getattr(net, name) for name in SRN.PARAMS})
    assert paper.answer_correlation(target, "addition", 20, n=500) == pytest.approx(1.0)
    noise = SRN.init(2, 8, 1, rng=1)
    assert abs(paper.answer_correlation(noise, "multiplication", 20, n=4000, rng=3)) < 3 / np.sqrt(4000) + 0.05
    with pytest.raises(ValueError, match="regression"):
        paper.answer_correlation(net, "temporal_order", 20)
    with pytest.raises(TypeError, match="SRN"):
        paper.answer_correlation("net", "addition", 20)


def test_run_network_is_the_kept_one(tmp_path):
    base = ["--scale", "tiny", "--out", str(tmp_path), "--jobs", "1", "--no-progress", "--tasks", "addition"]
    assert main(["run", "table1", *base, "--columns", "sgd"]) == 0
    res, _ = paper.load_results("table1", "tiny", tmp_path)
    record = res["runs"][0]
    net = paper.run_network(record, tmp_path)
    X, y = tasks.generate("addition", 200, record["T"], rng=0)
    assert np.isfinite(net.predict(X)).all()
    assert -1 <= paper.answer_correlation(net, "addition", record["T"], n=200) <= 1
    with pytest.raises(FileNotFoundError, match="not kept"):
        paper.run_network(dict(record, network="nowhere.net.npz"), tmp_path)
    with pytest.raises(TypeError, match="run record"):
        paper.run_network({"task": "addition"}, tmp_path)
