"""YAML front matter, read and written: an article's metadata fields, always as text.

Metadata is text. Plain YAML would turn ``title: yes`` into True and ``date: 12:30`` into 750
(minutes, in base 60), so the reader resolves no implicit type except null: every value stays
as written; and the writer quotes every value, so ``: # " '`` and backslashes survive too.
Values are cleaned the same way on both sides (``clean_value``: control and bidi characters
dropped, Unicode NFC, whitespace collapsed): YAML escapes ("\\u202e") can spell characters the
raw file never contained, which would display a title reversed. What is written is exactly
what is read back.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

import yaml

from .text import clean_control

FIELD_ORDER = ("title", "author", "site", "date", "url")
MAX_FIELD_CHARS = 500  # far above any title or URL: a longer value is not metadata

_NULL = "tag:yaml.org,2002:null"
_OPENING = re.compile(r"\A---[ \t]*\n")
_BLOCK = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FIELD = re.compile(r"[ \t]*[A-Za-z_][\w -]*:(?:[ \t]|$)", re.MULTILINE)


class FrontMatterError(ValueError):
    """The front matter cannot be read; the message says how to fix it."""


class _TextLoader(yaml.SafeLoader):
    """SafeLoader resolving no implicit type but null: scalars stay the text written."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == _NULL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """The known metadata fields (clean text) and the rest of ``text``.

    A file that opens with ``---`` and a ``field:`` line but never closes the block is
    refused: read as body, its metadata would become the article's first paragraph. A
    ``---`` followed by prose is a thematic break, not front matter.
    """
    match = _BLOCK.match(text)
    if not match:
        opening = _OPENING.match(text)
        if opening and _FIELD.match(text, opening.end()):
            raise FrontMatterError(
                "the front matter opened by --- on line 1 is never closed; add a --- line "
                "after its last field"
            )
        return {}, text
    try:
        data = yaml.load(match[1], Loader=_TextLoader) or {}  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise FrontMatterError(
            f"broken YAML front matter{where}; fix it or remove the --- block"
        ) from error
    if not isinstance(data, dict):
        raise FrontMatterError("front matter is not a list of `field: value` lines")
    meta = {key: value for key in FIELD_ORDER if (value := field_text(data.get(key)))}
    return meta, text[match.end() :]


def field_text(value: object) -> str | None:
    """A front matter value as clean one-line text: a scalar, or scalars joined ("A, B").

    Anything else is ignored: a nested structure (possibly a YAML alias bomb, which
    ``str()`` would expand exponentially) is not a title or an author, and neither is a
    value longer than any real one.
    """
    scalars = (str, int, float, datetime.date)
    if isinstance(value, list) and all(isinstance(v, scalars) for v in value):
        value = ", ".join(str(v) for v in value)
    if not isinstance(value, scalars):
        return None
    text = clean_value(str(value))
    return text if 0 < len(text) <= MAX_FIELD_CHARS else None


def clean_value(value: str) -> str:
    """A metadata value as the corpus reader will return it: one line, no control codes."""
    return " ".join(clean_control(value).split())


def quote(value: str) -> str:
    """``value`` as a YAML double-quoted scalar (printable characters kept as they are)."""
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:  # line and paragraph separators, format characters: escaped, never lost
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")  # fmt: skip
    out.append('"')
    return "".join(out)


def render(metadata: Mapping[str, str | None], body: str) -> str:
    """The file text: front matter with the fields that have a value, a blank line, the body.

    Fields are written in the usual order (title, author, site, date, url), others after.
    """
    keys = [k for k in FIELD_ORDER if k in metadata] + [k for k in metadata if k not in FIELD_ORDER]
    lines = ["---"]
    for key in keys:
        value = metadata[key]
        text = clean_value(str(value)) if value is not None else ""
        if 0 < len(text) <= MAX_FIELD_CHARS:  # as the reader would keep it
            lines.append(f"{key}: {quote(text)}")
    if len(lines) == 1:  # nothing known: no block at all (the reader wants one field or more)
        return body.strip() + "\n"
    lines.append("---")
    return "\n".join(lines) + "\n\n" + body.strip() + "\n"
