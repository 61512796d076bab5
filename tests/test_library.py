"""add / list / remove on corpus files (no server: saved pages, .md, .txt, a fake fetcher)."""

from __future__ import annotations

from pathlib import Path

import pytest

from advice_search.corpus import load_corpus
from advice_search.fetch import Fetched, FetchError
from advice_search.library import (
    DuplicateArticle,
    LibraryError,
    add,
    entries,
    find,
    is_web_address,
    prepare,
    remove,
    url_key,
)
from tests.web_pages import SHELLS, PageArticle

TEXT = (
    "Jealousy is a signal, not a verdict. When it flares, name the feeling to yourself before "
    "you name a suspicion to your partner. Then ask for what you need, in one sentence, "
    "without an accusation in it. Most partners answer a need far better than a charge."
)
MD = f'---\ntitle: "Jealousy Without Blame"\nauthor: "Lee Park"\n---\n\n{TEXT}\n'
PAGE = PageArticle(
    title="Jealousy Without Blame",
    author="Lee Park",
    date="2024-01-09",
    site="Open Door Counselling",
    url="https://opendoor.example/jealousy/",
    blocks=(("p", TEXT), ("h2", "Say the need"), ("p", TEXT.replace("Jealousy", "Envy"))),
)


def files(corpus: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(corpus.iterdir())} if corpus.exists() else {}


def test_markdown_and_text_files_are_copied_unchanged(tmp_path: Path) -> None:
    source = tmp_path / "My Jealousy Notes.md"
    source.write_text(MD)
    added = add(str(source), tmp_path / "corpus")
    assert added.path == "my-jealousy-notes.md"
    assert files(tmp_path / "corpus") == {"my-jealousy-notes.md": MD.encode()}
    assert added.candidate.missing == ("site", "date", "url")
    txt = tmp_path / "pasted.txt"
    txt.write_text("Slow Down Before You Reply\n\n" + TEXT.replace("Jealousy", "Anger"))
    assert (
        add(str(txt), tmp_path / "corpus").candidate.article.title == "Slow Down Before You Reply"
    )


def test_saved_page_is_written_as_markdown_with_front_matter(tmp_path: Path) -> None:
    saved = tmp_path / "Jealousy Without Blame - Open Door.html"
    saved.write_text(SHELLS["squarespace"](PAGE))
    added = add(str(saved), tmp_path / "corpus")
    assert added.path == "jealousy-without-blame.md"
    [article] = load_corpus(tmp_path / "corpus").articles
    assert (article.title, article.author, article.site, article.date, article.url) == (
        PAGE.title, PAGE.author, PAGE.site, PAGE.date, PAGE.url,
    )  # fmt: skip
    assert "Say the need" in article.body


def test_same_text_again_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (tmp_path / "a.md").write_text(MD)
    (tmp_path / "b.txt").write_text("Jealousy Without Blame\n\n" + TEXT)
    add(str(tmp_path / "a.md"), corpus)
    before = files(corpus)
    with pytest.raises(DuplicateArticle, match=r"already in the library as a.md \(same text\)"):
        add(str(tmp_path / "b.txt"), corpus)
    assert files(corpus) == before


def test_same_address_is_refused_before_fetching(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "page.html").write_text(SHELLS["ghost"](PAGE))
    calls: list[str] = []

    def fetcher(url: str) -> Fetched:
        calls.append(url)
        raise AssertionError("fetched")

    with pytest.raises(DuplicateArticle, match="page.html"):
        add("https://www.opendoor.example/jealousy?utm_source=mail#top", corpus, fetcher=fetcher)
    assert calls == []


def test_replace_keeps_the_file_name_and_updates_the_text(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "old-name.html").write_text(SHELLS["ghost"](PAGE))
    newer = PageArticle(**{**PAGE.__dict__, "blocks": PAGE.blocks + (("p", "A new ending. " * 5),)})

    def fetcher(url: str) -> Fetched:
        return Fetched(url, SHELLS["wix"](newer).encode(), "text/html", "utf-8")

    added = add(PAGE.url, corpus, replace=True, fetcher=fetcher)
    assert (added.replaced, added.path) == ("old-name.html", "old-name.md")
    assert list(files(corpus)) == ["old-name.md"]
    assert "A new ending." in load_corpus(corpus).articles[0].body


def test_different_articles_with_one_title_get_different_names(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for i, word in enumerate(("Jealousy", "Envy", "Anger")):
        source = tmp_path / f"{i}.html"
        other = PageArticle(**{**PAGE.__dict__, "url": f"https://x.example/{i}"})
        other = PageArticle(
            **{**other.__dict__, "blocks": (("p", TEXT.replace("Jealousy", word)),)}
        )
        source.write_text(SHELLS["ghost"](other))
        add(str(source), corpus)
    assert list(files(corpus)) == [
        "jealousy-without-blame-2.md",
        "jealousy-without-blame-3.md",
        "jealousy-without-blame.md",
    ]
    assert not [p for p in corpus.iterdir() if p.name.startswith(".")]  # no temporary files


def test_failed_fetch_writes_nothing(tmp_path: Path) -> None:
    def fetcher(url: str) -> Fetched:
        raise FetchError("page not found (HTTP 404 Not Found); check the address")

    with pytest.raises(LibraryError, match="HTTP 404"):
        add("https://x.example/a", tmp_path / "corpus", fetcher=fetcher)
    assert not (tmp_path / "corpus").exists()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("missing.md", "no such file"),
        ("www.example.org/article", r"no such file \(for a web page, give its address"),
        ("notes.docx", r"cannot add \.docx files"),
        ("ftp://example.org/a", "only http:// and https:// pages"),
    ],
)
def test_sources_that_cannot_be_added_say_why(tmp_path: Path, source: str, message: str) -> None:
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    with pytest.raises(LibraryError, match=message):
        prepare(str(tmp_path / source) if source.startswith(("notes", "missing")) else source)


def test_web_addresses_and_paths_are_told_apart(tmp_path: Path) -> None:
    assert is_web_address("https://example.org/a") and is_web_address("javascript:x")
    assert not is_web_address("notes/a.md") and not is_web_address("C:\\notes\\a.md")


def test_addresses_compare_without_scheme_www_tracking_or_trailing_slash() -> None:
    assert url_key("https://www.example.org/a/?utm_source=x&id=3#top") == url_key(
        "http://example.org/a?id=3"
    )
    assert url_key("https://example.org/a?id=3") != url_key("https://example.org/a?id=4")


def test_list_and_remove_by_id_file_or_address(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "jealousy.html").write_text(SHELLS["ghost"](PAGE))
    (corpus / "notes.md").write_text(MD.replace("Jealousy", "Worry"))
    (corpus / "broken.md").write_text("---\ntitle: [\n---\ntext")
    found, skipped = entries(corpus, tmp_path / "no-index")
    assert [(e.article.article_id, e.passages) for e in found] == [
        ("jealousy", None),
        ("notes", None),
    ]
    assert [s.path for s in skipped] == ["broken.md"]
    assert find(corpus, "jealousy") == "jealousy.html"
    assert find(corpus, str(corpus / "notes.md")) == "notes.md"
    assert find(corpus, "https://opendoor.example/jealousy") == "jealousy.html"
    assert find(corpus, "broken.md") == "broken.md"
    assert remove(corpus, "notes") == "notes.md"
    assert sorted(files(corpus)) == ["broken.md", "jealousy.html"]
    with pytest.raises(LibraryError, match="`advice-search list` shows their names"):
        remove(corpus, "notes")
