"""Passage roles on hand-written advice about many topics, none of them the corpus's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from advice_search.readings import PassageReadings
from advice_search.records import Passage
from advice_search.roles import (
    addresses_asked,
    hollow_sentences,
    persuades,
    read_passage,
    sentence_cues,
)

UNSEEN = Path(__file__).parent / "fixtures" / "unseen"

ROLE_EXAMPLES = [
    # (passage, role) — gardening, money, pets, parenting, work, health
    ("Water the seedlings every morning. Keep the tray out of direct sun for the first week.", "advice"),
    ("If the dog pulls on the lead, stop walking and wait until the lead is slack.", "advice"),
    ("You can ask the bank for a payment holiday. It is worth calling before the due date.", "advice"),
    ("Instead, try setting one shared budget meeting a month. Make sure both of you bring the statements.", "advice"),
    ("Does your toddler scream every time you leave the room? Are you exhausted by bedtime battles? "
     "If so, you are not alone.", "problem"),
    ("In this article, we will explore why cats scratch furniture and what owners can do.", "problem"),
    ("It can feel incredibly frustrating when your manager ignores your emails.", "problem"),
    ("Our team of certified trainers works across Ohio. Call us at (555) 123-9876 to book a session.",
     "promotion"),
    ("Sam Patel is a licensed financial planner who has worked with families since 2011. In his free "
     "time he restores old bicycles.", "bio"),
    ("Tomatoes were brought to Europe in the sixteenth century and were first grown as ornaments.",
     "info"),
    ("Common signs of burnout at work include:", "hollow"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "role"), ROLE_EXAMPLES)
def test_roles_are_read_from_the_shape_of_the_writing(text: str, role: str) -> None:
    assert read_passage(text).role == role


def test_bios_and_disclaimers_found_at_cleaning_stay_bios() -> None:
    assert read_passage("Try this at home.", kind="disclaimer").role == "bio"


def test_instructions_after_a_leading_clause_count_as_advice() -> None:
    advice, *_ = sentence_cues("If your teenager still refuses after a week, ask the school nurse.")
    assert advice == 1
    statement, *_ = sentence_cues("If your teenager still refuses, the school may call you.")
    assert statement == 0


def test_quoted_speech_and_the_author_speaking_are_not_instructions() -> None:
    assert sentence_cues('She said "stop calling me" and left.')[0] == 0
    assert sentence_cues("Let me first say that this is common.")[0] == 0


def test_a_sentence_announcing_a_missing_list_is_hollow() -> None:
    sentences = [
        "Some reasons include:",
        "Whatever the reason, listen first.",
        "Try these:",
        "1. Rest.",
    ]
    assert hollow_sentences(sentences) == (True, False, False, False)
    # as scraped: the list between the two paragraphs is gone
    assert (
        read_passage("You have a few options you can try:\n\nThe key is patience.").role == "hollow"
    )


def test_a_passage_that_introduces_the_next_list_is_a_lead_in() -> None:
    def passage(i: int, text: str) -> Passage:
        return Passage(f"a:{i:03d}", "a", i, text, section="Tips")

    passages = [
        passage(0, "Saving is hard on one income. Here are some things you can do:"),
        passage(1, "1. Cancel the subscriptions you forgot about."),
        passage(2, "Good reasons to start now include:"),
        passage(3, "Money grows with time."),
    ]
    rows = np.array([[0, 0, 28], [0, 29, 64], [1, 0, 46], [2, 0, 34], [3, 0, 22]], dtype=np.int32)
    readings = PassageReadings(passages, rows)
    assert readings.roles([2, 0]) == ["hollow", "lead-in"]
    assert readings.hollow.tolist() == [False, True, False, True, False]
    readings.ensure([1, 3])
    assert readings.roles([0, 1, 2, 3]) == ["lead-in", "advice", "hollow", "info"]


def test_perspective_of_a_passage_comes_from_its_heading_or_its_words() -> None:
    assert addresses_asked("Driving less is hard.", "If you are the parent being asked to stop")
    assert addresses_asked("It is okay to feel nervous before the first visit.", None)
    assert not addresses_asked("If your father refuses, bring in his doctor.", "How to raise it")


def test_persuasion_advice_is_recognised_but_not_its_failure() -> None:
    assert persuades("Suggest a short trial so the first step feels small.")
    assert persuades("Gently encourage your son to see the dentist by going with him.")
    assert persuades("Avoid bringing up the topic when you are both tired.")
    assert not persuades("If you are unable to get your partner to attend, look at books.")
    assert not persuades("Set a budget and stick to it.")


def _expected() -> dict:
    return json.loads((UNSEEN / "expected.json").read_text(encoding="utf-8"))


def test_roles_hold_on_articles_written_for_the_test(unseen_searcher) -> None:  # noqa: ANN001
    passages = unseen_searcher.index.passages
    all_roles = unseen_searcher.readings.roles(range(len(passages)))
    roles = dict(zip((p.passage_id for p in passages), all_roles, strict=True))
    for phrase, role in _expected()["roles"]:
        found = [p for p in passages if phrase.lower() in p.text.lower()]
        assert found, phrase
        assert roles[found[0].passage_id] == role, phrase
    rows, hollow = unseen_searcher.index.sentence_rows, unseen_searcher.readings.hollow
    for phrase in _expected()["hollow"]:
        flagged = [
            hollow[j]
            for j, (p, a, b) in enumerate(rows)
            if phrase.lower() in passages[p].text[a:b].lower()
        ]
        assert flagged == [True], phrase
