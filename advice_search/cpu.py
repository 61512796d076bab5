"""The threads a search process gives numpy's linear algebra: one.

A search multiplies small arrays (a question against a few hundred candidates, its words
against a table of pieces). OpenBLAS splits even those over every core, and its extra thread
then only competes with ONNX Runtime and BM25 (each on a core of their own) for the machine.
Measured on the 2-core box with one busy process beside it (``python3 -c "while True:
pass"``), dev questions timed as ``bench.speed`` does, two runs each: full search p50
10.9-16.9 ms (p95 22-26 ms) with OpenBLAS's default two threads, 7.6-8.2 ms (p95 9.1-9.3 ms)
with one. On a quiet box the two are alike (p50 ~8 ms).
ONNX Runtime (``encoder.py``) and FAISS (``vectors.py``) set their own thread counts.
"""

from __future__ import annotations

from functools import cache

from threadpoolctl import threadpool_limits


@cache
def one_blas_thread() -> None:
    """Limit every BLAS library loaded in this process to one thread (once; for good)."""
    threadpool_limits(limits=1, user_api="blas")
