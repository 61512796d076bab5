"""Which files of a corpus directory are candidate articles, under printable names.

Links are listed (``corpus.read_article`` refuses them with a reason) but never followed into
folders, so a link loop cannot make the walk endless; hidden files and folders are left out;
a folder that cannot be read is reported, not silently skipped; and a file name that is not
valid UTF-8 gets a printable name (its bytes as \\xff) that ingest and the staleness check
both use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")


@dataclass(frozen=True)
class Listing:
    """The candidate article files of a corpus, and the folders that could not be read."""

    files: tuple[Path, ...]
    unreadable: tuple[tuple[Path, str], ...] = ()  # (folder, why)


def list_corpus(directory: Path) -> Listing:
    """Candidate article files under ``directory`` in a stable order, and unreadable folders."""
    unreadable: list[tuple[Path, str]] = []
    files = sorted(Path(path) for path in _candidates(Path(directory), unreadable))
    return Listing(tuple(files), tuple(sorted(unreadable)))


def corpus_files(directory: Path) -> list[Path]:
    """The candidate article files of ``directory`` (see ``list_corpus``)."""
    return list(list_corpus(directory).files)


def corpus_signatures(directory: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of each candidate file, by its name relative to ``directory``.

    The same files and names as ``list_corpus``, from one lstat a file and no Path objects:
    what staleness and ingest compare with the manifest, fast enough for a corpus of a
    hundred thousand files.
    """
    prefix = len(os.path.join(os.fspath(directory), ""))
    signatures = {}
    lstat = os.lstat
    for path in _candidates(Path(directory)):
        try:
            info = lstat(path)
        except OSError:
            continue
        rel = path[prefix:].replace(os.sep, "/")
        if not rel.isascii():
            rel = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        signatures[rel] = (info.st_size, info.st_mtime_ns)
    return signatures


def _candidates(directory: Path, unreadable: list[tuple[Path, str]] | None = None) -> Iterator[str]:
    """Paths of the entries named like articles: hidden names skipped, folders (never
    links to them) entered; a folder that cannot be listed goes to ``unreadable``."""
    pending = [os.fspath(directory)]
    while pending:
        folder = pending.pop()
        try:
            listed = _listing(folder)
        except OSError as error:
            if unreadable is not None:
                unreadable.append((Path(folder), error.strerror or str(error)))
            continue
        for name, folder, path in listed:
            if name.startswith("."):
                continue
            if folder:
                pending.append(path)
            elif name[name.rfind(".") :].lower() in SUFFIXES and "." in name:
                yield path


def _listing(folder: str) -> list[tuple[str, bool, str]]:
    """(name, is a folder, path) of each entry; the type comes with the listing (no stat)."""
    entries = []
    with os.scandir(folder) as listing:
        for entry in listing:
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            entries.append((entry.name, is_folder, entry.path))
    return entries


def relative_name(path: Path, directory: Path) -> str:
    """``path`` relative to the corpus as printable text (bytes of a non-UTF-8 name as \\xff)."""
    rel = path.relative_to(directory).as_posix()
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def file_signature(path: Path) -> dict[str, int] | None:
    """Size and modification time of a file (links not followed), or None if it is gone.

    Recorded for skipped files, whose content is not worth hashing on every search (one may
    be a 50 MB dump): a new signature means the file was replaced, perhaps by a fixed one.
    """
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}
