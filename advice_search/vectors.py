"""Nearest-neighbour search over unit vectors with FAISS (inner product = cosine).

Ranking is a pure function on arrays: it takes vectors and returns scores and row
numbers, so it can be checked against a brute-force numpy oracle with hand-made vectors.

Index choice (measured with ``advice_search.scale`` on 2 shared cores, 384-d):

* ``flat`` (exact ``IndexFlatIP``) up to ``FLAT_MAX_VECTORS``: one-query p50 grows
  linearly, about 1 ms at 20-25k, 1.3 ms at 30k and 1.9-2.9 ms at 40k vectors, 7-10 ms at
  100k, 60 ms at 1M; IVF answered in ~0.4 ms at 40k-1M.
* ``ivf`` above it: ``IndexIVFScalarQuantizer`` with fp16 codes. At 1M clustered vectors
  (nlist 4096, nprobe 34; now 101, see ``SCAN_TARGET``) it measured p50 0.47 ms, recall@10
  1.000, a 746 MB index
  (949 MB RSS growth) and a 128 s build. SQ8 codes were half the size but stalled at
  recall@10 0.975 (near-ties among neighbours); IVF-Flat matched fp16 recall at 1.5 GB.
  Above ``FP16_MAX_VECTORS`` fp16 codes would pass the 2 GB budget, so the spec switches
  to SQ8 there; that size is not benchmarked.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

# Exact one-query p50 measured 1.0 ms at 20-25k, 1.3 ms at 30k, 1.9-2.9 ms at 40k (noisy box).
FLAT_MAX_VECTORS = 30_000
FP16_MAX_VECTORS = 2_000_000
# One OpenMP thread was ~3x faster than two for a single query on this 2-core box; the
# thread hand-off costs more than the scan of a small query batch.
SINGLE_THREAD_MAX_QUERIES = 16
# FAISS warns below 39 training points per list; 40 keeps k-means cheap at 1M.
TRAIN_POINTS_PER_LIST = 40
KMEANS_ITERS = 10
# nprobe is set so a query scans about this many vectors, which keeps latency near-constant
# (~1.2 ms at 1.2M). Recall at a fixed probed fraction was worse at 100k (0.963 at 16/1024
# lists) than at 1M (0.998 at 16/4096), so a fixed fraction under-probes mid-size corpora.
# The ranker fuses the dense top ``RankSettings.candidates`` (40), not the top 10: at 1.2M
# derived passages 8,192 (nprobe 29) found 0.947 of the exact top 40 and the final top 10
# agreed with exact search 0.931; 24,576 (nprobe 85) agrees ~0.98 (bench/probe.py --exact).
SCAN_TARGET = 24_576
ADD_BLOCK = 65_536  # rows converted to float32 at a time while building

_STORAGE = {"fp16": faiss.ScalarQuantizer.QT_fp16, "sq8": faiss.ScalarQuantizer.QT_8bit}


@dataclass(frozen=True)
class VectorIndexSpec:
    """Which FAISS index to build and with what parameters (recorded in the manifest)."""

    kind: str = "flat"
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params)}


def ivf_spec(n_vectors: int, dim: int, storage: str | None = None) -> VectorIndexSpec:
    """IVF parameters for ``n_vectors``: nlist ~ 4*sqrt(n) as a power of two, 40 points/list."""
    if n_vectors < TRAIN_POINTS_PER_LIST:
        raise ValueError(f"IVF needs at least {TRAIN_POINTS_PER_LIST} vectors, got {n_vectors}")
    nlist = 2 ** round(math.log2(4 * math.sqrt(n_vectors)))
    while nlist > 1 and nlist * TRAIN_POINTS_PER_LIST > n_vectors:
        nlist //= 2
    storage = storage or ("fp16" if n_vectors <= FP16_MAX_VECTORS else "sq8")
    return VectorIndexSpec(
        "ivf",
        {
            "dim": dim,
            "nlist": nlist,
            "nprobe": min(nlist, max(16, math.ceil(nlist * SCAN_TARGET / n_vectors))),
            "storage": storage,
            "train_size": min(n_vectors, TRAIN_POINTS_PER_LIST * nlist),
            "kmeans_iters": KMEANS_ITERS,
            "seed": 0,
            # How many vectors the lists were trained on, and how many came or went since:
            # ingest reuses the lists until the library has moved on (``builder``).
            "trained_on": n_vectors,
            "changed_since_training": 0,
        },
    )


def choose_spec(n_vectors: int, dim: int) -> VectorIndexSpec:
    """Exact search up to ``FLAT_MAX_VECTORS``, an IVF index with fp16/SQ8 codes above."""
    if n_vectors <= FLAT_MAX_VECTORS:
        return VectorIndexSpec("flat", {"dim": dim})
    return ivf_spec(n_vectors, dim)


def build(
    vectors: np.ndarray,
    spec: VectorIndexSpec | None = None,
    *,
    centroids: np.ndarray | None = None,
    lists: np.ndarray | None = None,
) -> faiss.Index:
    """Build an index whose ids are the row numbers of ``vectors`` (float32 or float16).

    Rows are added in blocks, so a float16 array of a million rows is never copied whole
    to float32. An IVF index gets a direct map: it is then the one copy of the passage
    vectors, and ``reconstruct`` reads any row back from it. ``centroids`` (an IVF index's
    lists, from ``centroids_of`` a previous build) skip k-means, the slow part of a build;
    with them, ``lists`` (per row its list in the previous build, -1 if new: ``lists_of``)
    spares finding the nearest list of every vector again.
    """
    vectors = np.atleast_2d(vectors)
    n, dim = vectors.shape
    spec = spec or choose_spec(n, dim)
    if spec.kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif spec.kind == "ivf":
        index = _train_ivf(vectors, spec.params, centroids)
    else:
        raise ValueError(f"unknown index kind {spec.kind!r}")
    known = lists is not None and centroids is not None and spec.kind == "ivf"
    for start in range(0, n, ADD_BLOCK):
        block = np.ascontiguousarray(vectors[start : start + ADD_BLOCK], dtype=np.float32)
        if not known:
            index.add(block)
            continue
        assert lists is not None
        assigned = np.ascontiguousarray(lists[start : start + ADD_BLOCK], dtype=np.int64)
        if (assigned < 0).any():
            new = assigned < 0
            assigned[new] = faiss.extract_index_ivf(index).quantizer.assign(block[new], 1).ravel()
        index.add_core(len(block), faiss.swig_ptr(block), None, faiss.swig_ptr(assigned))
    if spec.kind == "ivf":
        index.make_direct_map()
    return configure(index, spec)


def _train_ivf(
    vectors: np.ndarray, params: dict[str, Any], centroids: np.ndarray | None = None
) -> faiss.Index:
    """A trained, empty IVF index; k-means runs on a seeded sample of rows (FAISS skips it
    when the lists' ``centroids`` are given)."""
    n, dim = vectors.shape
    nlist = int(params["nlist"])
    if n < nlist:
        raise ValueError(f"IVF with nlist={nlist} needs at least that many vectors, got {n}")
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dim, nlist, _STORAGE[params["storage"]], faiss.METRIC_INNER_PRODUCT
    )
    if centroids is not None:
        if centroids.shape != (nlist, dim):
            raise ValueError(f"expected {nlist} centroids of {dim} dimensions")
        quantizer.add(np.ascontiguousarray(centroids, dtype=np.float32))
    index.cp.niter = int(params["kmeans_iters"])
    index.cp.seed = int(params["seed"])
    rng = np.random.default_rng(int(params["seed"]))
    train_size = min(n, int(params["train_size"]))
    rows = np.sort(rng.choice(n, size=train_size, replace=False))
    index.train(np.ascontiguousarray(vectors[rows], dtype=np.float32))
    return index


def centroids_of(index: faiss.Index) -> np.ndarray | None:
    """The list centroids of an IVF index (None for exact search)."""
    ivf = _ivf_of(index)
    return None if ivf is None else ivf.quantizer.reconstruct_n(0, ivf.nlist)


def mean_row(matrix: np.ndarray, dim: int) -> np.ndarray:
    """The mean of ``matrix``'s rows in float32 (zeros for none), a block at a time."""
    total = np.zeros(dim, np.float64)
    for start in range(0, len(matrix), ADD_BLOCK):
        total += np.asarray(matrix[start : start + ADD_BLOCK], np.float64).sum(axis=0)
    return (total / max(1, len(matrix))).astype(np.float32)


def lists_of(index: faiss.Index) -> np.ndarray | None:
    """Per row, the IVF list that holds it (from the direct map; None for exact search)."""
    ivf = _ivf_of(index)
    if ivf is None:
        return None
    return faiss.vector_to_array(ivf.direct_map.array) >> 32


def configure(index: faiss.Index, spec: VectorIndexSpec) -> faiss.Index:
    """Apply the spec's search-time parameters (nprobe) to a built or loaded index."""
    if spec.kind == "ivf":
        faiss.extract_index_ivf(index).nprobe = int(spec.params["nprobe"])
    return index


@contextmanager
def _omp_threads(n_threads: int) -> Iterator[None]:
    """Temporarily set the OpenMP thread count of the calling thread."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n_threads)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def search(
    index: faiss.Index, queries: np.ndarray, k: int, *, allowed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` (scores, row ids) per query, at most ``min(k, ntotal)`` columns.

    ``allowed`` (a boolean mask over rows) restricts the search inside FAISS, so a filter
    costs no more than an unfiltered search. An IVF index then probes more lists, as many
    more as the filter is selective (up to all of them), so that the probed lists still
    hold about as many allowed vectors as they would without it.
    An approximate index may still leave trailing ids of -1 (score -inf-like) when the
    probed lists hold fewer than ``k`` vectors; exact search never does.
    """
    queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    k = min(k, index.ntotal)
    if k <= 0:
        return np.empty((len(queries), 0), np.float32), np.empty((len(queries), 0), np.int64)
    params = None
    if allowed is not None:
        bits = np.packbits(np.asarray(allowed, dtype=bool), bitorder="little")
        selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
        ivf = _ivf_of(index)
        if ivf is None:
            params = faiss.SearchParameters(sel=selector)
        else:
            share = max(float(np.count_nonzero(allowed)) / max(1, len(allowed)), 1e-9)
            params = faiss.SearchParametersIVF(
                sel=selector, nprobe=min(ivf.nlist, math.ceil(ivf.nprobe / share))
            )
    with _omp_threads(1) if len(queries) <= SINGLE_THREAD_MAX_QUERIES else contextlib.nullcontext():
        if params is None:
            return index.search(queries, k)
        return index.search(queries, k, params=params)


def reconstruct(index: faiss.Index, rows: np.ndarray) -> np.ndarray:
    """The stored vectors of ``rows`` (float32; IVF fp16 codes decoded)."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    if not len(rows):
        return np.zeros((0, index.d), np.float32)
    return index.reconstruct_batch(rows)


def _ivf_of(index: faiss.Index) -> Any:
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def brute_force(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The oracle: exact top-``k`` by a full matrix product, ties broken by lower row id."""
    scores = np.atleast_2d(queries).astype(np.float32) @ vectors.astype(np.float32).T
    order = np.lexsort((np.broadcast_to(np.arange(scores.shape[1]), scores.shape), -scores))
    ids = order[:, :k]
    return np.take_along_axis(scores, ids, axis=1), ids


def save(index: faiss.Index, path: Path) -> None:
    """Write the index to ``path`` (search params come back from the spec via ``load``)."""
    faiss.write_index(index, str(path))


def load(path: Path, spec: VectorIndexSpec | None = None) -> faiss.Index:
    """Map an index from disk (nothing is read until searched); with ``spec``, also restore
    its search-time parameters."""
    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
    return configure(index, spec) if spec is not None else index
