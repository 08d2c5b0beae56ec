"""The course's shared tools, used by every lesson.

    plotting.py    one figure style, colours, safe log10, axis helpers
    widgets.py     Demo (controls + a figure redrawn when one moves) and slider
    exercises.py   the exercise checkers (CheckResult) of lessons 01-04
    blas.py        one_blas_thread: small matrix products without BLAS threads
"""
