"""The question memory (memory.py): its votes, the shipped file, and what it does to a search."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from advice_search import memory
from advice_search.memory import QuestionMemory
from advice_search.text import normalise

from .conftest import eval_script


def _unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


def _small() -> QuestionMemory:
    vectors = _unit(np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0]], np.float32))
    anchors = (("try a trial session",), ("go on your own", "a therapist alone"), ("podcasts",))
    return QuestionMemory(vectors, anchors)


def test_only_neighbours_above_the_floor_vote_and_by_their_margin() -> None:
    near = _unit(np.array([1, 0.05, 0], np.float32))
    votes = _small().neighbours(near, count=3, floor=0.5)
    assert [q for q, _ in votes] == [0, 1]  # the third is at cosine 0.05: no vote
    assert abs(sum(share for _, share in votes) - 1) < 1e-6
    assert votes[0][1] > votes[1][1]  # nearer, more
    assert _small().neighbours(np.array([0, 0, 1], np.float32), count=3, floor=0.5) == []
    assert len(_small().neighbours(near, count=1, floor=0.0)) == 1


def test_a_question_s_vote_goes_to_the_texts_holding_its_anchors() -> None:
    texts = ["first, try a trial session together.", "you can go on your own.", "nothing here"]
    small = _small()
    assert small.holds(0, texts[0]) and not small.holds(0, texts[1]) and small.holds(1, texts[1])

    def holds(question: int, i: int) -> bool:
        return small.holds(question, texts[i])

    votes = small.votes(np.array([0, 1, 0], np.float32), 3, holds, count=3, floor=0.5)
    np.testing.assert_allclose(votes, [0, 0, 0])  # its answer (podcasts) is not among them
    votes = small.votes(_unit(np.array([1, 0.05, 0], np.float32)), 3, holds, count=3, floor=0.5)
    assert votes[0] > 0 and votes[1] > 0 and votes[2] == 0
    assert abs(float(votes.sum()) - 1) < 1e-6


def test_the_answered_share_weighs_nearer_neighbours_more() -> None:
    vectors = _unit(np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 1, 0]], np.float32))
    remembered = QuestionMemory(vectors, (("an anchor",), (), ("another",)))
    assert remembered.answered.tolist() == [True, False, True]
    near_answered = _unit(np.array([1, 0.1, 0], np.float32))
    near_unanswered = _unit(np.array([0.7, 0.7, 0], np.float32))
    assert remembered.answered_share(near_answered, 2) > 0.5
    assert remembered.answered_share(near_unanswered, 2) < 0.5
    assert remembered.answered_share(near_unanswered, 1) == 0.0
    # an unanswered question never votes for passages
    assert [q for q, _ in remembered.neighbours(near_unanswered, 3, 0.0)] == [0, 2]
    empty = QuestionMemory(np.zeros((0, 3), np.float32), ())
    assert empty.answered_share(near_answered, 5) == 1.0


def test_one_reading_gives_both_shares_and_the_nearest_question() -> None:
    vectors = _unit(np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 1, 0]], np.float32))
    remembered = QuestionMemory(vectors, (("an anchor",), (), ("another",)))
    near_unanswered = _unit(np.array([0.7, 0.7, 0], np.float32))
    reading = remembered.readings(near_unanswered, 3, 1)
    assert reading.share == pytest.approx(remembered.answered_share(near_unanswered, 3))
    assert reading.share_few == 0.0  # its one nearest question was not answered
    assert reading.nearest == pytest.approx(float(vectors[1] @ near_unanswered))
    assert reading.nearest_answered is False
    assert remembered.readings(vectors[0], 1, 2).nearest_answered is True
    empty = QuestionMemory(np.zeros((0, 3), np.float32), ())
    assert empty.readings(near_unanswered, 20, 5) == (1.0, 1.0, 0.0, True)


def test_round_trip_and_refusals() -> None:
    again = QuestionMemory.from_bytes(_small().to_bytes())
    assert again.anchors == _small().anchors
    mixed = QuestionMemory(_small().vectors, (("a",), (), ("b", "c")))
    assert QuestionMemory.from_bytes(mixed.to_bytes()).anchors == mixed.anchors
    np.testing.assert_allclose(again.vectors, _small().vectors, atol=1e-3)  # kept as float16
    empty = QuestionMemory.from_bytes(QuestionMemory(np.zeros((0, 3), np.float32), ()).to_bytes())
    assert len(empty) == 0 and empty.neighbours(np.ones(3, np.float32), 5, 0.0) == []
    with pytest.raises(ValueError, match="one \\[n, dim\\] vector row per question"):
        QuestionMemory(np.zeros((2, 3), np.float32), (("a",),))
    with pytest.raises(ValueError, match="3-d vectors, got"):
        _small().neighbours(np.ones(4, np.float32), 2, 0.0)


def test_the_shipped_memory_matches_the_index_model(searcher) -> None:  # noqa: ANN001
    shipped = memory.load()
    assert len(shipped) > 100 and shipped.dim == searcher.index.passage_vectors([0]).shape[1]
    assert 0 < shipped.answered.sum() < len(shipped)  # answered ones and others
    texts = [normalise(p.text) for p in searcher.index.passages]
    # the anchors are the library's words: most of them lie in a passage of the seed articles
    found = sum(any(a in t for t in texts) for q in shipped.anchors for a in q)
    assert found / sum(len(q) for q in shipped.anchors) > 0.9


def test_a_question_asked_before_in_other_words_finds_what_answered_it(searcher) -> None:  # noqa: ANN001
    """A memory of one question whose answer is the passage holding "podcasts": a question
    in other words near it ranks that passage higher than with the memory switched off."""
    plain = searcher.with_settings(replace(searcher.settings, query_adapter=False))
    asked = "we can't afford a counsellor, what can we do at home to work on us?"
    remembered = QuestionMemory(plain.ranking_vector(asked)[None, :], (("podcasts",),))
    on = searcher.with_memory(remembered).with_settings(
        replace(searcher.settings, memory_weight=1.0)
    )
    off = on.with_settings(replace(on.settings, memory_weight=0.0))
    question = "counselling is too expensive for us, how can we fix things ourselves"

    def rank(result) -> int:  # noqa: ANN001
        texts = [h.passage.text.lower() for h in result.hits]
        return next((i for i, t in enumerate(texts) if "podcasts" in t), len(texts))

    assert rank(on.search(question, k=10)) < rank(off.search(question, k=10))
    assert rank(on.search(question, k=10)) == 0
    # a question unlike the remembered one gets no votes: the ranking is as without the memory
    far = "my dog keeps barking at the neighbours, what do I do?"
    assert [h.passage.passage_id for h in on.search(far, k=10).hits] == [
        h.passage.passage_id for h in off.search(far, k=10).hits
    ]


def test_articles_the_memory_never_saw_rank_as_without_it(unseen_searcher) -> None:  # noqa: ANN001
    """On other topics no candidate holds a remembered anchor: the shipped memory is silent."""
    off = unseen_searcher.with_settings(replace(unseen_searcher.settings, memory_weight=0.0))
    for question in [
        "how do I get my dad to stop driving?",
        "my roommate won't pay his share of the rent",
        "my teenager refuses to see a doctor, can I make him go?",
    ]:
        ids = [h.passage.passage_id for h in unseen_searcher.search(question, k=10).hits]
        assert ids == [h.passage.passage_id for h in off.search(question, k=10).hits]


def test_fit_memory_remembers_every_answerable_question(searcher) -> None:  # noqa: ANN001
    fit_adapter, fit_memory = eval_script("fit_adapter"), eval_script("fit_memory")
    from advice_search.evaluate import Question

    question = Question(
        "m1", "she says therapy is for crazy people", ("seek therapy for yourself",)
    )
    plain = searcher.with_settings(replace(searcher.settings, query_adapter=False))
    texts = [normalise(p.text) for p in searcher.index.passages]
    rows = tuple(i for i, t in enumerate(texts) if "seek therapy for yourself" in t)
    assert rows
    examples = fit_adapter.Examples(
        "t", (question,), plain.ranking_vector(question.text)[None, :], (rows,)
    )
    made = fit_memory.remember([examples])
    assert made.anchors == (("seek therapy for yourself",),) and len(made) == 1
    off_topic = Question("m2", "how long do I boil an egg?", (), "off-topic")
    both = fit_adapter.Examples(
        "t", (question,), examples.vectors, (rows,), every=(question, off_topic)
    )
    made = fit_memory.remember([both], searcher)
    assert made.anchors == (("seek therapy for yourself",), ()) and made.answered.tolist() == [
        True,
        False,
    ]
