"""Process-wide tuning for a serving process: BLAS threads and handing freed memory back.

A query costs one encode and a few small matrix-vector products; a multi-threaded BLAS only
adds threads that spin while they wait for work, fighting the encoder's threads and the other
workers for the cores (bench/service_latency.py and bench/http_load.py show the cost), so a
process that serves runs BLAS on one thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

_blas_limited = False


def limit_blas_threads(threads: int = 1) -> None:
    """Run the BLAS libraries loaded in this process (numpy's, faiss's) on `threads` threads.

    Process-wide, and done once per process (threadpoolctl; without it BLAS keeps its default).
    """
    global _blas_limited
    if _blas_limited:
        return
    _blas_limited = True
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        log.warning("threadpoolctl is not installed: BLAS keeps its default thread count")
        return
    threadpool_limits(limits=max(1, threads), user_api="blas")


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc), e.g. after loading a model."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)
