"""Score the search on a gold set (format: ../shared/eval/README.md).

A returned passage is a hit when it contains one of the question's anchor phrases after
normalising (lower case, straight quotes, collapsed whitespace), so scores do not depend on
how articles are cut. Off-topic questions (no anchors) should come back not confident.

Optional fields per question: ``kind`` (``answerable``, ``unanswerable`` for on-topic questions
the library does not answer, ``off-topic``, ``crisis``) and ``shape`` (``long``, ``followup``,
``reluctant``, ``blunt``, ``misspelled``, ``plain``...). Without ``kind``, a question with
anchors is answerable and one without is off-topic, so older files read as before.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .search import Searcher, SearchResult
from .text import normalise

DEPTH = 10
KINDS = ("answerable", "unanswerable", "off-topic", "crisis")


class EvalFileError(ValueError):
    """The gold file cannot be read; the message names the line."""


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    gold: tuple[str, ...]
    kind: str = ""  # one of KINDS; "" means: answerable with anchors, else off-topic
    shape: str | None = None
    after: str | None = None  # the earlier question of its thread: asked as a follow-up

    @property
    def on_topic(self) -> bool:
        return bool(self.gold)

    @property
    def category(self) -> str:
        return self.kind or ("answerable" if self.gold else "off-topic")


@dataclass(frozen=True)
class QuestionOutcome:
    """What the search did with one question."""

    question: Question
    first_hit: int | None  # rank of the first hit within DEPTH, 1-based
    confident: bool
    dcg: float
    ideal_dcg: float
    crisis: bool = False  # the search flagged the question as a crisis
    safety_first: bool = False  # ...and answered in safety-first mode

    @property
    def qid(self) -> str:
        return self.question.qid

    @property
    def on_topic(self) -> bool:
        return self.question.on_topic

    @property
    def category(self) -> str:
        return self.question.category

    @property
    def shape(self) -> str | None:
        return self.question.shape


@dataclass(frozen=True)
class EvalReport:
    name: str
    k: int
    outcomes: tuple[QuestionOutcome, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def _on(self) -> list[QuestionOutcome]:
        """The questions ranking is scored on: answerable ones with anchors."""
        return [o for o in self.outcomes if o.on_topic and o.category == "answerable"]

    def _of(self, kind: str) -> list[QuestionOutcome]:
        return [o for o in self.outcomes if o.category == kind]

    def _off(self) -> list[QuestionOutcome]:
        return self._of("off-topic")

    @staticmethod
    def _share(outcomes: list[QuestionOutcome], test: Callable[[QuestionOutcome], bool]) -> float:
        return sum(map(test, outcomes)) / len(outcomes) if outcomes else 0.0

    def _hit_at(self, outcomes: list[QuestionOutcome], k: int) -> float:
        return self._share(outcomes, lambda o: o.first_hit is not None and o.first_hit <= k)

    @staticmethod
    def _mrr(outcomes: list[QuestionOutcome]) -> float:
        return (
            sum(1 / o.first_hit for o in outcomes if o.first_hit) / len(outcomes)
            if outcomes
            else 0.0
        )

    @property
    def hit_at_1(self) -> float:
        return self._hit_at(self._on(), 1)

    @property
    def hit_at_k(self) -> float:
        return self._hit_at(self._on(), self.k)

    @property
    def mrr(self) -> float:
        return self._mrr(self._on())

    @property
    def ndcg(self) -> float:
        on = self._on()
        return sum(o.dcg / o.ideal_dcg for o in on if o.ideal_dcg) / len(on) if on else 0.0

    @property
    def off_topic_flagged(self) -> tuple[int, int]:
        off = self._off()
        return sum(not o.confident for o in off), len(off)

    @property
    def unanswerable_flagged(self) -> tuple[int, int]:
        rows = self._of("unanswerable")
        return sum(not o.confident for o in rows), len(rows)

    @property
    def on_topic_confident(self) -> tuple[int, int]:
        """Answerable questions (with or without anchors) that came back confident."""
        rows = self._of("answerable")
        return sum(o.confident for o in rows), len(rows)

    @property
    def crisis_flagged(self) -> tuple[int, int]:
        """Crisis questions flagged as such, and answered safety-first."""
        rows = self._of("crisis")
        return sum(o.crisis and o.safety_first for o in rows), len(rows)

    def by_shape(self) -> dict[str, dict[str, Any]]:
        """Per question shape: ranking metrics over answerable questions, flags over the rest."""
        shapes = sorted({o.shape for o in self.outcomes if o.shape})
        table: dict[str, dict[str, Any]] = {}
        for shape in shapes:
            ranked = [o for o in self._on() if o.shape == shape]
            flag = [
                o
                for o in self.outcomes
                if o.shape == shape and o.category in ("unanswerable", "off-topic")
            ]
            table[shape] = {
                "answerable": len(ranked),
                "hit@1": round(self._hit_at(ranked, 1), 4),
                f"hit@{self.k}": round(self._hit_at(ranked, self.k), 4),
                f"mrr@{DEPTH}": round(self._mrr(ranked), 4),
                "confident": sum(o.confident for o in ranked),
                "not_confident_of_unanswered": [sum(not o.confident for o in flag), len(flag)],
            }
        return table

    @property
    def missed(self) -> tuple[str, ...]:
        """On-topic ids with no hit in the first k."""
        return tuple(o.qid for o in self._on() if o.first_hit is None or o.first_hit > self.k)

    def to_json(self) -> dict[str, Any]:
        should_flag = ("off-topic", "unanswerable")
        return {
            "name": self.name,
            "questions": len(self.outcomes),
            "hit@1": round(self.hit_at_1, 4),
            f"hit@{self.k}": round(self.hit_at_k, 4),
            f"mrr@{DEPTH}": round(self.mrr, 4),
            f"ndcg@{DEPTH}": round(self.ndcg, 4),
            "off_topic_not_confident": list(self.off_topic_flagged),
            "unanswerable_not_confident": list(self.unanswerable_flagged),
            "on_topic_confident": list(self.on_topic_confident),
            "crisis_safety_first": list(self.crisis_flagged),
            "by_shape": self.by_shape(),
            "missed": list(self.missed),
            "unconfident_on_topic": [o.qid for o in self._of("answerable") if not o.confident],
            "confident_off_topic": [
                o.qid for o in self.outcomes if o.category in should_flag and o.confident
            ],
            **self.extra,
        }


def load_questions(path: Path) -> list[Question]:
    """Questions of a JSONL gold file; EvalFileError naming the bad line."""
    questions = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise EvalFileError(f"Cannot read {path}: {error.strerror}.") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            gold = row.get("gold", [])
            if not isinstance(gold, list):
                raise TypeError("gold must be a list")
            kind = str(row.get("kind", ""))
            if kind and kind not in KINDS:
                raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
            shape = row.get("shape")
            after = row.get("after")
            if after is not None and not isinstance(after, str):
                raise TypeError("after must be the earlier question, as text")
            questions.append(
                Question(
                    str(row["id"]),
                    str(row["q"]),
                    tuple(map(str, gold)),
                    kind=kind,
                    shape=str(shape) if shape else None,
                    after=after,
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise EvalFileError(
                f'{path}, line {number}: expected {{"id", "q", "gold": [...]}} ({error}).'
            ) from None
    if not questions:
        raise EvalFileError(f"{path} has no questions.")
    return questions


def first_hit(texts: Sequence[str], gold: Sequence[str]) -> int | None:
    """1-based rank of the first text containing a gold anchor, else None."""
    anchors = [normalise(g) for g in gold]
    for rank, text in enumerate(texts, start=1):
        norm = normalise(text)
        if any(a in norm for a in anchors):
            return rank
    return None


def _dcg(texts: Sequence[str], anchors: list[str]) -> float:
    return sum(
        1 / math.log2(rank + 1)
        for rank, text in enumerate(texts, start=1)
        if any(a in normalise(text) for a in anchors)
    )


def evaluate(
    searcher: Searcher, questions: Sequence[Question], *, k: int = 5, name: str = "search"
) -> EvalReport:
    """Run every question through ``searcher`` and score the results."""
    corpus_texts = [normalise(p.text) for p in searcher.index.passages]
    outcomes = []
    for question in questions:
        result: SearchResult = searcher.search(question.text, k=DEPTH, after=question.after)
        texts = [hit.passage.text for hit in result.hits]
        anchors = [normalise(g) for g in question.gold]
        relevant = sum(any(a in t for a in anchors) for t in corpus_texts)
        ideal = sum(1 / math.log2(r + 1) for r in range(1, min(relevant, DEPTH) + 1))
        outcomes.append(
            QuestionOutcome(
                question=question,
                first_hit=first_hit(texts, question.gold) if question.gold else None,
                confident=result.confident,
                dcg=_dcg(texts, anchors) if anchors else 0.0,
                ideal_dcg=ideal,
                crisis=result.crisis,
                safety_first=result.safety_first,
            )
        )
    return EvalReport(name, k, tuple(outcomes))
