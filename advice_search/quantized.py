"""Vectors that only rank: int8 codes with one scale per row.

Sentence vectors are the largest thing a build holds (about five per passage: 9 GB in
float32 at a million passages). They are only ever compared with a question to pick a
passage's best sentence, so a rounding error of about 0.001 in a cosine is harmless; int8
codes take a quarter of the space, and a search reads just the rows of its candidates
(``rows.ArrayRows``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .rows import ArrayRows, random_access

CODES = "codes.npy"
SCALES = "scales.npy"


@dataclass(frozen=True, eq=False)
class Int8Vectors:
    """Rows ``codes[i] * scales[i]``: float vectors stored in a quarter of the space."""

    codes: np.ndarray  # int8 [n, dim]
    scales: np.ndarray  # float32 [n]
    reader: ArrayRows | None = None  # reads rows of a saved ``codes`` without mapping them

    @classmethod
    def quantize(cls, vectors: np.ndarray) -> Int8Vectors:
        """Codes and scales of ``vectors``: each row's largest component maps to ±127."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError("expected a 2-d array of vectors")
        peak = np.abs(vectors).max(axis=1) if len(vectors) else np.zeros(0, np.float32)
        scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
        codes = np.rint(vectors / scales[:, None]).clip(-127, 127).astype(np.int8)
        return cls(codes, scales)

    @classmethod
    def empty(cls, dim: int) -> Int8Vectors:
        return cls(np.zeros((0, dim), np.int8), np.zeros(0, np.float32))

    @classmethod
    def concatenate(cls, parts: Sequence[Int8Vectors], dim: int) -> Int8Vectors:
        if not parts:
            return cls.empty(dim)
        return cls(
            np.concatenate([p.codes for p in parts]), np.concatenate([p.scales for p in parts])
        )

    def __len__(self) -> int:
        return len(self.scales)

    @property
    def dim(self) -> int:
        return int(self.codes.shape[1])

    def take(self, rows: np.ndarray) -> Int8Vectors:
        """The rows ``rows`` (codes copied as they are: no second rounding)."""
        return Int8Vectors(self.codes[rows], self.scales[rows])

    def dot(self, rows: np.ndarray, query: np.ndarray, *, block: int = 8192) -> np.ndarray:
        """Inner products of rows ``rows`` with ``query`` (reads only those rows, a block
        at a time, so a hundred thousand rows never become one float copy)."""
        rows = np.asarray(rows, dtype=np.int64)
        query = np.asarray(query, np.float32)
        out = np.empty(len(rows), np.float32)
        for start in range(0, len(rows), block):
            part = rows[start : start + block]
            codes = self.reader.take(part) if self.reader is not None else self.codes[part]
            out[start : start + block] = (codes.astype(np.float32) @ query) * self.scales[part]
        return out

    def floats(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        return self.codes[rows].astype(np.float32) * self.scales[rows][:, None]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / CODES, np.ascontiguousarray(self.codes, dtype=np.int8))
        np.save(directory / SCALES, np.ascontiguousarray(self.scales, dtype=np.float32))

    @classmethod
    def load(cls, directory: Path) -> Int8Vectors:
        """Memory-mapped for ingest's bulk copies; a search reads its rows with pread."""
        codes = np.load(directory / CODES, mmap_mode="r", allow_pickle=False)
        scales = random_access(np.load(directory / SCALES, mmap_mode="r", allow_pickle=False))
        if codes.dtype != np.int8 or codes.ndim != 2 or scales.shape != (len(codes),):
            raise ValueError(f"{directory}: codes and scales do not agree")
        return cls(codes, scales, ArrayRows(codes))
