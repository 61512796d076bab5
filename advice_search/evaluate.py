"""Score the search on a gold set (format: ../shared/eval/README.md).

A returned passage is a hit when it contains one of the question's anchor phrases after
normalising (lower case, straight quotes, collapsed whitespace), so scores do not depend on
how articles are cut. Off-topic questions (no anchors) should come back not confident.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .ranking import RankSettings
from .search import Searcher, SearchResult
from .text import normalise

DEPTH = 10


class EvalFileError(ValueError):
    """The gold file cannot be read; the message names the line."""


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    gold: tuple[str, ...]

    @property
    def on_topic(self) -> bool:
        return bool(self.gold)


@dataclass(frozen=True)
class QuestionOutcome:
    qid: str
    first_hit: int | None  # rank of the first hit within DEPTH, 1-based
    confident: bool
    on_topic: bool
    dcg: float
    ideal_dcg: float


@dataclass(frozen=True)
class EvalReport:
    name: str
    k: int
    outcomes: tuple[QuestionOutcome, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def _on(self) -> list[QuestionOutcome]:
        return [o for o in self.outcomes if o.on_topic]

    def _off(self) -> list[QuestionOutcome]:
        return [o for o in self.outcomes if not o.on_topic]

    def _share(
        self, outcomes: list[QuestionOutcome], test: Callable[[QuestionOutcome], bool]
    ) -> float:
        return sum(map(test, outcomes)) / len(outcomes) if outcomes else 0.0

    @property
    def hit_at_1(self) -> float:
        return self._share(self._on(), lambda o: o.first_hit == 1)

    @property
    def hit_at_k(self) -> float:
        return self._share(self._on(), lambda o: o.first_hit is not None and o.first_hit <= self.k)

    @property
    def mrr(self) -> float:
        on = self._on()
        return sum(1 / o.first_hit for o in on if o.first_hit) / len(on) if on else 0.0

    @property
    def ndcg(self) -> float:
        on = self._on()
        return sum(o.dcg / o.ideal_dcg for o in on if o.ideal_dcg) / len(on) if on else 0.0

    @property
    def off_topic_flagged(self) -> tuple[int, int]:
        off = self._off()
        return sum(not o.confident for o in off), len(off)

    @property
    def on_topic_confident(self) -> tuple[int, int]:
        on = self._on()
        return sum(o.confident for o in on), len(on)

    @property
    def missed(self) -> tuple[str, ...]:
        """On-topic ids with no hit in the first k."""
        return tuple(o.qid for o in self._on() if o.first_hit is None or o.first_hit > self.k)

    def to_json(self) -> dict[str, Any]:
        flagged, n_off = self.off_topic_flagged
        confident, n_on = self.on_topic_confident
        return {
            "name": self.name,
            "questions": len(self.outcomes),
            "hit@1": round(self.hit_at_1, 4),
            f"hit@{self.k}": round(self.hit_at_k, 4),
            f"mrr@{DEPTH}": round(self.mrr, 4),
            f"ndcg@{DEPTH}": round(self.ndcg, 4),
            "off_topic_not_confident": [flagged, n_off],
            "on_topic_confident": [confident, n_on],
            "missed": list(self.missed),
            "unconfident_on_topic": [o.qid for o in self._on() if not o.confident],
            "confident_off_topic": [o.qid for o in self._off() if o.confident],
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
            questions.append(Question(str(row["id"]), str(row["q"]), tuple(map(str, gold))))
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
        result: SearchResult = searcher.search(question.text, k=DEPTH)
        texts = [hit.passage.text for hit in result.hits]
        anchors = [normalise(g) for g in question.gold]
        relevant = sum(any(a in t for a in anchors) for t in corpus_texts)
        ideal = sum(1 / math.log2(r + 1) for r in range(1, min(relevant, DEPTH) + 1))
        outcomes.append(
            QuestionOutcome(
                qid=question.qid,
                first_hit=first_hit(texts, question.gold) if question.gold else None,
                confident=result.confident,
                on_topic=question.on_topic,
                dcg=_dcg(texts, anchors) if anchors else 0.0,
                ideal_dcg=ideal,
            )
        )
    return EvalReport(name, k, tuple(outcomes))


def baselines(searcher: Searcher) -> dict[str, Searcher]:
    """The full ranking and the two single-signal rankings it is compared against."""
    full = searcher.settings
    off = {"use_sentence": False, "diversify": False}
    return {
        "full": searcher,
        "dense-only": searcher.with_settings(
            RankSettings(**{**full.to_json(), **off, "use_lexical": False})
        ),
        "bm25-only": searcher.with_settings(
            RankSettings(**{**full.to_json(), **off, "use_dense": False})
        ),
    }


def format_table(reports: Sequence[EvalReport]) -> str:
    """A plain-text table, one row per report."""
    header = f"{'ranking':<14}{'hit@1':>7}{'hit@k':>7}{'MRR@10':>8}{'nDCG@10':>9}{'off-topic':>11}{'on-topic':>10}"
    lines = [header, "-" * len(header)]
    for r in reports:
        flagged, n_off = r.off_topic_flagged
        conf, n_on = r.on_topic_confident
        calibrated = r.name == "full"
        off_cell = f"{flagged}/{n_off}" if calibrated else "-"
        on_cell = f"{conf}/{n_on}" if calibrated else "-"
        lines.append(
            f"{r.name:<14}{r.hit_at_1:>7.2f}{r.hit_at_k:>7.2f}{r.mrr:>8.3f}{r.ndcg:>9.3f}"
            f"{off_cell:>11}{on_cell:>10}"
        )
    lines.append(
        "(the confidence threshold is calibrated for the full ranking only; other rows show '-')"
    )
    return "\n".join(lines)


def ablation(searcher: Searcher) -> dict[str, Searcher]:
    """The full ranking with each stage switched off in turn, and the single-signal baselines."""
    base = searcher.settings.to_json()

    def variant(**changes: bool) -> Searcher:
        return searcher.with_settings(RankSettings(**{**base, **changes}))

    return {
        "full": searcher,
        "no sentence": variant(use_sentence=False),
        "no bm25": variant(use_lexical=False),
        "no dense": variant(use_dense=False),
        "no diversity": variant(diversify=False),
        **{name: s for name, s in baselines(searcher).items() if name != "full"},
    }
