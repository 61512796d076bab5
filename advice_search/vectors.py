"""Nearest-neighbour search over unit vectors with FAISS (inner product = cosine).

Ranking is a pure function on arrays: it takes vectors and returns scores and row
numbers, so it can be checked against a brute-force numpy oracle with hand-made vectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np


@dataclass(frozen=True)
class VectorIndexSpec:
    """Which FAISS index to build and with what parameters (recorded in the manifest)."""

    kind: str = "flat"
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params)}


def choose_spec(n_vectors: int, dim: int) -> VectorIndexSpec:
    """Exact search for every size until the scale work measures a threshold."""
    return VectorIndexSpec("flat", {})


def build(vectors: np.ndarray, spec: VectorIndexSpec | None = None) -> faiss.Index:
    """Build an index whose ids are the row numbers of ``vectors``."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    spec = spec or choose_spec(len(vectors), vectors.shape[1])
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return index


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` (scores, row ids) per query; ids are -1 where the index has fewer rows."""
    queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    k = max(1, min(k, index.ntotal)) if index.ntotal else 1
    return index.search(queries, k)


def brute_force(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The oracle: exact top-``k`` by a full matrix product, ties broken by lower row id."""
    scores = np.atleast_2d(queries).astype(np.float32) @ vectors.astype(np.float32).T
    order = np.lexsort((np.broadcast_to(np.arange(scores.shape[1]), scores.shape), -scores))
    ids = order[:, :k]
    return np.take_along_axis(scores, ids, axis=1), ids


def save(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))
