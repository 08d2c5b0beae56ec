"""The runs layer (srnlab.runs): deterministic results, exact resume, processes and shards,
and every way it could lose, mix or silently reuse data, each refused in one line."""
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from srnlab.results import ResultsError
from srnlab.runs import EXPERIMENTS, loop, tables
from srnlab.runs.cli import main
from srnlab.runs.loop import RunError

FIG5 = EXPERIMENTS["fig5"]
TABLE1 = EXPERIMENTS["table1"]
ROOT = Path(__file__).resolve().parents[1]


def cli(capsys, *args):
    """Run the command line in this process: (exit status, stdout, stderr)."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:                      # argparse's refusals
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def run_fig5(out):
    """fig5 at the tiny scale, run and summarized into out; returns its specs."""
    assert main(["run", "fig5", "--scale", "tiny", "--out", str(out), "--jobs", "1", "--no-progress"]) == 0
    return FIG5.specs("tiny", 2016)


def one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --------------------------------------------------------------------- what the runs are
def test_runs_pair_methods_on_the_same_weights_and_data():
    specs = tables.runs("table1", "tiny", networks=2)
    assert len(specs) == 4 * len(tables.COLUMNS) * 2
    a = next(s for s in specs if s.column == "sgd" and s.task == "addition" and s.net == 0)
    b = next(s for s in specs if s.column == "sampling" and s.task == "addition" and s.net == 0)
    c = next(s for s in specs if s.column == "sgd" and s.task == "addition" and s.net == 1)
    na, nb, nc = tables.initial_net(a), tables.initial_net(b), tables.initial_net(c)
    np.testing.assert_array_equal(na.W_rec, nb.W_rec)
    assert not np.array_equal(na.W_rec, nc.W_rec)
    orth = tables.initial_net(next(s for s in specs if s.column == "orthogonal" and s.task == "addition" and s.net == 0))
    np.testing.assert_array_equal(orth.W_in, na.W_in)
    np.testing.assert_allclose(orth.W_rec @ orth.W_rec.T, np.eye(100), atol=1e-12)
    assert tables._seed(a, "data", 0) == tables._seed(b, "data", 0)


def test_the_seeds_of_the_committed_runs_never_change():
    """Both tables and the regression study derive every seed with ``derived_seed``; these values are
    the ones the committed results were made with (a change here makes them irreproducible)."""
    from srnlab.runs import regression_study
    from srnlab.runs.experiment import derived_seed
    assert derived_seed(2016, "temporal_order", 100, "init", 0) == 9711703180691851119
    spec = next(s for s in tables.runs("table1", "paper", 2016) if (s.task, s.T, s.net) == ("temporal_order", 100, 0))
    assert tables._seed(spec, "init", spec.net) == 9711703180691851119
    setting = regression_study.settings("paper", 2016)[0]
    assert regression_study._seed(setting, "data", setting.variant) == derived_seed(2016, setting.task, setting.net, "data", setting.variant)


def test_same_seed_same_results_file(tmp_path, capsys):
    for name in ("a", "b"):
        assert cli(capsys, "run", "fig5", "--scale", "tiny", "--out", tmp_path / name, "--jobs", 1, "--no-progress")[0] == 0
    a = (tmp_path / "a" / "fig5-tiny.json").read_text()
    assert a == (tmp_path / "b" / "fig5-tiny.json").read_text()
    res = json.loads(a)
    n = len(tables.TABLES["fig5"]["T"]) * len(tables.TABLES["fig5"]["columns"])
    assert res["complete"] and res["runs_done"] == n and res["runs_diverged"] == 0
    assert set(res["versions"]) >= {"srnlab", "numpy", "python", "blas"}
    for cell in res["cells"].values():
        assert 0 <= cell["mean"] <= cell["best"] <= 1 and cell["diverged"] == 0


def test_resume_gives_exactly_the_unbroken_result(tmp_path, monkeypatch):
    spec = TABLE1.specs("tiny", 2016)[1]                          # addition, sampling
    unbroken = loop.run_one(TABLE1, spec, tmp_path / "u")
    assert loop.run_one(TABLE1, spec, tmp_path / "r", stop_after=50) is None
    assert loop.checkpoint_path(TABLE1, tmp_path / "r", spec).exists()
    assert not loop.record_path(TABLE1, tmp_path / "r", spec).exists()
    resumed = loop.run_one(TABLE1, spec, tmp_path / "r")
    assert not loop.checkpoint_path(TABLE1, tmp_path / "r", spec).exists()
    for k in unbroken:
        if k != "wall_seconds":
            assert resumed[k] == unbroken[k], k


def test_a_run_another_table_finished_is_copied_not_trained(tmp_path, capsys):
    """Fig. 5's temporal order at the paper's T = 100 is Table 1's run: once Table 1 has it, fig5 copies
    its record and network (saying so, and where from) instead of training it again, and the copy
    holds exactly what training it under fig5 gives."""
    base = ["--scale", "tiny", "--jobs", 1, "--no-progress", "--columns", "sgd"]
    assert cli(capsys, "run", "table1", *base, "--tasks", "temporal_order", "--out", tmp_path / "both")[0] == 0
    code, out, _ = cli(capsys, "run", "fig5", *base, "--out", tmp_path / "both")
    name = "temporal_order-T20-sgd-net0"                      # T = 100 at the tiny scale's T_factor 0.2
    assert code == 0 and f"{name}: the same run as table1-tiny/{name}; its record copied, not trained again" in out
    assert "fig5 (tiny): 2 run(s) trained now, 1 had records" in out      # T = 10 and T = 30 trained
    runs = tmp_path / "both" / "runs"
    original = json.loads((runs / "table1-tiny" / f"{name}.json").read_text())
    copied = json.loads((runs / "fig5-tiny" / f"{name}.json").read_text())
    assert copied == {**original, "experiment": "fig5", "same_run_as": f"table1-tiny/{name}"}
    assert (runs / "fig5-tiny" / f"{name}.net.npz").read_bytes() == (runs / "table1-tiny" / f"{name}.net.npz").read_bytes()
    # the premise: trained under fig5 from scratch, the run gives the very same numbers
    assert cli(capsys, "run", "fig5", *base, "--out", tmp_path / "alone")[0] == 0
    alone = json.loads((tmp_path / "alone" / "runs" / "fig5-tiny" / f"{name}.json").read_text())
    drop = ("wall_seconds", "same_run_as")
    assert {k: v for k, v in alone.items() if k not in drop} == {k: v for k, v in copied.items() if k not in drop}
    summary = json.loads((tmp_path / "both" / "fig5-tiny.json").read_text())
    assert summary["runs_done"] == 3 and summary["cells"] == json.loads((tmp_path / "alone" / "fig5-tiny.json").read_text())["cells"]


def test_an_older_record_without_its_network_is_copied_as_it_is(tmp_path, capsys):
    """Records made before runs kept their networks are valid; the copy holds what the source holds."""
    base = ["--scale", "tiny", "--jobs", 1, "--no-progress", "--columns", "sgd", "--out", tmp_path]
    assert cli(capsys, "run", "table1", *base, "--tasks", "temporal_order")[0] == 0
    name = "temporal_order-T20-sgd-net0"
    source = tmp_path / "runs" / "table1-tiny" / f"{name}.json"
    old = {k: v for k, v in json.loads(source.read_text()).items() if k != "network"}
    source.write_text(json.dumps(old))
    source.with_suffix(".net.npz").unlink()
    assert "its record copied" in cli(capsys, "run", "fig5", *base)[1]
    copy = tmp_path / "runs" / "fig5-tiny" / f"{name}.json"
    assert json.loads(copy.read_text()) == {**old, "experiment": "fig5", "same_run_as": f"table1-tiny/{name}"}
    assert not copy.with_suffix(".net.npz").exists()


def test_a_damaged_record_of_another_table_is_not_copied(tmp_path, capsys):
    """A damaged record of the same run elsewhere is left as it is, named in one line, and the run is trained."""
    base = ["--scale", "tiny", "--jobs", 1, "--no-progress", "--columns", "sgd"]
    assert cli(capsys, "run", "table1", *base, "--tasks", "temporal_order", "--out", tmp_path)[0] == 0
    name = "temporal_order-T20-sgd-net0"
    damaged = tmp_path / "runs" / "table1-tiny" / f"{name}.json"
    damaged.write_text('{"truncated": ')
    code, out, err = cli(capsys, "run", "fig5", *base, "--out", tmp_path)
    assert code == 0 and "fig5 (tiny): 3 run(s) trained now, 0 had records" in out
    line = one_line(err)
    assert line.startswith(f"{name}: not copied ({damaged}: this run record is damaged")
    assert damaged.read_text() == '{"truncated": '
    assert "same_run_as" not in json.loads((tmp_path / "runs" / "fig5-tiny" / f"{name}.json").read_text())


def test_processes_and_shards_give_the_same_numbers(tmp_path, capsys):
    base = ["--scale", "tiny", "--no-progress"]
    cli(capsys, "run", "fig5", *base, "--jobs", 1, "--out", tmp_path / "one")
    cli(capsys, "run", "fig5", *base, "--jobs", 2, "--out", tmp_path / "two")
    one = json.loads((tmp_path / "one" / "fig5-tiny.json").read_text())
    assert one == json.loads((tmp_path / "two" / "fig5-tiny.json").read_text())
    cli(capsys, "run", "fig5", *base, "--jobs", 1, "--shard", "0/2", "--out", tmp_path / "sh")
    part = json.loads((tmp_path / "sh" / "fig5-tiny.json").read_text())
    assert not part["complete"] and part["runs_done"] == (len(tables.runs("fig5", "tiny")) + 1) // 2
    cli(capsys, "run", "fig5", *base, "--jobs", 1, "--shard", "1/2", "--out", tmp_path / "sh")
    assert json.loads((tmp_path / "sh" / "fig5-tiny.json").read_text()) == one


def test_run_only_some_tasks_and_columns(tmp_path, capsys):
    code, out, _ = cli(capsys, "run", "table1", "--scale", "tiny", "--tasks", "temporal_order", "--columns", "sgd",
                       "--out", tmp_path, "--no-progress")
    assert code == 0
    res = json.loads((tmp_path / "table1-tiny.json").read_text())
    assert res["runs_done"] == 1 and res["runs_total"] == len(tables.runs("table1", "tiny")) and not res["complete"]
    assert list(res["cells"]) == ["temporal_order|T20|sgd"]


# --------------------------------------------------------------------- refusals: one line, exit 2
@pytest.mark.parametrize("args, words", [
    (["run", "table3"], "invalid choice"),
    (["run", "table1", "--shard", "2/2"], "0 <= i < n"),
    (["run", "table1", "--jobs", "0"], "--jobs must be >= 1"),
    (["run", "table1", "--seed", "-1"], "--seed must be >= 0"),
    (["run", "table1", "--scale", "huge"], "no scale 'huge'"),
    (["run", "dynamics", "--columns", "nope"], "column 'nope' is not part of dynamics"),
    (["run", "dynamics", "--tasks", "addition"], "task 'addition' is not part of dynamics"),
    (["summarize", "sampling_study", "--scale", "tiny"], "nothing was written"),
])
def test_cli_refusals_are_one_line(args, words, tmp_path, capsys):
    code, _, err = cli(capsys, *args, "--out", tmp_path)
    assert code == 2 and words in one_line(err)
    assert not any(tmp_path.rglob("*.json"))


def test_another_seed_never_reuses_or_mixes_records(tmp_path, capsys):
    """Once: seed 7 reused seed 2016's records and labelled them seed 7."""
    run_fig5(tmp_path)
    code, _, err = cli(capsys, "run", "fig5", "--scale", "tiny", "--seed", 7, "--out", tmp_path, "--no-progress")
    assert code == 2 and "seed (2016 there, 7 asked)" in one_line(err)
    code, _, err = cli(capsys, "summarize", "fig5", "--scale", "tiny", "--seed", 7, "--out", tmp_path)
    assert code == 2 and "seed" in one_line(err)
    assert json.loads((tmp_path / "fig5-tiny.json").read_text())["seed"] == 2016


def test_a_checkpoint_of_another_seed_is_not_resumed(tmp_path):
    spec = FIG5.specs("tiny", 2016)[0]
    loop.run_one(FIG5, spec, tmp_path, stop_after=50)
    other = FIG5.specs("tiny", 7)[0]
    with pytest.raises(RunError, match=r"\.pkl was made under other settings .*seed"):
        loop.run_one(FIG5, other, tmp_path)


def test_a_record_of_another_configuration_or_length_is_refused(tmp_path, monkeypatch):
    spec = FIG5.specs("tiny", 2016)[0]
    loop.run_one(FIG5, spec, tmp_path)
    monkeypatch.setitem(tables.HYPER, "lr", 2e-5)
    with pytest.raises(RunError, match=r"config\.train\.lr \(1e-05 there, 2e-05 asked\)"):
        loop.read_record(FIG5, tmp_path, spec)
    monkeypatch.setitem(tables.HYPER, "lr", 1e-5)
    monkeypatch.setitem(tables.SCALES["tiny"], "updates", 150)      # more updates planned than it made
    with pytest.raises(RunError, match=r"config\.updates \(100 there, 150 asked\)"):
        loop.read_record(FIG5, tmp_path, spec)


def test_a_diverged_run_is_a_result(tmp_path, monkeypatch, capsys):
    from srnlab.train import Trainer
    real_run = Trainer.run

    def run_then_diverge(self, n, *a, **kw):              # the trainer's own divergence path, after 50 updates
        real_run(self, n, *a, **kw)
        if self.updates >= 50:
            self._diverged(self.updates, "forced by the test")
        return self
    monkeypatch.setattr(Trainer, "run", run_then_diverge)     # in this process: --jobs 1
    code, out, err = cli(capsys, "run", "fig5", "--scale", "tiny", "--columns", "sgd", "--jobs", 1,
                         "--out", tmp_path, "--no-progress")
    assert code == 0, err
    res = json.loads((tmp_path / "fig5-tiny.json").read_text())
    assert res["runs_done"] == 3 and res["runs_diverged"] == 3
    assert all(r["status"].startswith("diverged at update 50") and r["updates"] == 50 for r in res["runs"])
    assert all(0 <= r["test_accuracy"] <= 1 for r in res["runs"])
    assert all(c["diverged"] == c["n"] == 1 for c in res["cells"].values())
    assert "diverged" in out
    code, _, err = cli(capsys, "summarize", "fig5", "--scale", "tiny", "--out", tmp_path)   # never refused later
    assert code == 0, err


@pytest.mark.parametrize("damage, words", [
    (lambda p: p.write_text(p.read_text()[:200]), "damaged"),
    (lambda p: p.write_text("garbage"), "damaged"),
    (lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "test_accuracy": 5.0})), "test_accuracy 5.0"),
    (lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "test_accuracy": float("nan")})),
     "test_accuracy nan"),
    (lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "updates": 20})), "completed run with 20"),
    (lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "status": "done"})), "status 'done'"),
])
def test_a_damaged_or_impossible_record_is_one_line_naming_it(damage, words, tmp_path, capsys):
    specs = run_fig5(tmp_path)
    path = loop.record_path(FIG5, tmp_path, specs[0])
    damage(path)
    for command in (["run", "fig5", "--no-progress"], ["summarize", "fig5"]):
        code, _, err = cli(capsys, *command, "--scale", "tiny", "--out", tmp_path)
        line = one_line(err)
        assert code == 2 and str(path) in line and words in line


def test_a_damaged_checkpoint_is_one_line_naming_it(tmp_path, capsys):
    spec = FIG5.specs("tiny", 2016)[0]
    loop.run_one(FIG5, spec, tmp_path, stop_after=50)
    ckpt = loop.checkpoint_path(FIG5, tmp_path, spec)
    ckpt.write_bytes(ckpt.read_bytes()[:100])
    code, _, err = cli(capsys, "run", "fig5", "--scale", "tiny", "--out", tmp_path, "--no-progress")
    assert code == 2 and str(ckpt) in one_line(err) and "damaged" in err
    assert not loop.record_path(FIG5, tmp_path, FIG5.specs("tiny", 2016)[1]).exists()   # refused before training


def test_summarize_never_replaces_a_file_with_less(tmp_path, capsys):
    run_fig5(tmp_path)
    main(["summarize", "fig5", "--scale", "tiny", "--out", str(tmp_path)])
    summary = tmp_path / "fig5-tiny.json"
    before = summary.read_bytes()
    capsys.readouterr()
    # a folder with the summary but no runs/: refused, the summary kept
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    (empty / "fig5-tiny.json").write_bytes(before)
    code, _, err = cli(capsys, "summarize", "fig5", "--scale", "tiny", "--out", empty)
    assert code == 2 and "no run records" in one_line(err)
    assert (empty / "fig5-tiny.json").read_bytes() == before
    # records missing for runs the summary holds: refused
    loop.record_path(FIG5, tmp_path, FIG5.specs("tiny", 2016)[0]).unlink()
    code, _, err = cli(capsys, "summarize", "fig5", "--scale", "tiny", "--out", tmp_path)
    assert code == 2 and "replace it with less" in one_line(err)
    assert summary.read_bytes() == before


def test_an_unwritable_out_is_found_before_any_training(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    start = time.perf_counter()
    code, _, err = cli(capsys, "run", "table1", "--scale", "tiny", "--out", blocker / "sub", "--no-progress")
    assert code == 2 and "not a writable folder" in one_line(err) and str(blocker / "sub") in err
    assert time.perf_counter() - start < 2.0


def test_never_more_workers_than_runs(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(loop, "_pool", lambda exp, todo, out, jobs, *a: started.append((len(todo), jobs)))
    loop.run_many(FIG5, FIG5.specs("tiny", 2016)[:2], tmp_path, jobs=6, progress=False)
    assert started == [(2, 2)]
    monkeypatch.setattr(loop, "_pool", lambda *a: pytest.fail("one run needs no pool"))
    loop.run_many(FIG5, FIG5.specs("tiny", 2016)[:1], tmp_path, jobs=6, progress=False)


def _children(pid):
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_parent_leaves_no_worker_behind(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "srnlab", "run", "table1", "--scale", "tiny", "--jobs", "2",
                             "--out", str(tmp_path), "--no-progress"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    kids = []
    while time.time() < deadline and len(kids) < 2:
        time.sleep(0.2)
        kids = [k for k in _children(proc.pid) if "srnlab" in Path(f"/proc/{k}/cmdline").read_text(errors="ignore")
                or "multiprocessing" in Path(f"/proc/{k}/cmdline").read_text(errors="ignore")]
    assert len(kids) >= 2, "the workers did not start"
    time.sleep(1.0)                                  # let them import and start training
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.2)
    left = [k for k in kids if _alive(k)]
    for k in left:
        os.kill(k, signal.SIGKILL)
    assert not left, f"workers {left} outlived their parent"


# --------------------------------------------------------------------- writes
def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    from srnlab import results
    path = tmp_path / "f.json"
    path.write_text("old")

    def broken(*a):
        raise OSError("disk full")
    monkeypatch.setattr(results.os, "replace", broken)
    with pytest.raises(OSError):
        results.atomic_write(path, "new")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_records_are_compact_json_that_reads_back_exactly():
    from srnlab.results import dumps
    rec = {"a": [1.5, -2e-300, 3], "b": {"c": [0.1] * 5, "s": "x"}, "n": None}
    text = dumps(rec)
    assert json.loads(text) == rec and "[0.1, 0.1, 0.1, 0.1, 0.1]" in text
    curves = tables.round_curves({"val_update": [0, 50], "val_acc": [0.25, 0.5], "loss": [1.23456789, 2.0],
                                  "accepted": [0.123456789, 1.0], "q_median": [0.123456, None]})
    assert curves["loss"][0] == 1.23457 and curves["q_median"] == [0.1235, None]


# --------------------------------------------------------------------- one results location
def test_the_results_folder_is_found_one_way(tmp_path, monkeypatch):
    from srnlab import results
    monkeypatch.delenv(results.ENV, raising=False)
    assert results.folder() == ROOT / "results"
    monkeypatch.setenv(results.ENV, str(tmp_path))
    assert results.folder() == tmp_path
    assert results.folder(tmp_path / "x") == tmp_path / "x"


def test_a_regular_install_outside_the_checkout(tmp_path):
    """`pip install .` (not editable): no checkout, so SRNLAB_RESULTS names the folder."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(ROOT)], check=True, cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "SRNLAB_RESULTS"}
    env["PYTHONPATH"] = str(target)
    probe = ("import srnlab, srnlab.results as r; print(srnlab.__file__)\n"
             "from srnlab.lessons import benchmarks_tables as b\n"
             "try:\n    r.folder()\nexcept r.ResultsError as e:\n    print('refused:', e)\n")
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert str(target) in out.stdout and "refused:" in out.stdout and "SRNLAB_RESULTS" in out.stdout
    cmd = [sys.executable, "-m", "srnlab", "summarize", "fig5", "--scale", "small"]
    refused = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert refused.returncode == 2 and "SRNLAB_RESULTS" in one_line(refused.stderr)
    env["SRNLAB_RESULTS"] = str(tmp_path / "res")
    import shutil
    shutil.copytree(ROOT / "results" / "runs" / "fig5-small", tmp_path / "res" / "runs" / "fig5-small")
    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    mine = json.loads((tmp_path / "res" / "fig5-small.json").read_text())
    assert mine["cells"] == json.loads((ROOT / "results" / "fig5-small.json").read_text())["cells"]
    read = subprocess.run([sys.executable, "-c", "from srnlab.lessons import benchmarks_tables as b; "
                           "print(b.load('fig5', 'small')['runs_done'])"], env=env, cwd=tmp_path,
                          capture_output=True, text=True)
    assert read.stdout.strip() == "27", read.stderr


def test_atomic_write_gives_an_ordinary_files_permissions(tmp_path):
    """Not mkstemp's 0600: a results file is as readable as any file the user makes."""
    from srnlab.results import atomic_write
    atomic_write(tmp_path / "a.json", "{}")
    (tmp_path / "b.json").write_text("{}")
    assert (tmp_path / "a.json").stat().st_mode == (tmp_path / "b.json").stat().st_mode
    assert (tmp_path / "a.json").read_text() == "{}" and not list(tmp_path.glob(".*.tmp"))


def test_every_run_keeps_its_best_network_and_regression_both_criteria(tmp_path):
    """The network a record's test accuracy comes from is saved beside it; a regression record
    carries its accuracy under Pascanu's squared criterion too, and so does its cell."""
    import srnlab
    specs = [s for s in TABLE1.specs("tiny", 2016) if s.column == "sgd" and s.task in ("addition", "temporal_order")]
    for spec in specs:
        rec = loop.run_one(TABLE1, spec, tmp_path)
        net_file = loop.record_path(TABLE1, tmp_path, spec).with_suffix(".net.npz")
        assert rec["network"] == net_file.name and net_file.exists()
        net = srnlab.SRN.load(net_file)
        sc = tables.SCALES["tiny"]
        assert tables.test_accuracy(spec, net, sc) == rec["test_accuracy"]
        if spec.task == "addition":
            assert rec["test_accuracy_squared"] == tables.test_accuracy(spec, net, sc, criterion="squared")
            assert rec["test_accuracy_squared"] >= rec["test_accuracy"]        # |e| < 0.04 implies e^2 <= 0.04
        else:
            assert "test_accuracy_squared" not in rec
    records = {s.name: loop.read_record(TABLE1, tmp_path, s) for s in specs}
    TABLE1.summarize("tiny", 2016, tmp_path, records)
    cells = json.loads((tmp_path / "table1-tiny.json").read_text())["cells"]
    add = next(s for s in specs if s.task == "addition")
    assert cells[f"addition|T{add.T}|sgd"]["best_squared"] == records[add.name]["test_accuracy_squared"]
    assert "best_squared" not in cells[f"temporal_order|T{add.T}|sgd"]
    # the one way a cell's key is written and read back
    from srnlab.results import cell_key, split_cell_key
    assert set(cells) == {cell_key(s.task, s.T, s.column) for s in specs}
    assert all(cell_key(*split_cell_key(k)) == k for k in cells)
    assert split_cell_key(cell_key("temporal_order_3bit", 150, "sampling_author")) == ("temporal_order_3bit", 150, "sampling_author")


def test_a_damaged_network_file_is_one_line_naming_it(tmp_path):
    import srnlab
    path = tmp_path / "x.net.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(ResultsError, match="x.net.npz: this network file is damaged"):
        srnlab.SRN.load(path)
    net = srnlab.SRN.init(2, 3, 1, rng=0)
    net.save(tmp_path / "y.net.npz")
    assert all(np.array_equal(a, b) for a, b in zip(srnlab.SRN.load(tmp_path / "y.net.npz").params().values(),
                                                    net.params().values()))


# --------------------------------------------------------------------- redoing records an older srnlab made
def _make_old(path):
    """Turn a record into one made before runs kept their networks: no network, no squared criterion."""
    rec = json.loads(path.read_text())
    for k in ("network", "test_accuracy_squared"):
        rec.pop(k, None)
    path.write_text(json.dumps(rec))
    path.with_suffix(".net.npz").unlink()
    return rec


def test_redo_old_trains_again_only_to_the_best_update_and_checks_it_is_the_same_network(tmp_path, capsys):
    # multiplication, clip: its best network is from update 50 of 100 (orthogonal: from update 0)
    specs = [s for s in TABLE1.specs("tiny", 2016) if s.task == "multiplication" and s.column in ("clip", "sgd")]
    specs.sort(key=lambda s: s.column != "clip")
    assert loop.run_many(TABLE1, specs, tmp_path, progress=False) == 2
    paths = [loop.record_path(TABLE1, tmp_path, s) for s in specs]
    full = json.loads(paths[0].read_text())
    assert 0 < full["best_update"] < full["updates"]
    with np.load(paths[0].with_suffix(".net.npz")) as f:
        net = {k: f[k] for k in f.files}
    old = _make_old(paths[0])
    assert TABLE1.lacks(old) and TABLE1.lacks(full) is None
    assert loop.run_many(TABLE1, specs, tmp_path, progress=False) == 0            # without the flag: kept
    assert json.loads(paths[0].read_text()) == old
    mtime = paths[1].stat().st_mtime_ns
    assert loop.run_many(TABLE1, specs, tmp_path, progress=True, redo_old=True) == 1
    assert f"trained again to update {full['best_update']:,}" in capsys.readouterr().out
    redone = json.loads(paths[0].read_text())
    assert redone == {**old, "network": full["network"], "test_accuracy_squared": full["test_accuracy_squared"],
                      "network_retrained_to": full["best_update"]}
    with np.load(paths[0].with_suffix(".net.npz")) as f:             # the very network the full run kept
        assert set(f.files) == set(net) and all(np.array_equal(f[k], net[k]) for k in net)
    assert paths[1].stat().st_mtime_ns == mtime                                  # the complete one untouched
    assert loop.run_many(TABLE1, specs, tmp_path, progress=False, redo_old=True) == 0   # nothing lacks now


def test_redo_old_trains_the_whole_run_when_the_record_is_not_this_run(tmp_path, capsys):
    """A record whose curve differs from what training again gives (another kernel, another srnlab)
    gets no network taken from a different run: the whole run is trained and makes a new record."""
    spec = next(s for s in TABLE1.specs("tiny", 2016) if s.task == "addition")
    path = loop.record_path(TABLE1, tmp_path, spec)
    full = loop.run_one(TABLE1, spec, tmp_path)
    old = _make_old(path)
    old["curves"]["val_acc"][0] += 0.001
    path.write_text(json.dumps(old))
    assert loop.run_many(TABLE1, [spec], tmp_path, progress=True, redo_old=True) == 1
    assert "its old record said" not in capsys.readouterr().out                 # the test accuracy is the same
    redone = json.loads(path.read_text())
    assert "network_retrained_to" not in redone
    assert {k: v for k, v in redone.items() if k != "wall_seconds"} == \
           {k: v for k, v in full.items() if k != "wall_seconds"}


@pytest.mark.parametrize("spec_name, stop, retrained", [
    ("multiplication-T20-clip-net0", 75, False),       # best at 50, checkpoint at 75: 25 more updates to the end
    ("multiplication-T20-orthogonal-net0", 75, True),  # best at 0: starting again is shorter than 25 updates
])
def test_redo_old_from_a_checkpoint_past_the_best_update(tmp_path, spec_name, stop, retrained):
    spec = next(s for s in TABLE1.specs("tiny", 2016) if s.name == spec_name)
    path = loop.record_path(TABLE1, tmp_path, spec)
    full = loop.run_one(TABLE1, spec, tmp_path)
    old = _make_old(path)
    path.unlink()
    assert loop.run_one(TABLE1, spec, tmp_path, stop_after=stop) is None       # a checkpoint past the best update
    path.write_text(json.dumps(old))
    redone = loop.run_one(TABLE1, spec, tmp_path, redo_old=True)
    assert not loop.checkpoint_path(TABLE1, tmp_path, spec).exists()
    if retrained:
        assert redone == {**old, "network": full["network"], "test_accuracy_squared": full["test_accuracy_squared"],
                          "network_retrained_to": full["best_update"]}
    else:
        assert "network_retrained_to" not in redone
        assert {k: v for k, v in redone.items() if k != "wall_seconds"} == \
               {k: v for k, v in full.items() if k != "wall_seconds"}


def test_redo_old_never_replaces_a_record_with_less(tmp_path):
    spec = next(s for s in TABLE1.specs("tiny", 2016) if s.task == "addition")
    path = loop.record_path(TABLE1, tmp_path, spec)
    loop.run_one(TABLE1, spec, tmp_path)
    old = _make_old(path)
    old["a_field_of_the_old_record"] = 1
    old["curves"]["val_acc"][0] += 0.001          # not this run: trained whole, and the new record lacks the field
    path.write_text(json.dumps(old))
    with pytest.raises(RunError, match=r"lacks \['a_field_of_the_old_record'\].*old one is kept"):
        loop.run_one(TABLE1, spec, tmp_path, redo_old=True)
    assert json.loads(path.read_text()) == old


def test_redo_old_on_the_command_line(tmp_path, capsys):
    base = ["--scale", "tiny", "--out", tmp_path, "--tasks", "multiplication", "--columns", "orthogonal", "--jobs", 1,
            "--no-progress"]
    assert cli(capsys, "run", "table1", *base)[0] == 0
    spec = next(s for s in TABLE1.specs("tiny", 2016) if s.task == "multiplication" and s.column == "orthogonal")
    assert json.loads(loop.record_path(TABLE1, tmp_path, spec).read_text())["best_update"] == 0   # no training at all
    _make_old(loop.record_path(TABLE1, tmp_path, spec))
    code, out, _ = cli(capsys, "run", "table1", *base, "--redo-old")
    assert code == 0 and "1 run(s) trained now" in out and "every check agreed" in out


def test_a_reader_that_goes_away_is_not_an_error():
    """`python -m srnlab list | head -1`: the pipe closes before srnlab writes; no traceback, status 0."""
    proc = subprocess.Popen([sys.executable, "-m", "srnlab", "list"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()                        # closed before the interpreter has even started
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and err == "", err


def test_collect_waits_for_events_sent_just_before_the_workers_ended():
    """A worker's last events can arrive after it is seen ended: they are taken, not called lost."""
    import queue
    import threading
    from srnlab.runs.loop import _collect
    events, seen = queue.Queue(), []
    threading.Timer(0.2, events.put, args=(("done", "run-a", "completed", (0.5, None)),)).start()
    error = _collect(events, lambda: False, 1, lambda *a: seen.append(("progress", a)),
                     lambda *a: seen.append(("done", a)), poll=0.05, grace=2.0)
    assert error is None and seen == [("done", ("run-a", "completed", (0.5, None)))]
    # with no event at all, once no worker is alive, the run loop says so
    assert _collect(queue.Queue(), lambda: False, 1, None, None, poll=0.01, grace=0.05) == \
        "the worker processes ended before all runs were done"
    # a worker's error ends the collection with the run's name
    events.put(("error", "run-b", "it failed", None))
    assert _collect(events, lambda: True, 2, None, None, poll=0.01) == "run-b: it failed"
