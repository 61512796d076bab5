"""Text primitives shared by cleaning, chunking and ranking: sentences, headings, normalising.

The project's one normaliser lives here: ``normalise`` (gold anchors, BM25 tokens, duplicate
articles) and ``normalise_for_patterns`` on top of it (the crisis detector's rules).
"""

from __future__ import annotations

import re
import unicodedata

# Abbreviations whose full stop does not end a sentence...
_ABBREVIATIONS = {
    "dr", "mr", "mrs", "ms", "prof", "st", "vs", "etc", "e.g", "i.e", "approx", "jr", "sr",
}  # fmt: skip
# ...and those that are one only before a number ("No. 5"; "He said no. Again." is two).
_NUMBER_ABBREVIATIONS = {"no"}
_SENTENCE_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+|$)""")
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*•·‣▪])\s+")
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "′": "'", "″": '"'})
# What is left of an apostrophe after normalise(): "don't", "donʼt", "don`t", "don´t", "don＇t".
_APOSTROPHES = dict.fromkeys(map(ord, "'\u02bc`\u00b4\uff07"))
_ACCENTS = re.compile(r"[\u0300-\u036f]+")  # combining marks, once NFKD has split them off
_NON_WORD = re.compile(r"[^\w.!?;]+|_+")
_STOPS = re.compile(r" ?[.!?;]+ ?")


def normalise(text: str) -> str:
    """Lower-case, straight quotes, collapsed whitespace: the form gold anchors are matched in."""
    return " ".join(text.translate(_QUOTES).lower().split())


def normalise_for_patterns(text: str) -> str:
    """``normalise`` folded further for hand-written patterns: "Don’t!" becomes "dont .".

    Accents and apostrophes go ("fiancée" is "fiancee", "he'd" is "hed"), other punctuation
    becomes a space, and sentence ends are written " . " so a pattern can stop at one.
    """
    text = _ACCENTS.sub("", unicodedata.normalize("NFKD", normalise(text).translate(_APOSTROPHES)))
    return _STOPS.sub(" . ", _NON_WORD.sub(" ", text)).strip()


def clean_control(text: str) -> str:
    """Drop control characters (keeping newlines and tabs) and normalise Unicode to NFC."""
    text = unicodedata.normalize("NFC", text).replace("\xa0", " ")
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C" or ch == "\u200d"
    )


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text``; together they cover every non-space char.

    A blank line always ends a sentence: list items ("1. They want more fun together,") and
    headings carry no full stop, yet each stands alone.
    """
    spans: list[tuple[int, int]] = []
    for block in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text):
        offset = block.start()
        spans += [(a + offset, b + offset) for a, b in _block_sentence_spans(block.group())]
    return spans


def _block_sentence_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    marker = _LIST_MARKER.match(text)  # the "1." of a list item ends no sentence
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if end <= start or (marker and end <= marker.end()):
            continue
        if _is_abbreviation(text, match.start()):
            continue
        nxt = _skip_space(text, end)
        # A sentence ends only where the next one plausibly starts (capital, digit, quote...).
        if nxt < len(text) and text[nxt].islower():
            continue
        spans.append((start, end))
        start = nxt
    if start < len(text.rstrip()):
        spans.append((start, len(text.rstrip())))
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot].lower()
    if word in _NUMBER_ABBREVIATIONS:
        after = _skip_space(text, dot + 1)
        return after < len(text) and text[after].isdigit()
    # Single letters are initials ("J. Smith").
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def strip_list_marker(line: str) -> tuple[str, bool]:
    """The line without a leading "1." / "-" marker, and whether it had one."""
    match = _LIST_MARKER.match(line)
    return (line[match.end() :], True) if match else (line.strip(), False)


def is_list_item(line: str) -> bool:
    return _LIST_MARKER.match(line) is not None


def is_heading_like(line: str) -> bool:
    """Whether a line standing alone reads as a heading rather than as prose.

    Scraped pages lose their markup, so a heading is recognised by shape: short, no
    sentence inside it, no closing full stop (a question mark is allowed: "What if ...?").
    """
    text = line.strip()
    if text.startswith("#"):
        return bool(text.lstrip("#").strip())
    text, _ = strip_list_marker(text)
    words = _WORD.findall(text)
    if not words or len(text) > 120 or len(words) > 16:
        return False
    if text[-1] in ".!,;:…" or len(sentence_spans(text)) > 1 or re.search(r"://|www\.", text):
        return False
    if text.endswith("?"):
        return len(words) <= 14
    # Prose fragments start lower-case; headings start with a capital or a digit.
    return text[0].isupper() or text[0].isdigit()


def heading_text(line: str) -> str:
    text = line.strip()
    if text.startswith("#"):
        return text.lstrip("#").strip()
    return strip_list_marker(text)[0].strip()
