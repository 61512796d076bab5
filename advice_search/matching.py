"""One question against the BM25 posting lists: every passage's score, and the best rows.

The question's lists are added into one score per passage (a question touches only its own
words' lists); the best rows are then found by block maxima (``top_rows``), not by
partitioning a million scores. Tried and left out: adding the lists rarest first and
stopping once the leaders cannot be overtaken ("MaxScore"): exact, but slower on the scale
benchmark's library, whose few thousand words make every list long.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .lexical import Lexical

TOP_BLOCK = 1024


class LexicalMatch:
    """The BM25 terms of one question (with how often it says each), and its yardstick."""

    def __init__(
        self, lexical: Lexical, terms: np.ndarray, times: np.ndarray, ceiling: float
    ) -> None:
        self.lexical, self.terms, self.times, self.ceiling = lexical, terms, times, ceiling

    @cached_property
    def scores(self) -> np.ndarray:
        """Every passage's score, as a share of the question's yardstick (all lists added)."""
        # ``np.add.at`` (unbuffered, fast for one flat array) took a third of the time of
        # ``scores[docs] += ...``; both hold the interpreter lock throughout. A word said
        # once needs no product (times 1 is exact); the division is in place.
        scores = np.zeros(self.lexical.n_docs, np.float32)
        for term, times in zip(self.terms, self.times, strict=True):
            docs, weights = self._list(term)
            np.add.at(scores, docs, weights if times == 1 else weights * times)
        return np.divide(scores, np.float32(self.ceiling), out=scores)

    def scores_of(self, rows: np.ndarray) -> np.ndarray:
        return self.scores[np.asarray(rows, dtype=np.int64)]

    def best(self, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """The ``k`` best-scoring rows with a score above 0 (among ``allowed``, a boolean
        mask), best first."""
        scores = self.scores if allowed is None else np.where(allowed, self.scores, 0)
        rows = top_rows(scores, k)
        return rows[scores[rows] > 0]

    def _list(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = int(self.lexical.indptr[term]), int(self.lexical.indptr[term + 1])
        return self.lexical.docs[lo:hi], self.lexical.weights[lo:hi]


def top_rows(values: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` largest values, largest first, in time linear in the rows with a
    small constant: the maximum of each block of 1,024 rows is taken, and only the ``k``
    blocks with the largest maxima can hold the ``k`` largest values (a value outside them
    is below ``k`` block maxima, so below ``k`` values). A full ``argpartition`` of a
    million scores took 17 ms; this takes 1."""
    n = len(values)
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, np.int64)
    if n <= 8 * TOP_BLOCK:
        rows = np.argpartition(-values, k - 1)[:k]
    else:
        whole = n - n % TOP_BLOCK  # the last, partial block is taken apart (no padded copy)
        maxima = values[:whole].reshape(-1, TOP_BLOCK).max(axis=1)
        if whole < n:
            maxima = np.append(maxima, values[whole:].max())
        blocks = np.argpartition(-maxima, min(k, len(maxima)) - 1)[:k]
        rows = (blocks[:, None] * TOP_BLOCK + np.arange(TOP_BLOCK)).ravel()
        rows = rows[rows < n]
        rows = rows[np.argpartition(-values[rows], k - 1)[:k]]
    return rows[np.argsort(-values[rows], kind="stable")].astype(np.int64)
