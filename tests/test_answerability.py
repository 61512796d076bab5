"""Answerability: topic is not an answer; facts must be named; typos are forgiven."""

from __future__ import annotations

from dataclasses import replace

import pytest

from advice_search.answerability import asks_for_facts, covered, judge, people, specific_terms

GARDEN = [
    "Water tomato seedlings every morning and keep them out of direct sun for a week.",
    "Pinch out the side shoots so the plant puts its energy into the fruit.",
]


@pytest.mark.parametrize(
    "question",
    [
        "How much does a gardener cost per hour?",
        "What's the difference between a greenhouse and a polytunnel?",
        "Best gardening app for beginners?",
        "Do we have to water every day?",
        "what age can kids start helping in the garden",
        # what a named thing is, or whether it is real: answered only where it is named
        "what's 'square foot gardening'? my neighbour swears by it",
        "what is the three sisters method",
        "Companion planting: actual science or garden-centre nonsense?",
        "is moon planting even a real thing",
        "Is there any evidence that talking to plants helps?",
        "do raised beds really dry out more often?",
        "is it true that 80% of seeds fail in clay?",
        "What is no-dig gardening and how is it different from mulching?",
        "What is hugelkultur, and does it suit a small yard?",
        "wats 'chop and drop'?? my neighbour keeps saying it",
        "the book says to build a swale. what even is that",
        "my neighbour swears by a 'lasagna bed'. what is that exactly",
        "the seed packet says to harden them off first. what's that?",
        "Is there actual research on whether mulch stops slugs?",
        "Is 'transplant shock' an actual condition or a myth?",
        "the nursery guy said my soil is 'compacted'. what does 'compacted' even mean",
        "What does 'no-till' mean for a small yard?",
        "has anyone studied whether music helps tomatoes grow?",
        "Is there a therapist specifically for grief over a lost garden?",
        "do community gardens like ours ever last?",
        "How long should a new rose bush wait before its first pruning?",
    ],
)
def test_questions_asking_for_facts(question: str) -> None:
    assert asks_for_facts(question)


@pytest.mark.parametrize(
    "question",
    [
        "How do I get my son to help in the garden?",
        "Should I prune in spring?",
        "I'd back my wife's garden plan 100%, so why won't she let me help?",
        "what is the point of weeding if they come back?",
        "What's the point of therapy for someone who likes gardening alone?",
        "What does it mean to let my son garden his own way?",
        "Is there a kind of schedule for watering that my wife would accept?",
        "she says my beds are 'fine'. what does that even mean?",
        "is there any therapy for me if my wife won't garden with me?",
        "how long am i supposed to wait for her to garden with me?",
        "How long do I keep offering before I do the beds alone?",
        "Is there a real cost to me holding off on the garden for a year?",
        "what is the purpose of companion planting?",
        "he says my worry is not a real problem, how do I explain it?",
        "What is the best way to ask her to share the weeding?",
        "what's wrong with wanting help on weekends?",
        "she hums to the roses every morning. what is that about?",
        "What are some tips?",
        "Is it a red flag that she never wants to garden with me?",
    ],
)
def test_questions_asking_for_advice(question: str) -> None:
    assert not asks_for_facts(question)


def test_specific_terms_leave_out_function_words_and_the_topic() -> None:
    terms = specific_terms("How do I get my tomato seedlings to stop wilting?")
    assert {"tomato", "wilt"} <= set(terms) and not {"how", "do", "i", "my", "get"} & set(terms)
    assert "tomato" not in specific_terms("tomato seedlings wilting", topic={"tomato"})


def test_one_typo_is_forgiven_in_longer_words() -> None:
    assert covered("seedlng", {"seedl", "seedling"})
    assert covered("watring", {"water", "watering"})
    assert not covered("cat", {"car"})  # short words must match exactly
    assert not covered("insurance", {"assurance"})


def test_a_fact_question_the_passages_do_not_name_is_not_answered() -> None:
    verdict = judge("How much does a gardener cost per hour?", matched=True, passage_texts=GARDEN)
    assert not verdict.confident and verdict.reason == "asks for facts"
    assert "cost" in verdict.missing


def test_an_advice_question_on_the_passages_topic_is_answered() -> None:
    verdict = judge(
        "How often should I water tomato seedlings?", matched=True, passage_texts=GARDEN
    )
    assert verdict.asks_facts and verdict.confident  # the facts asked for are named
    verdict = judge("my seedlngs look sad, what do I do?", matched=True, passage_texts=GARDEN)
    assert verdict.confident


def test_no_match_is_never_an_answer() -> None:
    verdict = judge("How do I water seedlings?", matched=False, passage_texts=GARDEN)
    assert not verdict.confident and verdict.reason == "weak match"


def test_a_coverage_floor_can_be_required() -> None:
    question = "Should I feed seedlings with banana peel compost?"
    assert judge(question, matched=True, passage_texts=GARDEN).confident
    low = judge(question, matched=True, passage_texts=GARDEN, min_coverage=0.5)
    assert not low.confident and low.reason == "words not covered"


@pytest.mark.parametrize(
    "question",
    [
        "he says he's 'fine' and doesn't need therapy. what does that even mean?",
        "is there any therapy for me if my husband won't come?",
        "do couples who start therapy reluctantly ever make it?",
        "What's the point of therapy if he won't talk?",
    ],
)
def test_the_seed_librarys_own_questions_in_fact_like_words_are_answered(
    searcher,  # noqa: ANN001
    question: str,
) -> None:
    """Forms that ask for facts count only where the asker is not asking the library's own
    question in other words: these turned flagged under broader forms (EXPERIMENTS.md §4)."""
    assert searcher.search(question).confident, question


def test_near_topic_questions_the_library_does_not_answer_are_flagged(searcher) -> None:  # noqa: ANN001
    for question in ("Does health insurance usually pay for couples counselling?",
                     "What's the success rate of couples therapy?",
                     "Best couples therapy app?"):  # fmt: skip
        assert not searcher.search(question).confident, question
    # The rules (the default) answer a fact question whose words the passages name; the
    # fitted verdict (confidence.py) answers none: tests/test_confidence.py.
    fitted = searcher.with_settings(replace(searcher.settings, learned_verdict=True))
    for question in ("Does health insurance usually pay for couples counselling?",
                     "What's the success rate of couples therapy?"):  # fmt: skip
        assert not fitted.search(question).confident, question
    # The rules alone answer it from "put in considerable time, energy and money"; the answer
    # model (answer_model.py) may or may not read that as saying how much.
    rules = searcher.with_settings(replace(searcher.settings, answer_model=False))
    assert rules.search("How much time and money does couples therapy take?").confident


def test_a_question_about_people_the_passages_never_speak_of_is_not_answered() -> None:
    parenting = ["Praise your toddler when she shares.", "Children copy what their parents do."]
    boss = judge(
        "How do I get my boss to stop shouting at me?", matched=True, passage_texts=parenting
    )
    assert not boss.confident and boss.reason == "other people"
    # one of the people asked about is spoken of: the passages may answer
    mixed = "My mum says my son is spoilt, how do I get him to share?"
    assert judge(mixed, matched=True, passage_texts=parenting).confident
    assert people("my husband and our teenager") == {"partner", "child"}


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("My business partner and I can't agree on the second shop", {"work"}),
        ("my tennis doubles partner keeps poaching my shots", {"pastime"}),
        ("my duet partner in the musical won't rehearse", {"pastime"}),
        ("my carpool partner is late every single morning", {"work"}),
        ("my partner won't go to counselling", {"partner"}),
        ("My husband is also my business partner", {"partner", "work"}),
        ("Partners: how do we split chores?", {"partner"}),
        ("at my husband's 40th, in front of all his friends", {"partner", "friend"}),
        ("should i tell his mom whats going on?", {"parent", "partner"}),
        ("Mother-in-law offered to mediate", {"parent", "partner"}),
        ("my mom keeps asking about my brother", {"parent", "sibling"}),
        ("speech therapy for our two-year-old?", {"child"}),
        ("my 7 yr old and my 15yo won't share a room", {"child"}),
        ("my 41-year-old husband says ten years older is too old", {"partner"}),
    ],
)
def test_a_partner_in_business_or_sport_is_not_the_askers_partner(
    text: str, groups: set[str]
) -> None:
    assert people(text) == groups


def test_a_question_about_a_tennis_partner_is_not_answered_by_couples_advice() -> None:
    couples = ["Tell your partner how you feel about the relationship.", "Ask your wife why."]
    tennis = "My tennis partner keeps poaching my shots. How do I tell him to stop?"
    assert not judge(tennis, matched=True, passage_texts=couples).confident
    assert judge("How do I tell my wife to stop?", matched=True, passage_texts=couples).confident


def test_an_asking_sentence_that_names_nobody_is_read_with_its_story() -> None:
    couples = ["Tell your partner how you feel about the relationship.", "Ask your wife why."]
    asked = "How do I get her to put in extra practice?"
    duet = "My duet partner won't rehearse outside Tuesdays. " + asked
    assert not judge(asked, matched=True, passage_texts=couples, story=duet).confident
    wife = "My wife won't rehearse our vows with me. " + asked
    assert judge(asked, matched=True, passage_texts=couples, story=wife).confident
    # the asking sentence's own people come first: the story's coach does not count
    coach = "My coach says I'm distracted. How do I get my wife to talk to me?"
    assert judge(
        "How do I get my wife to talk to me?", matched=True, passage_texts=couples, story=coach
    ).confident
