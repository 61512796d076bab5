"""Issue 12's "done when", through the command line and a local web server.

Five pages of different shapes become articles with the right title, author, date, site and
address and no page furniture in their text; their passages are found by search (real
model) and attributed with a link that works. Twenty-odd bad sources each get one clear
line and leave corpus/ and index/ byte-for-byte as they were.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pytest

from advice_search import page
from advice_search.cli import main
from advice_search.corpus import load_corpus
from advice_search.text import normalise, split_sentences
from tests.web_pages import FURNITURE, MENU, RELATED, SHELLS, PageArticle, article_from_markdown
from tests.web_server import Route, Site, endless, serve, slow, trickle

ROOT = Path(__file__).resolve().parent.parent
METADATA = {  # shell: (author, site, date)
    "wordpress": ("Ashley Gray, LCSW", "Kind Couples Counseling", "2023-06-14"),
    "wix": ("Dr. Martha Tara Lee", "Eros Coaching", "2023-12-11"),
    "squarespace": ("Jordan Ellis", "The Relationship Room", "2024-02-29"),
    "ghost": ("Priya Raman", "Medens Health", "2023-09-05"),
    "legacy": ("Tom Okafor", "Okafor Family Therapy", "2022-11-30"),
}


@dataclass(frozen=True)
class Library:
    site: Site
    corpus: Path
    index: Path
    pages: dict[str, PageArticle]  # shell: what its page shows
    short_links: dict[str, str]  # shell: the address given to `add`


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


@pytest.fixture(scope="module")
def library(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Library:
    """Five corpus articles served in five page shapes, added by `advice-search add`."""
    root = tmp_path_factory.mktemp("web-library")
    pages, links = {}, {}
    for (shell, (author, name, date)), source in zip(
        METADATA.items(), sorted((ROOT / "corpus").glob("*.md")), strict=False
    ):
        path = f"/blog/{shell}/{source.stem}/"
        article = article_from_markdown(
            source, author=author, date=date, site=name, url=site.url(path)
        )
        site.page(path, SHELLS[shell](article))
        # People paste links with tracking tails, or short links that redirect.
        site.page(path + "?utm_source=newsletter", SHELLS[shell](article))
        links[shell] = site.redirect(f"/go/{shell}", path + "?utm_source=newsletter")
        pages[shell] = article
    corpus, index = root / "corpus", root / "index"
    code = main(["add", *links.values(), "--corpus", str(corpus), "--index", str(index)])
    assert code == 0
    return Library(site, corpus, index, pages, links)


def test_five_page_shapes_become_articles_with_their_metadata(library: Library) -> None:
    loaded = load_corpus(library.corpus)
    assert not loaded.skipped
    by_url = {a.url: a for a in loaded.articles}
    assert len(by_url) == 5
    for shell, shown in library.pages.items():
        article = by_url[shown.url]  # the canonical address, not the short link
        author, site, date = METADATA[shell]
        assert (article.title, article.author, article.site, article.date) == (
            shown.title, author, site, date,
        ), shell  # fmt: skip
        body = normalise(article.body)
        for text in shown.texts:
            assert normalise(text) in body, (shell, text[:60])
        for phrase in (*FURNITURE, *RELATED):
            assert normalise(phrase) not in body, (shell, phrase)
        assert not set(MENU) & {line.strip() for line in article.body.splitlines()}, shell


def _question(article: PageArticle) -> str:
    """A sentence from the middle of the article, as someone might remember it."""
    paragraphs = [t for kind, t in article.blocks if kind == "p" and len(split_sentences(t)) > 1]
    return max(split_sentences(paragraphs[len(paragraphs) // 2]), key=len)


def test_added_passages_are_found_and_attributed_with_a_working_link(library: Library) -> None:
    from advice_search.search import Searcher

    searcher = Searcher.open(library.index)
    for shell, shown in library.pages.items():
        hit = searcher.search(_question(shown), k=5).hits[0]
        author, site, date = METADATA[shell]
        assert (hit.article.title, hit.article.author, hit.article.site, hit.article.date) == (
            shown.title, author, site, date,
        ), shell  # fmt: skip
        assert page.safe_url(hit.article.url) == shown.url
        with urllib.request.urlopen(hit.article.url, timeout=10) as response:  # noqa: S310
            assert response.status == 200
            assert escape(shown.title).encode() in response.read()  # the article's own page


def test_the_page_links_read_the_original_article_to_the_canonical_address(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_app import ask, start

    monkeypatch.setenv("ADVICE_SEARCH_CORPUS", str(library.corpus))
    monkeypatch.setenv("ADVICE_SEARCH_INDEX", str(library.index))
    shown = library.pages["legacy"]
    at = ask(start(), _question(shown))
    links = [(b.label, b.proto.url) for b in at.link_button]
    assert links[0] == ("Read the original article", shown.url)
    assert all(url.startswith(library.site.base) for _, url in links)


def test_list_shows_each_article_with_its_passages(
    library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "list", "--json", "--corpus", str(library.corpus), "--index", str(library.index))  # fmt: skip
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert {r["url"] for r in rows} == {p.url for p in library.pages.values()}
    assert all(r["passages"] > 0 and r["title"] and r["author"] and r["date"] for r in rows)
    code, out, _ = run(capsys, "list", "--corpus", str(library.corpus), "--index", str(library.index))  # fmt: skip
    assert "5 article(s)" in out and "passages" in out


def test_adding_again_says_so_and_replace_updates(
    library: Library, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(library.corpus, corpus)
    link = library.short_links["ghost"]
    code, _, err = run(capsys, "add", link, "--corpus", str(corpus), "--no-ingest")
    assert code == 1 and "already in the library as" in err and "(same address)" in err
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    shown = library.pages["ghost"]
    edited = PageArticle(shown.title + " (Updated)", *list(shown.__dict__.values())[1:])
    library.site.page(shown.url.removeprefix(library.site.base) + "?utm_source=newsletter", SHELLS["ghost"](edited))  # fmt: skip
    try:
        code, out, _ = run(capsys, "add", link, "--replace", "--corpus", str(corpus), "--no-ingest")
    finally:
        library.site.page(shown.url.removeprefix(library.site.base) + "?utm_source=newsletter", SHELLS["ghost"](shown))  # fmt: skip
    after = {p.name: p.read_bytes() for p in corpus.iterdir()}
    assert code == 0 and out.startswith("Replaced")
    changed = [name for name in before if before[name] != after[name]]
    assert len(changed) == 1 and set(after) == set(before)  # same file, new content
    assert b"(Updated)" in after[changed[0]]


def test_remove_then_ingest_drops_the_article(
    library: Library, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from advice_search.search import Searcher

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(library.corpus, corpus)
    shutil.copytree(library.index, index)
    gone = library.pages["wix"]
    code, out, _ = run(capsys, "remove", gone.url, "--corpus", str(corpus), "--index", str(index))
    assert code == 0 and out.startswith("Removed") and "removed" in out
    assert len(load_corpus(corpus).articles) == 4
    hits = Searcher.open(index).search(_question(gone), k=5).hits
    assert gone.url not in {h.article.url for h in hits}
    code, _, err = run(capsys, "remove", gone.url, "--corpus", str(corpus), "--no-ingest")
    assert code == 1 and "`advice-search list` shows their names" in err


# ---------------------------------------------------------------- bad sources


SHORT = PageArticle(
    title="Listening Before Fixing",
    author="Sam Rivera",
    date="2024-05-20",
    site="Quiet Harbour Counselling",
    url="",
    blocks=tuple(
        ("p", text)
        for text in (
            "When your partner tells you about a bad day, the urge to fix it comes fast. Wait "
            "a moment. Most people want to feel heard before they want a plan.",
            "Ask one open question, such as what was the hardest part, and repeat back what you "
            "heard in your own words. Only then ask whether they would like ideas.",
            "Couples who listen first argue less about the solution, because the solution was "
            "never what the argument was about.",
        )
    ),
)


def _tree_hash(*roots: Path) -> str:
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def small_library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Path, Path]]:
    """A one-article library added from a server that also serves every kind of bad page."""
    root = tmp_path_factory.mktemp("bad-sources")
    with serve() as site:
        short = PageArticle(**{**SHORT.__dict__, "url": site.url("/listening/")})
        site.page("/listening/", SHELLS["wordpress"](short))
        site.page("/listening-copy/", SHELLS["ghost"](PageArticle(**{**short.__dict__, "url": site.url("/listening-copy/")})))  # fmt: skip
        site.routes["/robots.txt"] = Route(200, b"User-agent: *\nDisallow: /private/\n", {})
        site.page("/private/a", SHELLS["wordpress"](short))
        for status in (404, 410, 403, 500):
            site.routes[f"/status/{status}"] = Route(status, b"<html><body>Error</body></html>")
        site.redirect("/loop/a", "/loop/b")
        site.redirect("/loop/b", "/loop/a")
        for i in range(8):
            site.redirect(f"/chain/{i}", f"/chain/{i + 1}")
        site.redirect("/to-file", "file:///etc/passwd")
        site.redirect("/to-js", "javascript:alert(document.cookie)")
        site.routes["/huge"] = Route(write=functools.partial(endless, megabytes=50))
        site.routes["/huge-announced"] = Route(write=functools.partial(endless, megabytes=50, length=True))  # fmt: skip
        site.page("/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 50)
        site.page("/empty", b"")
        site.page("/menus-only", "<html><head><title>Home</title></head><body><nav>"
                  + "".join(f"<a href='/{m}'>{m}</a> " for m in MENU)
                  + "</nav><div class='cookie'>We use cookies. Accept All Cookies</div>"
                  "<p>Welcome!</p><footer>© 2025 All rights reserved</footer></body></html>")  # fmt: skip
        site.page("/app", "<html><head><script src='/bundle.js'></script></head>"
                  "<body><div id='app'></div></body></html>")  # fmt: skip
        site.routes["/slow"] = Route(write=functools.partial(slow, seconds=4))
        site.routes["/drip"] = Route(write=functools.partial(trickle, seconds=5))
        site.page("/sjis", b"<html><head><meta charset='shift_jis'></head><body>"
                  + b"\x81\x20\xff\xfe" * 50 + b"</body></html>", **{"Content-Type": "text/html"})  # fmt: skip
        site.routes["/doc.pdf"] = Route(200, b"%PDF-1.7\n", {"Content-Type": "application/pdf"})
        corpus, index = root / "corpus", root / "index"
        assert main(["add", site.url("/listening/"), "--corpus", str(corpus), "--index", str(index)]) == 0  # fmt: skip
        (root / "nothing.html").write_text("<html><body><nav>Home | Blog</nav></body></html>")
        (root / "report.pdf").write_bytes(b"%PDF-1.7\n")
        yield site, corpus, index


with serve() as _closed:  # a port nobody listens on any more
    CLOSED = _closed.url("/a")

BAD_SOURCES = {
    "404": ("/status/404", r"page not found \(HTTP 404 Not Found\)"),
    "410": ("/status/410", r"page not found \(HTTP 410 Gone\)"),
    "403": ("/status/403", r"refuses to give this page to a program"),
    "500": ("/status/500", r"failed to send the page \(HTTP 500"),
    "redirect loop": ("/loop/a", r"redirect loop"),
    "too many redirects": ("/chain/0", r"more than 5 redirects"),
    "redirect to file:": ("/to-file", r"redirects to a file: address, which is never followed"),
    "redirect to javascript:": ("/to-js", r"redirects to a javascript: address"),
    "50 MB body": ("/huge", r"larger than 5 MB"),
    "50 MB announced": ("/huge-announced", r"larger than 5 MB"),
    "binary served as HTML": ("/png", r"binary data \(a PNG image\), not a web page"),
    "empty page": ("/empty", r"empty page"),
    "no main text": ("/menus-only", r"no article text found"),
    "JavaScript app shell": ("/app", r"builds its text with JavaScript"),
    "slow server": ("/slow", r"did not answer within 1.5 s|too slow"),
    "trickling server": ("/drip", r"too slow \(the page took more than 1.5 s\)"),
    "non-UTF-8 text not in its declared encoding": ("/sjis", r"cannot be read as shift_jis"),
    "not HTML": ("/doc.pdf", r"not a web page \(the server says it is application/pdf\)"),
    "robots.txt forbids": ("/private/a", r"robots.txt does not allow programs"),
    "duplicate address": ("/listening/?utm_source=x", r"already in the library as .*same address"),
    "duplicate text elsewhere": ("/listening-copy/", r"already in the library as .*same text"),
    "connection refused": (CLOSED, r"refused the connection"),
    "javascript: address": ("javascript:alert(1)", r"only http:// and https:// pages"),
    "saved page without text": ("FILE:nothing.html", r"no article text found"),
    "missing file": ("FILE:missing.html", r"no such file"),
    "PDF file": ("FILE:report.pdf", r"cannot add \.pdf files"),
}


@pytest.mark.parametrize("case", BAD_SOURCES, ids=list(BAD_SOURCES))
def test_bad_source_gets_one_clear_line_and_changes_nothing(
    case: str, small_library: tuple[Site, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    site, corpus, index = small_library
    where, message = BAD_SOURCES[case]
    if where.startswith("FILE:"):
        source = str(corpus.parent / where.removeprefix("FILE:"))
    elif where.startswith("/"):
        source = site.url(where)
    else:
        source = where
    before = _tree_hash(corpus, index)
    code, out, err = run(capsys, "add", source, "--timeout", "1.5", "--corpus", str(corpus), "--index", str(index))  # fmt: skip
    assert code == 1
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(f"advice-search: {source}: ")
    assert re.search(message, err), err
    assert _tree_hash(corpus, index) == before


def test_there_are_at_least_twenty_bad_sources() -> None:
    assert len(BAD_SOURCES) >= 20
