"""The command line of the long runs: ``python -m srnlab list | run | summarize``.

A refusal (bad arguments, a damaged or foreign file, an unwritable folder) is
one line on stderr and exit status 2, never a traceback.
"""
import argparse
import os
import sys

from ..results import ResultsError, folder
from . import EXPERIMENTS
from .loop import check_existing, read_record, run_many

DEFAULT_SEED = 2016


def _shard(text):
    try:
        i, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard must look like i/n (e.g. 0/2), got {text!r}") from None
    if not (n >= 1 and 0 <= i < n):
        raise argparse.ArgumentTypeError(f"--shard i/n needs 0 <= i < n, got {text!r}")
    return i, n


def _count(what, minimum):
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be an integer, got {text!r}") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"{what} must be >= {minimum}, got {v}")
        return v
    return parse


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """A refusal in one line (argparse would print the usage too)."""
        self.exit(2, f"{self.prog}: {message} (see {self.prog.split(' ')[0]} -m srnlab --help)\n")


def parser():
    ap = _Parser(prog="python -m srnlab",
                                 description="srnlab's long runs: the paper's tables and the lessons' data files.")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the experiments, their scales, tasks and columns")
    for name in ("run", "summarize"):
        p = sub.add_parser(name, help="train (or resume) an experiment's runs, then summarize them" if name == "run"
                           else "write an experiment's results file from its run records")
        p.add_argument("experiment", choices=list(EXPERIMENTS))
        p.add_argument("--scale", default=None, help="the experiment's scale (see `list`; default: its first)")
        p.add_argument("--out", default=None,
                       help="results folder (default: $SRNLAB_RESULTS, else the checkout's results/)")
        p.add_argument("--seed", type=_count("--seed", 0), default=DEFAULT_SEED)
        if name == "run":
            p.add_argument("--jobs", type=_count("--jobs", 1), default=os.cpu_count() or 1,
                           help="parallel processes (default: all cores; never more than runs)")
            p.add_argument("--shard", type=_shard, default=(0, 1),
                           help="run only runs i, i+n, i+2n, ... (i/n; merge by copying runs/ folders)")
            p.add_argument("--tasks", nargs="+", metavar="TASK", help="run only these tasks now")
            p.add_argument("--columns", nargs="+", metavar="COLUMN", help="run only these columns (runs) now")
            p.add_argument("--redo-old", action="store_true",
                           help="also train again the selected runs whose record an older srnlab made and that "
                                "lacks what a run now keeps (its best network): only as far as the update that "
                                "network was taken at, if the run then matches its record to the last bit (else "
                                "the whole run); a new record replaces the old one only if it holds everything "
                                "the old one did")
            p.add_argument("--no-progress", action="store_true")
    return ap


def list_experiments():
    lines = []
    for name, exp in EXPERIMENTS.items():
        lines.append(f"{name}: {exp.about}")
        for scale in exp.scales:
            n = len(exp.specs(scale, DEFAULT_SEED))
            lines.append(f"    scale {scale}{' (default)' if scale == exp.default_scale else ''}: {n} runs")
        if exp.tasks and len(exp.tasks) > 1:
            lines.append(f"    tasks: {', '.join(exp.tasks)}")
        lines.append(f"    columns: {', '.join(exp.columns)}")
    return lines


def summarize(exp, scale, seed, out):
    """Read every record present (checked) and write the results file; return the lines to print."""
    records = {}
    for spec in exp.specs(scale, seed):
        rec = read_record(exp, out, spec)
        if rec is not None:
            records[spec.name] = rec
    return exp.summarize(scale, seed, out, records)


def main(argv=None):
    args = parser().parse_args(argv)
    if args.command == "list":
        print("\n".join(list_experiments()))
        return 0
    exp = EXPERIMENTS[args.experiment]
    try:
        scale = exp.default_scale if args.scale is None else args.scale
        exp.scale(scale)
        out = folder(args.out)
        if args.command == "run":
            specs = exp.select(exp.specs(scale, args.seed), args.tasks, args.columns, args.shard)
            trained = run_many(exp, specs, out, args.jobs, progress=not args.no_progress, redo_old=args.redo_old)
            print(f"{exp.name} ({scale}): {trained} run(s) trained now, {len(specs) - trained} had records")
            if exp.needs_all_runs:         # its file needs every run's record, not just this selection's
                all_specs = exp.specs(scale, args.seed)
                done = check_existing(exp, out, all_specs)
                if len(done) < len(all_specs):
                    print(f"{len(done)} of {len(all_specs)} runs of {exp.name} have records; its results file is "
                          f"written when all have")
                    return 0
        print("\n".join(summarize(exp, scale, args.seed, out)))
    except (ResultsError, ValueError) as exc:
        print(f"python -m srnlab {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"python -m srnlab {args.command}: stopped; finished runs are kept and the others resume from "
              f"their checkpoints", file=sys.stderr)
        return 130
    return 0
