"""The long runs: programs that train for minutes or hours and write ``results/``.

    python -m srnlab list
    python -m srnlab run EXPERIMENT [--scale S] [--out DIR] [--seed N] [--jobs N] [--shard i/n]
                                    [--tasks ...] [--columns ...]
    python -m srnlab summarize EXPERIMENT [--scale S] [--out DIR] [--seed N]

    experiment.py       what an experiment tells the run loop (the Experiment class)
    loop.py             the one run loop: checkpoint, resume, records and their checks, processes
    tables.py           the paper's Table 1, Table 2 and Fig. 5 (lesson 08)
    dynamics.py         training dynamics from one network (lesson 05)
    sampling_study.py   the sampling method's rules against its rivals (lesson 07)
    readings.py         three readings of "dS" on the same proposals, the velocity reset (lesson 07)
    regression_study.py what it takes to learn addition and multiplication (lesson 08)
    cli.py              the command line

The lessons never import this package: they read the files it writes (through
``srnlab.results``), and this package never imports a lesson.
"""
from .dynamics import DynamicsExperiment
from .readings import Readings
from .regression_study import RegressionStudy
from .sampling_study import SamplingStudy
from .tables import TABLES, Table

#: Every experiment by its command-line name.
EXPERIMENTS = {**{name: Table(name) for name in TABLES},
               "dynamics": DynamicsExperiment(), "sampling_study": SamplingStudy(), "readings": Readings(),
               "regression_study": RegressionStudy()}
