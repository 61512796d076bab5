"""Read the corpus directory into clean Articles, skipping bad files with a reason.

Accepted files: Markdown (``.md``) with optional YAML front matter holding ``title``,
``author``, ``site``, ``date`` and ``url``; plain ``.txt`` as scraped, whose title is its
first heading-like line; and saved web pages (``.html``), read by ``webpage`` into the same
Markdown that ``advice-search add`` would write for them. Boilerplate is removed here (see ``boilerplate``), so every later
stage sees only the article.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import boilerplate
from .frontmatter import FrontMatterError, split_front_matter
from .listing import file_signature, list_corpus, relative_name
from .records import Article
from .text import clean_control, heading_text, is_heading_like, is_list_item, normalise

HTML_SUFFIXES = (".html", ".htm")
MAX_FILE_BYTES = 5_000_000  # far above any article; a bigger file is a dump, not an article
# About three times the longest real advice article (16,000 words): embedding cost grows
# with the text, and one 4.7 MB line once made ingest 20 times slower than the whole library.
MAX_ARTICLE_CHARS = 100_000
NOT_UTF8_NAME = "the file name is not valid UTF-8; rename it"
# An image pasted into the text (Markdown or an <img> tag) as a base64 data URI.
_INLINE_IMAGE = re.compile(
    r"!\[[^\]\n]*\]\(\s*data:[^)]*\)|<img\b[^>]*\bdata:[^>]*>|data:[\w.+-]+/[\w.+-]+;base64,[A-Za-z0-9+/=]+",
    re.IGNORECASE,
)


class CorpusError(Exception):
    """The corpus as a whole cannot be used (missing or empty directory)."""


class CorpusFileError(Exception):
    """One file cannot be read as an article; the message says why and what to do."""


@dataclass(frozen=True)
class Skipped:
    """A file that cannot be used, why, and its size and mtime when it was read."""

    path: str
    reason: str
    file: dict[str, int] | None = None


@dataclass(frozen=True)
class CorpusLoad:
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = field(default=())  # non-fatal remarks, e.g. a fallback decoding


def load_corpus(
    directory: Path, *, known: Callable[[str], Article | None] | None = None
) -> CorpusLoad:
    """Every readable article of ``directory``; unreadable files are skipped with a reason.

    ``known(relative path)`` may return the Article a file held when it was last read, if
    the file has not been written since (ingest checks its size and mtime): it is then not
    read and cleaned again.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CorpusError(
            f"No corpus directory at {directory}: create it and add .md or .txt articles."
        )
    articles: list[Article] = []
    skipped: list[Skipped] = []
    notes: list[str] = []
    seen_texts: dict[str, str] = {}
    seen_ids: set[str] = set()
    listing = list_corpus(directory)
    for folder, why in listing.unreadable:
        if folder == directory:
            raise CorpusError(f"Cannot read the corpus directory {directory} ({why}).")
        rel = relative_name(folder, directory) + "/"
        skipped.append(Skipped(rel, f"folder cannot be read ({why}); fix its permissions"))
    for path in listing.files:
        rel = relative_name(path, directory)
        if rel != path.relative_to(directory).as_posix():
            skipped.append(Skipped(rel, NOT_UTF8_NAME, file_signature(path)))
            continue
        try:
            reused = known(rel) if known is not None else None
            article, note = (reused, None) if reused is not None else read_article(path, directory)
        except CorpusFileError as error:
            skipped.append(Skipped(rel, str(error), file_signature(path)))
            continue
        if note:
            notes.append(f"{rel}: {note}")
        # The same article saved twice (also as .md and as scraped .txt) has the same text
        # once cleaned; indexing both would show every answer twice.
        key = text_key(article.body)
        if key in seen_texts:
            skipped.append(
                Skipped(
                    rel,
                    f"duplicate of {seen_texts[key]} (same text); keep one of them",
                    file_signature(path),
                )
            )
            continue
        seen_texts[key] = rel
        article_id = article.article_id
        if article_id in seen_ids:  # "a.md" and "a.txt", or "a.md" and "sub/a.md"
            article_id = slugify(rel)
            while article_id in seen_ids:
                article_id += "-2"
            article = replace(article, article_id=article_id)
        seen_ids.add(article_id)
        articles.append(article)
    return CorpusLoad(tuple(articles), tuple(skipped), tuple(notes))


def read_article(path: Path, root: Path) -> tuple[Article, str | None]:
    """Read and clean one file; raises CorpusFileError with a reason a person can act on."""
    rel = path.relative_to(root).as_posix()
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            raise CorpusFileError("symbolic link; copy the article into the corpus instead")
        if not stat.S_ISREG(info.st_mode):
            raise CorpusFileError("not a regular file (a pipe, socket or device)")
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise CorpusFileError(
                f"{size / 1e6:.0f} MB is too large for an article (limit "
                f"{MAX_FILE_BYTES / 1e6:.0f} MB); split it into separate articles"
            )
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise CorpusFileError("vanished while being read") from error
    except OSError as error:
        raise CorpusFileError(f"cannot be read ({error.strerror})") from error
    text, note = read_html(data) if path.suffix.lower() in HTML_SUFFIXES else decode(data)
    if len(text) > MAX_ARTICLE_CHARS:
        raise CorpusFileError(
            f"{len(text):,} characters is too long for one article (limit "
            f"{MAX_ARTICLE_CHARS:,}); split it into separate articles"
        )
    content_hash = hashlib.sha256(data).hexdigest()
    article = parse_article(
        text, path=rel, article_id=slugify(path.stem), content_hash=content_hash
    )
    return article, note


def text_key(body: str) -> str:
    """What makes two articles the same text: their cleaned bodies, case and spacing aside."""
    return hashlib.sha256(normalise(body).encode()).hexdigest()


def read_html(data: bytes) -> tuple[str, str | None]:
    """A saved web page as the Markdown file ``advice-search add`` would write for it."""
    from .webpage import PageError, read_page

    try:
        page, note = read_page(data)
    except PageError as error:
        raise CorpusFileError(str(error)) from None
    return page.markdown(), note


def decode(data: bytes) -> tuple[str, str | None]:
    """Text of a file: UTF-8 (or UTF-16 with its BOM), else Windows-1252; binary is refused."""
    if not data.strip():
        raise CorpusFileError("empty file")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Notepad's "Unicode"
        try:
            return data.decode("utf-16"), "saved as UTF-16; read as such (UTF-8 is safer)"
        except UnicodeDecodeError:
            raise CorpusFileError("damaged UTF-16 text; save the article as UTF-8") from None
    if b"\x00" in data[:8192]:
        raise CorpusFileError("binary file, not text; save the article as .md or .txt")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        note = "not valid UTF-8; read as Windows-1252 (save it as UTF-8 to be sure)"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        note = "not valid UTF-8; read as Latin-1 (save it as UTF-8 to be sure)"
    if sum(not ch.isprintable() and ch not in "\n\r\t" for ch in text) > len(text) * 0.1:
        raise CorpusFileError("binary file, not text; save the article as .md or .txt")
    return text, note


def parse_article(raw: str, *, path: str, article_id: str, content_hash: str = "") -> Article:
    """Front matter, metadata lines and boilerplate out; the cleaned body in. Pure."""
    text = clean_control(raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INLINE_IMAGE.sub("", text)  # 100 KB of base64 is not text to embed
    try:
        meta, body = split_front_matter(text)
    except FrontMatterError as error:
        raise CorpusFileError(str(error)) from None
    lines = body.split("\n")
    title = meta.get("title")
    removed: list[str] = []
    if not title:
        title, lines, preamble = _take_title(lines)
        removed += preamble
    author, date = meta.get("author"), meta.get("date")
    kept: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            kept.append("")
        elif boilerplate.is_chrome_line(stripped) or stripped == title:
            removed.append(stripped)
        elif boilerplate.date_line(stripped):
            date = date or boilerplate.date_line(stripped)
            removed.append(stripped)
        elif boilerplate.author_line(stripped) and len(stripped) < 100:
            author = author or boilerplate.author_line(stripped)
            removed.append(stripped)
        else:
            author = author or boilerplate.about_heading_name(stripped)
            kept.append(line.rstrip())
    blocks = []
    for block in to_blocks("\n".join(kept)):
        cleaned, cut = boilerplate.strip_calls_to_action(block)
        removed += cut
        if cleaned.strip():
            blocks.append(cleaned)
    body = "\n\n".join(blocks)
    if not any(re.search(r"\w{2,}", b) and not b.lstrip().startswith("#") for b in blocks):
        raise CorpusFileError(
            "no article text: only a title, headings, separators or page boilerplate"
        )
    return Article(
        article_id=article_id,
        path=path,
        title=title or article_id.replace("-", " ").capitalize(),
        body=body,
        author=author,
        site=meta.get("site"),
        date=date,
        url=meta.get("url"),
        content_hash=content_hash,
        removed=tuple(removed),
    )


def to_blocks(body: str) -> list[str]:
    """Paragraphs, headings and list items, one block each (wrapped lines joined)."""
    blocks: list[str] = []
    for paragraph in re.split(r"\n\s*\n", body):
        current: list[str] = []
        for line in paragraph.split("\n"):
            starts_block = is_list_item(line) or line.lstrip().startswith("#")
            # A lone heading-like first line followed by a capitalised line is a heading;
            # followed by a lower-case line it is just the first line of wrapped prose.
            after_heading = (
                len(current) == 1 and is_heading_like(current[0]) and not line.strip()[:1].islower()
            )
            if current and (starts_block or after_heading):
                blocks.append(" ".join(current))
                current = []
            if line.strip():
                current.append(line.strip())
        if current:
            blocks.append(" ".join(current))
    return [b for b in blocks if b.strip()]


def _take_title(lines: list[str]) -> tuple[str | None, list[str], list[str]]:
    """The first heading-like line as title; lines above it are page chrome (captions etc.)."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or boilerplate.is_chrome_line(stripped):
            continue
        if is_heading_like(stripped):
            preamble = [ln.strip() for ln in lines[:i] if ln.strip()]
            return heading_text(stripped), lines[i + 1 :], preamble
        if i > 8:
            break
    return None, lines, []


def slugify(name: str) -> str:
    """A readable, stable id: "What If? (2023).md" -> "what-if-2023-md"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or hashlib.sha1(name.encode()).hexdigest()[:10]
