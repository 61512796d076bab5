"""Typed records passed between the stages: articles, passages, hits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """One article of the corpus, boilerplate already removed from ``body``."""

    article_id: str  # slug of the file name, stable across runs
    path: str  # path relative to the corpus directory
    title: str
    body: str
    author: str | None = None
    site: str | None = None
    date: str | None = None
    url: str | None = None
    content_hash: str = ""
    removed: tuple[str, ...] = ()  # boilerplate lines dropped while cleaning


PASSAGE_KINDS = ("advice", "bio", "disclaimer")  # what a passage is; only advice ranks fully


@dataclass(frozen=True)
class Passage:
    """A readable piece of an article: whole sentences under one section heading."""

    passage_id: str  # "<article_id>:<ordinal>"
    article_id: str
    ordinal: int  # position within the article, from 0
    text: str
    section: str | None = None
    kind: str = "advice"  # "advice", or "bio"/"disclaimer" for text that is not advice
    start: int = 0  # character offsets of ``text`` in the cleaned article body
    end: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Passage:
        return cls(**data)


@dataclass(frozen=True)
class Hit:
    """One ranked answer: a passage, its score and its article's attribution."""

    rank: int
    score: float
    passage: Passage
    article: Article
    highlight: tuple[int, int] | None = None  # best-matching sentence, offsets in passage.text
    signals: dict[str, float] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The shape the CLI prints with ``--json`` (absent metadata is null)."""
        return {
            "rank": self.rank,
            "score": round(float(self.score), 4),
            "text": self.passage.text,
            "title": self.article.title,
            "author": self.article.author,
            "site": self.article.site,
            "date": self.article.date,
            "url": self.article.url,
            "section": self.passage.section,
            "article": self.article.article_id,
            "passage_id": self.passage.passage_id,
        }


@dataclass(frozen=True)
class SearchResult:
    """What one search answers: the passages, and how far to trust them."""

    query: str
    hits: tuple[Hit, ...]
    confident: bool
    crisis: bool
    notices: tuple[str, ...] = ()  # e.g. "question shortened to 1,000 characters"
    signals: dict[str, float] = field(default_factory=dict, compare=False)
    safety_first: bool = False  # crisis answer mode: persuasion advice held back (see crisis.py)
    after: str | None = None  # the earlier question this one was read after (query.py)

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "confident": self.confident,
            "crisis": self.crisis,
            "safety_first": self.safety_first,
            "after": self.after,
            "notices": list(self.notices),
            "results": [hit.to_json() for hit in self.hits],
        }
