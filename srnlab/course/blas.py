"""One BLAS thread for the lessons' small matrix products, as a scoped context.

The lessons' matrices are small (tens to a hundred units): BLAS threads cost
more than they save, and on a busy two-core machine OpenBLAS's spinning threads
made a backward pass 10 to 50 times slower (measured).  The limit holds inside
the ``with`` block only.
"""
import contextlib

_CONTROLLER = []


def one_blas_thread():
    """A context that runs BLAS on one thread (a no-op without threadpoolctl)."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
            _CONTROLLER.append(ThreadpoolController())
        except ImportError:  # pragma: no cover
            _CONTROLLER.append(None)
    ctl = _CONTROLLER[0]
    return ctl.limit(limits=1, user_api="blas") if ctl is not None else contextlib.nullcontext()
