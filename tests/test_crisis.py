"""Crisis answer mode: safety first, no persuasion advice presented as the answer."""

from __future__ import annotations

from advice_search.crisis import decide
from advice_search.roles import persuades
from advice_search.safety import CrisisAssessment, assess


def test_ordinary_questions_keep_every_passage() -> None:
    decision = decide(assess("how do I get my wife to try counselling?"), [True, False])
    assert not decision.safety_first and decision.keep == (True, True) and decision.notice is None


def test_a_crisis_holds_back_persuasion_and_says_why() -> None:
    assessment = CrisisAssessment(True, ("violence", "abuse"), ("hits me",))
    decision = decide(assessment, [True, False, True])
    assert decision.safety_first and decision.keep == (False, True, False)
    assert decision.notice and "violence and abuse" in decision.notice


def test_search_in_crisis_mode_presents_no_persuasion_as_the_answer(searcher) -> None:  # noqa: ANN001
    question = "he pushed me again last night, how do I get him to see a counselor with me?"
    result = searcher.search(question, k=5)
    assert result.crisis and result.safety_first and not result.confident
    assert result.hits and not any(persuades(h.passage.text) for h in result.hits)
    assert any("Safety first" in n for n in result.notices)
    assert result.to_json()["safety_first"] is True


def test_the_same_question_without_danger_gets_persuasion_advice(searcher) -> None:  # noqa: ANN001
    result = searcher.search("how do I get him to see a counselor with me?", k=5)
    assert not result.safety_first and result.confident
    assert any(persuades(h.passage.text) for h in result.hits)
