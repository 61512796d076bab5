"""The Searcher: one loaded index + encoder, answering questions.

Load once (``Searcher.open``), then ``search`` many times. Loading never imports torch:
questions are embedded by the ONNX export that ingest stored beside the builds.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import index as index_store
from . import roles, vectors
from .chunking import ChunkSettings
from .encoder import OnnxEncoder, export_checksum, installed_weights_match
from .lexical import Lexical
from .question import asks_why, perspective, read_question
from .ranking import (
    RankSettings,
    diversify,
    fuse,
    is_confident,
    kind_penalties,
    role_penalties,
)
from .records import Article, Hit, Passage
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
        self,
        data: index_store.IndexData,
        encoder: OnnxEncoder,
        faiss_index: Any,
        lexical: Lexical,
        *,
        settings: RankSettings | None = None,
        index_dir: Path | None = None,
    ) -> None:
        self.data = data
        self.encoder = encoder
        self.faiss_index = faiss_index
        self.lexical = lexical
        self.settings = settings or RankSettings()
        self.index_dir = index_dir
        self.articles = {a.article_id: a for a in data.articles}
        self.passages: tuple[Passage, ...] = data.passages
        self._article_of = [p.article_id for p in self.passages]
        self._penalties = kind_penalties([p.kind for p in self.passages])
        rows = data.sentence_rows
        n = len(self.passages)
        # Sentences are stored grouped by passage: [lo[i], hi[i]) are passage i's sentences.
        owners = rows[:, 0] if len(rows) else np.zeros(0, dtype=np.int32)
        self._sent_lo = np.searchsorted(owners, np.arange(n), side="left")
        self._sent_hi = np.searchsorted(owners, np.arange(n), side="right")
        topic = data.embeddings.mean(axis=0) if n else np.zeros(0, dtype=np.float32)
        self._topic = topic / (np.linalg.norm(topic) or 1.0)
        # Issue 9: what each passage does for a reader (roles.py), read once at load.
        self._library = roles.read_library(self.passages, rows)
        self._to_asked = np.array(
            [roles.addresses_asked(p.text, p.section) for p in self.passages], dtype=bool
        )

    @classmethod
    def open(
        cls,
        index_dir: Path,
        *,
        settings: RankSettings | None = None,
        verify: bool = True,
        check_model: bool = True,
    ) -> Searcher:
        """Load and check the index in ``index_dir``; IndexUnavailable/IndexMismatch if unusable."""
        index_dir = Path(index_dir)
        data = index_store.load(index_dir, verify=verify)
        manifest = data.manifest
        index_store.check_compatible(
            manifest, chunking=ChunkSettings().to_json(), model_sha256=None
        )
        if check_model and not installed_weights_match(manifest["model"]):
            raise index_store.IndexMismatch(
                "The index was built with different embedding model weights than the ones "
                f"installed now: run `{index_store.REBUILD}` to rebuild it."
            )
        assert data.path is not None
        model_dir = index_dir / manifest["model"]["onnx_dir"]
        if verify and export_checksum(model_dir) != manifest["model"].get("onnx_sha256"):
            raise index_store.IndexUnavailable(
                f"The exported model in {model_dir} is missing or damaged: run "
                f"`{index_store.REBUILD}` to restore it."
            )
        try:
            encoder = OnnxEncoder(model_dir)
            faiss_index = vectors.load(data.path / "vectors.faiss")
            vectors.configure(faiss_index, vectors.VectorIndexSpec(**manifest["vector_index"]))
            lexical = Lexical.load(data.path / "lexical")
        except Exception as error:  # any library error here means a damaged build
            raise index_store.IndexUnavailable(
                f"The index in {index_dir}/ cannot be loaded ({error}): run "
                f"`{index_store.REBUILD}` to rebuild it."
            ) from None
        return cls(data, encoder, faiss_index, lexical, settings=settings, index_dir=index_dir)

    def with_settings(self, settings: RankSettings) -> Searcher:
        """The same loaded index ranked with other settings (for evaluation)."""
        other = copy.copy(self)  # shares the loaded arrays, model and index
        other.settings = settings
        return other

    def corpus_status(self, corpus_dir: Path) -> CorpusStatus:
        return corpus_status(self.data.manifest, corpus_dir)

    def search(self, question: str, *, k: int = 5, filters: Filters | None = None) -> SearchResult:
        """The best ``k`` passages for ``question``; QueryError for an empty question."""
        query, notices = prepare_query(question)
        crisis = assess(query).is_crisis
        k = max(1, min(int(k), 50))
        vector = self._question_vector(query)
        lexical_all = self._lexical_scores(query)
        rows = self._candidates(vector, lexical_all, filters)
        if not rows.size:
            return SearchResult(query, (), False, crisis, notices)
        dense = self.data.embeddings[rows] @ vector
        sentences = self._sentence_scores(rows, vector)
        sentence = sentences.best
        lexical = lexical_all[rows]
        fused = fuse(dense, sentence, lexical, self._penalty_for(rows, query), self.settings)
        fused = fused + self._perspective_bonus(query, rows)
        order = [int(i) for i in np.argsort(-fused, kind="stable")]
        if self.settings.diversify:
            order = diversify(
                order,
                [self._article_of[r] for r in rows],
                self.data.embeddings[rows],
                self.settings,
                limit=k,
                scores=fused,
            )
        hits = []
        for rank, i in enumerate(order[:k], start=1):
            passage = self.passages[rows[i]]
            hits.append(
                Hit(
                    rank=rank,
                    score=float(fused[i]),
                    passage=passage,
                    article=self.articles[passage.article_id],
                    highlight=self._highlight(sentences, i),
                    signals={
                        "dense": float(dense[i]),
                        "sentence": float(sentence[i]),
                        "lexical": float(lexical[i]),
                    },
                )
            )
        best, best_sentence = float(fused[order[0]]), float(sentence.max())
        confident = is_confident(best, best_sentence, self.settings)
        signals = {
            "best_score": best,
            "best_sentence": best_sentence,
            "best_dense": float(dense.max()),
        }
        return SearchResult(query, tuple(hits), confident, crisis, notices, signals)

    def _question_vector(self, query: str) -> np.ndarray:
        """The question embedded, its asking sentences weighed in (issue 9, question.py)."""
        reading = read_question(query)
        focus = reading.focus if self.settings.focus_weight > 0 else None
        texts = [query, focus] if focus else [query]
        encoded = self.encoder.encode(texts)
        vector = encoded[0]
        if focus:
            w = self.settings.focus_weight
            vector = (1 - w) * encoded[0] + w * encoded[1]
        if reading.words <= self.settings.short_words and self.settings.short_topic_weight > 0:
            vector = vector + self.settings.short_topic_weight * self._topic
        return (vector / (np.linalg.norm(vector) or 1.0)).astype(np.float32)

    def _lexical_scores(self, query: str) -> np.ndarray:
        scores = self.lexical.relative_scores(query)
        focus = read_question(query).focus
        if focus and self.settings.focus_lexical and self.settings.focus_weight > 0:
            w = self.settings.focus_weight
            scores = (1 - w) * scores + w * self.lexical.relative_scores(focus)
        return scores

    def _perspective_bonus(self, query: str, rows: np.ndarray) -> np.ndarray:
        """Passages speaking to the asker's side gain, the other side's lose (issue 9)."""
        w = self.settings.perspective_weight
        side = perspective(query) if w else ""
        if not side:
            return np.zeros(len(rows), dtype=np.float32)
        to_asked = self._to_asked[rows]
        sign = np.where(to_asked, 1.0, -1.0) if side == "asked" else np.where(to_asked, -1.0, 0.0)
        return (w * sign).astype(np.float32)

    def _penalty_for(self, rows: np.ndarray, query: str) -> np.ndarray:
        if not self.settings.use_roles:
            return self._penalties[rows]
        why = asks_why(read_question(query))
        return role_penalties([self._library.roles[r] for r in rows], self.settings, asks_why=why)

    def _candidates(
        self, vector: np.ndarray, lexical: np.ndarray, filters: Filters | None
    ) -> np.ndarray:
        """Rows worth scoring: dense and BM25 top candidates, or every row a filter allows."""
        n = len(self.passages)
        if filters:
            allowed = [
                i
                for i, p in enumerate(self.passages)
                if filters.allows(self.articles[p.article_id])
            ]
            return np.array(allowed, dtype=np.int64)
        want = self.settings.candidates
        if n <= 2 * want:
            return np.arange(n)
        _, ids = vectors.search(self.faiss_index, vector, want)
        top_lexical = np.argpartition(-lexical, want)[:want] if lexical.any() else []
        return np.unique(np.concatenate([ids[0][ids[0] >= 0], np.asarray(top_lexical, np.int64)]))

    def _sentence_scores(self, rows: np.ndarray, vector: np.ndarray) -> _SentenceScores:
        """Per candidate passage, the cosine of its best sentence (with context)."""
        lo, hi = self._sent_lo[rows], self._sent_hi[rows]
        counts = hi - lo
        offsets = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        # Gather the candidates' sentences only (the corpus may hold millions).
        picked = np.repeat(lo - offsets, counts) + np.arange(int(counts.sum()))
        sims = self.data.sentence_vectors[picked] @ vector
        if self.settings.use_roles and self.settings.mask_hollow:  # it answers nothing
            sims = np.where(self._library.hollow[picked], np.minimum(sims, 0.0), sims)
        best = np.zeros(len(rows), dtype=np.float32)
        has = counts > 0
        if has.any():
            best[has] = np.maximum.reduceat(sims, offsets[has])
        return _SentenceScores(best, sims, picked, offsets, counts)

    def _highlight(self, scores: _SentenceScores, i: int) -> tuple[int, int] | None:
        """Span of candidate ``i``'s best sentence in its passage text."""
        if not scores.counts[i]:
            return None
        lo = scores.offsets[i]
        j = lo + int(np.argmax(scores.sims[lo : lo + scores.counts[i]]))
        row = self.data.sentence_rows[scores.picked[j]]
        return int(row[1]), int(row[2])


@dataclass(frozen=True)
class _SentenceScores:
    best: np.ndarray  # per candidate
    sims: np.ndarray  # per gathered sentence
    picked: np.ndarray  # sentence row of each gathered sentence
    offsets: np.ndarray  # where each candidate's sentences start in ``sims``
    counts: np.ndarray
