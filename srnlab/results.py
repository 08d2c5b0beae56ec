"""Where results live, and the one way they are written and read.

The long runs (``srnlab.runs``) write data files; the lessons (``srnlab.lessons``)
read them.  Both find the folder here, the same way:

1. the environment variable ``SRNLAB_RESULTS``, when it is set;
2. else the ``results/`` folder of the srnlab checkout the package was imported
   from (an editable install, or running from the project folder);
3. else (a regular install used outside a checkout) a ``ResultsError`` that
   says to set ``SRNLAB_RESULTS``.

Every write is atomic (a temporary file in the same folder, then a rename), so
a reader or a stop never sees a half-written file; every read of a file that
is damaged raises ``ResultsError`` with one line naming the file, what is
wrong and what to do.
"""
import json
import os
import re
import tempfile
from pathlib import Path

ENV = "SRNLAB_RESULTS"


class ResultsError(ValueError):
    """A results folder that cannot be found or used, or a data file that cannot be read."""


def checkout_root():
    """The srnlab checkout this package belongs to, or None (a regular install)."""
    root = Path(__file__).resolve().parents[1]
    if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir():
        return root
    return None


def folder(out=None):
    """The results folder: ``out`` if given, else ``$SRNLAB_RESULTS``, else the checkout's ``results/``."""
    if out is not None:
        return Path(out)
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    root = checkout_root()
    if root is None:
        raise ResultsError(f"srnlab is installed outside its checkout, so it has no results folder of its own: "
                           f"set {ENV} to the folder that holds (or should hold) the results files")
    return root / "results"


def runs_folder(experiment, scale, out=None):
    """Where one experiment's run records, and the networks its runs kept, live:
    ``<results folder>/runs/<experiment>-<scale>/``."""
    return folder(out) / "runs" / f"{experiment}-{scale}"


def kept_network(experiment, scale, name, out=None):
    """The path of a network a run kept beside its record (``name``, the record's "network");
    FileNotFoundError naming the path when it is not there."""
    path = runs_folder(experiment, scale, out) / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: this run's network was not kept (records made before "
                                f"the runner kept networks have none; run the experiment again to make it)")
    return path


def atomic_write(path, data):
    """Write ``data`` (str or bytes) to ``path`` so that nobody ever sees it half written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)          # the permissions of an ordinary new file, not mkstemp's 0600
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def check_writable(path):
    """Raise ResultsError unless files can be created in the folder ``path`` (made if missing)."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path, prefix=".srnlab-write-test.")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise ResultsError(f"{path} is not a writable folder ({exc.strerror or exc}); choose another --out") from None
    return path


def dumps(obj, sort_keys=False):
    """JSON text with one key a line and each list of numbers on a single line."""
    text = json.dumps(obj, indent=1, sort_keys=sort_keys)
    return re.sub(r"\[\n\s*([-+.\deEnulaNIfity,\s]*?)\n\s*\]",
                  lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text)


def cell_key(task, T, column):
    """The key of one table cell in a results file's ``cells``: "task|T<run length>|column"."""
    return f"{task}|T{T}|{column}"


def split_cell_key(key):
    """(task, T, column) of a ``cell_key``, T as an int."""
    task, T, column = key.split("|")
    return task, int(T[1:]), column


def column_progress(summary):
    """{column: (runs done, runs planned)} of one table's results file (as ``summarize`` writes it),
    in the order the experiment lists its columns; a column plans its tasks x T x networks per cell."""
    experiment, networks = summary["config"]["experiment"], summary["config"]["scale"]["networks"]
    planned = len(experiment["tasks"]) * len(experiment["T"]) * networks
    done = dict.fromkeys(experiment["columns"], 0)
    for key, cell in summary["cells"].items():
        column = split_cell_key(key)[2]
        done[column] = done.get(column, 0) + cell["n"]
    return {column: (n, planned) for column, n in done.items()}


def progress_text(summary):
    """How far a table's results file is, by column: "90 of 240 runs done: sgd, sgd_author complete;
    sampling 3 of 30; clip not run" (or "all 240 runs done")."""
    if summary["complete"]:
        return f"all {summary['runs_total']} runs done"
    by_state = {"complete": [], "partial": [], "not run": []}
    for column, (n, planned) in column_progress(summary).items():
        state = "complete" if n >= planned else "partial" if n else "not run"
        by_state[state].append(column if state != "partial" else f"{column} {n} of {planned}")
    parts = [f"{', '.join(by_state['complete'])} complete" if by_state["complete"] else "",
             "; ".join(by_state["partial"]),
             f"{', '.join(by_state['not run'])} not run" if by_state["not run"] else ""]
    return f"{summary['runs_done']} of {summary['runs_total']} runs done: " + "; ".join(p for p in parts if p)


def read_json(path, what="results file"):
    """A JSON file as Python objects; ResultsError (one line, naming the file) if it is damaged."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: cannot read this {what} ({exc}); move it aside and run again") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: this {what} is damaged (not valid JSON: {exc.msg} at line {exc.lineno}); "
                           f"move it aside or delete it, and run again to redo it") from None
