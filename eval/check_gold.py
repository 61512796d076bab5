"""Check that every gold anchor of an eval jsonl file occurs in a corpus directory.

Anchors are matched as ``advice-search eval`` matches them (``text.normalise``). Runs from
the checkout without installing anything: ``python3 eval/check_gold.py QUESTIONS CORPUS``.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's package
from advice_search.text import normalise  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: check_gold.py QUESTIONS.jsonl CORPUS_DIR", file=sys.stderr)
        return 2
    qfile, corpus = Path(argv[1]), Path(argv[2])
    docs = [
        normalise(p.read_text(encoding="utf-8"))
        for p in sorted(corpus.iterdir())
        if p.suffix in {".txt", ".md"}
    ]
    if not docs:
        print(f"no .txt/.md files in {corpus}", file=sys.stderr)
        return 2
    problems: list[str] = []
    seen: set[str] = set()
    n_on = n_off = 0
    for lineno, line in enumerate(qfile.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            qid, gold = str(rec["id"]), list(rec["gold"])
            str(rec["q"])
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"line {lineno}: bad record ({exc})")
            continue
        if qid in seen:
            problems.append(f"line {lineno}: duplicate id {qid}")
        seen.add(qid)
        n_on, n_off = (n_on + 1, n_off) if gold else (n_on, n_off + 1)
        for anchor in gold:
            if not any(normalise(anchor) in d for d in docs):
                problems.append(f"line {lineno}: {qid}: anchor not found: {anchor!r}")
    print(f"{qfile}: {n_on} on-topic, {n_off} off-topic, {len(docs)} corpus files")
    for p in problems:
        print("PROBLEM", p)
    print("FAIL" if problems else "OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
