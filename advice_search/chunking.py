"""Split a clean article into passages a person can read as an answer, and say what of
each passage is embedded and matched. Pure.

Rules: a passage is whole sentences from one section and of one kind (advice, bio,
disclaimer); a list item is never split unless it alone exceeds the limit; short neighbours
are packed together up to ``target_chars``; nothing exceeds ``max_chars``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from . import boilerplate
from .records import Article, Passage
from .text import heading_text, is_heading_like, is_list_item, sentence_spans


@dataclass(frozen=True)
class ChunkSettings:
    """How articles are cut; saved in the manifest, and a change forces a full rebuild."""

    target_chars: int = 500
    max_chars: int = 1000
    min_chars: int = 150  # a unit shorter than this is packed with its neighbour

    def __post_init__(self) -> None:
        if not 0 < self.min_chars <= self.target_chars <= self.max_chars:
            raise ValueError("need 0 < min_chars <= target_chars <= max_chars")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    section: str | None
    kind: str


def chunk_article(article: Article, settings: ChunkSettings | None = None) -> list[Passage]:
    """Passages of ``article`` in reading order, with offsets into ``article.body``."""
    settings = settings or ChunkSettings()
    body = article.body
    units: list[_Unit] = []
    section: str | None = None
    in_bio = False
    for start, end in block_spans(body):
        block = body[start:end]
        if is_heading_like(block) and not _is_short_list_item(block):
            section = heading_text(block)
            in_bio = boilerplate.is_bio_heading(section)
            continue
        kind = "bio" if in_bio else boilerplate.paragraph_kind(block, author=article.author)
        for a, b in _split_long(body, start, end, settings):
            units.append(_Unit(a, b, section, kind))
    return [
        Passage(
            passage_id=f"{article.article_id}:{i:03d}",
            article_id=article.article_id,
            ordinal=i,
            text=body[group[0].start : group[-1].end],
            section=group[0].section,
            kind=group[0].kind,
            start=group[0].start,
            end=group[-1].end,
        )
        for i, group in enumerate(_pack(units, body, settings))
    ]


def block_spans(body: str) -> list[tuple[int, int]]:
    """Spans of the blocks of ``body`` (runs of non-empty lines; an empty line ends one),
    surrounding whitespace trimmed. A heading, a paragraph or a list item is one block."""
    spans = []
    for match in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", body):
        text = match.group()
        lead = len(text) - len(text.lstrip())
        if text.strip():
            spans.append((match.start() + lead, match.start() + len(text.rstrip())))
    return spans


def _is_short_list_item(block: str) -> bool:
    """ "1. They have communication difficulties" is an item of a list, not a heading."""
    return is_list_item(block) and block.rstrip()[-1:] in ",;"


def _split_long(body: str, start: int, end: int, settings: ChunkSettings) -> list[tuple[int, int]]:
    """A block as one unit, or as sentence groups of about ``target_chars`` if over the limit."""
    if end - start <= settings.max_chars:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    for a, b in sentence_spans(body[start:end]):
        a, b = a + start, b + start
        if b - a > settings.max_chars:  # one enormous "sentence": cut between words
            pieces += _cut_words(body, a, b, settings.max_chars)
        elif pieces and b - pieces[-1][0] <= settings.target_chars:
            pieces[-1] = (pieces[-1][0], b)
        else:
            pieces.append((a, b))
    return pieces


def _cut_words(body: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    pieces = []
    while end - start > limit:
        cut = body.rfind(" ", start, start + limit)
        cut = cut if cut > start else start + limit
        stop = cut
        while stop > start and body[stop - 1].isspace():  # "a  b": no trailing space kept
            stop -= 1
        pieces.append((start, stop if stop > start else cut))
        start = cut
        while start < end and body[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


def _pack(units: list[_Unit], body: str, settings: ChunkSettings) -> list[list[_Unit]]:
    """Group neighbouring units of one section and kind, keeping groups near the target size."""
    groups: list[list[_Unit]] = []
    for unit in units:
        if groups:
            group = groups[-1]
            same_place = group[-1].section == unit.section and group[-1].kind == unit.kind
            size = unit.end - group[0].start
            short = (group[-1].end - group[0].start) < settings.min_chars or (
                unit.end - unit.start
            ) < settings.min_chars
            fits = size <= settings.target_chars or (short and size <= settings.max_chars)
            if same_place and fits:
                group.append(unit)
                continue
        groups.append([unit])
    return groups


def embedding_text(passage: Passage, title: str | None) -> str:
    """What a passage is embedded as: title and heading give it context (measured in README)."""
    return "\n".join([*(part for part in (title, passage.section) if part), passage.text])


def lexical_text(passage: Passage) -> str:
    """What BM25 matches: the heading and the passage (the title would match everything)."""
    return embedding_text(passage, None)


def sentence_windows(text: str) -> list[tuple[int, int, str]]:
    """Each sentence's span, and the text embedded for it: the sentence with its neighbours.

    A lone sentence is often too short to carry its meaning ("This, of course, isn't a
    guarantee."); with the sentences on either side it is matched far more reliably
    (measured in README: How ranking works). The span stays the sentence itself, which is
    what the page highlights.
    """
    spans = sentence_spans(text)
    return [
        (a, b, text[spans[max(0, j - 1)][0] : spans[min(len(spans) - 1, j + 1)][1]])
        for j, (a, b) in enumerate(spans)
    ]
