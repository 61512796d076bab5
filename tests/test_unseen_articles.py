"""Roles and intent on articles written for the test: topics the corpus never covers.

The articles (fixtures/unseen) and what is expected of them were written before the rules;
eval/EXPERIMENTS.md records what the first run got right and what was changed after.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from advice_search.ranking import RankSettings

EXPECTED = json.loads(
    (Path(__file__).parent / "fixtures" / "unseen" / "expected.json").read_text(encoding="utf-8")
)


def _first_matches(searcher, question: str, phrases: list[str]) -> bool:  # noqa: ANN001
    text = searcher.search(question, k=3).hits[0].passage.text.lower()
    return any(p.lower() in text for p in phrases)


def test_the_first_result_advises_for_most_questions(unseen_searcher) -> None:  # noqa: ANN001
    right = [_first_matches(unseen_searcher, q, p) for q, p in EXPECTED["ranking"]]
    assert sum(right) >= 4, right


def test_roles_and_intent_do_better_than_meaning_and_words_alone(unseen_searcher) -> None:  # noqa: ANN001
    plain = unseen_searcher.with_settings(
        RankSettings(use_roles=False, focus_weight=0.0, perspective_weight=0.0)
    )
    with_roles = sum(_first_matches(unseen_searcher, q, p) for q, p in EXPECTED["ranking"])
    without = sum(_first_matches(plain, q, p) for q, p in EXPECTED["ranking"])
    assert with_roles > without


def test_an_intro_restating_the_problem_is_not_first(unseen_searcher) -> None:  # noqa: ANN001
    result = unseen_searcher.search("How do I get my dad to hand over his car keys?", k=3)
    assert "near misses" not in result.hits[0].passage.text


def test_the_confidence_verdict_on_articles_it_has_never_seen(unseen_searcher) -> None:  # noqa: ANN001
    """Written before the first run; first run: every answerable one confident, the off-topic
    one flagged, 2 of 4 unanswerable ones flagged (the price and the boss; the vaccines and the
    small-claims court pass as answered: the verdict sees topic, fact questions and people)."""
    cases = EXPECTED["confidence"]
    answerable = [q for q, _ in EXPECTED["ranking"]] + cases["answerable"]
    assert all(unseen_searcher.search(q).confident for q in answerable)
    assert not any(unseen_searcher.search(q).confident for q in cases["off-topic"])
    flagged = [q for q in cases["unanswerable"] if not unseen_searcher.search(q).confident]
    assert len(flagged) >= 2, flagged


def test_the_adapter_fitted_on_the_seed_questions_costs_nothing_here(unseen_searcher) -> None:  # noqa: ANN001
    """adapter.py is fitted on questions about the five seed articles only; on articles it has
    never seen it must not take a right first result away."""
    off = unseen_searcher.with_settings(replace(unseen_searcher.settings, query_adapter=False))
    with_adapter = [_first_matches(unseen_searcher, q, p) for q, p in EXPECTED["ranking"]]
    without = [_first_matches(off, q, p) for q, p in EXPECTED["ranking"]]
    assert sum(with_adapter) >= sum(without), (with_adapter, without)
