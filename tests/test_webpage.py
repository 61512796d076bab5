"""Saved web pages -> articles, without a server: the five page shapes, encodings, refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advice_search.corpus import load_corpus, parse_article
from advice_search.pagedecode import PageDecodeError, decode_html
from advice_search.text import normalise
from advice_search.webpage import MIN_WORDS, PageError, WebPage, extract, read_page
from tests.web_pages import FURNITURE, MENU, RELATED, SHELLS, PageArticle, body_html

ROOT = Path(__file__).resolve().parent.parent

ARTICLE = PageArticle(
    title="Talking About Money Without a Fight: A Short Guide",
    author="Dr. Maya Lindqvist, LMFT",
    date="2024-03-05",
    site="Harbour Couples Clinic",
    url="https://harbour.example/blog/money-talks/",
    blocks=(
        ("p", "Money is the quarrel couples have most, and the one they dread most. It rarely "
              "is about the numbers: it is about safety, fairness and being heard."),
        ("h2", "Pick the moment"),
        ("p", "Never start the talk in the middle of paying a bill. Agree on a calm half hour, "
              "with tea and no phones, and say in advance what you want to talk about."),
        ("h2", "Three rules that keep it calm"),
        ("ol", "Talk about one decision at a time, not the whole history of your spending."),
        ("ol", "Say what the money means to you: security, freedom, or proof of love."),
        ("ol", "End with one small step you both agree on, and a date to look at it again."),
        ("p", "If the talks always end in shouting, a couples counsellor can help you find "
              "the fear under the figures. Many couples need only a few sessions for this."),
    ),
)  # fmt: skip


def body_lines(page: WebPage) -> list[str]:
    return [line.strip() for line in page.body.splitlines() if line.strip()]


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_each_page_shape_gives_the_article_and_its_metadata(shell: str) -> None:
    page = extract(SHELLS[shell](ARTICLE), url="https://harbour.example/p?id=7")
    assert (page.title, page.author, page.site, page.date, page.url) == (
        ARTICLE.title, ARTICLE.author, ARTICLE.site, ARTICLE.date, ARTICLE.url,
    )  # fmt: skip
    # As the library stores it: read by the corpus reader from the file `add` writes.
    article = parse_article(page.markdown(), path="a.md", article_id="a")
    assert article.date == ARTICLE.date
    body = normalise(article.body)
    for text in ARTICLE.texts:
        assert normalise(text) in body
    for phrase in (*FURNITURE, *RELATED):
        assert normalise(phrase) not in body, phrase
    menu_lines = set(MENU)
    assert not menu_lines & {line.strip() for line in article.body.splitlines()}


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_headings_and_lists_are_kept_as_markdown(shell: str) -> None:
    lines = body_lines(extract(SHELLS[shell](ARTICLE)))
    headings = [t for kind, t in ARTICLE.blocks if kind == "h2"]
    if shell == "legacy":  # bold paragraphs, not headings: they stand alone as lines
        assert all(h in lines for h in headings)
    else:
        assert all(f"## {h}" in lines for h in headings)
    items = [t for kind, t in ARTICLE.blocks if kind == "ol"]
    assert [f"{i}. {t}" for i, t in enumerate(items, 1)] == [
        line for line in lines if re.match(r"\d\. ", line)
    ]


def test_saved_page_without_an_address_uses_its_canonical_link() -> None:
    page, note = read_page(SHELLS["ghost"](ARTICLE).encode())
    assert page.url == ARTICLE.url and note is None


def test_browser_saved_from_comment_gives_the_address_when_there_is_no_canonical() -> None:
    html = SHELLS["ghost"](ARTICLE).replace(f'<link rel="canonical" href="{ARTICLE.url}">', "")
    html = "<!-- saved from url=(0040)https://harbour.example/saved/money/ -->\n" + html
    assert extract(html).url == "https://harbour.example/saved/money/"


def test_no_canonical_falls_back_to_where_the_page_was_found() -> None:
    html = SHELLS["ghost"](ARTICLE).replace(f'<link rel="canonical" href="{ARTICLE.url}">', "")
    assert extract(html, url="http://127.0.0.1:9/found/here").url == "http://127.0.0.1:9/found/here"
    assert extract(html).url is None


def test_a_canonical_pointing_at_the_home_page_is_ignored() -> None:
    html = SHELLS["wordpress"](ARTICLE).replace(ARTICLE.url, "https://harbour.example/")
    assert (
        extract(html, url="https://harbour.example/blog/x/").url
        == "https://harbour.example/blog/x/"
    )


def test_relative_canonical_is_made_absolute() -> None:
    html = SHELLS["ghost"](ARTICLE).replace(ARTICLE.url, "/blog/money-talks/")
    assert extract(html, url="https://harbour.example/x").url == ARTICLE.url


def test_site_is_never_guessed_from_the_host_name() -> None:
    html = SHELLS["ghost"](ARTICLE).replace(
        f'<meta property="og:site_name" content="{ARTICLE.site}">', ""
    )
    page = extract(html, url=ARTICLE.url)
    assert page.site is None and "site" in page.missing
    assert page.title == ARTICLE.title


def test_title_keeps_its_colon_and_loses_the_site_tail() -> None:
    page = extract(SHELLS["squarespace"](ARTICLE))  # og:title is "Title — Site"
    assert page.title == ARTICLE.title


def test_page_without_author_or_date_reports_them_missing() -> None:
    html = (
        "<html><head><title>Listening first</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>Listening first</h1>{body_html(ARTICLE)}</article></body></html>"
    )
    page = extract(html)
    assert page.missing == ("author", "site", "date", "url")
    assert page.title == "Listening first"


def test_page_with_no_main_text_is_refused_with_a_reason() -> None:
    html = (
        "<html><head><title>Welcome</title></head><body><nav>"
        + "".join(f"<a href='/{m}'>{m}</a>" for m in MENU)
        + "</nav><div class='cookie-banner'>We use cookies.</div><p>Coming soon!</p>"
        "<footer>All rights reserved</footer></body></html>"
    )
    with pytest.raises(PageError, match="no article text found"):
        extract(html)


def test_javascript_app_shell_is_refused_with_what_to_do() -> None:
    html = (
        "<!doctype html><html><head><title>Blog</title><script src='/app.js'></script></head>"
        "<body><div id='root'></div><noscript>You need to enable JavaScript.</noscript></body></html>"
    )
    with pytest.raises(PageError, match="JavaScript"):
        extract(html)


def test_short_texts_below_the_minimum_are_not_articles() -> None:
    words = " ".join(["word"] * (MIN_WORDS - 5))
    with pytest.raises(PageError):
        extract(f"<html><body><article><p>{words}.</p></article></body></html>")


def test_xhtml_with_an_xml_declaration_is_read() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?>\n' + SHELLS["ghost"](ARTICLE)
    assert extract(html).title == ARTICLE.title


# ---------------------------------------------------------------- bytes -> text


def test_declared_latin1_page_is_read_with_its_accents() -> None:
    html = SHELLS["ghost"](ARTICLE).replace("Money is", "Café money is")
    html = html.replace('<meta charset="utf-8">', '<meta charset="ISO-8859-1">')
    page, note = read_page(html.encode("cp1252"))
    assert "Café money is" in page.body and note is None


def test_charset_from_the_http_header_wins() -> None:
    html = SHELLS["wix"](ARTICLE).replace("Money is", "Ökonomie: money is")
    page, _ = read_page(html.encode("cp1252"), charset="windows-1252")
    assert "Ökonomie" in page.body


def test_utf8_page_with_stray_windows_1252_quotes_is_read_with_a_note() -> None:
    data = "<p>It’s fine — “really”.</p>".encode() + b" Don\x92t panic \x96 ever."
    text, note = decode_html(data)
    assert "It’s fine — “really”." in text and "Don’t panic – ever." in text
    assert note and "Windows-1252" in note


def test_bytes_that_are_not_the_declared_encoding_are_refused() -> None:
    data = b"<html><head><meta charset='shift_jis'></head><body>\x81\x20\xff\xfe</body></html>"
    with pytest.raises(PageDecodeError, match="cannot be read as shift_jis"):
        decode_html(data)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"PK\x03\x04\x14\x00\x06\x00", "zip"),
        (bytes(range(256)) * 40, "binary"),
    ],
)
def test_binary_data_is_refused_as_not_a_web_page(data: bytes, kind: str) -> None:
    with pytest.raises(PageDecodeError, match=f"binary data.*{kind}|{kind}.*not a web page"):
        decode_html(data)


def test_empty_page_is_refused() -> None:
    with pytest.raises(PageDecodeError, match="empty"):
        decode_html(b" \n\t ")


# ---------------------------------------------------------------- .html in corpus/


def test_html_files_dropped_into_the_corpus_are_read_at_ingest(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "money.html").write_bytes(SHELLS["wordpress"](ARTICLE).encode())
    (corpus / "menu-only.htm").write_text("<html><body><nav>Home About</nav></body></html>")
    loaded = load_corpus(corpus)
    [article] = loaded.articles
    assert (article.article_id, article.path, article.title, article.url) == (
        "money", "money.html", ARTICLE.title, ARTICLE.url,
    )  # fmt: skip
    assert article.author == ARTICLE.author and article.date == ARTICLE.date
    assert [(s.path, s.reason.split(" (")[0]) for s in loaded.skipped] == [
        ("menu-only.htm", "no article text found")
    ]


def test_same_article_as_html_and_as_markdown_is_one_article(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    page = extract(SHELLS["wix"](ARTICLE))
    (corpus / "a.md").write_text(page.markdown())
    (corpus / "b.html").write_text(SHELLS["wix"](ARTICLE))
    loaded = load_corpus(corpus)
    assert [a.path for a in loaded.articles] == ["a.md"]
    assert "duplicate of a.md" in loaded.skipped[0].reason
