"""The danger model (danger.py): danger the rules do not name, read by a fitted model."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from advice_search import danger
from advice_search.danger import DangerModel, terms
from advice_search.search import Searcher

from .conftest import eval_script

# Written for these tests, after the model was fitted: danger told without a rule's words,
# and ordinary questions of the library's topic. The refit of lead session 6 (train2, blind2)
# read "my family would manage fine without me around" just below its threshold: a rule names
# that form now (safety_rules.toml, would_manage_without_me). Three more written after that
# refit (pills counted and hidden, things put on the lawn, sleeping in the car because it feels
# safer) were read by neither model; a rule names the last now (safer_away_from_home). See
# eval/EXPERIMENTS.md section 5.
UNSAID_DANGER = [
    "she keeps saying the kids would be safer if something happened to me",
]
ORDINARY = [
    "How do I suggest couples counseling to my husband without starting a fight?",
    "My wife thinks therapy is for crazy people. How can I change her mind?",
    "is it normal to argue about chores every weekend?",
    "she yelled at me in front of her friends",
    "I'm afraid he'll leave me",
]


def test_a_score_is_unit_tf_idf_times_weights_plus_the_vector_part() -> None:
    model = DangerModel(
        idf={"hit": 2.0, "me": 1.0},
        term_weights={"hit": 3.0},
        vector_weights=np.array([1.0, 0.0], np.float32),
        bias=-1.0,
        threshold=0.5,
    )
    hit, me = 2.0, 1.0  # tf-idf of "hit" and "me" (each once), then unit length
    expected = 3.0 * hit / math.hypot(hit, me) + 0.25 - 1.0
    assert terms("he hit me") == ["he", "hit", "me", "he_hit", "hit_me"]
    assert math.isclose(model.score("he hit me", np.array([0.25, 1.0])), expected, rel_tol=1e-6)
    assert model.flags("he hit me", np.array([0.25, 1.0]))
    assert not model.flags("we talk", np.array([0.25, 1.0]))  # no known term: bias only


def test_the_shipped_model_round_trips_and_covers_the_words_of_its_examples() -> None:
    model = danger.load()
    again = DangerModel.from_json(json.loads(json.dumps(model.as_json())))
    vector = np.ones(len(model.vector_weights), np.float32) / math.sqrt(len(model.vector_weights))
    for text in UNSAID_DANGER + ORDINARY:
        assert math.isclose(model.score(text, vector), again.score(text, vector), abs_tol=1e-5)
    fit = eval_script("fit_danger")
    texts, _, judge = fit.examples()
    # Fitted on exactly these examples; after a change to them: eval/fit_danger.py --write
    assert set(fit.vocabulary(texts)) == set(model.idf), "refit: eval/fit_danger.py --write"
    assert not {r["q"] for r in judge} & set(texts)  # the judging set was never fitted on


def test_danger_no_rule_names_is_answered_in_crisis_mode(searcher: Searcher) -> None:
    for question in UNSAID_DANGER:
        assessment = searcher.assess(question)
        assert assessment.is_crisis and assessment.learned, question
        result = searcher.search(question)
        assert result.crisis and result.safety_first and not result.confident
        assert any("what may be a dangerous situation" in n for n in result.notices)
    for question in ORDINARY:
        assert not searcher.assess(question).is_crisis, question


def test_the_rules_come_first_and_the_model_can_be_switched_off(searcher: Searcher) -> None:
    ruled = searcher.assess("he hits me when I bring up therapy")
    assert ruled.is_crisis and not ruled.learned and ruled.categories == ("violence",)
    off = searcher.with_settings(searcher.settings.__class__(danger_model=False))
    assert not off.assess(UNSAID_DANGER[0]).is_crisis
    assert not off.search(UNSAID_DANGER[0]).crisis


def test_a_follow_up_is_read_with_the_earlier_question(searcher: Searcher) -> None:
    earlier, follow_up = UNSAID_DANGER[0], "anyway, how do I get her to try counseling?"
    assert not searcher.assess(follow_up).is_crisis
    assert searcher.assess(follow_up, after=earlier).is_crisis


def test_the_model_file_is_in_the_package() -> None:
    assert (Path(danger.__file__).parent / danger.MODEL_FILE).is_file()


# A long post whose one telling sentence is diluted by the story around it (written for this
# test; neither the rules nor the model on the whole text read it).
STORY = (
    "We have been together eleven years and most of it has been good. We both work long hours, "
    "the kids are at school all day, and we take turns with dinner and the washing. {} He says "
    "it was a one-off and that I should let it go. How do I get him to agree to couples "
    "counselling this spring?"
)


def test_sentences_are_read_alone_only_in_longer_texts() -> None:
    assert danger.sentences("How do I get him to go to counselling with me?") == []
    parts = danger.sentences("Nope. Again. I asked him twice last week and he walked out.")
    assert parts == []  # one sentence of four words or more: the whole text says it already
    parts = danger.sentences("I asked him twice last week.\nHe walked out of the room. Ok?")
    assert parts == ["I asked him twice last week.", "He walked out of the room."]
    many = " ".join(f"This is sentence number {n}." for n in range(20))
    assert len(danger.sentences(many)) == 12
    # split as the question reader splits: not after "Dr.", but before a lower-case start
    parts = danger.sentences("Dr. Patel saw us once last spring. he said we should come back")
    assert parts == ["Dr. Patel saw us once last spring.", "he said we should come back"]


def test_a_danger_sentence_buried_in_a_long_post_is_read_alone(searcher: Searcher) -> None:
    # The line is one the shipped model reads as danger alone and not in the story: after a
    # refit that reads the whole post as danger, pick another.
    post = STORY.format("Last month he pressed a cushion to my face.")
    whole = searcher.with_settings(searcher.settings.__class__(danger_sentence_margin=None))
    assert not whole.assess(post).is_crisis
    for margin in (0.0, 1.0):
        reading = searcher.with_settings(searcher.settings.__class__(danger_sentence_margin=margin))
        assessment = reading.assess(post)
        assert assessment.is_crisis and assessment.learned, margin
        assert reading.search(post).safety_first
        ordinary = STORY.format("Last month he forgot my birthday and went to the pub instead.")
        assert not reading.assess(ordinary).is_crisis, margin


def test_a_post_far_from_danger_is_not_flagged_for_one_short_sentence(searcher: Searcher) -> None:
    """ "He says I'm not allowed out." alone reads like control; the post is a running joke
    between nurses on opposite shifts, and as a whole it reads far from danger
    (RankSettings.danger_sentence_reach). The line is one the shipped model reads as danger:
    after a refit that no longer does, pick another."""
    post = (
        "We're both nurses on opposite shifts and we barely see each other. He says I'm not "
        "allowed out. That's our running joke since he lost the pub quiz to my team. How do "
        "other couples on shifts keep the spark going?"
    )
    model = danger.load()
    line = "He says I'm not allowed out."
    assert line in danger.sentences(post)
    assert model.score(line, searcher.encoder.encode([line])[0]) > model.threshold + 1.0
    assert not searcher.assess(post).is_crisis
    ungated = replace(searcher.settings, danger_sentence_reach=math.inf)
    assert searcher.with_settings(ungated).assess(post).is_crisis
