"""Fusion, diversity and confidence on hand-made numbers."""

from __future__ import annotations

import numpy as np
import pytest

from advice_search.ranking import (
    RankSettings,
    diversify,
    fuse,
    is_confident,
    kind_penalties,
    perspective_bonus,
    role_penalties,
    sentence_scores,
)


def test_fuse_weights_signals_and_penalises_non_advice() -> None:
    settings = RankSettings(dense_weight=1.0, sentence_weight=0.5, lexical_weight=0.25)
    dense = np.array([0.5, 0.5, 0.5], dtype=np.float32)
    sentence = np.array([0.2, 0.4, 0.4], dtype=np.float32)
    lexical = np.array([0.0, 0.0, 1.0], dtype=np.float32)
    penalties = kind_penalties(["advice", "bio", "advice"])
    scores = fuse(dense, sentence, lexical, penalties, settings)
    assert np.allclose(scores, np.array([0.6, 0.7, 0.95]) / 1.75 - penalties)
    assert penalties[1] > 0 and penalties[0] == 0


def test_switching_a_stage_off_removes_its_signal() -> None:
    settings = RankSettings(use_lexical=False)
    ones = np.ones(2, dtype=np.float32)
    without = fuse(ones, ones, np.array([0.0, 1.0], np.float32), np.zeros(2), settings)
    assert without[0] == without[1]


def _unit(seed: int, n: int, dim: int = 8) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_diversify_caps_one_article_in_the_first_five() -> None:
    articles = ["a", "a", "a", "a", "b", "c", "d"]
    order = diversify(list(range(7)), articles, _unit(0, 7), RankSettings(), limit=7)
    assert [articles[r] for r in order[:5]] == ["a", "a", "b", "c", "d"]
    assert order[:2] == [0, 1]  # the best two keep their places
    assert sorted(order) == list(range(7))  # nothing lost, only moved


def test_diversify_fills_with_one_article_when_nothing_else_is_on_point() -> None:
    articles = ["a"] * 5
    assert diversify(list(range(5)), articles, _unit(1, 5), RankSettings()) == [0, 1, 2, 3, 4]


def test_diversify_collapses_near_duplicates() -> None:
    vectors = _unit(2, 4)
    vectors[2] = vectors[0]  # the same passage twice (e.g. an article saved twice)
    order = diversify([0, 1, 2, 3], ["a", "b", "c", "d"], vectors, RankSettings())
    assert order == [0, 1, 3]


def test_confidence_needs_both_score_and_meaning() -> None:
    settings = RankSettings(confident_score=0.3, confident_sentence=0.4)
    assert is_confident(0.31, 0.41, settings)
    assert not is_confident(0.29, 0.9, settings)  # meaning alone is not enough
    assert not is_confident(0.9, 0.39, settings)  # nor shared words alone


def test_sentence_scores_take_each_candidates_best_sentence() -> None:
    # Four sentences in 2-d; passage rows own sentence rows [0, 2), [2, 2) (none) and [2, 4).
    sentences = np.array([[1, 0], [0, 1], [0.6, 0.8], [-1, 0]], dtype=np.float32)
    lo, hi = np.array([0, 2, 2]), np.array([2, 2, 4])
    query = np.array([0.0, 1.0], dtype=np.float32)
    scores = sentence_scores(sentences, lo, hi, query)
    assert scores.best.tolist() == pytest.approx([1.0, 0.0, 0.8])
    assert [scores.best_row(i) for i in range(3)] == [1, None, 2]
    # Candidates in any order, repeated: each still gets its own sentences.
    picked = sentence_scores(sentences, lo[[2, 0, 2]], hi[[2, 0, 2]], query)
    assert picked.best.tolist() == pytest.approx([0.8, 1.0, 0.8])
    assert [picked.best_row(i) for i in range(3)] == [2, 1, 2]


def test_role_penalties_spare_problem_passages_when_the_question_asks_why() -> None:
    settings = RankSettings(problem_penalty=0.08, promotion_penalty=0.05, hollow_penalty=0.06)
    roles = ["advice", "problem", "promotion", "hollow", "bio"]
    assert role_penalties(roles, settings).tolist() == pytest.approx([0, 0.08, 0.05, 0.06, 0.08])
    assert role_penalties(roles, settings, asks_why=True)[1] == 0


def test_perspective_favours_passages_written_to_the_askers_side() -> None:
    settings = RankSettings(perspective_weight=0.05)
    # written to the one asked to go / for anyone / tips on persuading a partner
    to_asked, persuasion = np.array([True, False, False]), np.array([False, False, True])
    bonus = perspective_bonus(to_asked, persuasion, "asked", settings)
    assert bonus.tolist() == pytest.approx([0.05, 0, -0.05])  # only persuasion tips lose
    bonus = perspective_bonus(to_asked, persuasion, "asking", settings)
    assert bonus.tolist() == pytest.approx([-0.05, 0, 0])
    assert perspective_bonus(to_asked, persuasion, "", settings).tolist() == [0, 0, 0]


def test_a_hollow_sentence_is_never_a_passages_best() -> None:
    vectors = np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    query = np.array([1.0, 0.0], dtype=np.float32)
    lo, hi = np.array([0]), np.array([2])
    plain = sentence_scores(vectors, lo, hi, query)
    masked = sentence_scores(vectors, lo, hi, query, hollow=np.array([True, False]))
    assert plain.best[0] == pytest.approx(1.0) and plain.best_row(0) == 0
    assert masked.best[0] == pytest.approx(0.6) and masked.best_row(0) == 1


def test_diversity_yields_only_to_passages_on_point() -> None:
    settings = RankSettings(per_article=2, diversity_window=5, diversity_margin=0.1)
    articles = ["a", "a", "a", "b"]
    embeddings = np.eye(4, dtype=np.float32)
    scores = np.array([0.6, 0.58, 0.55, 0.2])
    assert diversify([0, 1, 2, 3], articles, embeddings, settings, scores=scores) == [0, 1, 2, 3]
    scores[3] = 0.52
    assert diversify([0, 1, 2, 3], articles, embeddings, settings, scores=scores) == [0, 1, 3, 2]
