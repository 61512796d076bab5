"""Synthetic scale benchmark (``python -m bench.scale``): latency, recall and memory of the chosen FAISS index by size.

Data generator (fixed seed): ``N_CENTRES`` random unit centres in 384-d; each vector picks
a centre with Zipf-like weights (p ~ 1/sqrt(rank)), adds isotropic Gaussian noise with a
per-centre sigma drawn from U(0.04, 0.07), and is re-normalised. Vectors then sit at
cosine ~0.4-0.6 to others of their centre and ~0 to the rest, roughly like sentence
embeddings of related and unrelated texts. Queries come from the same generator with a
separate random stream, so they are never rows of the base set.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import time
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np

from advice_search import vectors

DIM = 384
N_CENTRES = 2_000
SIGMA_RANGE = (0.04, 0.07)
K = 10
WARMUP_QUERIES = 10


@dataclass(frozen=True)
class ScaleRow:
    """One measured index at one corpus size."""

    n: int
    kind: str
    params: dict[str, Any]
    build_s: float
    p50_ms: float
    p95_ms: float
    recall_at_10: float
    memory_mb: float
    index_mb: float


@dataclass(frozen=True)
class ClusterModel:
    """Centres, per-centre noise and sampling weights of the synthetic generator."""

    centres: np.ndarray
    sigmas: np.ndarray
    weights: np.ndarray

    @classmethod
    def random(
        cls, rng: np.random.Generator, dim: int = DIM, n_centres: int = N_CENTRES
    ) -> ClusterModel:
        """Random unit centres with Zipf-like popularity and varied spread."""
        centres = _normalise(rng.standard_normal((n_centres, dim), dtype=np.float32))
        sigmas = rng.uniform(*SIGMA_RANGE, size=n_centres).astype(np.float32)
        weights = 1.0 / np.sqrt(np.arange(1, n_centres + 1))
        return cls(centres, sigmas, weights / weights.sum())

    def sample(self, n: int, rng: np.random.Generator, chunk: int = 100_000) -> np.ndarray:
        """``n`` unit vectors: a weighted centre plus Gaussian noise, re-normalised."""
        out = np.empty((n, self.centres.shape[1]), np.float32)
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            labels = rng.choice(len(self.centres), size=stop - start, p=self.weights)
            block = rng.standard_normal((stop - start, self.centres.shape[1]), dtype=np.float32)
            block *= self.sigmas[labels, None]
            block += self.centres[labels]
            out[start:stop] = _normalise(block)
        return out


def _normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, in place."""
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def clustered_unit_vectors(
    n: int, n_queries: int, seed: int = 0, dim: int = DIM, n_centres: int = N_CENTRES
) -> tuple[np.ndarray, np.ndarray]:
    """(base, queries) from one cluster model; queries use their own random stream."""
    model_rng, base_rng, query_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
    )
    model = ClusterModel.random(model_rng, dim, n_centres)
    return model.sample(n, base_rng), model.sample(n_queries, query_rng)


def exact_top_k(base: np.ndarray, queries: np.ndarray, k: int, block: int = 131_072) -> np.ndarray:
    """Exact top-``k`` row ids per query by a blocked matmul (bounded memory at 1M)."""
    best_scores = np.full((len(queries), k), -np.inf, np.float32)
    best_ids = np.zeros((len(queries), k), np.int64)
    for start in range(0, len(base), block):
        scores = queries @ base[start : start + block].T
        kk = min(k, scores.shape[1])
        part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        merged_scores = np.concatenate([best_scores, np.take_along_axis(scores, part, 1)], 1)
        merged_ids = np.concatenate([best_ids, part + start], 1)
        order = np.argsort(-merged_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(merged_scores, order, 1)
        best_ids = np.take_along_axis(merged_ids, order, 1)
    return best_ids


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean fraction of each query's true top-k that appears in the found top-k."""
    k = truth.shape[1]
    return float(np.mean([len(set(f[:k]) & set(t)) / k for f, t in zip(found, truth, strict=True)]))


def _release_freed_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS so RSS deltas mean something."""
    gc.collect()
    # Without the trim, a build reuses pages freed by the previous one and shows ~0 growth.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _rss_mb() -> float:
    """Resident set size of this process in MiB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(
    base: np.ndarray, queries: np.ndarray, truth: np.ndarray, spec: vectors.VectorIndexSpec
) -> ScaleRow:
    """Build ``spec`` on ``base``, then time one query at a time through ``vectors.search``."""
    _release_freed_memory()
    rss_before = _rss_mb()
    start = time.perf_counter()
    index = vectors.build(base, spec)
    build_s = time.perf_counter() - start
    _release_freed_memory()
    memory_mb = _rss_mb() - rss_before
    index_mb = faiss.serialize_index(index).nbytes / 2**20

    for query in queries[:WARMUP_QUERIES]:
        vectors.search(index, query, K)
    latencies, found = [], []
    for query in queries:
        start = time.perf_counter()
        _, ids = vectors.search(index, query, K)
        latencies.append(time.perf_counter() - start)
        found.append(ids[0])
    latencies_ms = np.array(latencies) * 1e3
    del index
    return ScaleRow(
        n=len(base),
        kind=spec.kind,
        params=dict(spec.params),
        build_s=round(build_s, 2),
        p50_ms=round(float(np.percentile(latencies_ms, 50)), 3),
        p95_ms=round(float(np.percentile(latencies_ms, 95)), 3),
        recall_at_10=round(recall_at_k(np.array(found), truth), 4),
        memory_mb=round(memory_mb, 1),
        index_mb=round(index_mb, 1),
    )


def run_scale_benchmark(
    sizes: tuple[int, ...] = (100_000, 1_000_000), n_queries: int = 200, seed: int = 0
) -> list[ScaleRow]:
    """Per size: the exact flat baseline and, above the threshold, the ``choose_spec`` index."""
    rows: list[ScaleRow] = []
    for n in sizes:
        base, queries = clustered_unit_vectors(n, n_queries, seed)
        truth = exact_top_k(base, queries, K)
        rows.append(measure(base, queries, truth, vectors.VectorIndexSpec("flat", {"dim": DIM})))
        spec = vectors.choose_spec(n, DIM)
        if spec.kind != "flat":
            rows.append(measure(base, queries, truth, spec))
        del base
    return rows


def format_markdown(rows: list[ScaleRow]) -> str:
    """A Markdown table of the rows, one per (size, index)."""
    header = (
        "| n | index | params | build s | p50 ms | p95 ms | recall@10 "
        "| RSS growth MB | index MB |\n"
        "|---:|---|---|---:|---:|---:|---:|---:|---:|"
    )
    lines = [header]
    for r in rows:
        params = ", ".join(f"{k}={v}" for k, v in r.params.items() if k != "dim") or "-"
        lines.append(
            f"| {r.n:,} | {r.kind} | {params} | {r.build_s:.1f} | {r.p50_ms:.3f} | "
            f"{r.p95_ms:.3f} | {r.recall_at_10:.3f} | {r.memory_mb:.0f} | {r.index_mb:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    started = time.perf_counter()
    # 20k-40k show exact search's single-query latency around the flat threshold (30k).
    table = format_markdown(run_scale_benchmark((20_000, 30_000, 40_000, 100_000, 1_000_000)))
    print(table)
    print(f"\nwall time {time.perf_counter() - started:.0f} s", flush=True)
