"""Front matter written by `add` reads back exactly through the corpus reader."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advice_search.corpus import parse_article, split_front_matter
from advice_search.frontmatter import clean_value, render

BODY = "When your partner will not go to therapy, go on your own and keep talking kindly."

AWKWARD = [
    "yes",
    "No",
    "null",
    "~",
    "12:30",
    "1:20:30",
    "2023-12-11",
    "0x1F",
    "1e3",
    ".inf",
    "Why: a #hashtag isn't a comment",
    "She said \"go\" and he said 'no'",
    "back\\slash \\n not a newline",
    "- looks like a list",
    "? looks like a key",
    "& anchor * alias ! tag | pipe > fold % directive @ at ` tick",
    "[not, a, list]",
    "{not: a map}",
    "---",
    "...",
    "Ünïcödé — “curly” ‘quotes’ and emoji 🙂",
    "zero\u200dwidth joiner",
    "soft\u00adhyphen",
    "tabs\tand\nnewlines  collapse",
    "",
]


@pytest.mark.parametrize("value", AWKWARD)
def test_awkward_metadata_reads_back_as_written(value: str) -> None:
    meta = {"title": value, "author": value, "site": value, "date": value, "url": value}
    text = render(meta, BODY)
    read, body = split_front_matter(text)
    expected = {k: clean_value(v) for k, v in meta.items() if clean_value(v)}
    assert read == expected
    assert body.strip() == BODY


def test_rendered_file_is_read_as_an_article_with_its_metadata() -> None:
    meta = {
        "title": "yes",
        "author": "Ashley Gray, LCSW",
        "site": "12:30 Counseling",
        "date": "2023-12-11",
        "url": "https://example.org/a?b=1#c",
    }
    article = parse_article(render(meta, BODY), path="a.md", article_id="a")
    assert (article.title, article.author, article.site, article.date, article.url) == tuple(
        meta.values()
    )
    assert article.body == BODY


def test_missing_fields_are_left_out_not_written_empty() -> None:
    text = render({"title": "T", "author": None, "site": "  ", "date": None, "url": None}, BODY)
    assert text.splitlines()[:3] == ["---", 'title: "T"', "---"]


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_any_text_reads_back_exactly(value: str) -> None:
    meta = {"title": value, "author": value}
    read, _ = split_front_matter(render(meta, BODY))
    expected = clean_value(value)
    assert read == ({"title": expected, "author": expected} if expected else {})
