"""The answer model (answer_model.py): its arithmetic, the shipped fit, and where it applies."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from advice_search import answer_model
from advice_search.answer_model import COMBINED, AnswerModel, Combination, pair_features
from advice_search.memory import QuestionMemory


def test_pair_features_and_scores() -> None:
    q = np.array([0.6, 0.8], np.float32)
    p = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    np.testing.assert_allclose(pair_features(q, p), [[0.6, 0.0, 0.4, 0.8], [0.0, 0.8, 0.6, 0.2]])
    model = AnswerModel(np.array([1, 1, 0, 0], np.float32), bias=-0.7, threshold=0.0)
    np.testing.assert_allclose(model.scores(q, p), [-0.1, 0.1], atol=1e-6)
    assert model.answers(q, p) == (True, pytest.approx(0.1, abs=1e-6))
    assert model.answers(q, p[:1])[0] is False
    assert model.answers(q, p[:0]) == (False, float("-inf"))
    with pytest.raises(ValueError, match="takes 2-d vectors, got 3"):
        model.scores(np.ones(3, np.float32), np.ones((1, 3), np.float32))


def test_round_trip_through_bytes() -> None:
    model = AnswerModel(np.arange(6, dtype=np.float32), bias=-1.25, threshold=0.5)
    again = AnswerModel.from_bytes(model.to_bytes())
    np.testing.assert_array_equal(again.weights, model.weights)
    assert (again.bias, again.threshold) == (-1.25, 0.5)


def test_the_memory_s_answered_share_is_weighed_in() -> None:
    q = np.array([0.6, 0.8], np.float32)
    p = np.array([[1.0, 0.0]], np.float32)
    model = AnswerModel(
        np.array([1, 1, 0, 0], np.float32), -0.7, -0.5, memory_weight=1.0, memory_threshold=0.5
    )
    assert model.answers(q, p, answered_share=1.0) == (True, pytest.approx(0.9, abs=1e-6))
    assert model.answers(q, p, answered_share=0.2)[0] is False  # -0.1 + 0.2 < 0.5
    assert model.answers(q, p) == (True, pytest.approx(-0.1, abs=1e-6))  # alone: -0.1 >= -0.5
    again = AnswerModel.from_bytes(model.to_bytes())
    assert (again.memory_weight, again.memory_neighbours, again.memory_threshold) == (1.0, 20, 0.5)
    # a file written before the memory was weighed in reads as weighing it not at all
    old = answer_model.arrays_to_bytes(
        weights=model.weights, bias_threshold=np.asarray([-0.7, 0.5], np.float64)
    )
    assert AnswerModel.from_bytes(old).memory_weight == 0.0
    assert AnswerModel.from_bytes(old).answers(q, p, answered_share=0.0)[0] is False


def _combination(threshold: float) -> Combination:
    n = len(COMBINED)
    weights = np.zeros(n)
    weights[COMBINED.index("score")] = 2.0
    return Combination(np.zeros(n), np.ones(n), weights, bias=-1.0, threshold=threshold)


def test_the_combination_weighs_its_readings_and_survives_the_file() -> None:
    values = dict.fromkeys(COMBINED, 0.0) | {"score": 1.5, "weak": 1.0}
    combination = _combination(threshold=1.0)
    assert combination.answers(values) == (True, pytest.approx(2.0))  # 2 * 1.5 - 1
    assert combination.answers(values | {"score": 0.9})[0] is False  # 0.8 < 1.0
    with pytest.raises(KeyError):
        combination.logit({"score": 1.0})  # every reading it names is needed
    model = AnswerModel(np.arange(4, dtype=np.float32), -1.0, 0.5, combination=combination)
    again = AnswerModel.from_bytes(model.to_bytes()).combination
    assert again is not None and again.answers(values) == combination.answers(values)
    assert AnswerModel.from_bytes(replace(model, combination=None).to_bytes()).combination is None
    with pytest.raises(ValueError, match="refit it with eval/fit_answers.py --write"):
        Combination(np.zeros(3), np.ones(3), np.zeros(3), 0.0, 0.0)


def test_the_combination_decides_near_the_questions_and_only_adds_far_from_them(
    searcher,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A combination that never answers and one that always does, in the shipped model's
    place: near the fitted questions (gate at least answer_model_near) it decides; far from
    them the rules' yes stands and their no can only turn into a yes; people still veto.
    Written for this test (in no eval set)."""
    shipped = answer_model.load()
    near = "my boyfriend won't do couples counselling, would going by myself help us at all?"
    far_yes = "is it normal to feel nervous before the first session?"  # the rules: answered
    far_no = "so should I just drop it for now?"  # the rules: a weak match
    person = "my roommate never pays his share of the bills, how do I get him to pay?"
    gates = searcher.adapter.gate(searcher.encoder.encode([near, far_yes, far_no]))
    assert gates[0] >= searcher.settings.answer_model_near > max(gates[1:])
    apart = searcher.with_settings(replace(searcher.settings, answer_combined=False))
    assert [apart.search(q).confident for q in (near, far_yes, far_no, person)] == [
        True,
        True,
        False,
        False,
    ]
    never, always = (replace(shipped, combination=_combination(t)) for t in (np.inf, -np.inf))
    monkeypatch.setattr(answer_model, "load", lambda: never)
    assert [searcher.search(q).confident for q in (near, far_yes, far_no)] == [False, True, False]
    monkeypatch.setattr(answer_model, "load", lambda: always)
    assert [searcher.search(q).confident for q in (near, far_yes, far_no)] == [True, True, True]
    assert not searcher.search(person).confident  # a roommate: the people check vetoes


def test_questions_like_unanswered_ones_are_not_called_answered(searcher) -> None:  # noqa: ANN001
    """The same question against a memory that holds it as answered and as not answered: the
    shipped model weighs the memory's answered share in, and only the first is confident."""
    question = "my boyfriend won't do couples counselling, would going by myself help us at all?"
    plain = searcher.with_settings(replace(searcher.settings, query_adapter=False))
    vector = plain.ranking_vector(question)[None, :]
    assert answer_model.load().memory_weight > 0
    answered = searcher.with_memory(QuestionMemory(vector, (("going by myself",),)))
    unanswered = searcher.with_memory(QuestionMemory(vector, ((),)))
    assert answered.search(question).confident
    result = unanswered.search(question)
    assert not result.confident
    assert result.signals["answer_score"] < answered.search(question).signals["answer_score"]
    # without the memory in the answer check the model alone decides, and answers it
    alone = unanswered.with_settings(replace(unanswered.settings, answer_memory=False))
    assert alone.search(question).confident


def _score(searcher, question: str) -> float | None:  # noqa: ANN001
    return searcher.search(question).signals.get("answer_score")


def test_the_shipped_model_tells_an_answered_question_from_one_next_to_it(searcher) -> None:  # noqa: ANN001
    """Written for this test (in no eval set): the first is answered by the articles (go on
    your own; what therapy does), the second is on their topic but nowhere in them, and the
    rules alone let it through."""
    shipped = answer_model.load()
    rules = searcher.with_settings(replace(searcher.settings, answer_model=False))
    answered = "my boyfriend won't do couples counselling, would going by myself help us at all?"
    assert _score(searcher, answered) >= shipped.memory_threshold
    assert searcher.search(answered).confident
    unanswered = "can we bring our baby to couples therapy sessions?"
    assert rules.search(unanswered).confident
    result = searcher.search(unanswered)
    assert result.signals["answer_score"] < shipped.memory_threshold and not result.confident


def test_far_from_the_questions_it_was_fitted_on_it_only_adds_to_the_rules(searcher) -> None:  # noqa: ANN001
    """Far from the questions the model and the combination were fitted on (another topic),
    the rules decide and the combination may only vouch; near them, the combination decides."""
    far = "my roommate never pays his share of the bills, how do I get him to pay?"
    vector = searcher.encoder.encode([far])[0]
    assert searcher.adapter.gate(vector) < searcher.settings.answer_model_near
    result = searcher.search(far)
    assert not result.confident and result.signals["people_rule"]  # a roommate: the veto holds
    off = searcher.with_settings(replace(searcher.settings, answer_model=False))
    near = "my boyfriend won't do couples counselling, would going by myself help us at all?"
    assert "answer_score" not in off.search(near).signals
    assert "answer_combined" not in off.search(near).signals
    assert (
        searcher.search(near).signals["answer_combined"]
        >= answer_model.load().combination.threshold
    )


def test_a_high_score_can_vouch_for_a_weak_match(searcher) -> None:  # noqa: ANN001
    """Written for this test (in no eval set): a short follow-up whose best match falls under
    the rules' first bar, though the passages on going back to therapy answer it. Off by
    default (EXPERIMENTS section 17); switched on, a score above the bar lets the rest of the
    rules decide, and a bar above its score changes nothing."""
    question = "he came once and now refuses to go back. any tips"
    assert searcher.search(question).confident  # the combination vouches by default (§20)
    searcher = searcher.with_settings(replace(searcher.settings, answer_combined=False))
    result = searcher.search(question)
    assert searcher.settings.answer_model_vouch is None and not result.confident
    score = result.signals["answer_score"]
    assert score >= answer_model.load().memory_threshold  # the model reads it as answered...
    below = searcher.with_settings(replace(searcher.settings, answer_model_vouch=score - 0.5))
    assert below.search(question).confident  # ...and vouches for it when asked to
    above = searcher.with_settings(replace(searcher.settings, answer_model_vouch=score + 0.5))
    assert not above.search(question).confident
