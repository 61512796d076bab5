"""BM25 over passages, with English stemming and stop words.

Exact words matter where the embedding is vague: names ("Al-Anon"), numbers, rare terms.
bm25s computes the BM25 weights at ingest; they are saved as plain arrays (term-major
sparse matrix) and scored here with numpy, so answering a question imports neither bm25s
nor scipy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import Stemmer

from .text import normalise

_STEMMER = Stemmer.Stemmer("english")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
# A short English list without the words that carry the meaning of a question here:
# "not"/"no"/"won't" are what "my partner won't go" is about.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
    ]
)
PARAMS = {"k1": 1.2, "b": 0.75, "method": "lucene"}
_FILES = ("data.npy", "indices.npy", "indptr.npy", "vocab.json", "params.json")


def tokenize(text: str) -> list[str]:
    """Normalised, stemmed word tokens of ``text`` (stop words removed)."""
    words = [w for w in _TOKEN.findall(normalise(text)) if w not in STOPWORDS]
    return _STEMMER.stemWords(words)


class Lexical:
    """BM25 weights of every (term, document) pair, stored term by term."""

    def __init__(
        self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, vocab: dict[str, int],
        n_docs: int,
    ) -> None:  # fmt: skip
        self.data, self.indices, self.indptr = data, indices, indptr
        self.vocab = vocab
        self.n_docs = n_docs
        # The best score each term reaches in any document: the yardstick for a question.
        self.term_best = np.maximum.reduceat(data, indptr[:-1]) if len(data) else data
        self.term_best = np.where(np.diff(indptr) > 0, self.term_best, 0).astype(np.float32)
        # A question word the library never uses counts as a typical term nothing matched.
        self.unseen_weight = float(np.median(self.term_best)) if len(self.term_best) else 0.0

    @classmethod
    def build(cls, texts: Sequence[str]) -> Lexical:
        import bm25s  # ingest only

        model = bm25s.BM25(k1=PARAMS["k1"], b=PARAMS["b"], method=PARAMS["method"])
        model.index([tokenize(t) or [""] for t in texts], show_progress=False)
        scores = model.scores
        return cls(
            np.asarray(scores["data"], dtype=np.float32),
            np.asarray(scores["indices"], dtype=np.int32),
            np.asarray(scores["indptr"], dtype=np.int64),
            {str(k): int(v) for k, v in model.vocab_dict.items()},
            len(texts),
        )

    def relative_scores(self, query: str) -> np.ndarray:
        """BM25 as a share of the best a document could reach for this question, in [0, 1].

        The yardstick is each question word at its best (words the library never uses at a
        typical weight), so a passage matching one common word of a long question stays low,
        where dividing by the top document's score would lift it to 1.
        """
        words = tokenize(query)
        tokens = [t for t in words if t in self.vocab]
        if not tokens:
            return np.zeros(self.n_docs, dtype=np.float32)
        ceiling = float(self.term_best[[self.vocab[t] for t in tokens]].sum())
        ceiling += (len(words) - len(tokens)) * self.unseen_weight
        return self._scores(tokens) / ceiling if ceiling > 0 else self._scores(tokens) * 0

    def _scores(self, tokens: list[str]) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        for token in tokens:
            term = self.vocab[token]
            lo, hi = self.indptr[term], self.indptr[term + 1]
            out[self.indices[lo:hi]] += self.data[lo:hi]
        return out

    def consistent(self, n_docs: int) -> bool:
        """The arrays fit together and point only at the ``n_docs`` documents of a build."""
        terms = len(self.indptr) - 1
        return (
            self.n_docs == n_docs
            and terms >= 0
            and int(self.indptr[0]) == 0
            and int(self.indptr[-1]) == len(self.indices) == len(self.data)
            and bool(np.all(np.diff(self.indptr) >= 0))
            and (
                not len(self.indices)
                or 0 <= int(self.indices.min()) <= int(self.indices.max()) < n_docs
            )
            # bm25s gives the empty token (of an empty document) an id but no column.
            and all(isinstance(t, int) and 0 <= t < terms + (not k) for k, t in self.vocab.items())
        )

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "data.npy", self.data)
        np.save(directory / "indices.npy", self.indices)
        np.save(directory / "indptr.npy", self.indptr)
        (directory / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False))
        (directory / "params.json").write_text(json.dumps({**PARAMS, "n_docs": self.n_docs}))

    @classmethod
    def load(cls, directory: Path) -> Lexical:
        params = json.loads((directory / "params.json").read_text())
        return cls(
            np.load(directory / "data.npy", allow_pickle=False),
            np.load(directory / "indices.npy", allow_pickle=False),
            np.load(directory / "indptr.npy", allow_pickle=False),
            json.loads((directory / "vocab.json").read_text(encoding="utf-8")),
            int(params["n_docs"]),
        )
