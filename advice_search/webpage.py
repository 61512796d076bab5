"""A web page -> the article in it: metadata and a Markdown body. Pure; nothing is fetched.

The main text is found by trafilatura (chosen over readability-lxml and jusText on pages
shaped like ours: docs/web-extraction.md). Around it, four things trafilatura does not do
the way this library needs:

- tables used for layout (old sites put the menu, the article and a sidebar in three
  cells) are turned into plain blocks first, or the whole page is read as one data table;
- the author is taken as the page states it ("Ashley Gray, LCSW", not "Ashley Gray; LCSW");
- a site name is never guessed from the host name, and " | Site" is cut from titles;
- the body is written as the Markdown our corpus reader understands: "## " headings,
  "- " and "1. " list items, plain paragraphs (no emphasis or link syntax).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from . import boilerplate
from .frontmatter import render
from .pagebody import markdown_blocks, structure_markers
from .pagedecode import PageDecodeError, decode_html

MIN_WORDS = 40  # below this the "article" is a caption, a teaser or an empty app shell
FIELDS = ("title", "author", "site", "date", "url")
_ARTICLE_TYPES = {"article", "blogposting", "newsarticle", "report", "scholarlyarticle"}
_TITLE_SEPARATOR = re.compile(r"\s+[|–—·•»-]\s+")
_SITE_FIRST = re.compile(r":\s+|\s+[|–—·•»-]\s+")
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(https?://[^\s>]+?)\s*-->", re.I)
_LAYOUT_BLOCKS = "self::h1 or self::h2 or self::h3 or self::p or self::ul or self::ol or self::form"


class PageError(Exception):
    """No article can be read from the page; the message says why and what to do."""


@dataclass(frozen=True)
class WebPage:
    """The article of a web page: metadata as the page states it, and its Markdown body."""

    body: str
    title: str | None = None
    author: str | None = None
    site: str | None = None
    date: str | None = None  # YYYY-MM-DD, the first publication (not the last update)
    url: str | None = None  # canonical address, else where the page was found

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(f for f in FIELDS if not getattr(self, f))

    def metadata(self) -> dict[str, str | None]:
        return {f: getattr(self, f) for f in FIELDS}

    def markdown(self) -> str:
        """The article as a corpus file: front matter with what was found, then the body."""
        return render(self.metadata(), self.body)


def read_page(
    data: bytes, *, url: str | None = None, charset: str | None = None
) -> tuple[WebPage, str | None]:
    """The article of a page given as bytes (saved or fetched), and a note on its encoding."""
    try:
        html, note = decode_html(data, charset)
    except PageDecodeError as error:
        raise PageError(str(error)) from None
    return extract(html, url=url), note


def extract(html: str, *, url: str | None = None) -> WebPage:
    """The article of a page given as text; ``url`` is where it was found, if known."""
    import lxml.html
    import trafilatura
    from lxml.etree import ParserError

    if url is None and (saved := _SAVED_FROM.search(html[:4096])):
        url = saved[1]  # browsers note where a saved page came from
    try:
        # lxml refuses str input that declares an encoding; the text is decoded already.
        tree = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", html))
    except (ParserError, ValueError) as error:
        raise PageError(f"cannot be read as HTML ({error})") from None
    stated = _stated_metadata(tree)
    _unwrap_layout_tables(tree)
    structure = structure_markers(tree)
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        favor_precision=True,  # fewer sidebar leaks, no recall lost (docs/web-extraction.md)
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    blocks = (
        markdown_blocks(doc.body, structure) if doc is not None and doc.body is not None else []
    )
    words = len(re.findall(r"\w+", " ".join(blocks)))
    if words < MIN_WORDS:
        raise PageError(_no_text_reason(tree, words))
    site = doc.sitename if doc.sitename and not _is_host(doc.sitename, doc.url or url) else None
    title, site = _title_and_site(doc.title, site, stated)
    if title and blocks and blocks[0].lstrip("#").strip() == title:
        blocks = blocks[1:]  # the page's <h1>, kept by some layouts
    return WebPage(
        body="\n\n".join(blocks),
        title=title,
        author=stated.get("author") or _as_written(doc.author, tree),
        site=site,
        date=doc.date or _posted_on(blocks[:6]),
        url=_canonical(stated.get("canonical") or doc.url, url),
    )


def _stated_metadata(tree: Any) -> dict[str, str]:
    """Title parts and author as the page's own markup states them (JSON-LD, meta, rel)."""
    found: dict[str, str] = {}
    h1 = tree.xpath("//h1")
    if len(h1) == 1:
        found["h1"] = " ".join(h1[0].text_content().split())
    titles = tree.xpath("//head/title")
    if titles:
        found["title_tag"] = " ".join(titles[0].text_content().split())
    canonical = tree.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
        " | //meta[@property='og:url']/@content"
    )
    if canonical and canonical[0].strip():
        found["canonical"] = canonical[0].strip()
    candidates = [_json_ld_author(tree)]
    for xpath in (
        "//meta[@name='author']/@content",
        "//meta[@property='article:author']/@content",
        "//*[@itemprop='author']/@content",
        "//*[@itemprop='author']//*[@itemprop='name']//text()",
        "//a[@rel='author']//text()",
    ):
        candidates.append(" ".join(" ".join(tree.xpath(xpath)[:1]).split()))
    author = next((c for c in candidates if c and _is_name(c)), None)
    if author:
        found["author"] = author
    return found


def _json_ld_author(tree: Any) -> str | None:
    """The author(s) of the article object of the page's JSON-LD, references resolved."""
    objects: list[dict[str, Any]] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = [data]
        while stack and len(objects) < 500:
            item = stack.pop()
            if isinstance(item, list):
                stack += item
            elif isinstance(item, dict):
                objects.append(item)
                stack += [v for k, v in item.items() if k == "@graph"]
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    for obj in objects:
        types = obj.get("@type")
        types = [types] if isinstance(types, str) else types or []
        if not any(isinstance(t, str) and t.lower() in _ARTICLE_TYPES for t in types):
            continue
        authors = obj.get("author")
        names = []
        for person in authors if isinstance(authors, list) else [authors]:
            if isinstance(person, dict) and "name" not in person:
                person = by_id.get(person.get("@id"), person)
            name = person.get("name") if isinstance(person, dict) else person
            if isinstance(name, str) and _is_name(name.strip()):
                names.append(" ".join(name.split()))
        if names:
            return ", ".join(dict.fromkeys(names))
    return None


def _as_written(author: str | None, tree: Any) -> str | None:
    """trafilatura's author as the page writes it: it drops "Dr." dots and turns the comma
    of "Ashley Gray, LCSW" into a separator; a text of the page with the same letters wins."""
    if not author:
        return None
    key = re.sub(r"\W+", "", author).casefold()
    for text in tree.xpath("//body//text()[not(ancestor::script or ancestor::style)]"):
        if len(text) < 120 and re.sub(r"\W+", "", text).casefold() == key:
            return " ".join(text.split())
    return author


def _is_name(text: str) -> bool:
    return 1 < len(text) <= 100 and not re.match(r"https?://|www\.", text)


def _is_host(name: str, url: str | None) -> bool:
    """Whether a "site name" is only the host name (trafilatura's last resort: a guess)."""
    host = (urlsplit(url).hostname or "") if url else ""
    bare = re.sub(r"^www\d*\.", "", host)
    name = re.sub(r":\d+$", "", name)  # "example.org:8080"
    return name.lower() in (host, bare) or (
        "." in name and " " not in name and name.lower() in host
    )


def _title_and_site(
    title: str | None, site: str | None, stated: dict[str, str]
) -> tuple[str | None, str | None]:
    """The title without a " | Site" tail, and the site that tail names if none is stated.

    A tail names the site only when the part before it is the page's title or its one <h1>;
    the colon is no separator here ("Alone in the Room: What to Do When...").
    """
    known = {t for t in (stated.get("h1"), title) if t}
    for text in (stated.get("title_tag"), title):
        for sep in _TITLE_SEPARATOR.finditer(text or "") if not site else ():
            head, tail = text[: sep.start()].strip(), text[sep.end() :].strip()
            if head in known and 0 < len(tail) <= 60:
                site = tail
                break
        # "Site: Title" (Blogger's way): here a colon may separate, the title being known.
        for sep in _SITE_FIRST.finditer(text or "") if not site else ():
            head, tail = text[: sep.start()].strip(), text[sep.end() :].strip()
            if tail in known and 0 < len(head) <= 60:
                site = head
                break
    for sep in _TITLE_SEPARATOR.finditer(title or "") if site else ():
        if title[sep.end() :].strip().casefold() == site.casefold():
            return title[: sep.start()].strip(), site
    return title, site


def _canonical(found: str | None, page_url: str | None) -> str | None:
    """The page's canonical address if it is a usable one, else the page's own address.

    A canonical that is only the site's home page (a common misconfiguration) is ignored
    when the page itself lives deeper.
    """
    base = page_url if page_url and urlsplit(page_url).scheme in ("http", "https") else None
    if found:
        candidate = urljoin(base, found) if base else found
        parts = urlsplit(candidate)
        if parts.scheme in ("http", "https") and parts.hostname:
            deeper = base and urlsplit(base).path.strip("/") and not parts.path.strip("/")
            if not deeper:
                return candidate
    return base


def _posted_on(blocks: list[str]) -> str | None:
    """The date of a "Posted On: December 11, 2023" line near the top, as YYYY-MM-DD."""
    for block in blocks:
        written = boilerplate.date_line(block)
        for pattern in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(written or "", pattern).date().isoformat()
            except ValueError:
                continue
    return None


def _unwrap_layout_tables(tree: Any) -> None:
    """Tables whose cells hold headings, paragraphs, lists or forms lay out a page: make
    their cells plain blocks, so the menu cell and the article cell are judged apart."""
    for table in tree.xpath(f"//table[.//td//*[{_LAYOUT_BLOCKS}]]"):
        for element in table.iter("table", "tbody", "thead", "tfoot", "tr", "td", "th"):
            element.tag = "div"
            for name in list(element.attrib):
                if name not in ("class", "id"):
                    del element.attrib[name]


def _no_text_reason(tree: Any, words: int) -> str:
    text = tree.xpath("//body//text()[not(ancestor::script or ancestor::style)]")
    visible = len(re.findall(r"\w+", " ".join(text)))
    if visible < MIN_WORDS and tree.xpath("//script"):
        return (
            "no article text: the page builds its text with JavaScript, which is not run "
            "here; open it in a browser, copy the article into a .txt file and add that"
        )
    found = f"only {words} words of text" if words else "no text"
    return (
        f"no article text found ({found} outside menus, banners and links); if the article "
        "is there, copy it into a .txt file and add that"
    )
