"""BM25 over passages, with English stemming and stop words, as plain numpy arrays.

Exact words matter where the embedding is vague: names ("Al-Anon"), numbers, rare terms.
Weights follow bm25s's Lucene variant (idf = ln(1 + (N - df + 0.5) / (df + 0.5)), term
part tf / (tf + k1 (1 - b + b dl / avgdl))); the test suite checks them against bm25s.

Stored term by term (a posting list per term: passage rows, term counts, weights), memory-
mapped on load: a question touches only the lists of its own words. The term counts make
ingest incremental: an unchanged passage is never tokenised again; only the weights, which
depend on the whole library, are recomputed, with numpy.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import Stemmer

from .matching import LexicalMatch
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
ARRAYS = ("indptr", "docs", "tf", "weights", "doc_len", "term_best")
TOKENIZE_BLOCK = 20_000  # passages whose (term, count) pairs are gathered at a time


def bm25_idf(df: np.ndarray, n: int) -> np.ndarray:
    """BM25's idf of terms found in ``df`` of ``n`` documents."""
    df = np.asarray(df, np.float64)
    return np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)


def tokenize(text: str) -> list[str]:
    """Normalised, stemmed word tokens of ``text`` (stop words removed)."""
    words = [w for w in _TOKEN.findall(normalise(text)) if w not in STOPWORDS]
    return _STEMMER.stemWords(words)


class Lexical:
    """BM25 weights of every (term, passage) pair, stored term by term."""

    def __init__(
        self, vocab: dict[str, int], arrays: dict[str, np.ndarray], *, avgdl: float,
        unseen_weight: float,
    ) -> None:  # fmt: skip
        self.vocab = vocab
        self.indptr, self.docs, self.tf = arrays["indptr"], arrays["docs"], arrays["tf"]
        self.weights, self.doc_len = arrays["weights"], arrays["doc_len"]
        # The best weight each term reaches in any passage: the yardstick for a question.
        self.term_best = arrays["term_best"]
        self.avgdl = avgdl
        # A question word the library never uses counts as a typical term nothing matched.
        self.unseen_weight = unseen_weight

    @property
    def n_docs(self) -> int:
        return len(self.doc_len)

    @classmethod
    def build(
        cls,
        texts: Sequence[str | None],
        *,
        previous: Lexical | None = None,
        reuse: np.ndarray | None = None,
    ) -> Lexical:
        """BM25 over ``texts``. With ``previous``, ``reuse[i] >= 0`` names the row of
        ``previous`` whose terms passage ``i`` has (its text may then be None): only the
        others are tokenised."""
        n = len(texts)
        reuse = np.full(n, -1, np.int64) if reuse is None else np.asarray(reuse, np.int64)
        vocab: dict[str, int] = dict(previous.vocab) if previous is not None else {}
        doc_len = np.zeros(n, np.int64)
        parts = []
        fresh = np.flatnonzero(reuse < 0)
        for start in range(0, len(fresh), TOKENIZE_BLOCK):
            rows = fresh[start : start + TOKENIZE_BLOCK]
            ids: list[int] = []
            for i in rows:
                tokens = tokenize(texts[i] or "") or [""]  # as bm25s: an empty one has length 1
                doc_len[i] = len(tokens)
                ids += [vocab.setdefault(token, len(vocab)) for token in tokens]
            owner = np.repeat(rows, doc_len[rows])
            pairs, counts = np.unique(
                owner * (1 << 32) + np.array(ids, np.int64), return_counts=True
            )
            parts.append((pairs & 0xFFFFFFFF, pairs >> 32, counts))
        if previous is not None and (reuse >= 0).any():
            new_row = np.full(previous.n_docs, -1, np.int64)
            new_row[reuse[reuse >= 0]] = np.flatnonzero(reuse >= 0)
            doc_len[reuse >= 0] = previous.doc_len[reuse[reuse >= 0]]
            term_of = np.repeat(np.arange(len(previous.indptr) - 1), np.diff(previous.indptr))
            moved = new_row[previous.docs]
            kept = moved >= 0
            parts.append((term_of[kept], moved[kept], np.asarray(previous.tf)[kept]))
        parts = parts or [(np.zeros(0, np.int64),) * 3]
        term = np.concatenate([p[0] for p in parts])
        doc = np.concatenate([p[1] for p in parts])
        tf = np.concatenate([p[2] for p in parts])
        # Terms no passage uses any more are dropped, so the vocabulary cannot only grow.
        df = np.bincount(term, minlength=len(vocab))
        renumber = np.cumsum(df > 0) - 1
        names = np.empty(len(vocab), dtype=object)
        names[list(vocab.values())] = list(vocab)
        names = names[df > 0]
        order = np.lexsort((doc, term))
        term, doc, tf = renumber[term[order]], doc[order], tf[order]
        df = df[df > 0]
        return cls._weighted({str(t): i for i, t in enumerate(names)}, term, doc, tf, df, doc_len)

    @classmethod
    def _weighted(
        cls, vocab: dict[str, int], term: np.ndarray, doc: np.ndarray, tf: np.ndarray,
        df: np.ndarray, doc_len: np.ndarray,
    ) -> Lexical:  # fmt: skip
        n = len(doc_len)
        avgdl = float(doc_len.mean()) if n else 1.0
        k1, b = PARAMS["k1"], PARAMS["b"]
        idf = bm25_idf(df, n)
        norm = (k1 * ((1 - b) + b * doc_len / avgdl)).astype(np.float32)
        tf32 = tf.astype(np.float32)
        weights = idf[term] * (tf32 / (norm[doc] + tf32))
        indptr = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
        term_best = np.maximum.reduceat(weights, indptr[:-1]) if len(weights) else weights
        arrays = {
            "indptr": indptr,
            "docs": doc.astype(np.int32),
            "tf": tf.astype(np.uint16),
            "weights": weights.astype(np.float32),
            "doc_len": doc_len.astype(np.int32),
            "term_best": np.asarray(term_best, np.float32),
        }
        unseen = float(np.median(term_best)) if len(term_best) else 0.0
        return cls(vocab, arrays, avgdl=avgdl, unseen_weight=unseen)

    def match(self, query: str) -> LexicalMatch:
        """BM25 as a share of the best a passage could reach for this question, in [0, 1].

        The yardstick is each question word at its best (words the library never uses at a
        typical weight), so a passage matching one common word of a long question stays low,
        where dividing by the top passage's score would lift it to 1.
        """
        words = tokenize(query)
        terms = Counter(self.vocab[t] for t in words if t in self.vocab)
        ids = np.array(list(terms), dtype=np.int64)
        times = np.array(list(terms.values()), dtype=np.float32)
        ceiling = float((self.term_best[ids] * times).sum()) if len(ids) else 0.0
        ceiling += (len(words) - sum(terms.values())) * self.unseen_weight
        if ceiling <= 0:
            ids, times, ceiling = ids[:0], times[:0], 1.0
        return LexicalMatch(self, ids, times, ceiling)

    def document_frequency(self, terms: Iterable[str]) -> dict[str, int]:
        """How many passages use each stem of ``terms`` (0 for one the library never uses)."""
        ids = {t: self.vocab.get(t, -1) for t in terms}
        last = len(self.indptr) - 1
        return {t: int(self.indptr[i + 1] - self.indptr[i]) if 0 <= i < last else 0
                for t, i in ids.items()}  # fmt: skip

    def relative_scores(self, query: str) -> np.ndarray:
        """``match(query).scores``: every passage's relative BM25 score."""
        return self.match(query).scores

    def consistent(self, n_docs: int, *, thorough: bool = False) -> bool:
        """The arrays fit together for a build of ``n_docs`` passages; with ``thorough``,
        every posting also points at one of them (a read of every posting list)."""
        terms = len(self.indptr) - 1
        postings = len(self.docs)
        fits = (
            self.n_docs == n_docs
            and terms >= 0
            and (len(self.term_best) == terms or not postings)
            and int(self.indptr[0]) == 0
            and int(self.indptr[-1]) == postings == len(self.tf) == len(self.weights)
        )
        if not fits or not thorough:
            return fits
        return (
            bool(np.all(np.diff(self.indptr) >= 0))
            and (not postings or 0 <= int(self.docs.min()) <= int(self.docs.max()) < n_docs)
            # bm25s gives the empty token (of an empty document) an id but no column.
            and all(isinstance(t, int) and 0 <= t < terms + (not k) for k, t in self.vocab.items())
        )

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name in ARRAYS:
            np.save(directory / f"{name}.npy", getattr(self, name))
        (directory / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False))
        params = {**PARAMS, "avgdl": self.avgdl, "unseen_weight": self.unseen_weight}
        (directory / "params.json").write_text(json.dumps(params))

    @classmethod
    def load(cls, directory: Path) -> Lexical:
        """Memory-mapped: a question reads only the posting lists of its words."""
        params = json.loads((directory / "params.json").read_text())
        arrays = {
            name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            for name in ARRAYS
        }
        vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        if len(arrays["indptr"]) != len(vocab) + 1 or len(arrays["term_best"]) != len(vocab):
            raise ValueError(f"{directory}: vocabulary and posting lists disagree")
        return cls(
            vocab,
            arrays,
            avgdl=float(params["avgdl"]),
            unseen_weight=float(params["unseen_weight"]),
        )
