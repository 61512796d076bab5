"""Reading questions: which sentences ask, whether they ask why, and whose side the asker is on."""

from __future__ import annotations

import pytest

from advice_search.question import asks_why, perspective, read_question


def test_a_long_post_is_split_into_story_and_the_sentences_that_ask() -> None:
    post = (
        "We've been together nine years. Money was always tight. When I asked about a budget "
        "he said it was my problem. How do I bring it up again without a fight?"
    )
    reading = read_question(post)
    assert reading.focus == "How do I bring it up again without a fight?"
    assert len(reading.story) == 3


@pytest.mark.parametrize(
    "question",
    [
        "how do i get my son to do his homework",  # one sentence, no question mark
        "My landlord won't fix the heating. My flat is freezing.",  # nothing asks
        "Should I call him? Or should I wait?",  # everything asks
    ],
)
def test_no_focus_when_there_is_nothing_to_separate(question: str) -> None:
    assert read_question(question).focus is None


def test_a_request_without_a_question_mark_still_asks() -> None:
    reading = read_question("My sister never calls back. any advice on how to reach her")
    assert reading.focus == "any advice on how to reach her"


def test_a_statement_that_contains_request_words_does_not_ask() -> None:
    reading = read_question(
        "I finally got my sister to tell me why she left. She cried. How should I respond?"
    )
    assert reading.focus == "How should I respond?"
    assert read_question("He never helps me with the kids. Please help me, what now?").asking == (
        "Please help me, what now?",
    )


def test_questions_that_ask_for_reasons() -> None:
    assert asks_why(read_question("Why do teenagers stop talking to their parents?"))
    assert asks_why(read_question("He won't see a doctor. What makes men avoid check-ups?"))
    assert not asks_why(read_question("How do I get him to see a doctor?"))


@pytest.mark.parametrize(
    ("question", "side"),
    [
        ("My wife wants us to see a budget coach and honestly it scares me", "asked"),
        ("I'm the one who keeps refusing. Should I just agree?", "asked"),
        ("My dad keeps pushing me to apply to law school", "asked"),
        ("My husband won't see a doctor about his back, what can I do?", "asking"),
        ("How do I convince my teenager to join a club?", "asking"),
        ("What should a first driving lesson cover?", ""),
        ("He wants proof it works before he'll try it.", ""),
        ("My mum asked me that last night and I had no answer. What would a tutor do?", ""),
        ("My wife keeps asking me. When is the right time to say yes?", "asked"),
        ("I'm the reluctant one here, what would we even talk about?", "asked"),
        ("I'm the one dragging my feet on the budget coach", "asked"),
        ("I'm the one who didn't want a tutor. Does it help?", "asked"),
        ("How do I ask for help when I'm the one who caused this?", ""),
        ("what if i'm the one who's been doing most of the yelling tho", ""),
        ("I'm the one who pays the bills, how do we split them fairly?", ""),
        ("so should I just go by myself then?", ""),
        ("Should I just go on my own to the tutor?", ""),
        ("He keeps asking. Should I just go once to make him happy?", "asked"),
    ],
)
def test_the_askers_side(question: str, side: str) -> None:
    assert perspective(question) == side
