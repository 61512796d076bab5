"""Split labelled eval sets into a tune half and a held-out half, deterministically.

Records are grouped by (kind, shape) in file order; within each group they alternate between
``-tune`` and ``-holdout``. Groups alternate which half gets their first record (the 1st, 3rd...
group to appear starts in tune, the 2nd, 4th... in holdout), so groups of odd size do not all
tip the same way. Every kind and shape is thus in both halves in about the same proportion,
and the split never depends on the search's output. Re-running it on unchanged files gives
byte-identical halves.

Usage: python3 eval/split.py eval/forum.jsonl eval/paraphrase.jsonl
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path


def split(lines: list[str]) -> tuple[list[str], list[str]]:
    """(tune, holdout) lines of one labelled JSONL file, each half in the original order."""
    seen: defaultdict[tuple[str, str], int] = defaultdict(int)
    start: dict[tuple[str, str], int] = {}
    tune: list[str] = []
    holdout: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        rec = json.loads(line)
        group = (rec["kind"], rec["shape"])
        start.setdefault(group, len(start) % 2)
        (tune if (seen[group] + start[group]) % 2 == 0 else holdout).append(line)
        seen[group] += 1
    return tune, holdout


def write_atomic(path: Path, lines: list[str]) -> None:
    """Write ``lines`` to ``path`` via a temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: split.py FILE.jsonl [FILE.jsonl ...]", file=sys.stderr)
        return 2
    for name in argv:
        path = Path(name)
        tune, holdout = split(path.read_text(encoding="utf-8").splitlines())
        for suffix, half in (("tune", tune), ("holdout", holdout)):
            out = path.with_name(f"{path.stem}-{suffix}.jsonl")
            write_atomic(out, half)
            print(f"{out}: {len(half)} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
