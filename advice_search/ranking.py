"""Scoring, fusion and diversity: pure functions on arrays, testable with hand-made numbers.

The searcher gathers, for every passage, three signals:
- ``dense``: cosine of the question with the passage (heading and title as context);
- ``sentence``: the best cosine of the question with any sentence of the passage, each
  sentence embedded with its two neighbours (an answer is usually one sentence; a whole
  passage dilutes it, a lone sentence lacks context);
- ``lexical``: BM25 as a share of the best score the question's words can reach.
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
    lexical_weight: float = 0.5
    candidates: int = 40  # passages taken from each retriever before fusion
    per_article: int = 2  # at most this many from one article in the top 5...
    diversity_window: int = 5  # ...counted over this many first results
    duplicate_cosine: float = 0.95  # passages this similar are shown once
    confident_score: float = 0.40  # fused score the best passage needs to count as an answer
    use_dense: bool = True
    use_sentence: bool = True
    use_lexical: bool = True
    diversify: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def kind_penalties(kinds: list[str]) -> np.ndarray:
    """Per passage, what is subtracted from its score for not being advice."""
    return np.array([KIND_PENALTY.get(k, 0.0) for k in kinds], dtype=np.float32)


def fuse(
    dense: np.ndarray,
    sentence: np.ndarray,
    lexical: np.ndarray,
    penalties: np.ndarray,
    settings: RankSettings,
) -> np.ndarray:
    """One score per passage: weighted sum of the signals, minus the non-advice penalty."""
    score = np.zeros(len(dense), dtype=np.float32)
    if settings.use_dense:
        score += settings.dense_weight * dense
    if settings.use_sentence:
        score += settings.sentence_weight * sentence
    if settings.use_lexical:
        score += settings.lexical_weight * lexical
    return score - penalties


def diversify(
    order: list[int],
    articles: list[str],
    embeddings: np.ndarray,
    settings: RankSettings,
    *,
    limit: int = 10,
) -> list[int]:
    """The first ``limit`` of ``order`` (best first), near-duplicates dropped, articles spread.

    Within the first ``diversity_window`` places, an article already holding ``per_article``
    places yields to the next passage from another article; if no other article has
    anything left, the passage takes the place anyway.
    """
    kept: list[int] = []
    for row in order:
        if kept and float(np.max(embeddings[kept] @ embeddings[row])) >= settings.duplicate_cosine:
            continue
        kept.append(row)
        # Enough to fill ``limit`` places even if every article but one is capped.
        if len(kept) >= limit + settings.diversity_window * settings.per_article:
            break
    result: list[int] = []
    counts: dict[str, int] = {}
    while kept and len(result) < limit:
        pick = kept[0]
        if len(result) < settings.diversity_window:
            pick = next(
                (r for r in kept if counts.get(articles[r], 0) < settings.per_article), pick
            )
        result.append(pick)
        kept.remove(pick)
        counts[articles[pick]] = counts.get(articles[pick], 0) + 1
    return result


def is_confident(best_score: float, settings: RankSettings) -> bool:
    """Whether the best passage answers the question at all.

    Judged on the fused score, so meaning and wording both count: an off-topic question
    ("how do I fix a leaking faucet") can share a word or two with the library, or be
    vaguely similar in tone, but rarely both.
    """
    return best_score >= settings.confident_score
