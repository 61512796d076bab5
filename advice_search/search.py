"""The Searcher: one loaded index and the encoder that embeds its questions.

Open once (``Searcher.open``), then ``search`` many times. Scores are computed and fused by
the pure functions of ``ranking``; this module gathers candidates and builds the hits.
Opening never imports torch: questions are embedded by the ONNX export ingest made.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import vectors
from .encoder import Encoder, OnnxEncoder
from .index import SearchIndex
from .manifest import damaged
from .ranking import RankSettings, diversify, fuse, is_confident, kind_penalties, sentence_scores
from .records import Article, Hit
from .safety import assess
from .staleness import CorpusStatus, corpus_status
from .text import clean_control

MAX_QUERY_CHARS = 1000


class QueryError(ValueError):
    """The question cannot be searched as typed; the message says what to change."""


@dataclass(frozen=True)
class Filters:
    """Restrict results to some articles, authors or sites (empty: no restriction)."""

    articles: frozenset[str] = frozenset()
    authors: frozenset[str] = frozenset()
    sites: frozenset[str] = frozenset()

    def allows(self, article: Article) -> bool:
        return (
            (not self.articles or article.article_id in self.articles)
            and (not self.authors or (article.author or "") in self.authors)
            and (not self.sites or (article.site or "") in self.sites)
        )

    def __bool__(self) -> bool:
        return bool(self.articles or self.authors or self.sites)


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[Hit, ...]
    confident: bool
    crisis: bool
    notices: tuple[str, ...] = ()  # e.g. "question shortened to 1,000 characters"
    signals: dict[str, float] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "confident": self.confident,
            "crisis": self.crisis,
            "notices": list(self.notices),
            "results": [hit.to_json() for hit in self.hits],
        }


def prepare_query(raw: str) -> tuple[str, tuple[str, ...]]:
    """The question as searched, and notices about what was changed; QueryError if empty."""
    if not isinstance(raw, str):
        raise QueryError("The question must be text.")
    text = " ".join(clean_control(raw).split())
    if not any(ch.isalnum() for ch in text):
        raise QueryError("Type a question in words, e.g. “my partner won't go to therapy”.")
    notices: tuple[str, ...] = ()
    if len(text) > MAX_QUERY_CHARS:
        cut = text.rfind(" ", 0, MAX_QUERY_CHARS)
        text = text[: cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS]
        notices = (
            f"Your question was long, so only its first {len(text):,} characters were used.",
        )
    return text, notices


class Searcher:
    """Answers questions from one index build."""

    def __init__(
        self, index: SearchIndex, encoder: Encoder, *, settings: RankSettings | None = None
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.settings = settings or RankSettings()
        self._article_of = [p.article_id for p in index.passages]
        self._penalties = kind_penalties([p.kind for p in index.passages])

    @classmethod
    def open(cls, index_dir: Path, *, settings: RankSettings | None = None) -> Searcher:
        """Load the build in use; IndexUnavailable (or IndexMismatch) if it cannot be used."""
        index = SearchIndex.open(index_dir)
        assert index.manifest is not None and index.path is not None
        try:
            encoder = OnnxEncoder(index.manifest.export_dir(index.path))
        except Exception as error:  # checksums passed, yet ONNX Runtime cannot read it
            raise damaged(index.path, error) from None
        return cls(index, encoder, settings=settings)

    def with_settings(self, settings: RankSettings) -> Searcher:
        """The same loaded index ranked with other settings (for evaluation)."""
        other = copy.copy(self)  # shares the loaded arrays, model and index
        other.settings = settings
        return other

    def corpus_status(self, corpus_dir: Path) -> CorpusStatus:
        assert self.index.manifest is not None
        return corpus_status(self.index.manifest, corpus_dir)

    def search(self, question: str, *, k: int = 5, filters: Filters | None = None) -> SearchResult:
        """The best ``k`` passages for ``question``; QueryError for an empty question."""
        query, notices = prepare_query(question)
        crisis = assess(query).is_crisis
        k = max(1, min(int(k), 50))
        vector = self.encoder.encode([query])[0]
        lexical_all = self.index.lexical.relative_scores(query)
        rows = self._candidates(vector, lexical_all, filters)
        if not rows.size:
            return SearchResult(query, (), False, crisis, notices)
        dense = self.index.embeddings[rows] @ vector
        lo, hi = self.index.sentence_bounds
        sentences = sentence_scores(self.index.sentence_vectors, lo[rows], hi[rows], vector)
        lexical = lexical_all[rows]
        fused = fuse(dense, sentences.best, lexical, self._penalties[rows], self.settings)
        order = [int(i) for i in np.argsort(-fused, kind="stable")]
        if self.settings.diversify:
            order = diversify(
                order,
                [self._article_of[r] for r in rows],
                self.index.embeddings[rows],
                self.settings,
                limit=k,
            )
        hits = []
        for rank, i in enumerate(order[:k], start=1):
            signals = {"dense": dense[i], "sentence": sentences.best[i], "lexical": lexical[i]}
            hits.append(self._hit(rank, int(rows[i]), fused[i], sentences.best_row(i), signals))
        best, best_sentence = float(fused[order[0]]), float(sentences.best.max())
        signals = {
            "best_score": best,
            "best_sentence": best_sentence,
            "best_dense": float(dense.max()),
        }
        confident = is_confident(best, best_sentence, self.settings)
        return SearchResult(query, tuple(hits), confident, crisis, notices, signals)

    def _hit(
        self, rank: int, row: int, score: float, sentence: int | None, signals: dict[str, Any]
    ) -> Hit:
        """Hit number ``rank``: passage ``row``, its best sentence (a sentence row) marked."""
        passage = self.index.passages[row]
        span = self.index.sentence_rows[sentence, 1:] if sentence is not None else None
        return Hit(
            rank=rank,
            score=float(score),
            passage=passage,
            article=self.index.article_by_id[passage.article_id],
            highlight=(int(span[0]), int(span[1])) if span is not None else None,
            signals={name: float(value) for name, value in signals.items()},
        )

    def _candidates(
        self, vector: np.ndarray, lexical: np.ndarray, filters: Filters | None
    ) -> np.ndarray:
        """Rows worth scoring: dense and BM25 top candidates, or every row a filter allows."""
        passages = self.index.passages
        if filters:
            articles = self.index.article_by_id
            allowed = [i for i, p in enumerate(passages) if filters.allows(articles[p.article_id])]
            return np.array(allowed, dtype=np.int64)
        want = self.settings.candidates
        if len(passages) <= 2 * want:
            return np.arange(len(passages))
        _, ids = vectors.search(self.index.vectors, vector, want)
        top_lexical = np.argpartition(-lexical, want)[:want] if lexical.any() else []
        return np.unique(np.concatenate([ids[0][ids[0] >= 0], np.asarray(top_lexical, np.int64)]))
