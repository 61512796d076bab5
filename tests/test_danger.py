"""The danger model (danger.py): where the line of help stands when no rule fires."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np

from advice_search import danger
from advice_search.danger import DangerModel, terms
from advice_search.search import Searcher
from advice_search.terminal import search_result

from .conftest import ROOT

# Written for these tests, after the model was fitted: danger told without a rule's words,
# and ordinary questions of the library's topic.
UNSAID_DANGER = [
    "my boyfriend checks my phone every night and says he'll make me pay if I talk to my sister",
    "he sleeps with a hammer by the bed since I mentioned divorce",
]
ORDINARY = [
    "How do I suggest couples counseling to my husband without starting a fight?",
    "My wife thinks therapy is for crazy people. How can I change her mind?",
    "is it normal to argue about chores every weekend?",
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
    spec = importlib.util.spec_from_file_location("fit_danger", ROOT / "eval" / "fit_danger.py")
    assert spec is not None and spec.loader is not None
    fit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fit)
    texts, labels, _, holdout = fit.examples()
    # Fitted on exactly these examples; after a change to them: eval/fit_danger.py --write
    assert set(fit.vocabulary(texts)) == set(model.idf), "refit: eval/fit_danger.py --write"
    assert not {r["q"] for r in holdout} & set(texts)  # the judging half was never fitted on


def test_danger_told_without_a_rules_word_puts_help_first(searcher: Searcher) -> None:
    for question in UNSAID_DANGER:
        result = searcher.search(question)
        assert not result.crisis and result.possible_danger, question
        assert result.to_json()["possible_danger"] is True
        text = search_result(result)
        assert text.startswith("If you are afraid of your partner"), text[:80]
    for question in ORDINARY:
        assert not searcher.search(question).possible_danger, question


def test_the_rules_still_decide_crisis_mode(searcher: Searcher) -> None:
    result = searcher.search("he hits me when I bring up therapy")
    assert result.crisis and result.safety_first and not result.possible_danger
    off = searcher.with_settings(searcher.settings.__class__(danger_model=False))
    assert not off.search(UNSAID_DANGER[0]).possible_danger


def test_the_model_file_is_in_the_package() -> None:
    assert (Path(danger.__file__).parent / danger.MODEL_FILE).is_file()
