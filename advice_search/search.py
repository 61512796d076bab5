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

from . import crisis as crisis_mode
from . import vectors
from .answerability import judge
from .encoder import Encoder, OnnxEncoder
from .index import SearchIndex
from .manifest import damaged
from .question import QuestionReading, asks_why, perspective, read_question
from .ranking import (
    RankSettings,
    diversify,
    fuse,
    is_confident,
    kind_penalties,
    perspective_bonus,
    role_penalties,
    sentence_scores,
)
from .readings import PassageReadings
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
    safety_first: bool = False  # crisis answer mode: persuasion advice held back (see crisis.py)

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "confident": self.confident,
            "crisis": self.crisis,
            "safety_first": self.safety_first,
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
        # Issue 9: what each passage does for a reader (roles.py), read once when opened.
        self.readings = PassageReadings(index.passages, index.sentence_rows)
        topic = index.embeddings.mean(axis=0) if len(index.passages) else np.zeros(0)
        self._topic = (topic / (np.linalg.norm(topic) or 1.0)).astype(np.float32)
        self._cache: dict[tuple[str, float], frozenset[str]] = {}

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

    @property
    def build(self) -> str:
        """The name of the build this searcher answers from."""
        return self.index.path.name if self.index.path is not None else ""

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
        assessment = assess(query)
        crisis = assessment.is_crisis
        k = max(1, min(int(k), 50))
        reading = read_question(query)
        vector = self._question_vector(reading)
        lexical_all = self.index.lexical.relative_scores(query)
        rows = self._candidates(vector, lexical_all, filters)
        if not rows.size:
            return SearchResult(query, (), False, crisis, notices)
        dense = self.index.embeddings[rows] @ vector
        self.readings.ensure(rows)
        lo, hi = self.index.sentence_bounds
        mask = self.readings.hollow if self.settings.use_roles else None
        sentences = sentence_scores(
            self.index.sentence_vectors, lo[rows], hi[rows], vector, hollow=mask
        )
        lexical = lexical_all[rows]
        fused = fuse(dense, sentences.best, lexical, self._adjustment(rows, reading), self.settings)
        fused = np.nan_to_num(fused, nan=0.0, posinf=0.0, neginf=0.0)  # NaN is not JSON
        order = [int(i) for i in np.argsort(-fused, kind="stable")]
        safety = crisis_mode.decide(assessment, self.readings.persuasion[rows].tolist())
        if safety.safety_first and self.settings.safety_first:  # issue 9: crisis.py
            order = [i for i in order if safety.keep[i]] or order
            notices = (*notices, safety.notice or "")
        if self.settings.diversify:
            order = diversify(
                order,
                [self._article_of[r] for r in rows],
                self.index.embeddings[rows],
                self.settings,
                limit=k,
                scores=fused,
            )
        hits = []
        for rank, i in enumerate(order[:k], start=1):
            signals = {"dense": dense[i], "sentence": sentences.best[i], "lexical": lexical[i]}
            hits.append(self._hit(rank, int(rows[i]), fused[i], sentences.best_row(i), signals))
        best, best_sentence = float(fused[order[0]]), float(sentences.best.max())
        # How well anything matches, before roles and perspective reorder what matches.
        match = float(
            fuse(dense, sentences.best, lexical, self._penalties[rows], self.settings).max()
        )
        signals = {
            "best_score": best,
            "best_sentence": best_sentence,
            "best_dense": float(dense.max()),
        }
        safety_first = safety.safety_first and self.settings.safety_first
        confident = self._answers(reading, hits, is_confident(match, best_sentence, self.settings))
        confident = confident and not safety_first
        return SearchResult(
            query, tuple(hits), confident, crisis, notices, signals, safety_first=safety_first
        )

    # ---- issue 9: the question as read (question.py) and the passages' roles (roles.py) ----

    def _question_vector(self, reading: QuestionReading) -> np.ndarray:
        """The question embedded; the sentences that ask are weighed in with the story."""
        wanted = self.settings.focus_weight > 0 and reading.words >= self.settings.focus_min_words
        focus = reading.focus if wanted else None
        encoded = self.encoder.encode([reading.text, focus] if focus else [reading.text])
        vector = encoded[0]
        if focus:
            vector = (1 - self.settings.focus_weight) * encoded[0] + (
                self.settings.focus_weight * encoded[1]
            )
        if reading.words <= self.settings.short_words and self.settings.short_topic_weight:
            vector = vector + self.settings.short_topic_weight * self._topic
        return (vector / (np.linalg.norm(vector) or 1.0)).astype(np.float32)

    def _adjustment(self, rows: np.ndarray, reading: QuestionReading) -> np.ndarray:
        """What is subtracted from each candidate's score: its role, and the asker's side."""
        if self.settings.use_roles:
            roles = self.readings.roles(rows)
            penalty = role_penalties(roles, self.settings, asks_why=asks_why(reading))
        else:
            penalty = self._penalties[rows]
        side = perspective(reading.text) if self.settings.perspective_weight else ""
        return penalty - perspective_bonus(self.readings.to_asked[rows], side, self.settings)

    def _answers(self, reading: QuestionReading, hits: list[Hit], matched: bool) -> bool:
        """Whether the passages offered answer the question, not only share its topic."""
        if not self.settings.answer_check:
            return matched
        long_post = reading.focus and reading.words >= self.settings.focus_min_words
        verdict = judge(
            reading.focus if long_post else reading.text,
            matched=matched,
            passage_texts=[h.passage.text for h in hits[: self.settings.answer_passages]],
            topic=self._topic_terms(),
            min_coverage=self.settings.min_coverage,
            check_people=self.settings.people_check,
        )
        return verdict.confident

    def _topic_terms(self) -> frozenset[str]:
        """Stems so many passages use that they are the library's topic, not a question's."""
        lexical = self.index.lexical
        share = self.settings.topic_share
        key = ("topic", share)
        if key not in self._cache:
            used = np.diff(lexical.indptr)
            cut = share * max(1, lexical.n_docs)
            self._cache[key] = frozenset(
                t for t, i in lexical.vocab.items() if i < len(used) and used[i] >= cut
            )
        return self._cache[key]

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
