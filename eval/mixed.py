"""A library of several topics, and what the `confident` verdict does in it (issue 9, growth).

    .venv/bin/python eval/mixed.py --dir /tmp/mixed            # tune sets, both libraries
    .venv/bin/python eval/mixed.py --dir /tmp/mixed --final    # ...and holdout, fresh, near

The five seed articles are all on one topic, so an off-topic question is far from every
passage there. The mixed library adds the three articles of tests/fixtures/unseen and the
seven of eval/mixed/articles (toddler sleep, grief, a coworker, a landlord, a sibling's debt,
grandparents, friends in a new city), so off-topic questions land near some article. Built
in ``DIR/corpus`` and ``DIR/index`` (reused when it is there).

What a question is depends on the library: a question is answerable only where some passage
holds one of its anchors (elsewhere it is off-topic), and eval/mixed/labels.jsonl gives the
kind of off-topic questions that the added articles answer, where those articles are.
Kind "arguable" (an article's advice transfers, but it is about someone else) counts neither
way and is listed apart. Per library and set: c answerable confident, u unanswerable flagged,
f off-topic flagged, then hit@1 and hit@5 of the answerable ones; the fitted verdict
(confidence.py), the search's own (the rules of answerability.py and the answer check's
combination) and "apart" (the rules and the answer model's score apart, as before lead session
17).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from advice_search.builder import ingest
from advice_search.evaluate import Question, evaluate, load_questions
from advice_search.search import Searcher
from advice_search.text import normalise

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the eval scripts beside this one
from sweep import HOLDOUT, ROOT, TUNE  # noqa: E402

MIXED = ROOT / "eval" / "mixed"
LABELS = MIXED / "labels.jsonl"
MIXED_TUNE = [*TUNE, MIXED / "tune.jsonl"]
FINAL = [
    *HOLDOUT,
    MIXED / "holdout.jsonl",
    ROOT / "eval" / "fresh.jsonl",
    ROOT / "eval" / "near-off-topic.jsonl",
]
ARTICLES = [
    *sorted((ROOT / "corpus").glob("*.md")),
    *sorted((ROOT / "tests" / "fixtures" / "unseen").glob("*.md")),
    *sorted((MIXED / "articles").glob("*.md")),
]


def build(directory: Path) -> Path:
    """The mixed library's index in ``directory`` (its corpus copied beside it)."""
    corpus = directory / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for path in ARTICLES:
        shutil.copyfile(path, corpus / path.name)
    ingest(corpus, directory / "index")
    return directory / "index"


def load_labels(path: Path = LABELS) -> dict[str, dict]:
    """The labels by question id: kind and gold in a library holding their article."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {row["id"]: row for row in map(json.loads, filter(str.strip, lines))}


def library_kind(question: Question, label: dict | None, passages: list[str]) -> Question:
    """``question`` as it stands in a library of these (normalised) ``passages``."""

    def holds(gold: tuple[str, ...] | list[str]) -> bool:
        anchors = [normalise(g) for g in gold]
        return any(a in p for p in passages for a in anchors)

    if label is not None and holds(label["gold"]):
        return replace(question, kind=label["kind"], gold=tuple(label["gold"]))
    if question.category == "answerable" and not holds(question.gold):
        return replace(question, kind="off-topic", gold=())
    return question


def questions_in(searcher: Searcher, path: Path, labels: dict[str, dict]) -> list[Question]:
    """The questions of ``path`` with their kinds in ``searcher``'s library."""
    passages = [normalise(p.text) for p in searcher.index.passages]
    return [library_kind(q, labels.get(q.qid), passages) for q in load_questions(path)]


def summary(searcher: Searcher, questions: list[Question], name: str) -> str:
    """One set's flags and hits, as eval/sweep.py prints them; arguable questions apart."""
    counted = [q for q in questions if q.kind != "arguable"]
    report = evaluate(searcher, counted, name=name)
    cells = []
    for tag, (n, total) in (
        ("c", report.on_topic_confident),
        ("u", report.unanswerable_flagged),
        ("f", report.off_topic_flagged),
    ):
        if total:
            cells.append(f"{tag}{n}/{total}")
    if report.on_topic_confident[1]:
        cells.append(f"hit@1 {report.hit_at_1:.2f} hit@5 {report.hit_at_k:.2f}")
    arguable = [q for q in questions if q.kind == "arguable"]
    if arguable:
        sure = [q.qid for q in arguable if searcher.search(q.text).confident]
        cells.append(f"arguable confident: {', '.join(sure) or 'none'} of {len(arguable)}")
    return " ".join(cells)


def set_name(path: Path) -> str:
    """A set's name in reports: eval/mixed/tune.jsonl is "mixed-tune"."""
    return f"mixed-{path.stem}" if path.parent == MIXED else path.stem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="where the mixed library goes")
    parser.add_argument("--seeds-index", type=Path, default=ROOT / "index")
    parser.add_argument("--final", action="store_true", help="also the sets never tuned on")
    args = parser.parse_args()
    index = args.dir / "index"
    if not index.exists():
        build(args.dir)
    labels = load_labels()
    paths = MIXED_TUNE + (FINAL if args.final else [])
    for library, path in (("seeds", args.seeds_index), ("mixed", index)):
        searcher = Searcher.open(path)
        fitted = searcher.with_settings(replace(searcher.settings, learned_verdict=True))
        rules = searcher.with_settings(replace(searcher.settings, learned_verdict=False))
        apart = rules.with_settings(replace(rules.settings, answer_combined=False))
        for name, variant in (("fitted", fitted), ("rules", rules), ("apart", apart)):
            for set_path in paths:
                questions = questions_in(searcher, set_path, labels)
                line = summary(variant, questions, name)
                print(f"{library:<6} {name:<7} {set_name(set_path):<19} {line}", flush=True)


if __name__ == "__main__":
    main()
