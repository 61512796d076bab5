"""Batch questions (``search --queries``): one output line for every input line, always.

A line is a question in plain words, or a JSON object with "q" (and an optional "id", and
"after": the earlier question it follows, as in ``search --after``). A line
that cannot be searched (blank, an object without "q") gets an "error" on its own output
line and the others go on. Every output carries its input's line number, so outputs can be
matched to inputs even when a question repeats or a line is blank.

Input is hostile territory: JSON escapes can spell lone surrogates ("\\ud800"), which no
encoder can print, and U+2028/U+2029 inside a JSON string would split a "line" for readers
that split on Unicode line breaks. Both are neutralised here, in one place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

NEEDS_Q = 'a JSON line needs a "q" field holding the question as text'
AFTER_TEXT = '"after" must be the earlier question, as text'
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Query:
    """One input line: its number, the question (printable), its id, or why it is unusable."""

    line: int
    question: str
    id: str | None = None
    error: str | None = None
    after: str | None = None  # the earlier question of its thread, when it is a follow-up


def printable(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD, so it can always be encoded."""
    return _SURROGATE.sub("\ufffd", text)


def parse_line(number: int, line: str) -> Query:
    """A line as a question. Text starting with "{" is JSON only if it parses as an object."""
    text = line.strip()
    row: Any = None
    if text.startswith("{"):
        try:
            row = json.loads(text)
        except ValueError:  # "{{7*7}}" is a question that starts with a brace
            row = None
    if not isinstance(row, dict):
        return Query(number, printable(text))
    raw_id = row.get("id")
    qid = None if raw_id is None else printable(raw_id if isinstance(raw_id, str) else str(raw_id))
    question = row.get("q")
    if not isinstance(question, str):
        return Query(number, printable(text), qid, NEEDS_Q)
    after = row.get("after")
    if after is not None and not isinstance(after, str):
        return Query(number, printable(question), qid, AFTER_TEXT)
    return Query(
        number, printable(question), qid, after=None if after is None else printable(after)
    )


def read_queries(lines: Iterable[str]) -> Iterator[Query]:
    for number, line in enumerate(lines, start=1):
        yield parse_line(number, line)


def json_line(payload: dict[str, Any], *, ascii_only: bool = False) -> str:
    """``payload`` as one line of JSON that no reader can split or fail to encode."""
    text = json.dumps(payload, ensure_ascii=ascii_only)
    return printable(text).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
