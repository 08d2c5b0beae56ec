"""The experiment runner: deterministic results, exact resume, processes, shards."""
import json

import numpy as np
import pytest

from srnlab import experiments as ex


def test_runs_pair_methods_on_the_same_weights_and_data():
    specs = ex.runs("table1", "tiny")
    assert len(specs) == 4 * len(ex.COLUMNS) * 2
    a = next(s for s in specs if s.column == "sgd" and s.task == "addition" and s.net == 0)
    b = next(s for s in specs if s.column == "sampling" and s.task == "addition" and s.net == 0)
    c = next(s for s in specs if s.column == "sgd" and s.task == "addition" and s.net == 1)
    na, nb, nc = ex.initial_net(a), ex.initial_net(b), ex.initial_net(c)
    np.testing.assert_array_equal(na.W_rec, nb.W_rec)
    assert not np.array_equal(na.W_rec, nc.W_rec)
    orth = ex.initial_net(next(s for s in specs if s.column == "orthogonal" and s.task == "addition" and s.net == 0))
    np.testing.assert_array_equal(orth.W_in, na.W_in)
    np.testing.assert_allclose(orth.W_rec @ orth.W_rec.T, np.eye(100), atol=1e-12)
    assert ex._seed(a, "data", 0) == ex._seed(b, "data", 0)


def test_same_seed_same_results_file(tmp_path):
    kw = dict(networks=1, updates=60, progress=False)
    ex.run_experiment("fig5", "tiny", out=tmp_path / "a", **kw)
    ex.run_experiment("fig5", "tiny", out=tmp_path / "b", **kw)
    a = (tmp_path / "a" / "fig5-tiny.json").read_text()
    b = (tmp_path / "b" / "fig5-tiny.json").read_text()
    assert a == b
    res = json.loads(a)
    assert res["complete"] and res["runs_done"] == 3 * 3
    assert set(res["versions"]) >= {"srnlab", "numpy", "python"}
    for cell in res["cells"].values():
        assert 0 <= cell["mean"] <= cell["best"] <= 1


def test_resume_gives_exactly_the_unbroken_result(tmp_path, monkeypatch):
    spec = ex.runs("table1", "tiny", networks=1)[1]              # addition, sampling
    unbroken = ex.run_one(spec, tmp_path / "u", updates=150)
    monkeypatch.setattr(ex, "CHECKPOINT_SECONDS", 0.0)           # checkpoint after every epoch
    calls = []

    def stop_after_two(name, n, post):
        calls.append(n)
        if len(calls) == 2:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        ex.run_one(spec, tmp_path / "r", progress=stop_after_two, updates=150)
    record_path, ckpt = ex.paths(tmp_path / "r", spec)
    assert ckpt.exists() and not record_path.exists()
    resumed = ex.run_one(spec, tmp_path / "r", updates=150)
    assert not ckpt.exists()
    for k in unbroken:
        if k != "wall_seconds":
            assert resumed[k] == unbroken[k], k


def test_processes_and_shards_give_the_same_numbers(tmp_path):
    kw = dict(networks=1, updates=50, progress=False)
    one = ex.run_experiment("fig5", "tiny", jobs=1, out=tmp_path / "one", **kw)
    two = ex.run_experiment("fig5", "tiny", jobs=2, out=tmp_path / "two", **kw)
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)
    part = ex.run_experiment("fig5", "tiny", shard=(0, 2), out=tmp_path / "sh", **kw)
    assert not part["complete"] and part["runs_done"] == 5
    rest = ex.run_experiment("fig5", "tiny", shard=(1, 2), out=tmp_path / "sh", **kw)
    assert json.dumps(rest, sort_keys=True) == json.dumps(one, sort_keys=True)


def test_cli_errors():
    with pytest.raises(SystemExit):
        ex.main(["run", "table3"])
    with pytest.raises(SystemExit):
        ex.main(["run", "table1", "--shard", "2/2"])
    with pytest.raises(ValueError, match="unknown scale"):
        ex.runs("table1", "huge")


def test_run_only_some_tasks_and_columns(tmp_path):
    res = ex.run_experiment("table1", "tiny", out=tmp_path, networks=1, updates=20, progress=False,
                            only_tasks=["temporal_order"], only_columns=["sgd", "sampling"])
    assert res["runs_done"] == 2 and not res["complete"]
    assert set(res["cells"]) == {"temporal_order|T20|sgd", "temporal_order|T20|sampling"}
    with pytest.raises(ValueError, match="not part of table2"):
        ex.run_experiment("table2", "tiny", out=tmp_path, only_tasks=["multiplication"], progress=False)


def test_a_record_made_with_another_configuration_is_refused(tmp_path, monkeypatch):
    spec = ex.runs("table1", "tiny", networks=1)[0]
    rec = ex.run_one(spec, tmp_path, updates=50)
    assert rec["config"]["train"]["val_chunk"] == ex.SCALES["tiny"]["val_chunk"]
    assert ex.run_one(spec, tmp_path, updates=50) == rec                 # same configuration: reused
    monkeypatch.setitem(ex.SCALES, "tiny", dict(ex.SCALES["tiny"], val_chunk=25))
    with pytest.raises(ValueError, match=r"another configuration \(differs in: train.val_chunk\)"):
        ex.run_one(spec, tmp_path, updates=50)
    with pytest.raises(ValueError, match="train.val_chunk"):
        ex.summarize("table1", "tiny", tmp_path, networks=1)
    with pytest.raises(ValueError, match=r"differs in: updates"):
        ex.run_one(spec, tmp_path, updates=60, scale=ex.SCALES["tiny"] | {"val_chunk": 500})


def test_records_are_compact_json_that_reads_back_exactly():
    rec = {"a": [1, 2.5, None, -1e-05, float("inf")], "b": {"c": [[1, 2], [3, 4]]}, "d": ["x", "y"], "e": []}
    text = ex.dumps(rec)
    assert json.loads(text) == rec
    assert '"a": [1, 2.5, null, -1e-05, Infinity]' in text             # numbers on one line
    curves = {"val_update": [0, 50], "val_acc": [0.25, 0.253], "loss": [13.589803641041305, float("nan")],
              "accepted": [1.0, 0.1234567], "q_median": [0.18666689920131666, None]}
    r = ex.round_curves(curves)
    assert r["loss"][0] == 13.5898 and r["accepted"][1] == 0.123457 and r["q_median"] == [0.1867, None]
    assert r["val_acc"] == curves["val_acc"] and np.isnan(r["loss"][1])
