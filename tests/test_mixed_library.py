"""eval/mixed.py: the many-topic library and the kind of each question in a given library."""

from __future__ import annotations

import json

import pytest

from advice_search.evaluate import Question, load_questions
from advice_search.text import normalise

from .conftest import ROOT, eval_script

mixed = eval_script("mixed")

TODDLER = "put them down drowsy. let your toddler fall asleep in the cot or bed without you."
COUPLES = "suggest a trial session of couples therapy."
LABEL = {"id": "z1", "kind": "answerable", "gold": ["let your toddler fall asleep"]}


def test_a_labelled_question_is_answerable_only_where_its_article_is() -> None:
    q = Question("z1", "how do i get my toddler to sleep", (), kind="off-topic")
    there = mixed.library_kind(q, LABEL, [normalise(COUPLES), normalise(TODDLER)])
    assert there.kind == "answerable" and there.gold == ("let your toddler fall asleep",)
    assert mixed.library_kind(q, LABEL, [normalise(COUPLES)]).kind == "off-topic"


def test_an_answerable_question_is_off_topic_where_no_passage_holds_its_anchor() -> None:
    q = Question("m1", "my toddler wakes at 3am", ("let your toddler fall asleep",))
    assert mixed.library_kind(q, None, [normalise(COUPLES)]).category == "off-topic"
    assert mixed.library_kind(q, None, [normalise(TODDLER)]).category == "answerable"
    far = Question("x1", "how do I descale a kettle", ())
    assert mixed.library_kind(far, None, [normalise(TODDLER)]) == far


@pytest.fixture(scope="module")
def mixed_passages(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The many-topic library built as eval/mixed.py builds it (the real model)."""
    from advice_search.index import SearchIndex

    index = mixed.build(tmp_path_factory.mktemp("mixed"))
    return [normalise(p.text) for p in SearchIndex.open(index).passages]


@pytest.mark.slow
def test_every_anchor_of_the_mixed_files_lies_whole_in_one_passage_of_the_library(
    mixed_passages: list[str],
) -> None:
    """Labels and questions were written before the first run; cleaning and splitting must
    keep each anchor whole and in one passage, or a hit could never be counted."""
    rows = [json.loads(line) for line in mixed.LABELS.read_text(encoding="utf-8").splitlines()]
    anchors = [(r["id"], g) for r in rows for g in r["gold"]]
    for path in (mixed.MIXED / "tune.jsonl", mixed.MIXED / "holdout.jsonl"):
        anchors += [(q.qid, g) for q in load_questions(path) for g in q.gold]
    assert len(anchors) > 60
    bad = [(qid, g) for qid, g in anchors if sum(normalise(g) in p for p in mixed_passages) != 1]
    assert bad == []


@pytest.mark.slow
def test_the_labels_answer_near_off_topic_questions_only_in_the_mixed_library(
    mixed_passages: list[str],
    searcher,  # noqa: ANN001
) -> None:
    labels = mixed.load_labels()
    near = load_questions(ROOT / "eval" / "near-off-topic.jsonl")
    seeds = mixed.questions_in(searcher, ROOT / "eval" / "near-off-topic.jsonl", labels)
    assert {q.category for q in seeds} == {"off-topic"}
    kinds = [mixed.library_kind(q, labels.get(q.qid), mixed_passages).kind for q in near]
    assert kinds.count("answerable") == 7 and kinds.count("arguable") == 1
