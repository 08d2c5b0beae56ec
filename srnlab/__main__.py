"""``python -m srnlab``: the command line of the long runs (see ``srnlab.runs.cli``)."""
import os
import sys

from .runs.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:            # the reader went away (``... | head``): not an error of ours
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())     # so the flush at exit is quiet
    code = 0
sys.exit(code)
