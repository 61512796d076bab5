"""eval/firsts.py (first places per article, and which answer) and eval/hubness.py (hub scores)."""

from __future__ import annotations

import sys
from pathlib import Path

from advice_search.evaluate import Question

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from firsts import first_places, gold_share  # noqa: E402


def test_first_places_count_a_first_passage_without_the_answer_as_not_gold(
    unseen_searcher,  # noqa: ANN001
) -> None:
    """A question answered by another article than the one ranked first counts against the
    first one; the question's own answer does not; only answerable questions count."""
    ask = "How do I get my roommate to pay his share of the bills?"
    first = unseen_searcher.search(ask, k=1).hits[0].passage
    own_anchor = " ".join(first.text.split()[:5])
    other = next(p for p in unseen_searcher.index.passages if p.article_id != first.article_id)
    other_anchor = " ".join(other.text.split()[:5])
    questions = [
        Question("right", ask, (own_anchor,), kind="answerable"),
        Question("wrong", ask, (other_anchor,), kind="answerable"),
        Question("none", "How do I fix my wifi router?", (), kind="off-topic"),
    ]

    firsts = first_places(unseen_searcher, questions)

    assert firsts.questions == 2
    assert firsts.first == {first.article_id: 2}
    assert firsts.not_gold == {first.article_id: 1}
    share = gold_share(unseen_searcher, questions)
    assert share == {first.article_id: 1.0, other.article_id: 1.0}


def test_hub_scores_match_a_brute_force_mean_of_the_nearest_other_rows() -> None:
    """eval/hubness.py: a row's own group is never its neighbour, and scores are centred."""
    import numpy as np
    from hubness import hub_scores

    rng = np.random.default_rng(3)
    items = rng.standard_normal((7, 5)).astype(np.float32)
    items /= np.linalg.norm(items, axis=1, keepdims=True)
    groups = np.array([0, 0, 1, 1, 2, 2, 2])

    got = hub_scores(items, items, 2, groups, groups)

    expected = []
    for i in range(len(items)):
        others = [float(items[i] @ items[j]) for j in range(len(items)) if groups[j] != groups[i]]
        expected.append(np.mean(sorted(others)[-2:]))
    assert np.allclose(got, np.array(expected) - np.mean(expected), atol=1e-6)
    assert abs(float(got.mean())) < 1e-6
