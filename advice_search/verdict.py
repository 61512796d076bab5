"""The `confident` of a search: the rules (answerability.py), the fitted verdict
(confidence.py), and the readings the answer check combines (answer_model.Combination).

All read what a search already has: the question as read, the passages offered, the match
of the best passage before roles reorder the list. This module only gathers those values
for them; the decisions themselves are pure functions of ``confidence``, ``answerability``
and ``answer_model``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .answerability import judge, names_other_people, specific_terms
from .confidence import VERDICT, AnswerFeatures, answer_features
from .lexical import Lexical
from .memory import MemoryReading
from .question import QuestionReading
from .ranking import RankSettings, is_confident
from .records import Hit


def topic_terms(lexical: Lexical, share: float) -> frozenset[str]:
    """Stems so many passages use (``share`` of them) that they are the library's topic."""
    used = np.diff(lexical.indptr)
    cut = share * max(1, lexical.n_docs)
    return frozenset(t for t, i in lexical.vocab.items() if i < len(used) and used[i] >= cut)


def asked_text(reading: QuestionReading, settings: RankSettings) -> str:
    """What a verdict reads: a long post's asking sentences, else the whole question."""
    long_post = reading.focus and reading.words >= settings.focus_min_words
    return reading.focus if long_post and reading.focus else reading.text


@dataclass(frozen=True)
class RulesReading:
    """What the rules make of the passages offered: their verdict, the measurements behind it,
    and the checks the answer check's combination reads apart."""

    confident: bool
    features: AnswerFeatures
    weak: bool  # the best match is under the bars (before any vouching)
    other_people: bool  # the people check fails, the whole post read for whom it means


def combined_values(
    rules: RulesReading,
    *,
    score: float,
    memory: MemoryReading,
    gate: float,
) -> dict[str, float]:
    """The values answer_model.COMBINED names: the answer model's best ``score``, what the
    question ``memory`` says (its answered shares, its nearest remembered question), the
    adapter's ``gate`` and the rules' readings."""
    return {
        "score": score,
        "share": memory.share,
        "share5": memory.share_few,
        "nearest": memory.nearest,
        "nearest_answered": float(memory.nearest_answered),
        "gate": gate,
        "weak": float(rules.weak),
        **rules.features.as_dict(),
        "people_rule": float(rules.other_people),
    }


def decide(
    reading: QuestionReading,
    hits: Sequence[Hit],
    *,
    matches: np.ndarray,
    best_sentence: float,
    dense: np.ndarray,
    lexical_scores: np.ndarray,
    lexical: Lexical,
    topic: frozenset[str],
    settings: RankSettings,
    vouched: bool = False,
) -> RulesReading:
    """Whether the passages offered answer the question, and the measurements behind it.

    ``matches`` are the candidates' fused scores before roles and perspective (how well
    anything matches); ``dense`` and ``lexical_scores`` their signals. ``vouched``: the answer
    model read a passage as answering, so a weak match still counts as one (the other rules
    apply as ever).
    """
    question = asked_text(reading, settings)
    texts = [h.passage.text for h in hits[: settings.answer_passages]]
    titles = [h.article.title for h in hits[: settings.answer_passages]]
    features = answer_features(
        question,
        scores=np.nan_to_num(matches).tolist(),
        sentence=best_sentence,
        dense=float(dense.max()),
        lexical=float(lexical_scores.max()),
        passage_texts=texts,
        document_frequency=lexical.document_frequency(specific_terms(question, topic)),
        n_passages=lexical.n_docs,
        topic=topic,
        titles=titles,
    )
    strong = is_confident(float(matches.max()), best_sentence, settings)
    matched = vouched or strong
    people = settings.people_check and names_other_people(question, [*texts, *titles], reading.text)

    def reading_of(confident: bool) -> RulesReading:
        return RulesReading(confident, features, not strong, people)

    if not settings.answer_check:
        return reading_of(matched)
    if settings.learned_verdict:
        return reading_of(VERDICT.confident(features))
    rules = judge(
        question,
        matched=matched,
        passage_texts=texts,
        topic=topic,
        min_coverage=settings.min_coverage,
        check_people=settings.people_check,
        titles=titles,
        story=reading.text,
    )
    return reading_of(rules.confident)
