"""The learned confidence verdict: its features, its arithmetic, and the model it was fitted to."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from advice_search.confidence import VERDICT, AnswerFeatures, ConfidenceModel, answer_features

from .conftest import eval_script

HEATING = [
    "Write to the landlord about the broken heater and keep a copy of the letter.",
    "If the heater is still cold after two weeks, ask the landlord for a date in writing.",
]


def _features(question: str, texts: list[str] = HEATING, **overrides: float) -> AnswerFeatures:
    found = answer_features(
        question,
        scores=[0.5, 0.4, 0.3, 0.2, 0.1, 0.0],
        sentence=0.6,
        dense=0.5,
        lexical=0.4,
        passage_texts=texts,
        document_frequency={"landlord": 10, "heater": 3, "plumber": 1},
        n_passages=100,
    )
    return replace(found, **overrides)


def test_the_margin_is_the_best_score_over_the_fifth() -> None:
    assert _features("my heater is broken").margin == pytest.approx(0.4)


def test_words_the_passages_use_count_as_covered_and_rare_missing_words_weigh_more() -> None:
    f = _features("the landlord ignores the broken heater, should I call a plumber")
    # landlord, heater, broken are used; ignor, call and plumber are not
    assert 0 < f.coverage < 1
    assert f.rare_coverage < f.coverage  # "plumber" is rarer in the library than the rest
    assert f.missing_rarity == pytest.approx(1.0)  # "ignores" is a word no passage uses
    assert f.unknown == pytest.approx(3 / 6)  # ignor, broken, call: no passage uses them
    assert _features("landlord heater").coverage == 1.0


def test_a_question_about_people_the_passages_never_name() -> None:
    assert _features("my boss keeps the office cold").other_people == 1.0
    assert _features("my landlord keeps the flat cold").other_people == 0.0
    assert _features("the heater is cold").other_people == 0.0  # nobody named: nothing to miss


def test_a_question_asking_for_a_price_the_passages_do_not_name_is_a_fact_question() -> None:
    assert _features("How much does a new heater cost?").facts == 1.0
    assert _features("How do I get my landlord to fix the heater?").facts == 0.0
    priced = [*HEATING, "A new heater costs about 300 dollars, fitted."]
    assert _features("How much does a new heater cost?", priced).facts == 0.0


def test_the_probability_is_a_logistic_of_standardised_features() -> None:
    model = ConfidenceModel(
        names=("dense", "words"), means=(0.5, 2.0), scales=(0.1, 1.0),
        weights=(2.0, -1.0), bias=0.5, threshold=0.9,
    )  # fmt: skip
    f = _features("x", dense=0.6, words=3.0)  # z = (1, 1): 2 - 1 + 0.5
    assert model.probability(f) == pytest.approx(1 / (1 + math.exp(-1.5)))
    assert not model.confident(f)  # 0.82 < 0.9
    assert model.confident(replace(f, dense=0.8))


def test_the_fitted_verdict_trusts_a_close_match_and_not_a_far_one() -> None:
    assert VERDICT.confident(_features("how do i get my landlord to fix it", dense=0.5))
    assert not VERDICT.confident(_features("how do i get my landlord to fix it", dense=0.1))


def test_the_verdict_refuses_unnamed_facts_and_other_people_on_a_close_match() -> None:
    assert not VERDICT.confident(_features("How much does a new heater cost?", dense=0.7))
    assert not VERDICT.confident(_features("my boss keeps the office cold", dense=0.7))


def test_a_search_reports_the_features_and_the_fitted_verdict_decides_when_asked(searcher) -> None:  # noqa: ANN001
    fitted = searcher.with_settings(replace(searcher.settings, learned_verdict=True))
    for question in ("my partner refuses couples therapy", "how do I fix a leaking tap?"):
        result = fitted.search(question)
        features = AnswerFeatures(**{n: result.signals[n] for n in AnswerFeatures.names()})
        assert result.confident == VERDICT.confident(features)
    assert fitted.search("my partner refuses couples therapy").confident
    assert not fitted.search("how do I fix a leaking tap?").confident


def test_the_rules_verdict_is_the_default_and_the_fitted_one_is_there_to_compare(searcher) -> None:  # noqa: ANN001
    """The rules made fewer mistakes on eight blind sets (eval/README.md, fresh12)."""
    assert not searcher.settings.learned_verdict
    fitted = searcher.with_settings(replace(searcher.settings, learned_verdict=True))
    question = "What is the value of having a neutral outsider in the room?"  # paraphrase-tune
    assert fitted.search(question).confident  # the fitted verdict trusts the close match
    rules = searcher.with_settings(replace(searcher.settings, answer_combined=False))
    assert not rules.search(question).confident  # the rules' sentence threshold does not...
    assert searcher.search(question).confident  # ...unless the answer check's combination vouches


def test_the_focus_reorders_passages_but_the_verdict_reads_the_question_as_asked(searcher) -> None:  # noqa: ANN001
    """The focus on a long post's asking sentences matches every passage less closely; the
    verdict must not turn on it (EXPERIMENTS §2)."""
    post = (
        "We've been together nine years and the last two have been mostly silence at dinner "
        "and arguments about money and his mother. I found a counsellor near us and he laughed "
        "and said it was a waste of a Saturday. I still love him and I don't want to give up. "
        "How do I get him to agree to go?"
    )
    focused = searcher.with_settings(replace(searcher.settings, focus_weight=0.5))
    plain, mixed = searcher.search(post), focused.search(post)
    # the focus moves the passages' scores (their order may or may not change with them)
    assert [h.score for h in plain.hits] != pytest.approx([h.score for h in mixed.hits], abs=1e-3)
    for name in ("best_sentence", "best_dense", "match"):
        assert mixed.signals[name] == pytest.approx(plain.signals[name], abs=1e-6), name
    assert mixed.confident == plain.confident


def test_a_fact_question_is_answered_once_the_library_names_the_fact(tmp_path) -> None:  # noqa: ANN001
    """Nothing in the verdict says "this library never answers prices": add an article that
    names one and the same kind of question is answered; ask for one it does not name and
    it is not."""
    from advice_search.builder import ingest
    from advice_search.search import Searcher

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "assessment.md").write_text(
        "---\ntitle: Driving assessments for older drivers\n---\n\n"
        "A driving assessment for older drivers costs about 150 dollars and takes two hours."
        " An occupational therapist rides along and reports what they saw.\n\n"
        "Ask your father's doctor for a referral; many clinics have a waiting list of a few"
        " weeks, so book early.\n",
        encoding="utf-8",
    )
    ingest(corpus, tmp_path / "index")
    searcher = Searcher.open(tmp_path / "index")
    assert searcher.search("How much does a driving assessment for older drivers cost?").confident
    assert not searcher.search("Does insurance pay for a driving assessment?").confident


def test_the_frozen_verdict_is_what_the_fitting_script_fits_on_the_tune_sets(searcher) -> None:  # noqa: ANN001
    fit = eval_script("fit_confidence")
    rows = fit.collect(searcher, fit.TUNE)
    y = np.array([r["kind"] == "answerable" for r in rows], dtype=np.float64)
    model = fit.train(fit.matrix(rows, VERDICT.names), y, VERDICT.names)
    assert fit.same_model(model, VERDICT)
    kept = fit.probabilities(model, fit.matrix(rows, VERDICT.names)) >= model.threshold
    assert kept[y == 1].mean() >= fit.KEEP
