"""The page's view logic, without Streamlit: highlighting, escaping, neighbours, the URL."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advice_search import page
from advice_search.chunking import ChunkSettings
from advice_search.index import neighbours
from advice_search.manifest import Manifest, ModelRecord
from advice_search.messages import attribution
from advice_search.records import Article, Hit, Passage
from advice_search.vectors import VectorIndexSpec

WORD_JOINER = "\u2060"


def unescape(markdown: str) -> str:
    """What a CommonMark renderer shows for escaped text (word joiners are invisible)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


def bare_punctuation(markdown: str) -> list[str]:
    """ASCII punctuation a Markdown parser could act on: any not behind a backslash."""
    found, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\":
            i += 2
            continue
        if markdown[i] in string.punctuation:
            found.append(markdown[i])
        i += 1
    return found


def make_article(body: str, article_id: str = "a") -> Article:
    return Article(article_id=article_id, path=f"{article_id}.md", title="T", body=body)


def passages_of(article: Article, spans: list[tuple[int, int]], section: str | None = None):
    return [
        Passage(
            passage_id=f"{article.article_id}:{i:03d}",
            article_id=article.article_id,
            ordinal=i,
            text=article.body[a:b],
            section=section,
            start=a,
            end=b,
        )
        for i, (a, b) in enumerate(spans)
    ]


# ---------------------------------------------------------------- highlight segments


@given(st.text(max_size=200), st.integers(-20, 220), st.integers(-20, 220))
def test_highlight_segments_cover_the_text_exactly(text: str, a: int, b: int) -> None:
    segments = page.highlight_segments(text, (a, b))
    assert "".join(s.text for s in segments) == text
    assert all(s.text for s in segments)
    marked = [s for s in segments if s.highlighted]
    assert len(marked) <= 1
    lo, hi = max(0, min(a, len(text))), min(max(b, 0), len(text))
    if marked:
        assert marked[0].text == text[lo:hi]
    else:
        assert lo >= hi


def test_highlight_marks_the_sentence_at_the_span() -> None:
    text = "First sentence. The best one. Last."
    segments = page.highlight_segments(text, (16, 29))
    assert segments == [
        page.Segment("First sentence. "),
        page.Segment("The best one.", True),
        page.Segment(" Last."),
    ]
    assert page.highlight_segments(text, None) == [page.Segment(text)]


def test_passage_markdown_wraps_only_the_best_sentence_in_the_marker() -> None:
    passage = Passage("a:000", "a", 0, "One. Two [x] here. Three.")
    markdown = page.passage_markdown(passage, (5, 18))
    assert markdown == r"One\. :orange-background[Two \[x\] here\.] Three\."


def test_highlight_across_paragraphs_is_marked_in_each() -> None:
    segments = page.highlight_segments("Intro. Start here.\n\nEnd here. Outro.", (7, 29))
    markdown = page.segments_markdown(segments)
    assert markdown == (
        "Intro\\. :orange-background[Start here\\.]\n\n:orange-background[End here\\.] Outro\\."
    )


# ---------------------------------------------------------------- escaping


HOSTILE = [
    "<script>alert(1)</script>",
    "<b>bold</b> <img src=x onerror=alert(1)>",
    "[click](http://evil.example) ![x](http://evil.example/x.png)",
    "**bold** _it_ `code` ~~gone~~ # not a heading\n- not a list\n1. not a list",
    ":red[coloured] :smile: :material/home: $x^2$ &lt;b&gt; \\ backslash",
    "www.evil.example mail@evil.example https://evil.example/path",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_markdown_shows_the_literal_text(text: str) -> None:
    escaped = page.escape_markdown(text)
    assert bare_punctuation(escaped) == []
    assert unescape(escaped) == " ".join(text.split())


@given(st.text(max_size=300))
def test_escaping_leaves_no_markdown_syntax_and_keeps_the_text(text: str) -> None:
    escaped = page.escape_markdown(text)
    assert bare_punctuation(escaped) == []
    assert unescape(escaped) == " ".join(text.split())


def test_escaping_breaks_the_patterns_streamlit_rewrites_after_parsing() -> None:
    # Emoji shortcodes and bare links are found in parsed text, where escapes no longer count.
    for text, broken in [
        (":smile:", ":" + WORD_JOINER + "smile"),
        ("http://evil.example", ":" + WORD_JOINER),
        ("www.evil.example", "www" + WORD_JOINER),
        ("me@evil.example", "@" + WORD_JOINER),
    ]:
        shown = re.sub(r"\\(.)", r"\1", page.escape_markdown(text))
        assert broken in shown, text
    assert WORD_JOINER not in page.escape_markdown("At 10:30, awww. Plain text.")


def test_whitespace_cannot_make_code_blocks_or_line_breaks() -> None:
    escaped = page.escape_markdown("    indented code\nnext line  \n\tand a tab")
    assert escaped == "indented code next line and a tab"


# ---------------------------------------------------------------- the whole article


BODY = (
    "Opening paragraph here.\n\n"
    "A Heading\n\n"
    "First under heading. Matching sentence here.\n\n"
    "Second paragraph of the same passage.\n\n"
    "Closing words."
)


def article_and_passages():
    article = make_article(BODY)
    spans = [(0, 23)]
    start = BODY.index("First")
    spans.append((start, BODY.index("\n\nClosing")))
    spans.append((BODY.index("Closing"), len(BODY)))
    return article, passages_of(article, spans)


def test_article_blocks_mark_the_matching_passage_and_keep_headings() -> None:
    article, passages = article_and_passages()
    match = passages[1]
    span = (match.text.index("Matching"), match.text.index("here.\n") + 5)
    blocks = page.article_blocks(article, passages, match, span)
    assert [(b.kind, b.marked) for b in blocks] == [
        ("paragraph", False),
        ("heading", False),
        ("paragraph", True),
        ("paragraph", True),
        ("paragraph", False),
    ]
    assert blocks[1].segments == (page.Segment("A Heading"),)
    assert [s for s in blocks[2].segments if s.highlighted] == [
        page.Segment("Matching sentence here.", True)
    ]
    view = page.article_view(blocks)
    assert view.before == "Opening paragraph here\\.\n\n**A Heading**"
    assert view.matched == (
        "First under heading\\. :orange-background[Matching sentence here\\.]\n\n"
        "Second paragraph of the same passage\\."
    )
    assert view.after == "Closing words\\."


def test_article_text_is_kept_whole_in_the_article_view() -> None:
    article, passages = article_and_passages()
    blocks = page.article_blocks(article, passages, passages[0], (0, 5))
    shown = " ".join("".join(s.text for s in b.segments) for b in blocks)
    assert " ".join(shown.split()) == " ".join(BODY.split())


def test_article_view_falls_back_to_the_body_when_offsets_do_not_fit() -> None:
    article, passages = article_and_passages()
    changed = make_article(BODY.replace("Opening", "Changed opening"))
    blocks = page.article_blocks(changed, passages, passages[1], (0, 5))
    assert not any(b.marked for b in blocks)
    assert "".join(s.text for s in blocks[0].segments) == "Changed opening paragraph here."


# ---------------------------------------------------------------- neighbours


def test_neighbours_at_the_edges_of_an_article() -> None:
    article, passages = article_and_passages()
    assert neighbours(passages, passages[0]) == (None, passages[1])
    assert neighbours(passages, passages[1]) == (passages[0], passages[2])
    assert neighbours(passages, passages[2]) == (passages[1], None)
    single = passages[:1]
    assert neighbours(single, passages[0]) == (None, None)
    stranger = Passage("other:000", "other", 0, "x")
    assert neighbours(passages, stranger) == (None, None)


def test_library_neighbours_stay_inside_the_article(searcher) -> None:  # noqa: ANN001
    index = searcher.index
    for article in index.articles:
        passages = index.by_article(article.article_id)
        first, last = passages[0], passages[-1]
        assert index.neighbours(first)[0] is None
        assert index.neighbours(last)[1] is None
        for before, current in zip(passages, passages[1:], strict=False):
            assert index.neighbours(current)[0] == before
            assert before.article_id == current.article_id


def test_library_article_view_marks_the_hit(searcher) -> None:  # noqa: ANN001
    index = searcher.index
    passage = index.by_article(index.articles[0].article_id)[1]
    hit = Hit(1, 0.5, passage, index.article_by_id[passage.article_id], (0, 10))
    view = page.whole_article(hit, index.by_article(passage.article_id))
    assert view.matched == page.passage_markdown(passage, (0, 10))
    assert view.before and view.after  # the second passage has text on both sides
    assert ":orange-background[" not in view.before + view.after


def test_article_view_without_a_placed_match_is_one_part() -> None:
    article, passages = article_and_passages()
    blocks = page.article_blocks(article, passages)
    view = page.article_view(blocks)
    assert view.matched == "" and view.after == ""
    assert view.before == page.blocks_markdown(blocks)


# ---------------------------------------------------------------- library facts, cards


def manifest_of(created_at: str, model: str, counts: dict[str, int]) -> Manifest:
    record = ModelRecord(model, "0" * 64, 384, 256, "models/x", "1" * 64)
    return Manifest(record, ChunkSettings(), VectorIndexSpec(), counts, created_at=created_at)


def test_library_facts_read_the_manifest() -> None:
    manifest = manifest_of(
        "2026-11-22T03:09:27+00:00",
        "sentence-transformers/all-MiniLM-L6-v2",
        {"articles": 5, "passages": 62},
    )
    facts = page.library_facts(manifest)
    assert facts == page.LibraryFacts(
        5, 62, "22 Nov 2026, 03:09 UTC", "sentence-transformers/all-MiniLM-L6-v2"
    )
    assert page.library_facts(manifest_of("", "", {})) == page.LibraryFacts(0, 0, None, None)
    assert page.format_built_at("not a date") is None
    assert page.format_built_at("2026-01-05T10:00:00") == "5 Jan 2026, 10:00"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/post", "https://example.org/post"),
        ("http://example.org", "http://example.org"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("https://exa mple.org", None),
        ("//example.org", None),
        ("https://", None),
        ("", None),
        (None, None),
    ],
)
def test_only_plain_web_addresses_become_links(url: str | None, expected: str | None) -> None:
    assert page.safe_url(url) == expected


def test_attribution_leaves_out_what_is_missing() -> None:
    article = Article("a", "a.md", "T", "b", author="Ann", site=None, date="2024-01-01")
    assert attribution(article) == "Ann · 2024-01-01"
    assert attribution(make_article("b")) == ""
    assert page.score_label(0.7249) == "match 0.72"


def test_help_panel_lists_every_resource() -> None:
    shown = unescape(page.help_markdown())
    for needle in ("911", "988", "1-800-799-7233", "findahelpline.com"):
        assert needle in shown
    assert shown.startswith("**You deserve to be safe.")


def test_example_questions_find_confident_answers(searcher) -> None:  # noqa: ANN001
    # A first-time visitor who clicks an example must not land on "no good answer".
    for question in page.EXAMPLE_QUESTIONS:
        result = searcher.search(question, k=5)
        assert result.confident, question
        assert not result.crisis, question


# ---------------------------------------------------------------- the URL


@pytest.mark.parametrize(
    ("params", "question"),
    [
        ({"q": "my partner won't go"}, "my partner won't go"),
        ({"q": ["first", "second"]}, "second"),
        ({"q": []}, ""),
        ({}, ""),
        ({"q": 5}, ""),
        ({"other": "x"}, ""),
        ({"q": "x" * 5000}, "x" * page.MAX_URL_QUESTION),
    ],
)
def test_question_from_url_params(params: dict, question: str) -> None:
    assert page.question_from_params(params) == question


def test_url_params_round_trip_a_question() -> None:
    assert page.params_for("  hello  ") == {"q": "hello"}
    assert page.params_for("   ") == {}
    assert page.question_from_params(page.params_for("a question?")) == "a question?"
