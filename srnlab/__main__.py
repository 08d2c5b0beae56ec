"""``python -m srnlab``: the command line of the long runs (see ``srnlab.runs.cli``)."""
import sys

from .runs.cli import main

sys.exit(main())
