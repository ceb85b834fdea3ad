"""``--blas-threads N``: set the BLAS thread count before numpy is imported.

Import this module (and call :func:`blas_threads_from_argv`) before numpy or
``_common``: OpenBLAS, OpenMP and MKL read their thread count once, when numpy loads.
On a machine shared with other jobs, 1 thread for every timed line keeps ratios steady.
"""

from __future__ import annotations

import argparse
import os


def blas_threads_from_argv(argv: list[str]) -> int:
    """The ``--blas-threads`` value in ``argv`` (0: BLAS as installed), exported to
    OPENBLAS/OMP/MKL_NUM_THREADS when positive."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--blas-threads", type=int, default=0)
    threads = int(pre.parse_known_args(argv)[0].blas_threads)
    if threads > 0:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)
    return threads
