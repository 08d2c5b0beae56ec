"""The one run loop: train a run to its end, checkpointing, resuming, and writing its record.

Every experiment of ``srnlab.runs`` (the tables, the training dynamics, the
sampling study) describes its runs with an ``Experiment`` (``experiment.py``);
this module trains them, one way for all:

* a run's **record** is ``<out>/runs/<experiment>-<scale>/<run>.json`` (or
  ``.npz`` where it holds arrays); it carries the run's **identity**, every
  value that determines its numbers (experiment, scale, run, network, seed and
  the whole configuration, the number of updates included);
* while it trains, a run **checkpoints** itself about once a minute
  (``<out>/checkpoints/...pkl``, with the same identity), so a stopped run
  resumes where it was and ends with exactly the numbers of an unbroken one;
* a record or checkpoint made under another identity is never reused: the
  command refuses (``RunError``) and says what differs and what to do;
* a damaged or impossible record or checkpoint is refused in one line that
  names the file;
* a run that diverges is a result: its record says so in ``status``;
* a run that another experiment has already finished with the same identity but
  for the experiment's name (``Experiment.same_runs``) is copied, not trained again,
  and its record says where it came from (``same_run_as``);
* ``run_many`` spreads runs over processes with one progress bar; killing it
  leaves no worker behind, and it never starts more workers than runs.
"""
import contextlib
import json
import math
import os
import pickle
import platform
import signal
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from .. import __version__
from ..results import ResultsError, atomic_write, check_writable, dumps, runs_folder

#: Seconds between two checkpoints of a run.
CHECKPOINT_SECONDS = 60.0
#: The checkpoint layout; bump it when what a checkpoint holds changes.
CHECKPOINT_FORMAT = 4


class RunError(ResultsError):
    """A run, record or checkpoint that the runs layer refuses to use (one line, names the file)."""


# --------------------------------------------------------------------- versions
def blas_kernel():
    """Which BLAS and kernel this process computes with, e.g. "openblas 0.3.31 (SkylakeX)".

    Different kernels round differently, so a run's numbers are reproducible
    to the last bit only with the same kernel; every record says which one.
    """
    from threadpoolctl import threadpool_info
    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    # NumPy's own, where its wheel bundles one: another library loaded into the process (SciPy's
    # copy, say) must not change what a record says
    own = [i for i in blas if "numpy" in str(i.get("filepath", "")).lower()] or blas
    return ", ".join(f"{i['internal_api']} {i.get('version')} ({i.get('architecture')})" for i in own) or "unknown"


def versions():
    """The versions a results file was written with."""
    return {"srnlab": __version__, "numpy": np.__version__, "python": platform.python_version()}


# --------------------------------------------------------------------- files of one run
def record_path(exp, out, spec):
    return runs_folder(exp.name, spec.scale, out) / f"{spec.name}.{exp.record_format}"


def checkpoint_path(exp, out, spec):
    return Path(out) / "checkpoints" / exp.tag(spec.scale) / f"{spec.name}.pkl"


def _differences(found, expected, prefix=""):
    """The dotted keys where two nested dicts differ, with both values for leaves."""
    out = []
    for k in sorted(set(found) | set(expected), key=str):
        a, b = found.get(k, "<missing>"), expected.get(k, "<missing>")
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{k}.")
        elif a != b:
            out.append(f"{prefix}{k} ({_short(a)} there, {_short(b)} asked)")
    return out


def _short(v):
    text = json.dumps(v) if not isinstance(v, str) else v
    return text if len(text) <= 40 else text[:37] + "..."


def check_identity(path, found, expected, what="record"):
    """Raise RunError unless ``found`` agrees with the run's identity on every key of it."""
    if not isinstance(found, dict):
        raise RunError(f"{path}: this {what} has no identity (found {type(found).__name__}); move it aside and run again")
    diff = _differences({k: found.get(k, "<missing>") for k in expected}, expected)
    if diff:
        raise RunError(f"{path} was made under other settings (differs in: {'; '.join(diff[:4])}"
                       f"{'; ...' if len(diff) > 4 else ''}); it is not reused: move it (and its checkpoint) aside, "
                       f"or choose another --out, or run with the settings it was made with")


def _json_safe(obj):
    """JSON round trip of an identity (tuples become lists), so that it compares with a stored one."""
    return json.loads(json.dumps(obj))


def read_record(exp, out, spec):
    """The run's record as a dict (arrays under "arrays" for .npz records), checked; None if absent.

    Raises RunError if the file is damaged, impossible, or made under another identity.
    """
    path = record_path(exp, out, spec)
    if not path.exists():
        return None
    try:
        if exp.record_format == "json":
            record = json.loads(path.read_text())
        else:
            with np.load(path, allow_pickle=False) as f:
                record = json.loads(str(f["meta"]))
                record["arrays"] = {k: f[k] for k in f.files if k != "meta"}
    except Exception as exc:  # any damage: truncated, garbage, wrong container
        raise RunError(f"{path}: this run record is damaged ({type(exc).__name__}: {exc}); "
                       f"delete it to redo the run") from None
    if not isinstance(record, dict):
        raise RunError(f"{path}: this run record is damaged (not a JSON object); delete it to redo the run")
    check_identity(path, record, _json_safe(exp.identity(spec)))
    problem = check_outcome(record, exp.planned_updates(spec)) or exp.check_record(record)
    if problem:
        raise RunError(f"{path}: this run record is impossible ({problem}); delete it to redo the run")
    return record


def check_outcome(record, planned):
    """What is impossible about a record's status and number of updates (None if nothing)."""
    status, updates = record.get("status"), record.get("updates")
    if not isinstance(status, str) or not (status == "completed" or status.startswith("diverged")):
        return f"status {status!r} is neither 'completed' nor 'diverged ...'"
    if isinstance(updates, bool) or not isinstance(updates, int) or not 0 <= updates <= planned:
        return f"updates {updates!r} is not an integer in [0, {planned}]"
    if status == "completed" and updates != planned:
        return f"a completed run with {updates} updates, not the {planned} planned"
    return None


def check_fraction(value, name):
    """None if value is a finite number in [0, 1], else what is wrong with it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0.0 <= value <= 1.0:
        return f"{name} {value!r} is not a number in [0, 1]"
    return None


def _read_checkpoint(exp, out, spec):
    path = checkpoint_path(exp, out, spec)
    if not path.exists():
        return None
    try:
        with open(path, "rb") as f:
            state = pickle.load(f)
    except Exception as exc:
        raise RunError(f"{path}: this checkpoint is damaged ({type(exc).__name__}: {exc}); "
                       f"delete it to start the run again") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise RunError(f"{path}: this checkpoint was written by another version of srnlab (or is not one); "
                       f"delete it to start the run again")
    check_identity(path, state.get("identity"), _json_safe(exp.identity(spec)), "checkpoint")
    return state


def check_existing(exp, out, specs):
    """Read every record and checkpoint of these runs now, so a bad one stops the command before any training.

    Returns {run name: record} of the runs that already have a record.
    """
    done = {}
    for spec in specs:
        record = read_record(exp, out, spec)
        if record is not None:
            done[spec.name] = record
        _read_checkpoint(exp, out, spec)
    return done


def adopt_same_runs(exp, out, specs, done):
    """Copy the finished runs of other experiments that are the same runs as these (``exp.same_runs``).

    A copy is taken only from a record that reads back clean under its own experiment's identity and
    whose identity is this run's but for the experiment's name; the files beside it come first, then
    the record, with this run's identity and ``same_run_as`` ("<experiment>-<scale>/<run>"), so that the
    copy holds what the source holds (an older record without its network is copied without it).  A run that
    has a record (``done``) is left alone.  Returns {run name: (record, where it came from)}.
    """
    adopted = {}
    for spec in specs:
        if spec.name in done:
            continue
        mine = _json_safe(exp.identity(spec))
        for other, other_spec in exp.same_runs(spec):
            try:
                record = read_record(other, out, other_spec)
            except RunError as exc:                # not ours to refuse: say so, and train the run
                print(f"{spec.name}: not copied ({exc})", file=sys.stderr)
                continue
            if record is None or {**_json_safe(other.identity(other_spec)), "experiment": mine["experiment"]} != mine:
                continue
            source = record_path(other, out, other_spec)
            for suffix in exp.extra_suffixes:        # those it has (an older record may lack one)
                if source.with_suffix(f".{suffix}").exists():
                    atomic_write(record_path(exp, out, spec).with_suffix(f".{suffix}"),
                                 source.with_suffix(f".{suffix}").read_bytes())
            where = f"{other.tag(other_spec.scale)}/{other_spec.name}"
            record = {**record, **mine, "same_run_as": where}
            write_record(exp, out, spec, record)
            read_record(exp, out, spec)              # it reads back as this run's record
            ckpt = checkpoint_path(exp, out, spec)
            if ckpt.exists():                        # a half-trained copy of a finished run
                ckpt.unlink()
            adopted[spec.name] = (record, where)
            break
    return adopted


# --------------------------------------------------------------------- one run
def run_one(exp, spec, out, progress=None, stop_after=None, redo_old=False):
    """Train one run to its end (resuming from its checkpoint); write and return its record.

    progress: optional callable(run name, new updates, postfix dict), called every epoch.
    stop_after: stop after this many new updates, checkpoint and return None (tests of resuming).
    redo_old: train again a run whose record ``exp.lacks`` something; the new record replaces the
        old one only if it holds every key the old one did.
    """
    record = read_record(exp, out, spec)
    if record is not None and not (redo_old and exp.lacks(record)):
        return record
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):          # one BLAS thread: the same sums in every process
        return _train(exp, spec, out, progress, stop_after, old=record)


class _Run:
    """One run in training: its trainer, its checkpoint, and the time and updates spent on it."""

    def __init__(self, exp, spec, out, state):
        self.exp, self.spec = exp, spec
        self.ckpt = checkpoint_path(exp, out, spec)
        self.identity = _json_safe(exp.identity(spec))
        self.trainer, self.extra = state["trainer"], state["extra"]
        self.elapsed_before = state["elapsed"]                 # seconds spent before this process
        self.start = self.last_save = time.perf_counter()
        self.done = 0                                          # updates trained by this process

    @classmethod
    def new(cls, exp, spec, out):
        trainer, extra = exp.new_run(spec)
        return cls(exp, spec, out, {"trainer": trainer, "extra": extra, "elapsed": 0.0})

    @property
    def elapsed(self):
        return self.elapsed_before + time.perf_counter() - self.start

    def save(self):
        atomic_write(self.ckpt, pickle.dumps({"format": CHECKPOINT_FORMAT, "identity": self.identity,
                                              "trainer": self.trainer, "extra": self.extra,
                                              "elapsed": self.elapsed}))
        self.last_save = time.perf_counter()

    def advance(self, goal, progress, stop_after):
        """Train epoch by epoch up to update ``goal`` (or until the run diverges), checkpointing about
        once a minute.  Returns False if ``stop_after`` new updates ran out first (then checkpointed)."""
        exp, spec, trainer = self.exp, self.spec, self.trainer
        epoch, total = exp.epoch(spec), exp.planned_updates(spec)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)      # a divergence is recorded in trainer.status
            warnings.filterwarnings("ignore", message="training stopped")
            while trainer.status == "running" and trainer.updates < goal:
                n = min(epoch - trainer.updates % epoch, goal - trainer.updates)
                if stop_after is not None:
                    n = min(n, stop_after - self.done)
                    if n <= 0:
                        self.save()
                        return False
                before = trainer.updates
                trainer.run(n)
                self.done += trainer.updates - before
                exp.after_epoch(spec, trainer, self.extra)
                if progress is not None:
                    h = trainer.history
                    progress(spec.name, trainer.updates - before,
                             {"acc": h["val_acc"][-1], "Q": h["q"][-1],
                              "accepted": float(np.mean(h["accepted"][-epoch:]))})
                if time.perf_counter() - self.last_save > CHECKPOINT_SECONDS and trainer.updates < total:
                    self.save()
        return True


def _train(exp, spec, out, progress, stop_after, old=None):
    """Train the run from its checkpoint (or its start); write and return its record, or None if
    ``stop_after`` ran out.

    With ``old``, a record that lacks something (``run_one``'s redo_old): an old record's best network
    can be had by training again only to the update it was taken at (the same seed gives the same
    run), if the experiment can check that it is the same network (``exp.recovered``).  Then the old
    record is completed; otherwise the whole run is trained again and makes a new record.
    """
    state = _read_checkpoint(exp, out, spec)
    run = _Run(exp, spec, out, state) if state is not None else _Run.new(exp, spec, out)
    total = exp.planned_updates(spec)
    recover_at = exp.recovery_point(old) if old is not None else None
    if recover_at is not None and run.trainer.updates > recover_at and total - run.trainer.updates > recover_at:
        run = _Run.new(exp, spec, out)              # a checkpoint past that point: starting again is shorter
    record = None
    if recover_at is not None and run.trainer.updates <= recover_at < total:
        if not run.advance(recover_at, progress, stop_after):
            return None
        added = exp.recovered(spec, run.trainer, run.extra, old)
        if added is not None:                       # the same network: the old record, completed
            record = {**old, **added}
    if record is None:
        if not run.advance(total, progress, stop_after):
            return None
        elapsed = run.elapsed                       # the training's time, not the test's
        run.trainer.finish()
        record = {**run.identity, **exp.make_record(spec, run.trainer, run.extra), "wall_seconds": elapsed}
        record["status"], record["updates"] = run.trainer.status, int(run.trainer.updates)
    problem = check_outcome(record, total) or exp.check_record(record)
    if problem:                                 # a bug, not bad data: never write it
        raise RunError(f"{spec.name}: the run produced an impossible record ({problem})")
    if old is not None and set(old) - set(record):   # never replace a record with less
        raise RunError(f"{spec.name}: the new record lacks {sorted(set(old) - set(record))} that the old one "
                       f"holds; the old one is kept")
    for suffix, data in exp.extra_files(spec, run.trainer, run.extra).items():   # before the record:
        atomic_write(record_path(exp, out, spec).with_suffix(f".{suffix}"), data)  # no record without them
    write_record(exp, out, spec, record)
    if run.ckpt.exists():
        run.ckpt.unlink()
    return record


def write_record(exp, out, spec, record):
    path = record_path(exp, out, spec)
    if exp.record_format == "json":
        atomic_write(path, dumps(record))
        return
    import io
    arrays = record["arrays"]
    meta = {k: v for k, v in record.items() if k != "arrays"}
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.array(json.dumps(meta)), **arrays)
    atomic_write(path, buf.getvalue())


# --------------------------------------------------------------------- many runs
@contextlib.contextmanager
def _child_environment(**values):
    """Set environment variables for the processes started inside the block, then restore them."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _die_with_parent():
    """Ask Linux to end this process when its parent dies (no orphaned workers)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGTERM)          # PR_SET_PDEATHSIG
    except Exception:  # pragma: no cover - not Linux: the parent check below still ends us
        pass


def _worker(exp_name, tasks, events, out, parent, redo_old):
    from . import EXPERIMENTS
    _die_with_parent()
    if os.getppid() != parent:          # the parent died before prctl took effect
        return
    exp = EXPERIMENTS[exp_name]

    def report(name, n, post):
        if os.getppid() != parent:
            os._exit(1)
        events.put(("progress", name, n, post))

    while True:
        spec = tasks.get()
        if spec is None:
            return
        try:
            rec = run_one(exp, spec, out, report, redo_old=redo_old)
            events.put(("done", spec.name, rec["status"], (rec.get("test_accuracy"), rec.get("network_retrained_to"))))
        except BaseException as exc:           # reported to the parent, which stops
            events.put(("error", spec.name, f"{type(exc).__name__}: {exc}", None))
            return


def run_many(exp, specs, out, jobs=1, progress=True, redo_old=False):
    """Train every run of ``specs`` that has no record yet, over ``jobs`` processes.

    Checks first that ``out`` is writable and that every existing record and
    checkpoint belongs to these runs.  redo_old: also train again the runs whose
    record ``exp.lacks`` something (see ``run_one``), and say how each new test
    accuracy compares with the old one.  Returns the number of runs trained now.
    """
    check_writable(out)
    done = check_existing(exp, out, specs)
    for name, (record, where) in adopt_same_runs(exp, out, specs, done).items():
        print(f"{name}: the same run as {where}; its record copied, not trained again")
        done[name] = record
    redo = {name: r.get("test_accuracy") for name, r in done.items() if redo_old and exp.lacks(r)}
    for name in redo:
        del done[name]
    todo = [s for s in specs if s.name not in done]
    total = sum(exp.planned_updates(s) for s in specs)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=total, desc=f"{exp.name} {specs[0].scale if specs else ''}", unit="upd", smoothing=0.05)
        bar.update(sum(exp.planned_updates(s) for s in specs if s.name in done))

    def on_progress(name, n, post):
        if bar is not None:
            bar.update(n)
            bar.set_postfix(run=name, **{k: f"{v:.2f}" for k, v in post.items()})

    def on_done(name, status, outcome):
        acc, retrained_to = outcome
        text = f"{name}: {status}" + (f", test accuracy {acc:.3f}" if acc is not None else "")
        if name in redo and retrained_to is not None:
            text += f" (redone: its network trained again to update {retrained_to:,}, where the record took it; " \
                    f"every check agreed)"
        elif name in redo:
            was = redo[name]
            text += (" (redone: the same as its old record)" if was == acc else
                     f" (redone: its old record said {was!r})")
        bar.write(text) if bar is not None else print(text)

    try:
        jobs = max(1, min(jobs, len(todo)))
        if jobs == 1:
            for s in todo:
                rec = run_one(exp, s, out, on_progress, redo_old=redo_old)
                on_done(s.name, rec["status"], (rec.get("test_accuracy"), rec.get("network_retrained_to")))
        else:
            _pool(exp, todo, out, jobs, on_progress, on_done, redo_old)
    finally:
        if bar is not None:
            bar.close()
    return len(todo)


def _pool(exp, todo, out, jobs, on_progress, on_done, redo_old=False):
    import multiprocessing as mp
    ctx = mp.get_context("spawn")
    tasks, events = ctx.Queue(), ctx.Queue()
    for s in todo:
        tasks.put(s)
    for _ in range(jobs):
        tasks.put(None)
    with _child_environment(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1"):
        workers = [ctx.Process(target=_worker, args=(exp.name, tasks, events, str(out), os.getpid(), redo_old), daemon=True)
                   for _ in range(jobs)]
        for w in workers:
            w.start()
    try:
        error = _collect(events, lambda: any(w.is_alive() for w in workers), len(todo), on_progress, on_done)
    finally:
        for w in workers:
            if w.is_alive():
                w.terminate()
        for w in workers:
            w.join(timeout=10)
    if error is not None:
        raise RunError(error)


def _collect(events, alive, n_runs, on_progress, on_done, poll=0.5, grace=2.0):
    """Pass the workers' events on until ``n_runs`` runs are done; the error (a str) or None.

    events: a queue of (kind, name, a, b); alive() says whether any worker still runs.  A worker
    that sends its last events and ends at once may be seen ended before they arrive: once none is
    alive, events still arriving within ``grace`` seconds are taken, and only then are the workers
    said to have ended early."""
    import queue as queue_module
    finished = 0
    while finished < n_runs:
        try:
            kind, name, a, b = events.get(timeout=poll)
        except queue_module.Empty:
            if alive():
                continue
            try:
                kind, name, a, b = events.get(timeout=grace)
            except queue_module.Empty:
                return "the worker processes ended before all runs were done"
        if kind == "progress":
            on_progress(name, a, b)
        elif kind == "done":
            finished += 1
            on_done(name, a, b)
        else:
            return f"{name}: {a}"
    return None
