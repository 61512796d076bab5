"""Word match (issue 9): each word of the question against the words a passage uses.

The model reads the question's words in context (their token states come free with the
question's vector). Each passage keeps the vocabulary pieces it uses; the build keeps, per
piece, its state read alone ("[CLS] piece [SEP]"), a function of the model only. A passage's
word match is the mean, weighted by idf, over the question's content words of each word's
best cosine with any piece of the passage: a soft BM25, for which "quarrelling" is near "a
quarrel" (tests/test_words.py; eval/EXPERIMENTS.md §11). Added to the fused score at
``RankSettings.word_weight``, centred over the candidates (search.py).

A build stores (``words/``): ``vocabulary.npy`` (the pieces its passages use, sorted
uint16 ids), ``table`` (their states, Int8Vectors), ``df.npy`` (how many passages use each),
``offsets.npy`` (int64, per passage row, where its pieces start) and ``pieces.npy`` (uint16
rows of the table, sorted and unique per passage).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from .lexical import STOPWORDS, bm25_idf
from .quantized import Int8Vectors
from .rows import random_access

# Pieces that match everywhere: articles, pronouns, auxiliaries, question words. ("not"
# and "no" count for BM25, lexical.STOPWORDS; as a word to match, almost every passage has them.)
FUNCTION_PIECES = STOPWORDS | frozenset(
    [
        "i", "me", "my", "we", "our", "you", "your", "he", "him", "his", "she", "her", "them",
        "it", "its", "those", "do", "does", "did", "have", "has", "had", "not", "no", "so",
        "can", "could", "would", "should", "just", "what", "how", "why", "when", "who",
        "which", "here", "than", "about", "from",
    ]
)  # fmt: skip
TABLE, VOCABULARY, DF, OFFSETS, PIECES = (
    "table", "vocabulary.npy", "df.npy", "offsets.npy", "pieces.npy",
)  # fmt: skip
_WORDLIKE = re.compile(r"^(##)?[a-z]")
PieceStates = Callable[[np.ndarray], np.ndarray]  # vocabulary ids -> unit vectors


def is_content_piece(piece: str, *, whole_words_only: bool = False) -> bool:
    """A piece that carries meaning: letters first, not a function word ("##ing" counts for
    a passage; a question's words are taken by their first piece only)."""
    if not _WORDLIKE.match(piece) or (whole_words_only and piece.startswith("##")):
        return False
    return piece.removeprefix("##") not in FUNCTION_PIECES


def content_mask(vocabulary: Sequence[str]) -> np.ndarray:
    """Per vocabulary id, whether a passage's piece of that id counts (``is_content_piece``)."""
    return np.array([is_content_piece(piece) for piece in vocabulary], bool)


def passage_pieces(ids: Sequence[int], content: np.ndarray) -> np.ndarray:
    """The sorted, unique content pieces among a passage's token ids (uint16)."""
    ids = np.asarray(ids, np.int64)
    return np.unique(ids[content[ids]]).astype(np.uint16)


def question_words(
    ids: np.ndarray, states: np.ndarray, vocabulary: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The question's content words (by their first piece): vocabulary ids and unit states.

    All of a long post's words count: keeping only the sentences that ask lost on the tune
    sets (eval/EXPERIMENTS.md §11).
    """
    ids = np.asarray(ids, np.int64)
    picked = [i for i, piece in enumerate(ids.tolist()) if _is_word(vocabulary[piece])]
    chosen = np.asarray(states, np.float32)[picked]
    norms = np.maximum(np.linalg.norm(chosen, axis=1, keepdims=True), 1e-12)
    return ids[picked], (chosen / norms).astype(np.float32)


@cache
def _is_word(piece: str) -> bool:
    """``is_content_piece`` for a question's pieces, remembered (a search asks for ~100)."""
    return is_content_piece(piece, whole_words_only=True)


def word_match(
    words: np.ndarray,
    weights: np.ndarray,
    piece_vectors: np.ndarray,
    piece_of: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """Per passage, the ``weights``-weighted mean over the question's ``words`` (unit rows)
    of each word's best cosine with the passage's pieces; 0 for a passage without pieces.

    ``piece_vectors``: the distinct pieces' unit rows; ``piece_of``: for each passage's
    pieces in turn (``counts`` per passage), its row in ``piece_vectors``.
    """
    out = np.zeros(len(counts), np.float32)
    total = float(np.sum(weights))
    if not len(words) or total <= 0 or not len(piece_of):
        return out
    sims = (piece_vectors @ words.T)[piece_of]  # [pieces of every passage, words]
    filled = np.flatnonzero(counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[filled]
    best = np.maximum.reduceat(sims, starts, axis=0)  # [passages with pieces, words]
    out[filled] = best @ (np.asarray(weights, np.float32) / total)
    return out


@dataclass(frozen=True, eq=False)
class WordTable:
    """The pieces each passage uses and every used piece's state read alone."""

    vocabulary: np.ndarray  # uint16 [used]: the vocabulary ids of the pieces used, sorted
    table: Int8Vectors  # [used, dim]: their states read alone
    df: np.ndarray  # int32 [used]: how many passages use each
    offsets: np.ndarray  # int64 [passages + 1]
    pieces: np.ndarray  # uint16 [offsets[-1]]: rows of the table, sorted per passage

    @classmethod
    def build(
        cls,
        ids: np.ndarray,
        offsets: np.ndarray,
        dim: int,
        piece_states: PieceStates,
        previous: WordTable | None = None,
    ) -> WordTable:
        """From the passages' content pieces (vocabulary ids, passage ``i``'s at
        ``ids[offsets[i]:offsets[i + 1]]``); the states of pieces the ``previous`` build holds
        are copied, the others computed by ``piece_states``. The table holds the pieces used
        and nothing else, so it depends on the passages, not on the builds before."""
        ids = np.asarray(ids, np.uint16)
        used = np.unique(ids)
        pieces = np.searchsorted(used, ids).astype(np.uint16)
        codes = np.zeros((len(used), dim), np.int8)
        scales = np.ones(len(used), np.float32)
        old = previous.rows_of(used) if previous is not None else np.full(len(used), -1)
        known = old >= 0
        if known.any():
            assert previous is not None
            codes[known] = previous.table.codes[old[known]]
            scales[known] = previous.table.scales[old[known]]
        if (~known).any():
            fresh = Int8Vectors.quantize(piece_states(used[~known].astype(np.int64)))
            codes[~known], scales[~known] = fresh.codes, fresh.scales
        df = np.bincount(pieces, minlength=len(used)).astype(np.int32)
        offsets = np.asarray(offsets, np.int64)
        return cls(used, Int8Vectors(codes, scales), df, offsets, pieces)

    @classmethod
    def empty(cls, passages: int, dim: int) -> WordTable:
        """No pieces for any passage: the word match is 0 everywhere."""
        return cls.build(np.zeros(0, np.uint16), np.zeros(passages + 1, np.int64), dim, _none)

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Each vocabulary id's row in the table, -1 for a piece no passage uses."""
        ids = np.asarray(ids, np.int64)
        vocabulary = np.asarray(self.vocabulary, np.int64)
        if not len(vocabulary):
            return np.full(len(ids), -1, np.int64)
        at = np.minimum(np.searchsorted(vocabulary, ids), len(vocabulary) - 1)
        return np.where(vocabulary[at] == ids, at, -1)

    @cached_property
    def states(self) -> np.ndarray:
        """The table as float32, in memory (read at the first search: 1.5 KB a piece)."""
        return self.table.floats()

    @property
    def passages(self) -> int:
        return len(self.offsets) - 1

    def ids_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pieces of passages ``rows`` as vocabulary ids, one after the other, and how many
        each has (for the next build: one gather, however many passages)."""
        rows = np.asarray(rows, np.int64)
        lo, counts = self.offsets[rows], self.offsets[rows + 1] - self.offsets[rows]
        return self.vocabulary[self.pieces[spans(lo, counts)]], counts

    def match(self, rows: np.ndarray, words: np.ndarray, word_ids: np.ndarray) -> np.ndarray:
        """``word_match`` of passages ``rows`` for the question's ``words`` (unit states of
        the vocabulary pieces ``word_ids``), each word weighted by its idf in the library."""
        rows = np.asarray(rows, np.int64)
        if not len(words) or not len(rows):
            return np.zeros(len(rows), np.float32)
        lo = self.offsets[rows]
        counts = (self.offsets[rows + 1] - lo).astype(np.int64)
        flat = self.pieces[spans(lo, counts)]
        word_rows = self.rows_of(word_ids)
        weights = bm25_idf(
            np.where(word_rows >= 0, self.df[np.maximum(word_rows, 0)], 0), self.passages
        )
        if len(self.vocabulary) <= 2 * len(flat):  # a small library: every row at once
            return word_match(words, weights, self.states, flat.astype(np.int64), counts)
        distinct, piece_of = np.unique(flat, return_inverse=True)
        return word_match(words, weights, self.states[distinct], piece_of.reshape(-1), counts)

    def consistent(self, passages: int, dim: int, *, thorough: bool = False) -> bool:
        """Counts and shapes agree; with ``thorough``, every piece is a row of the table
        (reads all the pieces)."""
        counts = (
            len(self.offsets) == passages + 1
            and (not passages or int(self.offsets[-1]) == len(self.pieces))
            and len(self.table) == len(self.vocabulary) == len(self.df)
            and (not len(self.vocabulary) or self.table.dim == dim)
        )
        if not counts or not thorough:
            return counts
        return (
            int(self.offsets[0]) == 0
            and bool(np.all(np.diff(self.offsets) >= 0))
            and (not len(self.pieces) or int(np.max(self.pieces)) < len(self.vocabulary))
            and bool(np.all(np.diff(np.asarray(self.vocabulary, np.int64)) > 0))
        )

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.table.save(directory / TABLE)
        np.save(directory / VOCABULARY, np.ascontiguousarray(self.vocabulary, np.uint16))
        np.save(directory / DF, np.ascontiguousarray(self.df, np.int32))
        np.save(directory / OFFSETS, np.ascontiguousarray(self.offsets, np.int64))
        np.save(directory / PIECES, np.ascontiguousarray(self.pieces, np.uint16))

    @classmethod
    def load(cls, directory: Path) -> WordTable:
        def array(name: str, dtype: type) -> np.ndarray:
            data = random_access(np.load(directory / name, mmap_mode="r", allow_pickle=False))
            if data.dtype != dtype or data.ndim != 1:
                raise ValueError(f"{directory / name}: expected a 1-d {np.dtype(dtype)} array")
            return data

        return cls(
            np.asarray(array(VOCABULARY, np.uint16)),
            Int8Vectors.load(directory / TABLE),
            np.asarray(array(DF, np.int32)),
            np.asarray(array(OFFSETS, np.int64)),  # still mapped: a plain view of the map
            np.asarray(array(PIECES, np.uint16)),  # indexes faster than np.memmap
        )


def spans(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The positions ``starts[i] .. starts[i] + counts[i] - 1``, for every ``i`` in turn."""
    counts = np.asarray(counts, np.int64)
    first = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    return np.repeat(np.asarray(starts, np.int64) - first, counts) + np.arange(int(counts.sum()))


def _none(ids: np.ndarray) -> np.ndarray:
    raise AssertionError("an empty word table computes no states")
