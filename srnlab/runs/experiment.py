"""What an experiment tells the run loop (``loop.py``) and the command line (``cli.py``).

An experiment is a set of runs at a scale.  A subclass says which runs there
are (``specs``), what determines each one's numbers (``identity``), how a run
starts (``new_run``), what it does after each epoch (``after_epoch``), what its
record holds (``make_record``, ``check_record``) and how records become the
results file the lessons read (``summarize``).  The loop does the rest.
"""
import hashlib
from dataclasses import dataclass

from ..results import folder


def derived_seed(*parts):
    """A 64-bit seed from a run's identifying parts (its seed, task, T or network, and what the seed
    is for: "init", "data", "test"), joined by "|" and hashed: the same parts give the same seed
    on every machine, and a run's seeds never depend on the other runs or on the experiment."""
    key = "|".join(map(str, parts))
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")


@dataclass(frozen=True)
class SeedRun:
    """One (seed, run) of a study whose runs are named, not tabulated (the sampling study, the
    readings): its column, for --columns, is the run's name."""

    scale: str
    seed_base: int
    seed: int
    run: str
    task: str

    @property
    def name(self):
        return f"seed{self.seed}-{self.run}"

    @property
    def column(self):
        return self.run


class Experiment:
    #: the experiment's name on the command line
    name = ""
    #: one line for ``python -m srnlab list``
    about = ""
    #: scale name -> its parameters
    scales = {}
    default_scale = ""
    #: the choices of --tasks and --columns ({} when the experiment has none)
    tasks = ()
    columns = ()
    #: "json", or "npz" for records that hold arrays
    record_format = "json"
    #: True when the results file can only be written from every run's record
    needs_all_runs = False

    def tag(self, scale):
        return f"{self.name}-{scale}"

    def scale(self, name):
        if name not in self.scales:
            raise ValueError(f"{self.name} has no scale {name!r}; allowed: {', '.join(self.scales)}")
        return self.scales[name]

    def select(self, specs, tasks=None, columns=None, shard=(0, 1)):
        """The runs of this shard, of these tasks and columns only (None: all)."""
        for what, chosen, allowed in (("task", tasks, self.tasks), ("column", columns, self.columns)):
            for c in chosen or ():
                if c not in allowed:
                    raise ValueError(f"{what} {c!r} is not part of {self.name}; allowed: "
                                     f"{', '.join(allowed) or f'none ({self.name} has no {what}s)'}")
        specs = [s for s in specs if (not tasks or s.task in tasks) and (not columns or s.column in columns)]
        return [s for i, s in enumerate(specs) if i % shard[1] == shard[0]]

    def all_specs_recorded(self, scale, seed, records, what):
        """Every run of the experiment at a scale, once each has its record; else a RunError that says
        nothing was written (for results files made only from every run, ``needs_all_runs``)."""
        from .loop import RunError
        specs = self.specs(scale, seed)
        missing = [s.name for s in specs if s.name not in records]
        if missing:
            raise RunError(f"the {what} needs all {len(specs)} runs and {len(missing)} have no record yet "
                           f"(e.g. {missing[0]}); nothing was written: run `python -m srnlab run {self.name} "
                           f"--scale {scale}` to finish them")
        return specs

    def results_path(self, scale, out=None):
        """The results file ``summarize`` writes."""
        return folder(out) / f"{self.tag(scale)}.json"

    # -- what a subclass defines
    def specs(self, scale, seed):
        """Every run of the experiment at a scale, in a fixed order (objects with .name, .scale,
        .task and .column)."""
        raise NotImplementedError

    def identity(self, spec):
        """A JSON-ready dict of everything that determines the run's numbers; its record carries
        each key at its top level."""
        raise NotImplementedError

    def planned_updates(self, spec):
        raise NotImplementedError

    def epoch(self, spec):
        raise NotImplementedError

    def new_run(self, spec):
        """(Trainer, extra): a fresh run; ``extra`` is checkpointed with the trainer."""
        raise NotImplementedError

    def after_epoch(self, spec, trainer, extra):
        """Called after every epoch of training (e.g. to take a probe into ``extra``)."""

    def make_record(self, spec, trainer, extra):
        """The record's own contents (the loop adds identity, status, updates, wall_seconds)."""
        raise NotImplementedError

    def extra_files(self, spec, trainer, extra):
        """{suffix: bytes}: files the loop writes beside the run's record (``<run>.<suffix>``),
        atomically and before the record, e.g. the run's best network."""
        return {}

    def check_record(self, record):
        """What is impossible in a record (a string), or None."""
        return None

    def same_runs(self, spec):
        """[(experiment, its spec)]: runs of other experiments whose numbers are this run's (the same
        identity but for the experiment's name).  A finished one is copied rather than trained again
        (``loop.adopt_same_runs``); its files beside the record are ``extra_suffixes``."""
        return []

    #: the suffixes of the files ``extra_files`` writes beside a record (copied with it)
    extra_suffixes = ()

    def lacks(self, record):
        """What a (valid) record made by an older srnlab lacks that a run now makes (a string), or
        None; ``run --redo-old`` trains such runs again."""
        return None

    def recovery_point(self, old):
        """For ``--redo-old``, with a record that ``lacks`` something: the update up to which training
        again could give back what ``old`` lacks (e.g. its best network), or None to train the whole
        run again."""
        return None

    def recovered(self, spec, trainer, extra, old):
        """For ``--redo-old``, once ``trainer`` has reached ``recovery_point(old)``: the keys to add to
        ``old`` if the run is checked to be the one ``old`` records, else None (then the whole run is
        trained again and makes a new record)."""
        return None

    def summarize(self, scale, seed, out, records):
        """Write the results file from {run name: record} (never replacing a file with less);
        return lines to print."""
        raise NotImplementedError
