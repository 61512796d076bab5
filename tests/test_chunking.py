"""Chunking: whole sentences, whole list items, headings as sections, nothing lost or too long."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from advice_search.chunking import ChunkSettings, block_spans, chunk_article
from advice_search.corpus import load_corpus, parse_article
from advice_search.records import Article, Passage
from advice_search.text import clean_control, heading_text, is_heading_like

from .sample_corpus import BOUNDARIES, MONEY_TXT, SLEEP

ROOT = Path(__file__).resolve().parent.parent
SENTENCE_END = re.compile(r"""[.!?]["'”’)\]]*$""")


def article(body: str, *, author: str | None = None) -> Article:
    return Article(article_id="a", path="a.md", title="A title", body=body, author=author)


def test_blocks_are_runs_of_non_empty_lines_trimmed() -> None:
    body = "  Heading\n\nFirst line\nwrapped line.  \n\n\n- item one\n   \nstill the item"
    assert [body[a:b] for a, b in block_spans(body)] == [
        "Heading",
        "First line\nwrapped line.",
        "- item one\n   \nstill the item",  # a line of spaces is not empty: no break
    ]
    assert block_spans("") == block_spans("\n \n") == []


@pytest.fixture(scope="module")
def real_articles() -> list[Article]:
    loaded = load_corpus(ROOT / "corpus")
    assert len(loaded.articles) >= 5
    return list(loaded.articles)


@pytest.fixture(scope="module")
def sample_articles() -> list[Article]:
    return [
        parse_article(text, path=name, article_id=name.split(".")[0])
        for name, text in (("boundaries.md", BOUNDARIES), ("sleep.md", SLEEP), ("m.txt", MONEY_TXT))
    ]


def test_passages_start_and_end_at_sentence_or_block_boundaries(
    real_articles: list[Article], sample_articles: list[Article]
) -> None:
    checked = 0
    for art in real_articles + sample_articles:
        starts = {a for a, _ in block_spans(art.body)}
        ends = {b for _, b in block_spans(art.body)}
        for p in chunk_article(art):
            assert p.end in ends or SENTENCE_END.search(p.text), (art.path, p.text[-80:])
            before = art.body[: p.start].rstrip()
            assert p.start in starts or SENTENCE_END.search(before), (art.path, p.text[:80])
            checked += 1
    assert checked > 60


def test_no_passage_is_longer_than_max_chars(real_articles: list[Article]) -> None:
    long_paragraph = " ".join(f"Sentence number {i} gives one more small tip." for i in range(80))
    run_on = "and then " * 200  # 1,800 characters without a full stop
    arts = [*real_articles, article(f"{long_paragraph}\n\n{run_on}")]
    for limit in (ChunkSettings(), ChunkSettings(target_chars=200, max_chars=300, min_chars=50)):
        passages = [p for a in arts for p in chunk_article(a, limit)]
        assert max(len(p.text) for p in passages) <= limit.max_chars
    long_passages = chunk_article(arts[-1])
    assert len(long_passages) >= 5  # the long paragraph was split, not dropped


def test_a_long_paragraph_is_split_between_sentences_not_inside_one() -> None:
    sentences = [f"Tip {i} is to breathe slowly before you answer." for i in range(60)]
    passages = chunk_article(article(" ".join(sentences)))
    assert len(passages) > 1
    for p in passages:
        assert SENTENCE_END.search(p.text)
        assert p.text.startswith("Tip ")


def test_headings_become_the_section_of_the_passages_below_them(
    sample_articles: list[Article],
) -> None:
    boundaries = chunk_article(sample_articles[0])
    assert [p.section for p in boundaries] == ["Why boundaries matter", "How to state a boundary"]
    for p in boundaries:
        assert "Why boundaries matter" not in p.text
        assert "How to state a boundary" not in p.text
    markdown = article("# Getting started\n\nStart small. Keep going.\n\n## Later on\n\nRest.")
    assert [(p.section, p.text) for p in chunk_article(markdown)] == [
        ("Getting started", "Start small. Keep going."),
        ("Later on", "Rest."),
    ]


def test_list_items_are_never_split(real_articles: list[Article]) -> None:
    items = [
        f"{i}. Item {i}: "
        + " ".join(f"Point {j} of this item is worth a sentence." for j in range(6))
        for i in range(1, 6)
    ]
    body = "Here is a list of things to try:\n\n" + "\n\n".join(items)
    passages = chunk_article(article(body))
    assert len(passages) > 2  # 5 items of ~270 chars cannot share one 500-char passage
    for item in items:
        assert sum(item in p.text for p in passages) == 1, item[:20]
    # The real corpus: every numbered item lies inside one passage.
    found = 0
    for art in real_articles:
        passages = chunk_article(art)
        for a, b in block_spans(art.body):
            item = art.body[a:b]
            # "1. Asking Your Partner To Join You" standing alone is a numbered heading.
            if re.match(r"\d+\. ", item) and not is_heading_like(item) and b - a <= 1000:
                assert any(p.start <= a and b <= p.end for p in passages), art.body[a : a + 60]
                found += 1
    assert found >= 20


def test_bios_and_disclaimers_are_marked_as_not_advice(
    real_articles: list[Article], sample_articles: list[Article]
) -> None:
    def kind_of(fragment: str) -> str:
        kinds = {
            p.kind
            for art in real_articles + sample_articles
            for p in chunk_article(art)
            if fragment in p.text
        }
        assert len(kinds) == 1, (fragment, kinds)
        return kinds.pop()

    assert kind_of("With a Doctorate in Human Sexuality") == "bio"
    assert kind_of("This post is written by individual and couples therapist") == "bio"
    assert kind_of("Alex Kim is a certified financial planner") == "bio"
    assert kind_of("is solely at your own risk") == "disclaimer"
    assert kind_of("Set a monthly money date.") == "advice"
    assert kind_of("Seek therapy for yourself.") == "advice"


def test_passage_ids_and_offsets_point_back_into_the_body(real_articles: list[Article]) -> None:
    for art in real_articles:
        passages = chunk_article(art)
        assert [p.ordinal for p in passages] == list(range(len(passages)))
        assert len({p.passage_id for p in passages}) == len(passages)
        for p in passages:
            assert art.body[p.start : p.end] == p.text


# ---------------------------------------------------------------- properties

_WORDS = st.sampled_from(
    ["Talk", "to", "your", "partner", "Dr.", "e.g.", "kindly", "calmly", "3.5", "😀", "é", "—"]
)
_SENTENCE = st.builds(
    lambda words, end: " ".join(words) + end,
    st.lists(_WORDS, min_size=1, max_size=40),
    st.sampled_from([".", "!", "?", "...", ":", "", '."', ")"]),
)
_LINE = st.one_of(
    st.lists(_SENTENCE, min_size=1, max_size=30).map(" ".join),  # a paragraph line
    st.builds(lambda s: f"  1. {s}", _SENTENCE),  # a list item
    st.builds(lambda s: f"- {s}", _SENTENCE),
    st.builds(lambda s: f"# {s}", _SENTENCE),  # a Markdown heading
    st.sampled_from(["Why This Matters", "What if it fails?", "----", "", " ", "\t"]),
    st.text(max_size=80),  # anything at all
)
BODIES = st.lists(st.tuples(_LINE, st.sampled_from(["\n", "\n\n", "\n\n\n"])), max_size=40).map(
    lambda parts: clean_control("".join(line + sep for line, sep in parts))
)
SMALL = ChunkSettings(target_chars=120, max_chars=240, min_chars=40)


def check_passages(body: str, passages: list[Passage], limit: ChunkSettings) -> None:
    """Passages are ordered slices of the body, within the limit, and lose only headings."""
    covered = [False] * len(body)
    last_end = 0
    for p in passages:
        assert p.text == body[p.start : p.end]
        assert p.text.strip() == p.text and p.text
        assert len(p.text) <= limit.max_chars
        assert p.start >= last_end
        last_end = p.end
        covered[p.start : p.end] = [True] * (p.end - p.start)
    headings: list[tuple[int, str]] = []
    for a, b in block_spans(body):
        lost = [i for i in range(a, b) if not covered[i] and not body[i].isspace()]
        if lost:  # text outside every passage: only a whole heading may be there
            assert not any(covered[a:b]), body[a:b]
            assert is_heading_like(body[a:b]), body[a:b]
            headings.append((a, heading_text(body[a:b])))
    for p in passages:  # ... and it is carried as the section of the passages below it
        above = [text for start, text in headings if start < p.start]
        assert p.section == (above[-1] if above else None)


@settings(max_examples=300, deadline=None)
@given(BODIES)
@example(  # a cut between words at the second of two spaces kept the first as trailing space
    "Talk " * 19 + "to " + "partner " * 7 + "Dr.. " + "Talk " * 14 + "partner\n0  0\n"
)
def test_chunking_keeps_all_text_in_order_within_the_limit(body: str) -> None:
    for limit in (SMALL, ChunkSettings()):
        passages = chunk_article(article(body), limit)
        check_passages(body, passages, limit)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=2000))
def test_chunking_arbitrary_text_never_fails_and_loses_nothing(raw: str) -> None:
    body = clean_control(raw)
    check_passages(body, chunk_article(article(body), SMALL), SMALL)
