"""The crisis detector on a labelled set: caught crisis questions and flagged ordinary ones.

    .venv/bin/python eval/crisis_check.py eval/crisis/blind.jsonl [--half tune|holdout] [--list]
        [--rules-only] [--index DIR]

What a search decides (``Searcher.assess``): the safety rules, then the danger model
(advice_search/danger.py) unless ``--rules-only``.

A file holds one JSON object a line with ``id``, ``q``, ``kind`` ("crisis" or "ordinary") and
optionally ``after`` (the earlier question of a follow-up) and ``form``. The halves: odd ids
(c001, c003, ...) are ``tune``, even ids ``holdout``. With ``--list`` the missed crisis
questions and the flagged ordinary ones are listed by id and form (never their text, so a
holdout stays unread).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from advice_search.ranking import RankSettings
from advice_search.search import Searcher


def load(path: Path, half: str | None) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    for row in rows:
        if row.get("kind") not in ("crisis", "ordinary") or not row.get("q"):
            sys.exit(f"{path}: {row.get('id')!r} needs a q and a kind of crisis or ordinary")
    if half is None:
        return rows
    odd = half == "tune"
    return [r for r in rows if (int(re.sub(r"\D", "", r["id"]) or 0) % 2 == 1) == odd]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--half", choices=("tune", "holdout"))
    parser.add_argument("--list", action="store_true", help="ids and forms of the mistakes")
    parser.add_argument("--rules-only", action="store_true", help="without the danger model")
    parser.add_argument("--index", type=Path, default=Path(__file__).parent.parent / "index")
    args = parser.parse_args()
    searcher = Searcher.open(args.index, settings=RankSettings(danger_model=not args.rules_only))
    rows = load(args.file, args.half)
    missed, flagged = [], []
    for row in rows:
        found = searcher.assess(row["q"], row.get("after")).is_crisis
        if row["kind"] == "crisis" and not found:
            missed.append(row)
        if row["kind"] == "ordinary" and found:
            flagged.append(row)
    kinds = Counter(r["kind"] for r in rows)
    crisis, ordinary = kinds["crisis"], kinds["ordinary"]
    print(f"{args.file} {args.half or 'all'}: crisis caught {crisis - len(missed)}/{crisis}, "
          f"ordinary flagged {len(flagged)}/{ordinary}")  # fmt: skip
    if args.list:
        for row in missed:
            print(f"  missed  {row['id']}  {row.get('form', '')}")
        for row in flagged:
            print(f"  flagged {row['id']}  {row.get('form', '')}")


if __name__ == "__main__":
    main()
