"""Scoring rules of the gold sets (shared/eval/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from advice_search.evaluate import (
    EvalFileError,
    EvalReport,
    Question,
    QuestionOutcome,
    first_hit,
    load_questions,
)


def test_anchor_matching_normalises_case_quotes_and_whitespace() -> None:
    texts = ["Nothing here.", "We  can’t FORCE\nsomeone to do anything."]
    assert first_hit(texts, ["can't force someone"]) == 2
    assert first_hit(texts, ["not present"]) is None


def test_check_gold_matches_anchors_like_eval_without_installing(tmp_path: Path) -> None:
    """``python3 eval/check_gold.py`` imports the checkout's normaliser, no site-packages needed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("We  can’t FORCE\nsomeone to do anything.", encoding="utf-8")
    questions = tmp_path / "q.jsonl"
    records = [
        {"id": "1", "q": "x", "gold": ["can't force someone"]},
        {"id": "2", "q": "y", "gold": ["not present here"]},
    ]
    questions.write_text("\n".join(map(json.dumps, records)), encoding="utf-8")
    script = Path(__file__).resolve().parents[1] / "eval" / "check_gold.py"
    run = subprocess.run(
        [sys.executable, "-I", "-S", str(script), str(questions), "--corpus", str(corpus)]
        + ["--seeds", str(corpus)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert run.returncode == 1, run.stderr
    assert [line.strip() for line in run.stdout.splitlines()[1:]] == [
        "PROBLEM line 2 (2): anchor 'not present here': not in the corpus",
        "PROBLEM line 2 (2): anchor 'not present here': not in the raw seed articles",
        "FAIL",
    ]


def _outcome(qid: str, rank: int | None, confident: bool, on_topic: bool = True) -> QuestionOutcome:
    question = Question(qid, "a question", ("an anchor",) if on_topic else ())
    return QuestionOutcome(question, rank, confident, 1.0 if rank == 1 else 0.0, 1.0)


def test_metrics_on_a_hand_made_run() -> None:
    report = EvalReport(
        "t",
        5,
        (
            _outcome("a", 1, True),
            _outcome("b", 2, True),
            _outcome("c", 7, False),
            _outcome("d", None, True),
            _outcome("x", None, False, on_topic=False),
        ),
    )
    assert report.hit_at_1 == 0.25
    assert report.hit_at_k == 0.5
    assert report.mrr == pytest.approx((1 + 1 / 2 + 1 / 7) / 4)
    assert report.missed == ("c", "d")
    assert report.off_topic_flagged == (1, 1)
    assert report.on_topic_confident == (3, 4)


def test_the_dev_set_loads(tmp_path: Path) -> None:
    dev = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"
    questions = load_questions(dev)
    assert len(questions) >= 20 and any(not q.on_topic for q in questions)


def test_bad_gold_lines_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "q": "ok", "gold": []}\nnot json\n')
    with pytest.raises(EvalFileError, match="line 2"):
        load_questions(bad)


def test_kind_and_shape_are_read_and_old_files_keep_their_meaning(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        '{"id": "a", "q": "one", "gold": ["x"], "kind": "answerable", "shape": "long"}\n'
        '{"id": "u", "q": "two", "gold": [], "kind": "unanswerable", "shape": "blunt"}\n'
        '{"id": "o", "q": "three", "gold": []}\n'
        '{"id": "p", "q": "four", "gold": ["y"]}\n'
    )
    questions = {q.qid: q for q in load_questions(gold)}
    assert questions["a"].shape == "long" and questions["u"].category == "unanswerable"
    assert questions["o"].category == "off-topic" and questions["p"].category == "answerable"


def test_an_unknown_kind_is_refused_with_its_line(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "q": "one", "gold": [], "kind": "maybe"}\n')
    with pytest.raises(EvalFileError, match="line 1.*kind must be one of"):
        load_questions(gold)


def test_flags_and_shapes_are_counted_per_kind() -> None:
    def outcome(
        qid: str, rank: int | None, confident: bool, kind: str, shape: str
    ) -> QuestionOutcome:
        gold = ("an anchor",) if kind == "answerable" else ()
        return QuestionOutcome(Question(qid, "q", gold, kind, shape), rank, confident, 0.0, 1.0)

    report = EvalReport(
        "t",
        5,
        (
            outcome("a1", 1, True, "answerable", "long"),
            outcome("a2", 3, False, "answerable", "long"),
            outcome("a3", None, True, "answerable", "blunt"),
            outcome("u1", None, False, "unanswerable", "long"),
            outcome("u2", None, True, "unanswerable", "blunt"),
            outcome("o1", None, False, "off-topic", "plain"),
            QuestionOutcome(
                Question("c1", "q", (), "crisis", "long"), None, True, 0.0, 0.0, True, True
            ),
        ),
    )
    assert report.hit_at_1 == pytest.approx(1 / 3)
    assert report.unanswerable_flagged == (1, 2)
    assert report.off_topic_flagged == (1, 1)
    assert report.on_topic_confident == (2, 3)
    assert report.crisis_flagged == (1, 1)
    shapes = report.by_shape()
    assert shapes["long"]["answerable"] == 2 and shapes["long"]["hit@1"] == 0.5
    assert shapes["long"]["mrr@10"] == pytest.approx((1 + 1 / 3) / 2, abs=1e-4)
    assert shapes["blunt"]["not_confident_of_unanswered"] == [0, 1]
    assert report.to_json()["confident_off_topic"] == ["u2"]


def test_a_question_with_an_earlier_one_is_asked_as_a_follow_up(
    tmp_path: Path,
    searcher,  # noqa: ANN001
) -> None:
    from advice_search.evaluate import evaluate

    gold = tmp_path / "threads.jsonl"
    follow_up = {
        "q": "and if he still says no after all that?",
        "gold": ["call it quits just yet", "consider attending sessions by yourself"],
        "kind": "answerable",
    }
    earlier = "My husband won't go to couples counseling with me. How do I get him to reconsider?"
    gold.write_text(
        json.dumps({"id": "t", **follow_up, "after": earlier}) + "\n"
        + json.dumps({"id": "a", **follow_up}) + "\n"
    )  # fmt: skip
    threaded, alone = load_questions(gold)
    assert threaded.after == earlier and alone.after is None
    outcomes = evaluate(searcher, [threaded, alone]).outcomes
    for outcome, after in zip(outcomes, (earlier, None), strict=True):
        expected = searcher.search(outcome.question.text, k=10, after=after)
        assert outcome.confident == expected.confident
    assert outcomes[0].dcg != outcomes[1].dcg  # the thread is what it matches

    gold.write_text(json.dumps({"id": "b", **follow_up, "after": ["x"]}) + "\n")
    with pytest.raises(EvalFileError, match="line 1.*after must be the earlier question"):
        load_questions(gold)
