"""The query adapter (adapter.py): the shipped map, its arithmetic, and fitting it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from advice_search import adapter
from advice_search.adapter import QueryAdapter
from advice_search.evaluate import Question

from .conftest import eval_script


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def test_the_shipped_adapter_moves_a_question_without_losing_it(searcher) -> None:  # noqa: ANN001
    shipped = adapter.load()
    assert shipped.dim == searcher.index.passage_vectors([0]).shape[1]
    plain = searcher.with_settings(replace(searcher.settings, query_adapter=False))
    vector = plain.ranking_vector("he says counseling is pointless, can it still work?")
    moved = shipped.apply(vector)
    assert abs(float(np.linalg.norm(moved)) - 1.0) < 1e-5
    # Moved (it was fitted), yet still the same question: nearer itself than anything else.
    assert 0.3 < float(moved @ vector) < 0.999


def _small(dim: int = 8, rank: int = 2, seed: int = 0) -> QueryAdapter:
    rng = np.random.default_rng(seed)
    down, up = rng.normal(size=(2, dim, rank)).astype(np.float32)
    return QueryAdapter(down, up, np.eye(dim, dtype=np.float32)[0], 0.25, 0.45)


def test_apply_keeps_shapes_and_refuses_what_does_not_fit() -> None:
    fitted = _small()
    rows = _unit(np.random.default_rng(2).normal(size=(3, 8)).astype(np.float32))
    assert fitted.apply(rows).shape == (3, 8)
    np.testing.assert_allclose(fitted.apply(rows[0]), fitted.apply(rows)[0], rtol=1e-6)
    with pytest.raises(ValueError, match="8-d vectors, got 5"):
        fitted.apply(np.ones(5, np.float32))
    with pytest.raises(ValueError, match="one \\[dim, rank\\] shape"):
        QueryAdapter(
            np.zeros((8, 2), np.float32), np.zeros((8, 3), np.float32), fitted.centre, 0, 1
        )
    with pytest.raises(ValueError, match="must go upwards"):
        QueryAdapter(fitted.down, fitted.up, fitted.centre, 0.5, 0.5)


def test_the_gate_leaves_questions_far_from_the_fitted_ones_alone() -> None:
    fitted = _small()
    far = np.eye(8, dtype=np.float32)[3]  # cosine 0 with the centre
    near = fitted.centre  # cosine 1
    between = _unit(0.35 * near + np.sqrt(1 - 0.35**2) * far)  # halfway up the gate
    np.testing.assert_allclose(fitted.apply(far), far, atol=1e-6)
    assert float(fitted.apply(near) @ near) < 0.999
    np.testing.assert_allclose(fitted.gate(np.stack([far, between, near])), [0, 0.5, 1], atol=1e-5)


def test_round_trip_through_bytes() -> None:
    fitted = _small(6, 3, seed=1)
    again = QueryAdapter.from_bytes(fitted.to_bytes())
    for name in ("down", "up", "centre"):
        np.testing.assert_array_equal(getattr(again, name), getattr(fitted, name))
    assert (again.low, again.high) == (np.float32(0.25), np.float32(0.45))


def test_a_zero_adapter_ranks_exactly_as_none(searcher) -> None:  # noqa: ANN001
    """The adapter is the only thing the setting changes."""
    dim = searcher.index.passage_vectors([0]).shape[1]
    zero = np.zeros((dim, 4), np.float32)
    identity = searcher.with_adapter(QueryAdapter(zero, zero, adapter.load().centre, 0.0, 0.1))
    off = searcher.with_settings(replace(searcher.settings, query_adapter=False))
    for question in ["my husband refuses couples therapy", "is it worth going alone?"]:
        ids = [h.passage.passage_id for h in identity.search(question, k=10).hits]
        assert ids == [h.passage.passage_id for h in off.search(question, k=10).hits]


def test_fitting_moves_questions_towards_the_passages_that_answer_them(searcher) -> None:  # noqa: ANN001
    """Three questions in the askers' words and the passage each one's anchor is in: after a
    short fit the gold passage is nearer each question than before, among all passages."""
    fit = eval_script("fit_adapter")
    asked = [
        ("a1", "he thinks therapists always take the woman's side", "suggest a trial session"),
        ("a2", "what do I even do if she never agrees to go", "seek therapy for yourself"),
        ("a3", "how can we work on things at home without a counselor", "podcasts"),
    ]
    plain = searcher.with_settings(replace(searcher.settings, query_adapter=False))
    texts = [p.text.lower() for p in searcher.index.passages]
    questions, vectors, positives = [], [], []
    for qid, text, anchor in asked:
        rows = tuple(i for i, t in enumerate(texts) if anchor in t)
        assert rows, anchor
        questions.append(Question(qid, text, (anchor,), "answerable"))
        vectors.append(plain.ranking_vector(text))
        positives.append(rows)
    examples = fit.Examples(
        "t", tuple(questions), np.asarray(vectors, np.float32), tuple(positives)
    )
    fitted = fit.fit(searcher, [examples])
    passages = searcher.index.passage_vectors(np.arange(len(texts)))

    def gold_rank(vector: np.ndarray, rows: tuple[int, ...]) -> int:
        order = list(np.argsort(-(passages @ vector)))
        return min(order.index(r) for r in rows)

    for vector, rows in zip(vectors, positives, strict=True):
        before, after = gold_rank(vector, rows), gold_rank(fitted.apply(vector), rows)
        assert after < before or after == 0, (before, after)
