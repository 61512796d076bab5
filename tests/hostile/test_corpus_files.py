"""Malformed corpus files, one of each kind in one corpus: each is indexed, noted or skipped
with its reason, and ingest goes on with the rest without a traceback."""

from __future__ import annotations

import codecs
import gzip
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from advice_search import terminal
from advice_search.builder import ingest
from advice_search.cli import main
from advice_search.corpus import load_corpus
from advice_search.records import Article

from ..sample_corpus import BOUNDARIES, FakeEncoder, write_corpus
from .conftest import Ledger

ATTACK = "malformed corpus files (kinds)"
PROSE = "Talk to your partner when you are both calm. Listen first, then answer.\n"


def text(body: str = PROSE, title: str = "A Short Article") -> str:
    return f"{title}\n\n{body}"


def front(fields: str, body: str = PROSE) -> str:
    return f"---\n{fields}\n---\n\n{body}"


@dataclass(frozen=True)
class Kind:
    """A kind of bad file: its file name, how to write it, and what ingest must do with it.

    ``expect`` is "indexed", "note: <words>", "skipped: <words>" or "ignored" (not an
    article file at all: never listed). ``check`` looks at the indexed article.
    """

    name: str
    path: str
    write: Callable[[Path], object]
    expect: str
    check: Callable[[Article], bool] | None = None


def put(data: str | bytes) -> Callable[[Path], object]:
    def write(path: Path) -> object:
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return path.write_bytes(raw)

    return write


def sparse(size: int) -> Callable[[Path], object]:
    def write(path: Path) -> object:
        with open(path, "wb") as handle:
            return handle.truncate(size)

    return write


def link_to(target: str) -> Callable[[Path], object]:
    return lambda path: path.symlink_to(target)


def fifo(path: Path) -> object:
    return os.mkfifo(path)


def unix_socket(path: Path) -> object:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return server.close()


def non_utf8_name(path: Path) -> object:
    return Path(os.fsdecode(os.fsencode(path.parent) + b"/caf\xe9.md")).write_text(text())


def deep(path: Path) -> object:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.write_text(text("Deep inside forty folders, this advice still counts.\n"))


def unique(n: int) -> str:
    return text(f"Paragraph number {n} is different from every other one. " + PROSE)


KINDS = [
    Kind("empty file", "empty.md", put(b""), "skipped: empty file"),
    Kind("only blank lines", "blank.txt", put("\n \n\t\n"), "skipped: empty file"),
    Kind("a PNG named .md", "photo.md", put(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(512)), "skipped: binary file"),
    Kind("a PDF named .txt", "doc.txt", put(b"%PDF-1.7\n" + os.urandom(512) + b"\x00"), "skipped: binary file"),
    Kind("gzip named .md", "zipped.md", put(gzip.compress(PROSE.encode() * 50)), "skipped: binary file"),
    Kind("NUL bytes in text", "nul.md", put(text() + "\x00\x00"), "skipped: binary file"),
    Kind("Windows-1252 text", "cp1252.txt", put(unique(1).replace("calm", "café “calm”").encode("cp1252")), "note: Windows-1252"),
    Kind("Latin-1 bytes cp1252 lacks", "latin1.txt", put(unique(2).encode("latin-1") + b"\x81 ok"), "note: Latin-1"),
    Kind("mostly UTF-8, one bad byte", "badbyte.md", put(unique(3).encode() + b"\xff.\n"), "note: not valid UTF-8"),
    Kind("UTF-16 LE with BOM", "utf16le.txt", put(codecs.BOM_UTF16_LE + unique(4).encode("utf-16-le")), "note: UTF-16"),
    Kind("UTF-16 BE with BOM", "utf16be.txt", put(codecs.BOM_UTF16_BE + unique(5).encode("utf-16-be")), "note: UTF-16"),
    Kind("damaged UTF-16", "utf16bad.txt", put(codecs.BOM_UTF16_LE + b"a\x00\x00\xd8b"), "skipped: damaged UTF-16"),
    Kind("UTF-8 with BOM", "bom.md", put(codecs.BOM_UTF8 + unique(6).encode()), "indexed"),
    Kind("broken YAML", "broken-yaml.md", put(front('title: "unclosed\nauthor: [')), "skipped: broken YAML front matter at line"),
    Kind("YAML tabs for indentation", "tabs.md", put(front("title:\n\t- x\n\tauthor: y")), "skipped: broken YAML"),
    Kind("YAML python tag", "pytag.md", put(front("title: !!python/object/apply:os.system [echo hi]")), "skipped: broken YAML"),
    Kind("front matter is a list", "list.md", put(front("- a\n- b")), "skipped: not a list of"),
    Kind("front matter is one word", "word.md", put(front("hello")), "skipped: not a list of"),
    Kind("front matter never closed", "unclosed.md", put("---\ntitle: Open\nauthor: Ann\n\n" + PROSE), "skipped: never closed"),
    Kind("only front matter", "fm-only.md", put("---\ntitle: Nothing Else\n---\n"), "skipped: no article text"),
    Kind("only a title", "title-only.md", put("# Just A Heading\n"), "skipped: no article text"),
    Kind("headings and rules", "rules.md", put("# One\n\n----\n\n## Two\n\n***\n"), "skipped: no article text"),
    Kind("page boilerplate only", "chrome.txt", put("top of page\n\nRelated Posts\n\nLeave a Comment\n"), "skipped: no article text"),
    Kind("emoji only", "emoji.md", put("😀😀😀\n\n💔💔\n"), "skipped: no article text"),
    Kind("zero-width spaces only", "zwsp.md", put("\u200b\u200b\u200b\n\u200b\n"), "skipped: no article text"),
    Kind("punctuation only, 50 KB", "bangs.md", put("!?" * 25_000), "skipped: no article text"),
    Kind("larger than 5 MB", "dump.txt", sparse(6_000_000), "skipped: too large"),
    Kind("one 4.7 MB line", "one-line.txt", put("Title\n\n" + "Money talk without blame and " * 160_000), "skipped: too long for one article"),
    Kind("duplicate of another article", "zz-copy.md", put(BOUNDARIES), "skipped: duplicate of"),
    Kind("the .md article again as .txt", "zz-boundaries.txt", put("Setting Boundaries Without Starting a Fight\n\n" + BOUNDARIES.split("---\n", 2)[2]), "skipped: duplicate of"),
    Kind("symbolic link to an article", "link.md", link_to("boundaries.md"), "skipped: symbolic link"),
    Kind("dangling symbolic link", "dangling.md", link_to("nowhere.md"), "skipped: symbolic link"),
    Kind("link to a folder named .md", "folder-link.md", link_to("nested"), "skipped: symbolic link"),
    Kind("a named pipe", "pipe.md", fifo, "skipped: not a regular file"),
    Kind("a socket", "sock.md", unix_socket, "skipped: not a regular file"),
    Kind("a folder named .md", "dir.md/inner.txt", put(unique(7)), "indexed"),
    Kind("hidden file", ".draft.md", put(unique(8)), "ignored"),
    Kind("file in a hidden folder", ".drafts/x.md", put(unique(9)), "ignored"),
    Kind("not an article type", "notes.docx", put(b"PK\x03\x04"), "ignored"),
    Kind("link loop folder", "loop", link_to("."), "ignored"),
    Kind("file name not UTF-8", "caf\\xe9.md", non_utf8_name, "skipped: not valid UTF-8; rename it"),
    Kind("newline and escape in file name", "a\nb\x1b.md", put(unique(10)), "indexed"),
    Kind("forty nested folders", "/".join(["n"] * 40) + "/deep.md", deep, "indexed"),
    Kind("upper-case suffix", "LOUD.MD", put(unique(11)), "indexed"),
    Kind(".markdown suffix", "long.markdown", put(unique(12)), "indexed"),
    Kind("title: yes", "yes.md", put(front("title: yes", unique(13))), "indexed", lambda a: a.title == "yes"),
    Kind("date: 12:30", "time.md", put(front("date: 12:30", unique(14))), "indexed", lambda a: a.date == "12:30"),
    Kind("author: 007, url: 0x1F", "bond.md", put(front("author: 007\nsite: 0x1F", unique(15))), "indexed", lambda a: (a.author, a.site) == ("007", "0x1F")),
    Kind("bidi override in title", "bidi.md", put(front('title: "Safe \\u202eevil\\u202c"', unique(16))), "indexed", lambda a: a.title == "Safe evil"),
    Kind("terminal escapes in author", "ansi.md", put(front('author: "Ann\\x1b[31m Lee\\x07"', unique(17))), "indexed", lambda a: a.author == "Ann[31m Lee"),
    Kind("multi-line title", "multi.md", put(front("title: |\n  Two\n  lines", unique(18))), "indexed", lambda a: a.title == "Two lines"),
    Kind("title is a mapping", "map.md", put(front("title: {a: 1}", unique(19))), "indexed", lambda a: a.title == "A Short Article"),
    Kind("10,000-character title", "huge-title.md", put(front("title: " + "word " * 2000, unique(20))), "indexed", lambda a: a.title == "A Short Article"),
    Kind("YAML alias bomb", "bomb.md", put(front("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ntitle: *d", unique(21))), "indexed", lambda a: a.title == "A Short Article"),
    Kind("duplicate YAML keys", "dupkeys.md", put(front("title: First\ntitle: Second", unique(22))), "indexed", lambda a: a.title == "Second"),
    Kind("Windows line endings", "crlf.txt", put(unique(23).replace("\n", "\r\n")), "indexed"),
    Kind("old Mac line endings", "cr.txt", put(unique(24).replace("\n", "\r")), "indexed"),
    Kind("zalgo text", "zalgo.md", put(text("Ta̸̢lk̷ ̶t̵o̴ ̷y̸o̶u̵r̷ partner when calm. " + PROSE)), "indexed"),
    Kind("right-to-left article", "arabic.md", put(text("تحدث مع شريكك عندما تكونان هادئين. استمع أولا.\n", "نصيحة")), "indexed"),
    Kind("HTML and script tags in Markdown", "tags.md", put(text("<script>alert('x')</script> <b>Listen</b> first. " + PROSE)), "indexed"),
    Kind("inline base64 image", "image.md", put(text("Listen first. ![p](data:image/png;base64," + "A" * 50_000 + ") " + unique(25))), "indexed", lambda a: "AAAA" not in a.body),
    Kind("an empty web page", "empty.html", put(b""), "skipped: empty"),
    Kind("a page that is only script", "script.html", put("<html><script>document.write('hi')</script></html>"), "skipped: JavaScript"),
    Kind("an image named .html", "photo.html", put(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(256)), "skipped: PNG"),
    Kind("100,000 nested <div>s", "nested.html", put("<div>" * 100_000), "skipped: no article text"),
]  # fmt: skip


@pytest.fixture(scope="module")
def hostile_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = write_corpus(tmp_path_factory.mktemp("hostile") / "corpus")
    (corpus / "nested").mkdir()
    for kind in KINDS:
        path = corpus / kind.path
        path.parent.mkdir(parents=True, exist_ok=True)
        kind.write(path)
    locked = corpus / "locked"  # made unreadable below (as root, chmod cannot stop a read)
    locked.mkdir()
    (locked / "inside.md").write_text(unique(99))
    return corpus


def unreadable(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    real = os.scandir

    def scandir(path: object = ".") -> object:
        if os.fspath(path) == os.fspath(folder):  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fspath(path))  # type: ignore[arg-type]
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)


def outcome(kind: Kind, articles: dict[str, Article], skipped: dict[str, str], notes: str) -> str:
    """What ingest did with the file of ``kind``, in the words of ``Kind.expect``."""
    path = kind.path
    if path in skipped:
        return f"skipped: {skipped[path]}"
    if path in articles:
        note = [n for n in notes.splitlines() if n.startswith(path + ": ")]
        return f"note: {note[0]}" if note else "indexed"
    return "ignored"


def test_each_malformed_file_is_indexed_noted_or_skipped_with_its_reason(
    hostile_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ledger: Ledger
) -> None:
    assert len(KINDS) + 1 >= 40  # the kinds above, and an unreadable folder
    unreadable(monkeypatch, hostile_corpus / "locked")
    try:
        report = ingest(hostile_corpus, tmp_path / "index", encoder=FakeEncoder())
    except Exception:
        ledger.record(ATTACK, attacks=len(KINDS) + 1, tracebacks=1)
        raise
    loaded = load_corpus(hostile_corpus)
    articles = {a.path: a for a in loaded.articles}
    skipped = {s.path: s.reason for s in report.skipped}
    notes = "\n".join(report.notes)
    wrong = []
    for kind in KINDS:
        got = outcome(kind, articles, skipped, notes)
        verb, _, words = kind.expect.partition(": ")
        ok = got.startswith(verb) and words in got
        if ok and kind.check is not None:
            ok = kind.check(articles[kind.path])
        if not ok:
            wrong.append(f"{kind.name}: expected {kind.expect!r}, got {got!r}")
    if skipped.get("locked/") != "folder cannot be read (Permission denied); fix its permissions":
        wrong.append(f"unreadable folder: got {skipped.get('locked/')!r}")
    summary = terminal.ingest_summary(report)
    assert all(f"    {path}: {reason}" in summary for path, reason in skipped.items())
    ledger.record(
        ATTACK,
        attacks=len(KINDS) + 1,
        counts={
            "as expected": len(KINDS) + 1 - len(wrong),
            "skipped": len(skipped),
            "noted": len(report.notes),
        },
    )
    assert not wrong, "\n".join(wrong)


@pytest.mark.full_only  # the real model embeds every kind
def test_the_real_command_ingests_the_hostile_corpus_in_one_run(
    hostile_corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ledger: Ledger,
) -> None:
    unreadable(monkeypatch, hostile_corpus / "locked")
    argv = ["ingest", "--quiet", "--corpus", str(hostile_corpus), "--index", str(tmp_path)]
    try:
        code = main(argv)
    except Exception:
        ledger.record("malformed corpus, real `advice-search ingest`", attacks=1, tracebacks=1)
        raise
    out = capsys.readouterr().out
    ledger.record("malformed corpus, real `advice-search ingest`", attacks=1)
    assert code == 0 and out.startswith("Index updated")
    assert main(["search", "--json", "calm partner", "--index", str(tmp_path)]) == 0
