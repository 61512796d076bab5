"""Bytes of a web page -> its text: the declared character set, else UTF-8; binary refused.

A page declares its encoding in the HTTP header or in a ``<meta charset>``; browsers follow
the WHATWG rules, where "ISO-8859-1" and "ASCII" mean Windows-1252. UTF-8 pages with a few
stray Windows-1252 bytes (curly quotes pasted into a CMS) are common: those bytes are read
as Windows-1252 with a note rather than refused. Anything that is not text (a PDF, an image,
a zip served as ``text/html``) is refused with what it looks like.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from .text import clean_control

_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
# WHATWG encoding labels that Python's codec of the same name would read differently.
_WHATWG = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "iso-8859-9": "cp1254",
    "tis-620": "cp874", "x-sjis": "shift_jis", "gb2312": "gb18030", "gbk": "gb18030",
}  # fmt: skip
_MAGIC = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "zip archive (or an Office document)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xd0\xcf\x11\xe0", "Office document"),
    (b"OggS", "audio file"),
    (b"ID3", "audio file"),
)


class PageDecodeError(Exception):
    """The bytes are not a readable web page; the message says what they are."""


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """The page's text and a note when the encoding had to be guessed or repaired."""
    if not data.strip():
        raise PageDecodeError("empty page (no content)")
    head = data[:16].lstrip()
    for magic, kind in _MAGIC:
        if head.startswith(magic) or (kind == "PNG image" and data.startswith(magic)):
            raise PageDecodeError(f"binary data (a {kind}), not a web page")
    if data[4:8] == b"ftyp" or (data[:4] == b"RIFF" and data[8:12] in (b"WEBP", b"WAVE")):
        raise PageDecodeError("binary data (a media file), not a web page")
    if data.startswith(codecs.BOM_UTF8):
        return _checked(data[3:].decode("utf-8", "replace")), None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(data.decode("utf-16", "replace")), None
    if b"\x00" in data[:8192]:
        raise PageDecodeError("binary data, not a web page")
    label = declared or _sniff_meta(data)
    encoding, note = _codec(label)
    if encoding == "utf-8":
        try:
            return _checked(data.decode("utf-8")), note
        except UnicodeDecodeError:
            text = data.decode("utf-8", "cp1252-fallback")
            return _checked(text), "some bytes were not UTF-8; read them as Windows-1252"
    try:
        return _checked(data.decode(encoding)), note
    except UnicodeDecodeError as error:
        raise PageDecodeError(
            f"its text cannot be read as {label} (the encoding it declares; byte "
            f"{error.start} is not {label}): the page may be damaged"
        ) from None


def _sniff_meta(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:_SNIFF_BYTES])
    return match[1].decode("ascii").strip() if match else None


def _codec(label: str | None) -> tuple[str, str | None]:
    """Python's codec for an encoding label; unknown labels fall back to UTF-8, noted."""
    if not label:
        return "utf-8", None
    name = _WHATWG.get(label.strip().lower(), label.strip().lower())
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return "utf-8", f"unknown encoding {label!r} declared; read as UTF-8"
    # UTF-16 without a BOM is declared by mistake far more often than used (WHATWG says so).
    return ("utf-8" if codec in ("utf-8", "utf-16", "utf-16-le", "utf-16-be") else codec), None


def _checked(text: str) -> str:
    """``text`` if it reads as text; binary data decoded by force is full of control codes."""
    sample = text[:20000]
    controls = sum(
        ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t") for ch in sample
    )
    if controls > len(sample) * 0.05:
        raise PageDecodeError("binary data, not a web page")
    return clean_control(text)  # the HTML parser refuses control characters


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Read the bytes UTF-8 could not decode as Windows-1252 (a common CMS mix-up)."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("cp1252", "replace"), error.end


codecs.register_error("cp1252-fallback", _cp1252_fallback)
