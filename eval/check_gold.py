"""Check eval JSONL files: record shape, kind/shape labels, and that every gold anchor is sound.

An anchor is sound when it is 3-8 words, occurs exactly once in the cleaned corpus (inside one
paragraph, so one passage can hold it whole) and also occurs in the raw seed articles. A hit is
"a passage containing an anchor", so an anchor found twice would reward the wrong passage and
one spanning a paragraph break could never be hit.

Usage: python3 eval/check_gold.py FILE.jsonl [FILE.jsonl ...] [--corpus DIR] [--seeds DIR]
                                  [--passages PASSAGES.jsonl]
--passages also checks each anchor against the passages an ingest actually made (one JSON
object with a "text" field a line, e.g. index/builds/<id>/passages.jsonl): it must lie whole in
exactly one of them, or cleaning and splitting have made it unreachable.
Exits 1 when any file has a problem, listing each one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's package: runs without installing anything
from advice_search.text import normalise  # noqa: E402

KINDS = {"answerable", "unanswerable", "off-topic", "crisis"}
SHAPES = {"long", "followup", "reluctant", "blunt", "misspelled", "plain", "paraphrase"}
MIN_WORDS, MAX_WORDS, MAX_ANCHORS = 3, 8, 4
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)


def norm(text: str) -> str:
    """The form anchors are matched in, as ``advice-search eval`` matches them."""
    return normalise(text)


def paragraphs(directory: Path) -> list[str]:
    """Normalised paragraphs (blank-line separated) of every .md/.txt body in ``directory``."""
    out: list[str] = []
    for path in sorted(directory.iterdir()):
        if path.suffix in {".md", ".txt"}:
            body = FRONT_MATTER.sub("", path.read_text(encoding="utf-8").replace("\r\n", "\n"))
            out += [norm(p) for p in re.split(r"\n[ \t]*\n", body) if p.strip()]
    return out


def passage_texts(path: Path) -> list[str]:
    """Normalised "text" of every record of a passages JSONL file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [norm(json.loads(line)["text"]) for line in lines if line.strip()]


def anchor_problems(
    anchor: str, corpus: list[str], seeds: str, *, sized: bool, passages: list[str] | None = None
) -> list[str]:
    """What is wrong with one anchor (empty when it is sound); ``sized`` checks 3-8 words."""
    a = norm(anchor)
    problems = []
    if passages is not None and (n := sum(a in p for p in passages)) != 1:
        problems.append(f"in {n} indexed passages, want exactly 1")
    if sized and not MIN_WORDS <= len(a.split()) <= MAX_WORDS:
        problems.append(f"{len(a.split())} words, want {MIN_WORDS}-{MAX_WORDS}")
    found = sum(p.count(a) for p in corpus)
    if found == 0:
        joined = " ".join(corpus)
        where = "spans a paragraph break" if a in joined else "not in the corpus"
        problems.append(where)
    elif found > 1:
        problems.append(f"occurs {found} times in the corpus, want exactly once")
    if a not in seeds:
        problems.append("not in the raw seed articles")
    return problems


def record_problems(rec: object, labelled: bool) -> list[str]:
    """Problems with one record's fields (not its anchors' presence in the corpus)."""
    if not isinstance(rec, dict):
        return ["not a JSON object"]
    problems = []
    if not isinstance(rec.get("id"), str) or not rec["id"]:
        problems.append("id must be a non-empty string")
    if not isinstance(rec.get("q"), str) or not rec["q"].strip():
        problems.append("q must be a non-empty string")
    if "after" in rec and (not isinstance(rec["after"], str) or not rec["after"].strip()):
        problems.append("after, when given, must be the earlier question (non-empty string)")
    gold = rec.get("gold")
    if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
        return problems + ["gold must be a list of strings"]
    if len(gold) > MAX_ANCHORS:
        problems.append(f"{len(gold)} anchors, want at most {MAX_ANCHORS}")
    if len({norm(g) for g in gold}) != len(gold):
        problems.append("the same anchor twice")
    if not labelled:
        return problems
    kind, shape = rec.get("kind"), rec.get("shape")
    if kind not in KINDS:
        problems.append(f"kind {kind!r} not one of {sorted(KINDS)}")
    if shape not in SHAPES:
        problems.append(f"shape {shape!r} not one of {sorted(SHAPES)}")
    if kind == "answerable" and not gold:
        problems.append("answerable but gold is empty")
    if kind in KINDS - {"answerable"} and gold:
        problems.append(f"{kind} must have gold: []")
    return problems


def check_file(
    path: Path, corpus: list[str], seeds: str, passages: list[str] | None = None
) -> tuple[list[str], Counter[str]]:
    """Problems of one JSONL file, and its counts per kind/shape."""
    lines = [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)]
    records: list[tuple[int, object]] = []
    problems: list[str] = []
    for n, line in lines:
        if line.strip():
            try:
                records.append((n, json.loads(line)))
            except ValueError as exc:
                problems.append(f"line {n}: not JSON ({exc})")
    # A file that labels one record must label them all. Older sets (dev, own) label none, and
    # the 3-8 word rule for anchors is checked on labelled sets only (dev has 2- and 9-word ones).
    labelled = any(isinstance(r, dict) and ("kind" in r or "shape" in r) for _, r in records)
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    for n, rec in records:
        where = f"line {n} ({rec.get('id') if isinstance(rec, dict) else '?'})"
        problems += [f"{where}: {p}" for p in record_problems(rec, labelled)]
        if not isinstance(rec, dict):
            continue
        if rec.get("id") in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(rec.get("id"))
        counts[f"{rec.get('kind', 'on-topic' if rec.get('gold') else 'off-topic')}"] += 1
        if labelled:
            counts[f"{rec.get('kind')}/{rec.get('shape')}"] += 1
        for anchor in rec.get("gold") or []:
            if isinstance(anchor, str):
                problems += [
                    f"{where}: anchor {anchor!r}: {p}"
                    for p in anchor_problems(
                        anchor, corpus, seeds, sized=labelled, passages=passages
                    )
                ]
    return problems, counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    parser.add_argument("--passages", type=Path, help="passages.jsonl of a built index")
    args = parser.parse_args(argv)
    for directory in (args.corpus, args.seeds):
        if not directory.is_dir():
            print(
                f"check_gold: {directory} is not a directory; pass --corpus/--seeds",
                file=sys.stderr,
            )
            return 2
    corpus = paragraphs(args.corpus)
    seeds = " ".join(paragraphs(args.seeds))
    if not corpus:
        print(f"check_gold: no .md/.txt files in {args.corpus}", file=sys.stderr)
        return 2
    passages = passage_texts(args.passages) if args.passages else None
    failed = False
    for path in args.files:
        problems, counts = check_file(path, corpus, seeds, passages)
        total = sum(v for k, v in counts.items() if "/" not in k)
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if "/" not in k)
        print(f"{path}: {total} questions ({summary})")
        if shapes := [f"{k} {v}" for k, v in sorted(counts.items()) if "/" in k]:
            print(f"  by kind/shape: {', '.join(shapes)}")
        for p in problems:
            print(f"  PROBLEM {p}")
        print("  FAIL" if problems else "  OK")
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
