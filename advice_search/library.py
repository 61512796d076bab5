"""The library as files in corpus/: add an article (a link, a saved page, .md or .txt),
list the articles, remove one. Indexing is left to ``builder.ingest``.

Adding is all or nothing: the article is read and checked first (fetched, extracted, parsed
by the same reader ingest uses, compared with the library for duplicates), and only then
written, atomically, under a name no other file has. A source that fails writes nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from .corpus import (
    HTML_SUFFIXES,
    MAX_FILE_BYTES,
    CorpusError,
    CorpusFileError,
    CorpusLoad,
    Skipped,
    decode,
    load_corpus,
    parse_article,
    slugify,
    text_key,
)
from .fetch import Fetched, FetchError, fetch_page
from .manifest import Manifest
from .records import Article
from .store import IndexUnavailable, Store, fsync_dir
from .webpage import FIELDS, PageError, read_page

TEXT_SUFFIXES = (".md", ".markdown", ".txt")
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|igshid)$", re.I)


class LibraryError(Exception):
    """A source cannot be added, or an article cannot be found; one line for a person."""


class DuplicateArticle(LibraryError):
    """The article is in the library already (same address or same text)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Candidate:
    """An article read from a source and checked, not yet written."""

    source: str
    data: bytes  # the file to write
    suffix: str
    stem: str  # preferred file name, without suffix
    article: Article  # as the corpus reader reads ``data``
    notes: tuple[str, ...] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(f for f in FIELDS if not getattr(self.article, f))


@dataclass(frozen=True)
class Added:
    candidate: Candidate
    path: str  # relative to the corpus directory
    replaced: str | None = None  # the file it replaced, with --replace


@dataclass(frozen=True)
class Entry:
    article: Article
    passages: int | None  # None: not in the index yet (new or edited since the last ingest)


def is_web_address(source: str) -> bool:
    """Whether ``source`` is meant as an address (``https://``, also ``file:`` or ``ftp:``)."""
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", source)) and not Path(source).exists()


def prepare(source: str, *, fetcher: Callable[[str], Fetched] = fetch_page) -> Candidate:
    """Read ``source`` into a checked Candidate; LibraryError says why it cannot be added."""
    try:
        if is_web_address(source):
            fetched = fetcher(source)
            page, note = read_page(fetched.body, url=fetched.url, charset=fetched.charset)
            return _candidate(source, page.markdown().encode(), ".md", page.title, note)
        path = Path(source)
        if not path.is_file():
            hint = " (for a web page, give its address with https://)" if "." in source else ""
            raise LibraryError(f"no such file{hint}")
        suffix = path.suffix.lower()
        if suffix not in HTML_SUFFIXES + TEXT_SUFFIXES:
            raise LibraryError(
                f"cannot add {suffix or 'extensionless'} files: add a web page (.html or a "
                "link), Markdown (.md) or plain text (.txt)"
            )
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LibraryError(f"larger than {MAX_FILE_BYTES / 1e6:g} MB: split it into articles")
        data = path.read_bytes()
        if suffix in HTML_SUFFIXES:
            page, note = read_page(data)
            return _candidate(source, page.markdown().encode(), ".md", page.title, note)
        text, note = decode(data)
        return _candidate(source, data, suffix, path.stem, note, text=text)
    except (FetchError, PageError, CorpusFileError) as error:
        raise LibraryError(str(error)) from None
    except OSError as error:
        raise LibraryError(f"cannot be read ({error.strerror or error})") from None


def _candidate(
    source: str, data: bytes, suffix: str, name: str | None, note: str | None, *, text: str = ""
) -> Candidate:
    stem = slugify(re.sub(r"['’]", "", name or "article"))[:80].strip("-") or "article"
    article = parse_article(text or data.decode(), path=stem + suffix, article_id=stem)
    return Candidate(source, data, suffix, stem, article, (note,) if note else ())


def add(
    source: str,
    corpus_dir: Path,
    *,
    replace: bool = False,
    fetcher: Callable[[str], Fetched] = fetch_page,
) -> Added:
    """Add one source to the corpus (nothing is written unless it all succeeds)."""
    corpus_dir = Path(corpus_dir)
    existing = _load(corpus_dir)
    if is_web_address(source) and not replace:
        _refuse_duplicate(existing, url=source)  # no need to fetch what is there already
    candidate = prepare(source, fetcher=fetcher)
    same = _find_duplicate(existing, candidate.article)
    if same and not replace:
        _refuse_duplicate(existing, url=candidate.article.url, body=candidate.article.body)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    if same:
        old = corpus_dir / same
        target = old.with_suffix(candidate.suffix)
        if target == old or not target.exists():  # keeps its name, so its id and links
            _write_atomic(target, candidate.data, overwrite=True)
            written = target.relative_to(corpus_dir).as_posix()
        else:
            written = _write_new(corpus_dir, candidate, existing)
        if written != same:
            old.unlink(missing_ok=True)
        fsync_dir(corpus_dir)
        return Added(candidate, written, replaced=same)
    written = _write_new(corpus_dir, candidate, existing)
    fsync_dir(corpus_dir)
    return Added(candidate, written)


def _write_new(corpus_dir: Path, candidate: Candidate, existing: CorpusLoad) -> str:
    """Write the candidate under a name no file and no article id has yet: a.md, a-2.md..."""
    taken = {a.article_id for a in existing.articles}
    stem = candidate.stem
    for n in range(2, 10_000):
        target = corpus_dir / f"{stem}{candidate.suffix}"
        if (
            stem not in taken
            and not _stem_used(corpus_dir, stem)
            and _write_atomic(target, candidate.data, overwrite=False)
        ):
            return target.name
        stem = f"{candidate.stem}-{n}"
    raise LibraryError(f"no free file name for {candidate.stem} in {corpus_dir}/")


def _load(corpus_dir: Path) -> CorpusLoad:
    try:
        return load_corpus(corpus_dir)
    except CorpusError:
        return CorpusLoad(())


def url_key(url: str | None) -> str | None:
    """An address as compared for duplicates: no scheme, www., fragment, tracking or end /."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").removeprefix("www.")
        port = f":{parts.port}" if parts.port not in (None, 80, 443) else ""
    except ValueError:
        return None
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    return f"{host}{port}{parts.path.rstrip('/')}" + (f"?{query}" if query else "")


def _find_duplicate(existing: CorpusLoad, article: Article) -> str | None:
    """The path of the library's article with the same address or the same text, if any."""
    key, body = url_key(article.url), text_key(article.body)
    for other in existing.articles:
        if (key and url_key(other.url) == key) or text_key(other.body) == body:
            return other.path
    return None


def _refuse_duplicate(existing: CorpusLoad, *, url: str | None, body: str | None = None) -> None:
    key = url_key(url)
    for other in existing.articles:
        if key and url_key(other.url) == key:
            why = "same address"
        elif body is not None and text_key(other.body) == text_key(body):
            why = "same text"
        else:
            continue
        raise DuplicateArticle(
            f"already in the library as {other.path} ({why}); nothing changed. Use --replace "
            "to update it",
            other.path,
        )


def _stem_used(corpus_dir: Path, stem: str) -> bool:
    """Whether a file would give the same article id (``a.md`` next to ``a.txt``)."""
    return any(
        p.stem.lower() == stem for p in corpus_dir.glob(f"{stem}.*") if not p.name.startswith(".")
    )


def _write_atomic(path: Path, data: bytes, *, overwrite: bool) -> bool:
    """Write ``data`` to ``path`` via a hidden temporary file; False if ``path`` exists and
    ``overwrite`` is off (the link fails rather than replace another article)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------- list and remove


def entries(corpus_dir: Path, index_dir: Path) -> tuple[list[Entry], tuple[Skipped, ...]]:
    """Every article of the corpus with its passage count in the index (None if not there)."""
    loaded = _load(Path(corpus_dir))
    try:
        manifest = Manifest.read(Store(index_dir).current())
        indexed = {(s.path, s.content_hash): s.passages for s in manifest.sources}
    except IndexUnavailable:
        indexed = {}
    found = [Entry(a, indexed.get((a.path, a.content_hash))) for a in loaded.articles]
    return found, loaded.skipped


def find(corpus_dir: Path, ref: str) -> str:
    """The corpus path of the article ``ref`` names: its id, file name, path or address."""
    corpus_dir = Path(corpus_dir)
    loaded = _load(corpus_dir)
    wanted = ref.strip()
    as_path = Path(wanted)
    try:
        relative = as_path.resolve().relative_to(corpus_dir.resolve()).as_posix()
    except (ValueError, OSError):
        relative = None
    key = url_key(wanted) if is_web_address(wanted) else None
    matches = {
        a.path
        for a in loaded.articles
        if wanted in (a.article_id, a.path, Path(a.path).name)
        or relative == a.path
        or (key and url_key(a.url) == key)
    }
    matches |= {s.path for s in loaded.skipped if wanted == s.path or relative == s.path}
    if not matches:
        raise LibraryError(
            f"no article {wanted!r} in {corpus_dir}/; `advice-search list` shows their names"
        )
    if len(matches) > 1:
        raise LibraryError(f"{wanted!r} names {len(matches)} files ({', '.join(sorted(matches))}); give the file name")  # fmt: skip
    return matches.pop()


def remove(corpus_dir: Path, ref: str) -> str:
    """Delete the article ``ref`` names from the corpus; returns its path."""
    path = find(corpus_dir, ref)
    try:
        (Path(corpus_dir) / path).unlink()
    except OSError as error:
        raise LibraryError(f"cannot remove {path} ({error.strerror or error})") from None
    fsync_dir(Path(corpus_dir))
    return path
