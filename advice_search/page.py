"""What the Streamlit page shows, as plain Python: no Streamlit import, so it is testable.

Pure rendering: values in (passages, hits, a manifest), safe Markdown and view records out.

The page renders article text with ``st.markdown``. Article text is data written by other
people, so every piece of it goes through :func:`escape_markdown` first: Markdown links,
images, emphasis, raw HTML and Streamlit's own syntax (``:red[...]``, ``$math$``,
``:emoji:``) all show as the literal characters the author typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from .catalogue import Catalogue
from .manifest import Manifest
from .messages import help_panel, safety_line
from .records import Article, Hit, Passage
from .text import heading_text, is_heading_like

EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "My partner refuses to go to couples therapy. What can I do?",
    "How do I bring up therapy without starting a fight?",
    "Should I go to therapy on my own?",
    "Why is my partner scared of therapy?",
)

MAX_URL_QUESTION = 2000  # a shared link carries at most this much of the question
HIGHLIGHT = "orange-background"  # Streamlit's text directive for the best sentence

# CommonMark lets a backslash escape any ASCII punctuation, and an escaped character is
# always literal: escaping all of it is simpler and safer than choosing the "special" ones.
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
# Two transforms run on the parsed text, where escapes are already gone: emoji/icon shortcodes
# (``:smile:``, ``:material/home:``) and GFM's bare links (``http://``, ``www.``, ``a@b.c``). An
# invisible word joiner at the one place each pattern needs breaks it; the text reads the same.
_AFTER_PARSE = re.compile(r"(:(?=[^\s:]+:)|:(?=//)|(?<![^\W_])www(?=\.)|@(?=[\w-]))", re.I)
_WORD_JOINER = "\u2060"
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


@dataclass(frozen=True)
class Segment:
    """A run of passage text, and whether it is the best-matching sentence."""

    text: str
    highlighted: bool = False


@dataclass(frozen=True)
class Block:
    """One heading or paragraph of the whole-article view."""

    kind: str  # "heading" or "paragraph"
    segments: tuple[Segment, ...]
    marked: bool = False  # part of the passage that matched the question


@dataclass(frozen=True)
class LibraryFacts:
    articles: int
    passages: int
    built: str | None  # when the index was built, for a person to read
    model: str | None


# ---------------------------------------------------------------- text to safe Markdown


def escape_markdown(text: str) -> str:
    """``text`` as Markdown that displays exactly ``text`` (whitespace runs become one space)."""
    text = _AFTER_PARSE.sub(lambda m: m.group() + _WORD_JOINER, " ".join(text.split()))
    return _PUNCTUATION.sub(r"\\\1", text)


def highlight_segments(text: str, span: tuple[int, int] | None) -> list[Segment]:
    """``text`` cut into plain and highlighted runs that join back to exactly ``text``.

    A span outside the text is clipped; an empty or missing one highlights nothing.
    """
    if span is None:
        return [Segment(text)] if text else []
    start = max(0, min(int(span[0]), len(text)))
    end = max(start, min(int(span[1]), len(text)))
    parts = [Segment(text[:start]), Segment(text[start:end], True), Segment(text[end:])]
    return [part for part in parts if part.text]


def split_paragraphs(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Segments grouped by paragraph (blank lines separate paragraphs; they are dropped)."""
    paragraphs: list[list[Segment]] = [[]]
    for segment in segments:
        pieces = _PARAGRAPH_BREAK.split(segment.text)
        for i, piece in enumerate(pieces):
            if i:
                paragraphs.append([])
            if piece:
                paragraphs[-1].append(Segment(piece, segment.highlighted))
    return [p for p in paragraphs if any(s.text.strip() for s in p)]


def paragraph_markdown(segments: Sequence[Segment]) -> str:
    """One paragraph as Markdown: escaped text, the highlighted run in Streamlit's marker."""
    out = []
    for segment in segments:
        escaped = escape_markdown(segment.text)
        if not escaped:
            out.append(" " if segment.text else "")
            continue
        # Keep the spaces around a run outside the marker: ":x[ a ]" would show the spaces.
        lead = " " if segment.text[:1].isspace() else ""
        trail = " " if segment.text[-1:].isspace() else ""
        body = f":{HIGHLIGHT}[{escaped}]" if segment.highlighted else escaped
        out.append(lead + body + trail)
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def segments_markdown(segments: Sequence[Segment]) -> str:
    return "\n\n".join(paragraph_markdown(p) for p in split_paragraphs(segments))


def passage_markdown(passage: Passage, highlight: tuple[int, int] | None = None) -> str:
    """A passage as safe Markdown, with the sentence at ``highlight`` marked."""
    return segments_markdown(highlight_segments(passage.text, highlight))


def plain(text: str | None) -> str:
    """Metadata (a title, a heading) as Markdown that shows it literally."""
    return escape_markdown(text or "")


# ---------------------------------------------------------------- the whole article


def article_blocks(
    article: Article,
    passages: Sequence[Passage],
    match: Passage | None = None,
    highlight: tuple[int, int] | None = None,
) -> list[Block]:
    """The article in reading order, the ``match`` passage's paragraphs marked.

    Passages carry their offsets in ``article.body``; the text between them is what chunking
    left out, the headings. If the offsets do not fit the body (an index from another build
    of the article), the body is shown unmarked rather than cut in the wrong places.
    """
    body = article.body
    ordered = sorted(passages, key=lambda p: p.start)
    fits = all(body[p.start : p.end] == p.text for p in ordered) and all(
        a.end <= b.start for a, b in zip(ordered, ordered[1:], strict=False)
    )
    if not fits:
        return _gap_blocks(body)
    blocks: list[Block] = []
    position = 0
    for passage in ordered:
        blocks += _gap_blocks(body[position : passage.start])
        is_match = match is not None and passage.passage_id == match.passage_id
        segments = highlight_segments(passage.text, highlight if is_match else None)
        blocks += [
            Block("paragraph", tuple(p), marked=is_match) for p in split_paragraphs(segments)
        ]
        position = passage.end
    blocks += _gap_blocks(body[position:])
    return blocks


def _gap_blocks(text: str) -> list[Block]:
    blocks = []
    for chunk in _PARAGRAPH_BREAK.split(text):
        if not chunk.strip():
            continue
        if is_heading_like(chunk):
            blocks.append(Block("heading", (Segment(heading_text(chunk)),)))
        else:
            blocks.append(Block("paragraph", (Segment(chunk.strip()),)))
    return blocks


def blocks_markdown(blocks: Sequence[Block]) -> str:
    """Blocks as Markdown paragraphs, headings in bold."""
    parts = []
    for block in blocks:
        text = paragraph_markdown(block.segments)
        parts.append(f"**{text}**" if block.kind == "heading" else text)
    return "\n\n".join(parts)


@dataclass(frozen=True)
class ArticleView:
    """The whole article as Markdown in three parts, so the page can frame the middle one."""

    before: str
    matched: str  # the passage that matched ("" if it could not be placed)
    after: str


def whole_article(hit: Hit, article_passages: Sequence[Passage]) -> ArticleView:
    """The whole article of ``hit`` as safe Markdown, split around its passage."""
    return article_view(article_blocks(hit.article, article_passages, hit.passage, hit.highlight))


def article_view(blocks: Sequence[Block]) -> ArticleView:
    marked = [i for i, block in enumerate(blocks) if block.marked]
    if not marked:
        return ArticleView(blocks_markdown(blocks), "", "")
    lo, hi = marked[0], marked[-1] + 1
    return ArticleView(
        blocks_markdown(blocks[:lo]), blocks_markdown(blocks[lo:hi]), blocks_markdown(blocks[hi:])
    )


# ---------------------------------------------------------------- the library panel


def filter_options(catalogue: Catalogue) -> tuple[list[str], list[str], list[str]]:
    """Article ids (by title), authors and sites that the filters can offer (from the
    catalogue: no article body is read, however large the library)."""
    rows = sorted(
        range(len(catalogue)), key=lambda r: (catalogue.titles[r].lower(), catalogue.ids[r])
    )
    ids = [catalogue.ids[r] for r in rows]
    return ids, sorted(catalogue.authors, key=str.lower), sorted(catalogue.sites, key=str.lower)


def library_facts(manifest: Manifest) -> LibraryFacts:
    return LibraryFacts(
        articles=int(manifest.counts.get("articles") or 0),
        passages=int(manifest.counts.get("passages") or 0),
        built=format_built_at(manifest.created_at),
        model=manifest.model.name or None,
    )


def format_built_at(value: object) -> str | None:
    """ "2026-11-22T03:09:27+00:00" -> "22 Nov 2026, 03:09 UTC"; None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    zone = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return f"{moment.day} {moment:%b %Y, %H:%M}{zone}"


# ---------------------------------------------------------------- cards


def score_label(score: float) -> str:
    return f"match {score:.2f}"


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a plain http(s) address, else None (never a javascript: link)."""
    if not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def help_markdown() -> str:
    """The safety panel: headline, each place to get help, and help outside the US."""
    panel = help_panel()
    lines = [f"**{escape_markdown(panel.headline)}**", ""]
    lines += [f"- {escape_markdown(line)}" for line in panel.resources]
    lines += ["", escape_markdown(panel.elsewhere)]
    return "\n".join(lines)


def safety_line_markdown() -> str:
    """``messages.safety_line`` as safe Markdown."""
    return escape_markdown(safety_line())


# ---------------------------------------------------------------- the URL


def question_from_params(params: Mapping[str, Any], name: str = "q") -> str:
    """The question carried by the URL's ``q`` (or the earlier one's ``after``; the last one
    if repeated), or ""."""
    value = params.get(name, "")
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    if not isinstance(value, str):
        return ""
    return value[:MAX_URL_QUESTION]


def params_for(question: str, after: str | None = None) -> dict[str, str]:
    """The query parameters that reproduce a search for ``question``, read after ``after``
    when it is a follow-up ({} for no question)."""
    question, after = question.strip(), (after or "").strip()
    if not question:
        return {}
    wanted = {"q": question[:MAX_URL_QUESTION]}
    return {**wanted, "after": after[:MAX_URL_QUESTION]} if after else wanted
