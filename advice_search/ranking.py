"""Scoring, fusion and diversity: pure functions on arrays, testable with hand-made numbers.
Where the scores of a search are computed and fused into one ordering.

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

from .quantized import Int8Vectors

KIND_PENALTY = {"advice": 0.0, "bio": 0.08, "disclaimer": 0.08}  # on the 0-1 score scale


@dataclass(frozen=True)
class RankSettings:
    """Weights of the fused score and the confidence threshold (tuned on the eval sets)."""

    dense_weight: float = 0.5
    sentence_weight: float = 0.5
    # BM25 and the word match weigh less since the query adapter (EXPERIMENTS section 16: 0.5
    # and 0.75 before; leave-one-set-out over 24 sets, MRR@10 0.552 -> 0.567)
    lexical_weight: float = 0.25
    candidates: int = 40  # passages taken from each retriever before fusion
    per_article: int = 2  # at most this many from one article in the top 5...
    diversity_window: int = 5  # ...counted over this many first results
    duplicate_cosine: float = 0.95  # passages this similar are shown once
    confident_score: float = 0.26  # fused score the best passage needs to count as an answer...
    # ...fused with these weights (dense, sentence, BM25) whatever the ranking's: the bar was
    # set on them, and the verdict should not move when the ranking is reweighted
    verdict_weights: tuple[float, float, float] = (0.5, 0.5, 0.5)
    confident_sentence: float = 0.33  # ...and the best sentence's cosine: meaning, not just words
    # roles.py: what is subtracted from passages that restate the problem (unless the question
    # asks why), sell, end in a lost list, or only introduce the list that follows.
    problem_penalty: float = 0.08
    promotion_penalty: float = 0.08
    hollow_penalty: float = 0.08
    lead_in_penalty: float = 0.0
    use_roles: bool = True  # roles.py; off: only bios and disclaimers are penalised
    # question.py: share of the asking sentences in the query vector... Off: it helped the forum
    # tune half and hurt the holdout half, and doubles the latency of long posts (README).
    focus_weight: float = 0.0
    focus_min_words: int = 40  # ...of a question at least this long (a story, then a question)
    perspective_weight: float = 0.05  # added when a passage speaks to the asker's side
    # words.py: the word match (each question word's best cosine with a passage's words,
    # weighted by idf), centred over the candidates, times this, is added to the score
    word_weight: float = 0.4
    short_words: int = 0  # questions of at most this many words borrow the library's topic...
    short_topic_weight: float = 0.0  # ...with this weight on the mean passage vector
    # adapter.py: the question vector moved from how people ask towards how advice is written
    # (fitted on the eval sets' answerable questions; the verdict still reads the plain vector)
    query_adapter: bool = True
    # memory.py: the labelled questions nearest the question (this many, each above the floor
    # in cosine) vote for the passages that answered them, with this weight (0: off)
    memory_weight: float = 0.5
    memory_neighbours: int = 10
    memory_floor: float = 0.55
    follow_ups: bool = True  # query.py: a question given ``after`` is read in its thread...
    follow_up_weight: float = 0.6  # ...its own share of the question vector
    answer_check: bool = True  # answerability.py: specific words and facts must be covered...
    answer_passages: int = 3  # ...by this many passages offered first
    min_coverage: float = 0.0  # share of the question's specific words they must use
    people_check: bool = True  # ...and the people it speaks of (a boss, a teenager) named there
    topic_share: float = 0.2  # words used by this share of passages are the library's topic
    # answer_model.py: a question the adapter's gate lets in this far (its share of the move) is
    # answered only when one of its nearest passages (this many) reads as answering it
    answer_model: bool = True
    answer_model_near: float = 0.5
    answer_model_reach: int = 10
    answer_memory: bool = True  # ...reading the question memory's answered share (memory.py)
    # answer_model.Combination: where the shipped model has one, the answer score, the memory
    # and the rules' readings weighed together decide for a question the gate lets in at least
    # answer_model_near, and may vouch for one it does not; the people check still vetoes
    answer_combined: bool = True
    answer_combined_margin: float = 1.0  # ...where it does not, its logit clears its bar by this
    # ...and one that scores at least this vouches for a match the bars above call weak (short
    # follow-ups fall just short of the sentence bar); None: it never does (EXPERIMENTS §17)
    answer_model_vouch: float | None = None
    # confidence.py: the fitted verdict decides instead of the thresholds and rules above. Off:
    # on eight blind sets the rules made fewer mistakes (132 against 156; eval/README.md, fresh12)
    learned_verdict: bool = False
    safety_first: bool = True  # crisis.py: crisis questions get no persuasion advice, no answer
    danger_model: bool = True  # danger.py: a learned reader of danger beside the rules...
    # ...and of each sentence of a longer text, above its threshold plus this (None: not)...
    danger_sentence_margin: float | None = 1.0
    danger_sentence_reach: float = 2.0  # ...in a text whose whole score comes this near it
    use_dense: bool = True
    use_sentence: bool = True
    use_lexical: bool = True
    diversify: bool = True
    diversity_margin: float = 0.1  # another article takes a place only within this of the best

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SentenceScores:
    """Cosines of the question with the sentences of some candidate passages."""

    best: np.ndarray  # per candidate: its best sentence's cosine (0 if it has none)
    sims: np.ndarray  # per gathered sentence
    picked: np.ndarray  # per gathered sentence: its row in the index's sentence arrays
    offsets: np.ndarray  # per candidate: where its sentences start in ``sims``
    counts: np.ndarray  # per candidate: how many sentences it has

    def best_row(self, i: int) -> int | None:
        """The sentence row of candidate ``i``'s best sentence (None if it has none)."""
        if not self.counts[i]:
            return None
        lo = int(self.offsets[i])
        return int(self.picked[lo + int(np.argmax(self.sims[lo : lo + self.counts[i]]))])


def sentence_scores(
    sentence_vectors: np.ndarray | Int8Vectors,
    lo: np.ndarray,
    hi: np.ndarray,
    query: np.ndarray,
    *,
    hollow: np.ndarray | None = None,
) -> SentenceScores:
    """Per candidate passage, the cosine of its best sentence with the question.

    ``lo[i]:hi[i]`` are candidate ``i``'s rows in ``sentence_vectors`` (an array, or the
    int8 rows a build stores). Only the candidates' sentences are read: a large library
    holds millions. Sentence rows marked in ``hollow`` (they announce a list the page
    lost) count at most 0: they answer nothing.
    """
    counts = (np.asarray(hi) - np.asarray(lo)).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    picked = np.repeat(lo - offsets, counts) + np.arange(int(counts.sum()))
    if isinstance(sentence_vectors, Int8Vectors):
        sims = sentence_vectors.dot(picked, query)
    else:
        sims = sentence_vectors[picked] @ query
    if hollow is not None:
        sims = np.where(hollow[picked], np.minimum(sims, 0.0), sims)
    best = np.zeros(len(counts), dtype=np.float32)
    has = counts > 0
    if has.any():
        best[has] = np.maximum.reduceat(sims, offsets[has])
    return SentenceScores(best, sims, picked, offsets, counts)


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


def perspective_bonus(
    to_asked: np.ndarray, persuasion: np.ndarray, side: str, settings: RankSettings
) -> np.ndarray:
    """Per passage, what is added for speaking to the asker's side (question.perspective).

    Someone asked to go ("my wife wants us to try counselling and I'm scared") is helped by
    passages written to them and not by tips on persuading a partner (``persuasion``, from
    roles.persuades); what therapy does and why it helps is for them as much as for anyone.
    Someone asking is helped less by passages written to the other side.
    """
    w = settings.perspective_weight
    if side == "asked":
        return np.where(to_asked, w, np.where(persuasion, -w, 0.0)).astype(np.float32)
    if side == "asking":
        return np.where(to_asked, -w, 0.0).astype(np.float32)
    return np.zeros(len(to_asked), dtype=np.float32)


def fuse(
    dense: np.ndarray,
    sentence: np.ndarray,
    lexical: np.ndarray,
    penalties: np.ndarray,
    settings: RankSettings,
    *,
    weights: tuple[float, float, float] | None = None,
) -> np.ndarray:
    """One score per passage: weighted mean of the signals, minus the non-advice penalty.

    Each signal is at most 1, so the score is too: a person reads it as "how well this matches".
    ``weights`` (dense, sentence, BM25) replace the settings' (the verdict's own: ``verdict_weights``).
    """
    if weights is None:
        weights = (settings.dense_weight, settings.sentence_weight, settings.lexical_weight)
    score = np.zeros(len(dense), dtype=np.float32)
    total = 0.0
    for used, weight, signal in zip(
        (settings.use_dense, settings.use_sentence, settings.use_lexical),
        weights,
        (dense, sentence, lexical),
        strict=True,
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
