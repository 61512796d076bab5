"""Scoring, fusion and diversity: pure functions on arrays, testable with hand-made numbers.

The searcher gathers, for every passage, three signals:
- ``dense``: cosine of the question with the passage (heading and title as context);
- ``sentence``: the best cosine of the question with any single sentence of the passage
  (an answer is usually one sentence; a whole passage dilutes it);
- ``lexical``: BM25, scaled to [0, 1] by the best BM25 score for that question.
This module turns them into one ordering.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

KIND_PENALTY = {"advice": 0.0, "bio": 0.12, "disclaimer": 0.12}


@dataclass(frozen=True)
class RankSettings:
    """Weights of the fused score and the confidence threshold (tuned on the eval sets)."""

    dense_weight: float = 0.5
    sentence_weight: float = 0.5
    lexical_weight: float = 0.2
    candidates: int = 40  # passages taken from each retriever before fusion
    per_article: int = 2  # at most this many from one article in the top 5...
    diversity_window: int = 5  # ...counted over this many first results
    duplicate_cosine: float = 0.95  # passages this similar are shown once
    confident_sentence: float = 0.42  # best sentence cosine needed to call an answer confident
    use_dense: bool = True
    use_sentence: bool = True
    use_lexical: bool = True
    diversify: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def scale_lexical(bm25: np.ndarray) -> np.ndarray:
    """BM25 divided by the question's best BM25 (0 when nothing matches)."""
    top = float(bm25.max()) if bm25.size else 0.0
    return bm25 / top if top > 0 else np.zeros_like(bm25)


def fuse(
    dense: np.ndarray,
    sentence: np.ndarray,
    lexical: np.ndarray,
    kinds: list[str],
    settings: RankSettings,
) -> np.ndarray:
    """One score per passage: weighted sum of the signals, minus a penalty for non-advice."""
    score = np.zeros(len(dense), dtype=np.float32)
    if settings.use_dense:
        score += settings.dense_weight * dense
    if settings.use_sentence:
        score += settings.sentence_weight * sentence
    if settings.use_lexical:
        score += settings.lexical_weight * lexical
    penalty = np.array([KIND_PENALTY.get(k, 0.0) for k in kinds], dtype=np.float32)
    return score - penalty


def diversify(
    order: list[int],
    articles: list[str],
    embeddings: np.ndarray,
    settings: RankSettings,
) -> list[int]:
    """Reorder ``order`` (best first): drop near-duplicates, spread the first results over articles.

    Within the first ``diversity_window`` places, an article already holding ``per_article``
    places yields to the next passage from another article; if no other article has
    anything left, the passage takes the place anyway.
    """
    kept: list[int] = []
    for row in order:
        if kept and float(np.max(embeddings[kept] @ embeddings[row])) >= settings.duplicate_cosine:
            continue
        kept.append(row)
    result: list[int] = []
    waiting = list(kept)
    while waiting:
        if len(result) < settings.diversity_window:
            counts: dict[str, int] = {}
            for row in result:
                counts[articles[row]] = counts.get(articles[row], 0) + 1
            pick = next(
                (r for r in waiting if counts.get(articles[r], 0) < settings.per_article),
                waiting[0],
            )
        else:
            pick = waiting[0]
        result.append(pick)
        waiting.remove(pick)
    return result


def is_confident(best_sentence: float, settings: RankSettings) -> bool:
    """Whether the best match answers the question, judged by the best single sentence."""
    return best_sentence >= settings.confident_sentence
