"""The committed results files agree with the run records they were made from, and the README with them.

A summary (results/<experiment>-<scale>.json) is written by `summarize` from the
per-run records under results/runs/<experiment>-<scale>/.  Committing a new
record without summarizing again, or editing a figure by hand, would leave the
lessons and the README showing numbers no run produced; these tests catch that.
"""
import json
import re
from pathlib import Path

import numpy as np
import pytest

from srnlab.runs import tables as experiments

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
SUMMARIES = sorted(p for p in RESULTS.glob("*.json")            # the tables' (Table 1, Table 2, Fig. 5)
                   if (RESULTS / "runs" / p.stem).is_dir() and p.stem.split("-")[0] in experiments.TABLES)
STUDY = RESULTS / "regression_study-lesson.json"
RUN_KEYS = ("task", "T", "column", "net")


def _records(summary_path):
    return [json.loads(p.read_text()) for p in sorted((RESULTS / "runs" / summary_path.stem).glob("*.json"))]


def test_there_are_committed_results():
    names = {p.stem for p in SUMMARIES}
    assert {"table1-small", "table2-small", "fig5-small", "table1-paper"} <= names


@pytest.mark.parametrize("path", SUMMARIES, ids=lambda p: p.stem)
def test_summary_matches_its_run_records(path):
    summary = json.loads(path.read_text())
    records = _records(path)
    by_key = {tuple(r[k] for k in RUN_KEYS): r for r in records}
    assert len(by_key) == len(records) == summary["runs_done"] == len(summary["runs"])
    for run in summary["runs"]:
        rec = by_key[tuple(run[k] for k in RUN_KEYS)]
        assert run["test_accuracy"] == rec["test_accuracy"]
        assert run["best_update"] == rec["best_update"] and run["updates"] == rec["updates"]
    cells = {}
    for r in records:
        cells.setdefault(f"{r['task']}|T{r['T']}|{r['column']}", []).append(r["test_accuracy"])
    assert set(cells) == set(summary["cells"])
    for key, accs in cells.items():
        cell = summary["cells"][key]
        assert cell["n"] == len(accs) and cell["best"] == max(accs)
        assert np.isclose(cell["mean"], np.mean(accs), rtol=0, atol=1e-12)
        squared = [r.get("test_accuracy_squared") for r in records if f"{r['task']}|T{r['T']}|{r['column']}" == key]
        if None in squared:                     # Pascanu's criterion only where every run of the cell has it
            assert "mean_squared" not in cell and "best_squared" not in cell
        else:
            assert cell["best_squared"] == max(squared)
            assert np.isclose(cell["mean_squared"], np.mean(squared), rtol=0, atol=1e-12)
    # every record was made with the configuration its experiment and scale define now
    scale = summary["scale"]
    assert summary["runs_total"] == len(experiments.runs(summary["experiment"], scale))
    assert summary["updates_per_run"] == [experiments.SCALES[scale]["updates"]]
    for r in records:
        assert r["status"] == "completed" or r["status"].startswith("diverged at update")
        if r["status"] == "completed":
            assert r["updates"] == experiments.SCALES[scale]["updates"]


@pytest.mark.parametrize("scale", ["lesson", "paper"])
def test_regression_study_summary_matches_its_run_records(scale):
    """Lesson 09 reads these summaries: every record under runs/ is in it, with its numbers, and
    every record's network is there beside it."""
    from srnlab.runs import regression_study as R
    path = RESULTS / f"regression_study-{scale}.json"
    if not path.exists():
        pytest.skip(f"no {path.name} committed")
    summary = json.loads(path.read_text())
    folder = RESULTS / "runs" / path.stem
    records = {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}
    assert set(records) == {r["name"] for r in summary["runs"]} and summary["runs_done"] == len(records)
    specs = {s.name: s for s in R.settings(scale, summary["seed"])}
    assert summary["runs_total"] == len(specs) and summary["config"] == json.loads(json.dumps(R.SCALES[scale]))
    cfg = R.SCALES[scale]
    for run in summary["runs"]:
        rec = records[run["name"]]
        for key in ("test_accuracy", "test_accuracy_squared", "leaves_plateau_at", "val_acc", "chance"):
            assert run[key] == rec[key], (run["name"], key)
        assert rec["status"] == "completed" and rec["updates"] == cfg["updates"]
        assert (folder / rec["network"]).is_file(), rec["network"]
        # the plateau rule as the runner applies it now
        assert rec["leaves_plateau_at"] == R.leaves_plateau(rec["val_update"], rec["val_acc"], rec["chance"]["absolute"],
                                                            cfg["margin"], cfg["window"])


def _readme_table(title):
    """Rows of the README's markdown table that follows the line holding `title`."""
    lines = (ROOT / "README.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if title in line)
    rows = []
    for line in lines[start + 1:]:
        if rows and not line.startswith("|"):
            break
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[0], rows[2:]                       # header, body (skip the |---| line)


def _readme_columns(header):
    """{index: run column} for the header cells of a README table that name a column in backticks."""
    return {i: re.search(r"`(\w+)`", h).group(1) for i, h in enumerate(header) if re.search(r"`(\w+)`", h)}


def _readme_task(label):
    """The task a README row names: "3-bit temporal order" -> "temporal_order_3bit"."""
    return label.replace(" ", "_").replace("3-bit_temporal_order", "temporal_order_3bit")


def _assert_readme_cell(text, cell, best="best", mean="mean"):
    """A README cell "best / mean (n)" shows the summary cell's figures, to four places."""
    shown = re.fullmatch(r"([\d.]+) / ([\d.]+) \((\d+)\)", text).groups()
    assert (float(shown[0]), float(shown[1]), int(shown[2])) == (round(cell[best], 4), round(cell[mean], 4), cell["n"])


def test_readme_paper_scale_table_matches_the_results():
    summary = json.loads((RESULTS / "table1-paper.json").read_text())
    header, body = _readme_table("Table 1 at the paper's own scale")
    columns = _readme_columns(header)
    assert {"sgd", "sampling"} <= set(columns.values())
    checked = 0
    for row in body:
        task = _readme_task(row[0])
        for i, column in columns.items():
            if row[i] == "-":
                assert f"{task}|T100|{column}" not in summary["cells"]
                continue
            _assert_readme_cell(row[i], summary["cells"][f"{task}|T100|{column}"])
            checked += 1
    assert checked >= 8


@pytest.mark.skipif(not STUDY.exists(), reason="no regression study committed")
def test_paper_scale_settings_are_the_studys_best():
    """The regression study's paper scale runs the lesson scale's best settings by mean test accuracy:
    the three best on addition, the best on multiplication."""
    from srnlab.runs import regression_study as R
    summary = json.loads(STUDY.read_text())
    assert summary["complete"]
    for task, chosen in R.SCALES["paper"]["only"].items():
        cells = {k.split("|")[1]: v for k, v in summary["cells"].items() if k.startswith(task + "|")}
        ranked = sorted(cells, key=lambda c: -cells[c]["mean"])
        assert set(chosen) == set(ranked[:len(chosen)]), (task, ranked[:len(chosen)])


def test_readme_both_criteria_table_matches_the_results():
    """The README's regression table: each cell's figures under both criteria as the results file has
    them (or how many of its runs have the squared one yet), the best constant under each, and the
    paper's figures for the method a column reads."""
    from srnlab import tasks
    from srnlab.lessons import benchmarks_tables as paper
    summary = json.loads((RESULTS / "table1-paper.json").read_text())
    _, body = _readme_table("Addition and multiplication under both criteria")
    assert len(body) == 12        # 2 tasks x (the best constant, sgd, sampling, orthogonal, sgd_author, sampling_author)
    for row in body:
        task, column, absolute, squared = row[0], row[1].strip("`"), row[2], row[3]
        if column == "best constant":
            assert float(absolute) == round(tasks.best_constant(task)[1], 3)
            assert float(squared) == round(tasks.best_constant(task, criterion="squared")[1], 3)
            continue
        cell = summary["cells"][f"{task}|T100|{column}"]
        _assert_readme_cell(absolute, cell)
        method = {"sgd_author": "sgd", "sampling_author": "sampling"}.get(column, column)   # the paper's cell it reads
        printed = [f"{c.best.text} / {c.mean.text}" for c in paper.TABLE1 if (c.task, c.method) == (task, method)]
        assert row[4] == (printed[0] if printed else "-"), row
        runs = [r for r in summary["runs"] if r["task"] == task and r["T"] == 100 and r["column"] == column]
        if "best_squared" in cell:
            _assert_readme_cell(squared, cell, "best_squared", "mean_squared")
        else:
            done, total = map(int, re.fullmatch(r"- \((\d+) of (\d+) redone\)", squared).groups())
            assert (done, total) == (sum("test_accuracy_squared" in r for r in runs), len(runs))


@pytest.mark.skipif(not STUDY.exists(), reason="no regression study committed")
def test_readme_regression_study_sentence_matches_the_study():
    """The README's account of the regression study: at T = 50 every addition network with lr 1e-2
    and an orthogonal start leaves the plateau, the first of each setting within the stated range,
    none above 0.99; at T = 100 none of the paper scale's 40 networks leaves it."""
    readme = (ROOT / "README.md").read_text()
    text = " ".join(readme.split())
    lesson = json.loads(STUDY.read_text())
    runs = [r for r in lesson["runs"] if r["task"] == "addition" and r["lr"] == 0.01 and r["rec_init"] == "orthogonal"]
    assert runs and all(r["leaves_plateau_at"] is not None for r in runs)
    firsts = [min(r["leaves_plateau_at"] for r in runs if r["column"] == c) for c in {r["column"] for r in runs}]
    assert f"the first within {min(firsts):,} to {max(firsts):,} updates" in text
    assert max(r["test_accuracy"] for r in lesson["runs"] if r["task"] == "addition") < 0.99
    paper = json.loads((RESULTS / "regression_study-paper.json").read_text())
    assert paper["complete"] and all(r["leaves_plateau_at"] is None for r in paper["runs"])
    assert f"left it in none of their {len(paper['runs'])} networks in {paper['config']['updates']:,} updates" in text


def test_readme_names_the_runs_that_did_not_reproduce():
    """The README's account of the paper-scale runs that --redo-old did not bring back: the figures it
    gives for the runs trained again are their records', made on the AVX2 (Haswell) kernel."""
    text = " ".join((ROOT / "README.md").read_text().split())
    assert "every one but three gave back the numbers of its old record to the last bit" in text
    for task, column, net, old in (("addition", "sgd", 2, 0.1572), ("addition", "sampling", 2, 0.1441),
                                   ("multiplication", "sampling", 4, 0.1558)):
        rec = json.loads((RESULTS / "runs" / "table1-paper" / f"{task}-T100-{column}-net{net}.json").read_text())
        assert f"{rec['test_accuracy']} instead of {old} ({task} `{column}` net {net}," in text and "(Haswell)" in rec["blas"]


def test_readme_counts_the_untrained_multiplication_networks():
    """The README's count of Table 1's paper-scale multiplication networks taken at update 0 (their
    best validation came before any training) is the records'."""
    text = " ".join((ROOT / "README.md").read_text().split())
    runs = [r for r in json.loads((RESULTS / "table1-paper.json").read_text())["runs"] if r["task"] == "multiplication"
            and r["column"] in ("sgd", "sampling", "orthogonal")]
    at_start = sum(r["best_update"] == 0 for r in runs)
    assert at_start > 0 and f"{at_start} of the {len(runs)} networks reported there were taken at update 0" in text


def test_readme_states_the_authors_columns_on_regression():
    """The README's account of the author's method on addition and multiplication: the frozen
    addition networks, the networks whose answers follow the target (measured on their kept networks
    as lesson 08 measures them), the best accuracies and the multiplication gain with its p-value."""
    from srnlab.lessons import benchmarks_tables as paper
    text = " ".join((ROOT / "README.md").read_text().split())
    result = json.loads((RESULTS / "table1-paper.json").read_text())
    rows = {(r["task"], r["column"]): r for r in paper.author_rows("table1", result)}
    add, mul = rows["addition", "sampling_author"], rows["multiplication", "sampling_author"]
    assert add["n"] == mul["n"] == 10
    runs = {c: [r for r in result["runs"] if r["task"] in ("addition", "multiplication") and r["column"] == c]
            for c in ("sgd", "sampling_author")}
    frozen = [r for r in runs["sampling_author"] if r["accept_rate"] < 0.001]
    assert len(frozen) == 4 and {r["task"] for r in frozen} == {"addition"}
    assert "froze four of the ten addition networks (under 0.1% of the minibatches used" in text
    r_of = {c: [paper.answer_correlation(paper.run_network(r, RESULTS), r["task"], r["T"], n=1000, rng=2016) for r in rs]
            for c, rs in runs.items()}
    follow = sorted(r for r in r_of["sampling_author"] if r > 0.1)
    assert len(follow) == 6 and "six of its twenty networks use the marked values" in text
    assert f"(r = {follow[0]:.2f} to {follow[-1]:.2f} on fresh sequences)" in text
    assert max(abs(r) for r in r_of["sgd"]) < 0.07 and "(|r| < 0.07)" in text
    best = max(runs["sampling_author"], key=lambda r: r["test_accuracy"])
    assert best["task"] == "multiplication" and f"{best['test_accuracy']:.3f} ({best['test_accuracy_squared']:.3f} with e²" in text
    assert f"(best {add['best']:.3f} and {mul['best']:.3f} against >99%)" in text
    assert (add["verdict"], mul["verdict"]) == ("not reproduced", "not reproduced")
    assert f"{mul['minus_sgd']:+.3f}, is the only one of the author's columns with p < 0.05 (p = {mul['p_sgd']:.2g}" in text
    others = [r[k] for r in rows.values() for k in ("p_sgd", "p_own") if r[k] is not None and r is not mul]
    assert min(others) > 0.05 and mul["p_sgd"] < 0.05
    d = paper.paired_differences(result, "multiplication", 100, "sampling_author")
    assert f"{np.delete(d, d.argmax()).mean():+.3f} without that network" in text and d.argmax() == best["net"]


def test_readme_states_the_authors_columns_on_temporal_order():
    """The README's account of the author's reading of the method on the two temporal-order tasks
    (ten networks each): minibatches used, Q in the zone, best accuracies, the gain over plain SGD
    in the author's loop and its exact sign-flip p, all as `author_rows` computes them."""
    from srnlab.lessons import benchmarks_tables as paper
    text = " ".join((ROOT / "README.md").read_text().split())
    rows = {(r["task"], r["column"]): r for r in paper.author_rows("table1", json.loads((RESULTS / "table1-paper.json").read_text()))}
    sa, sa3, ga, ga3 = (rows[t, c] for c in ("sampling_author", "sgd_author") for t in ("temporal_order", "temporal_order_3bit"))
    assert all(r["n"] == 10 for r in (sa, sa3, ga, ga3))
    pct = lambda *v: "-".join(str(x) for x in sorted({round(100 * x) for x in v}))
    assert f"a median of {pct(sa['accepted'], sa3['accepted'])}% of the minibatches" in text
    assert f"Q in the safe zone on {pct(sa['q_in_zone'], sa3['q_in_zone'])}% of the updates" in text
    assert f"(plain SGD in the same loop: {pct(ga['q_in_zone'], ga3['q_in_zone'])}%)" in text
    assert f"(best {sa['best']:.3f} and {sa3['best']:.3f})" in text and max(sa["best"], sa3["best"]) < paper.SUCCESS
    assert f"{sa['minus_own']:+.3f} and {sa3['minus_own']:+.3f} on the mean" in text
    assert f"p = {sa['p_own']:.2g} and {sa3['p_own']:.2g}" in text and min(sa["p_own"], sa3["p_own"]) > 0.05
    assert (sa["verdict"], sa3["verdict"]) == ("partly", "not reproduced")


def test_readme_states_fig5_at_t50():
    """The README's account of Fig. 5 at the paper's scale at T = 50: networks solved per column, the
    two networks the method adds, its paired gain and p, when validation first passes 99%."""
    import numpy as np
    from srnlab.lessons import benchmarks_tables as paper
    from srnlab.lessons.regression_tasks import first_above
    text = " ".join((ROOT / "README.md").read_text().split())
    res = json.loads((RESULTS / "fig5-paper.json").read_text())
    cols = ("sgd", "sgd_author", "sampling_author")
    acc = {c: paper.accuracies(res, "temporal_order", 50, c) for c in cols}
    assert all(len(a) == 10 for a in acc.values())
    solved = [sum(v > paper.SUCCESS for v in acc[c].values()) for c in cols]
    assert (f"plain SGD solves temporal order (more than 99% right) on {solved[0]} of its 10 networks, plain SGD "
            f"in the author's loop on {solved[1]} and the author's method on all {solved[2]}") in text and solved[2] == 10
    left = sorted(n for n, v in acc["sgd"].items() if v <= paper.SUCCESS)
    assert all(acc["sampling_author"][n] > paper.SUCCESS for n in left)
    left_at = " and ".join(f"{acc['sgd'][n]:.3f}" for n in left)
    assert f"the two networks plain SGD leaves at {left_at}" in text
    d = paper.paired_differences(res, "temporal_order", 50, "sampling_author")
    assert f"(mean {d.mean():+.3f}, p = {paper.paired_p_value(d):.2g})" in text
    first = {c: [first_above(r["curves"]["val_update"], r["curves"]["val_acc"], paper.SUCCESS) for r in res["runs"]
                 if (r["task"], r["T"], r["column"]) == ("temporal_order", 50, c)] for c in ("sgd", "sampling_author")}
    med = {c: np.median([u for u in v if u is not None]) for c, v in first.items()}
    assert f"(median update {med['sampling_author']:,.0f}, against {med['sgd']:,.0f} for plain SGD's)" in text
    assert {r["verdict"] for r in paper.author_rows("fig5", res) if r["T_ours"] == 50} == {"reproduced"}
    assert not any(v > paper.SUCCESS for c in cols for v in paper.accuracies(res, "temporal_order", 100, c).values())


def test_readme_states_which_criterion_fits_table2s_addition_means():
    """The README's contrast: Table 1's plain-SGD addition mean fits e^2 <= 0.04, Table 2's addition
    means fit |e| < 0.04 (within the rule's 0.15) and not e^2 <= 0.04, and lie below the best constant."""
    import srnlab
    from srnlab.lessons import benchmarks_tables as paper
    text = " ".join((ROOT / "README.md").read_text().split())
    t1 = json.loads((RESULTS / "table1-paper.json").read_text())["cells"]["addition|T100|sgd"]
    t2 = json.loads((RESULTS / "table2-paper.json").read_text())["cells"]
    printed = {(c.experiment, c.method): c.mean.value for c in paper.paper_cells("table1") + paper.paper_cells("table2")
               if c.task == "addition"}
    assert abs(printed["table1", "sgd"] - t1["mean_squared"]) <= 0.15 < printed["table1", "sgd"] - t1["mean"]
    cells = [t2["addition|T150|sgd"], t2["addition|T150|sampling_author"]]
    means = [printed["table2", "sgd"], printed["table2", "sampling"]]
    assert all(c["n"] == 10 and abs(m - c["mean"]) <= 0.15 and c["mean_squared"] - m > 0.4 for c, m in zip(cells, means))
    assert max(means) < srnlab.tasks.best_constant("addition")[1]
    assert (f"sit near what our networks score with abs(e) < 0.04 ({cells[0]['mean']:.3f} and {cells[1]['mean']:.3f}, "
            f"ten networks each) and far from what they score with e² <= 0.04 ({cells[0]['mean_squared']:.3f} and "
            f"{cells[1]['mean_squared']:.3f}), and both lie below the best constant") in text


def test_readme_table2_paper_scale_matches_the_results():
    """The README's Table 2 at the paper's scale: every cell as the results file has it, the paper's
    figures as `paper_cells` holds them, chance (guessing one class; for a regression task the best
    constant answer); and every task whose three columns are complete has its row."""
    import srnlab
    from srnlab.lessons import benchmarks_tables as paper
    summary = json.loads((RESULTS / "table2-paper.json").read_text())
    header, body = _readme_table("#### Table 2 at the paper's own scale")
    columns = _readme_columns(header)
    assert set(columns.values()) == {"sgd", "sgd_author", "sampling_author"}
    printed = {(c.task, c.method): c for c in paper.paper_cells("table2")}
    tasks = []
    for row in body:
        task = _readme_task(row[0])
        tasks.append(task)
        if srnlab.tasks.spec(task).output == "linear":                 # regression: the best constant answer
            assert row[1] == f"{srnlab.tasks.best_constant(task)[1]:.3f} (best constant)"
        else:                                                          # classification: guessing one class
            assert float(row[1]) == 1 / srnlab.tasks.spec(task).n_out
        for i, column in columns.items():
            _assert_readme_cell(row[i], summary["cells"][f"{task}|T150|{column}"])
        assert row[-2:] == [f"{printed[task, m].best.text} / {printed[task, m].mean.text}" for m in ("sgd", "sampling")]
    run = {k.split("|")[0] for k in summary["cells"]}
    complete = {t for t in run if all(summary["cells"].get(f"{t}|T150|{c}", {}).get("n") == 10 for c in columns.values())}
    assert complete <= set(tasks), complete - set(tasks)


def test_readme_states_table2_at_the_papers_scale():
    """The README's bullets on Table 2 at the paper's scale: networks at chance, the one that left it,
    Q in the zone, the paired differences and their p, as the results file gives them."""
    import srnlab
    from srnlab.lessons import benchmarks_tables as paper
    text = " ".join((ROOT / "README.md").read_text().split())
    res = json.loads((RESULTS / "table2-paper.json").read_text())
    cols = ("sgd", "sgd_author", "sampling_author")
    rows = {(r["task"], r["column"]): r for r in paper.author_rows("table2", res)}
    # temporal order
    acc = {c: paper.accuracies(res, "temporal_order", 150, c) for c in cols}
    assert all(len(a) == 10 for a in acc.values())
    near = [a for c in cols for a in acc[c].values() if abs(a - 0.25) <= 0.01]
    other = [(c, a) for c in cols for a in acc[c].values() if abs(a - 0.25) > 0.01]
    assert len(near) == 29 and len(other) == 1 and other[0][0] == "sgd_author"
    assert f"29 of the 30 networks end within 0.01 of chance; the other, a network of plain SGD in the author's loop, reaches {other[0][1]:.3f}" in text
    sa, ga = rows["temporal_order", "sampling_author"], rows["temporal_order", "sgd_author"]
    assert f"Q in the zone on a median {sa['q_in_zone']:.0%} of the updates (plain SGD in the same loop: {ga['q_in_zone']:.0%})" in text
    assert f"its mean is {sa['minus_sgd']:+.3f} against plain SGD's (p = {sa['p_sgd']:.2g})" in text
    assert sa["verdict"] == "not reproduced" and rows["temporal_order", "sgd_author"]["verdict"] != "reproduced"
    verdicts = {(r["task"], r["method"]): r for r in paper.compare("table2", res)}
    to_sgd = verdicts["temporal_order", "sgd"]
    assert to_sgd["verdict"] == "partly" and to_sgd["mean_ok"] and not to_sgd["best_ok"]
    assert f"its mean, {to_sgd['mean']:.3f}, is within the rule's 0.15 of 30%, its best, {to_sgd['best']:.3f}, is far from 51%" in text
    # 3-bit temporal order
    acc3 = {c: paper.accuracies(res, "temporal_order_3bit", 150, c) for c in cols}
    above = {c: sorted(a for a in acc3[c].values() if a - 0.125 > 0.01) for c in cols}
    rest = [a for c in cols for a in acc3[c].values() if abs(a - 0.125) <= 0.01]
    assert [len(above[c]) for c in cols] == [3, 3, 3] and len(rest) == 21
    lo, hi = min(min(v) for v in above.values()), max(max(v) for v in above.values())
    assert f"three networks of each column rise above chance ({lo:.3f} to {hi:.3f}); the other 21 stay within 0.01 of it" in text
    sgd_row = verdicts["temporal_order_3bit", "sgd"]
    assert sgd_row["verdict"] == "reproduced" and f"Plain SGD's best, {hi:.3f}, matches the paper's 32%" in text
    sa3 = rows["temporal_order_3bit", "sampling_author"]
    assert sa3["verdict"] == "not reproduced"
    assert f"(best {sa3['best']:.3f}, mean {sa3['mean']:.3f}, against the paper's 37% / 30%)" in text
    assert f"its mean is {sa3['minus_sgd']:+.3f} against plain SGD's (p = {sa3['p_sgd']:.2g})" in text
    # addition: the plateau of the best constant, and the one network the rule froze
    acc_a = {c: paper.accuracies(res, "addition", 150, c) for c in cols}
    assert all(len(a) == 10 for a in acc_a.values())
    level = srnlab.tasks.best_constant("addition")[1]
    plateau = [a for c in cols for a in acc_a[c].values() if abs(a - level) <= 0.01]
    assert len(plateau) == 29 and [n for n, a in acc_a["sampling_author"].items() if abs(a - level) > 0.01] == [0]
    assert f"29 of the 30 networks end on the plateau of one constant answer: {min(plateau):.3f} to {max(plateau):.3f} right, where the best constant scores {level:.3f}" in text
    runs = {(r["column"], r["net"]): r for r in res["runs"] if r["task"] == "addition"}
    r_of = [paper.answer_correlation(paper.run_network(r, RESULTS), "addition", 150, n=1000, rng=2016)
            for k, r in runs.items() if k != ("sampling_author", 0)]
    assert max(abs(x) for x in r_of) <= 0.14 and "(|r| <= 0.14 on fresh sequences)" in text
    frozen = runs["sampling_author", 0]
    q = np.asarray(paper.run_curves(frozen)["q_median"], float)
    assert frozen["accept_rate"] == 0 and frozen["best_update"] == 0 and frozen["test_accuracy"] == 0
    X, y = srnlab.tasks.generate("addition", 1000, 150, rng=2016)
    assert paper.run_network(frozen, RESULTS).predict(X).max() < 0 <= y.min()   # "below every target"
    assert "kept its untrained weights, whose answers all lie below every target: 0.000" in text
    assert f"(the median Q of every block of 50 updates stayed between {q.min():.2f} and {q.max():.2f}, above the zone)" in text and q.min() > 1
    d = paper.paired_differences(res, "addition", 150, "sampling_author")      # networks 0-9, in order
    sa_a = rows["addition", "sampling_author"]
    assert f"Without it the method's mean is {d[1:].mean():+.3f} against plain SGD's; with it, {d.mean():+.3f} (p = {sa_a['p_sgd']:.2g})" in text
    add_rows = [verdicts["addition", "sgd"], sa_a]
    assert [r["verdict"] for r in add_rows] == ["partly", "partly"] and not verdicts["addition", "sgd"]["best_ok"]
    assert f"the means, {add_rows[0]['mean']:.3f} and {add_rows[1]['mean']:.3f}, are within the rule's 0.15 of its 11% and 13%" in text
    assert all(r["paper_mean_value"] < level for r in (verdicts["addition", "sgd"], verdicts["addition", "sampling"]))
