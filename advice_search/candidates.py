"""Which passages a search scores: the dense and BM25 top candidates, within a filter.

Every later signal (sentences, roles, the word match, the verdict) is computed for these
rows only, so a million-passage library costs a search about what five articles do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import vectors
from .index import SearchIndex
from .lexical import LexicalMatch
from .records import Article


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


def candidates(
    index: SearchIndex,
    vector: np.ndarray,
    lexical: LexicalMatch,
    filters: Filters | None,
    want: int,
) -> np.ndarray:
    """Rows worth scoring, sorted: the ``want`` best by meaning and by BM25 (among the rows
    a filter allows), or every allowed row when there are few."""
    n = len(index.passages)
    allowed = None
    if filters:
        articles = index.catalogue.mask(
            articles=filters.articles, authors=filters.authors, sites=filters.sites
        )
        allowed = articles[index.passage_article]
        if np.count_nonzero(allowed) <= 2 * want:
            return np.flatnonzero(allowed)
    elif n <= 2 * want:
        return np.arange(n)
    _, ids = vectors.search(index.vectors, vector, want, allowed=allowed)
    top_lexical = lexical.best(want, allowed)
    return np.unique(np.concatenate([ids[0][ids[0] >= 0], top_lexical]))
