"""Write an article as Markdown with YAML front matter, the form ``corpus`` reads back.

Every value is written as a YAML double-quoted string, so no title is ever read as
something else: ``yes`` stays a string (not true), ``12:30`` stays text (not 750 minutes),
``2023-12-11`` stays the text it was, and ``: # " '`` and backslashes are escaped.
Values are cleaned the way the reader cleans them (control characters dropped, Unicode NFC,
whitespace collapsed), so what is written is exactly what is read back.
"""

from __future__ import annotations

from collections.abc import Mapping

from .text import clean_control

FIELD_ORDER = ("title", "author", "site", "date", "url")


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
        if value is not None and (text := clean_value(str(value))):
            lines.append(f"{key}: {quote(text)}")
    if len(lines) == 1:  # nothing known: no block at all (the reader wants one field or more)
        return body.strip() + "\n"
    lines.append("---")
    return "\n".join(lines) + "\n\n" + body.strip() + "\n"
