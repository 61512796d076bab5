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

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

KIND_PENALTY = {"advice": 0.0, "bio": 0.08, "disclaimer": 0.08}  # on the 0-1 score scale


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
    confident_score: float = 0.26  # fused score the best passage needs to count as an answer
    confident_sentence: float = 0.33  # ...and the best sentence's cosine: meaning, not just words
    # roles.py: what is subtracted from passages that restate the problem (unless the question
    # asks why), sell, end in a lost list, or only introduce the list that follows.
    problem_penalty: float = 0.05
    promotion_penalty: float = 0.05
    hollow_penalty: float = 0.05
    lead_in_penalty: float = 0.0
    mask_hollow: bool = True  # a sentence announcing a lost list is never the best sentence
    use_roles: bool = True  # roles.py; off: only bios and disclaimers are penalised
    focus_weight: float = 0.5  # question.py: share of the asking sentences in the query vector
    perspective_weight: float = 0.05  # added when a passage speaks to the asker's side
    focus_lexical: bool = False  # BM25 of the asking sentences mixed in with the same weight
    short_words: int = 0  # questions of at most this many words borrow the library's topic...
    short_topic_weight: float = 0.0  # ...with this weight on the mean passage vector
    use_dense: bool = True
    use_sentence: bool = True
    use_lexical: bool = True
    diversify: bool = True
    diversity_margin: float = 0.1  # another article takes a place only within this of the best

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def kind_penalties(kinds: list[str]) -> np.ndarray:
    """Per passage, what is subtracted from its score for not being advice."""
    return np.array([KIND_PENALTY.get(k, 0.0) for k in kinds], dtype=np.float32)


def role_penalties(
    roles: Sequence[str], settings: RankSettings, *, asks_why: bool = False
) -> np.ndarray:
    """Per passage, what is subtracted for not advising, by its role (roles.py).

    A passage that describes the problem answers "why do people avoid therapy?", so the
    problem penalty is lifted for questions that ask for reasons.
    """
    weight = {
        "problem": 0.0 if asks_why else settings.problem_penalty,
        "promotion": settings.promotion_penalty,
        "hollow": settings.hollow_penalty,
        "lead-in": settings.lead_in_penalty,
        "bio": KIND_PENALTY["bio"],
    }
    return np.array([weight.get(r, 0.0) for r in roles], dtype=np.float32)


def fuse(
    dense: np.ndarray,
    sentence: np.ndarray,
    lexical: np.ndarray,
    penalties: np.ndarray,
    settings: RankSettings,
) -> np.ndarray:
    """One score per passage: weighted mean of the signals, minus the non-advice penalty.

    Each signal is at most 1, so the score is too: a person reads it as "how well this matches".
    """
    score = np.zeros(len(dense), dtype=np.float32)
    total = 0.0
    for used, weight, signal in (
        (settings.use_dense, settings.dense_weight, dense),
        (settings.use_sentence, settings.sentence_weight, sentence),
        (settings.use_lexical, settings.lexical_weight, lexical),
    ):
        if used:
            score += weight * signal
            total += weight
    return score / (total or 1.0) - penalties


def diversify(
    order: list[int],
    articles: list[str],
    embeddings: np.ndarray,
    settings: RankSettings,
    *,
    limit: int = 10,
    scores: np.ndarray | None = None,
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
            floor = (
                -np.inf if scores is None else float(scores[kept[0]]) - settings.diversity_margin
            )
            pick = next(
                (
                    r
                    for r in kept
                    if counts.get(articles[r], 0) < settings.per_article
                    and (scores is None or scores[r] >= floor)
                ),
                pick,
            )
        result.append(pick)
        kept.remove(pick)
        counts[articles[pick]] = counts.get(articles[pick], 0) + 1
    return result


def is_confident(best_score: float, best_sentence: float, settings: RankSettings) -> bool:
    """Whether the best passage answers the question at all.

    Both the fused score and the meaning alone must clear a bar: an off-topic question
    ("when is the best time to plant tomatoes") can share words with the library ("the best
    time to go to therapy") or be vaguely similar in tone, but rarely both.
    """
    return best_score >= settings.confident_score and best_sentence >= settings.confident_sentence
