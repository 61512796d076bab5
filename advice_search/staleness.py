"""Has the corpus changed since the index was built? (The index keeps serving; we warn.)"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .listing import corpus_signatures
from .manifest import Manifest
from .sources import SourceFile, SourceTable
from .store import IndexUnavailable, Store


@dataclass(frozen=True)
class CorpusStatus:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        return bool(self.added or self.changed or self.deleted)

    def describe(self) -> str:
        parts = [
            f"{len(files)} {what}"
            for files, what in (
                (self.added, "new"),
                (self.changed, "edited"),
                (self.deleted, "deleted"),
            )
            if files
        ]
        return ", ".join(parts) + " article file(s) since the index was built"


def corpus_status(manifest: Manifest, corpus_dir: Path) -> CorpusStatus:
    """Compare the corpus files with what the manifest recorded.

    A file with the size and modification time recorded at ingest is unchanged without
    being read; only the others are hashed (a file touched but not edited is not stale).
    """
    corpus_dir = Path(corpus_dir)
    stats, hashes = _recorded(manifest.sources)
    skipped = {s.path: s.file for s in manifest.skipped}
    if not corpus_dir.is_dir():
        return CorpusStatus(deleted=tuple(sorted(stats)))
    present = corpus_signatures(corpus_dir)
    added, changed = [], []
    known_hashes: set[str] | None = None
    for rel in [rel for rel, signature in present.items() if stats.get(rel) != signature]:
        if rel in skipped:
            recorded_skip = skipped[rel]
            if recorded_skip is None or present[rel] != (
                recorded_skip["size"],
                recorded_skip["mtime_ns"],
            ):
                changed.append(rel)
            continue
        digest = _content_hash(corpus_dir / rel)
        if rel not in hashes:
            # A duplicate of an indexed article under another name changes nothing.
            if known_hashes is None:
                known_hashes = set(hashes.values())
            if digest is None or digest not in known_hashes:
                added.append(rel)
        elif hashes[rel] != digest:
            changed.append(rel)
    deleted = sorted(stats.keys() - present.keys())
    return CorpusStatus(tuple(sorted(added)), tuple(sorted(changed)), tuple(deleted))


def _recorded(
    sources: Sequence[SourceFile],
) -> tuple[dict[str, tuple[int, int]], dict[str, str]]:
    """path -> (size, mtime_ns), and path -> content hash, of the recorded sources."""
    if isinstance(sources, SourceTable):
        c = sources.columns
        paths = c["path"]
        stats = dict(zip(paths, zip(c["size"], c["mtime_ns"], strict=True), strict=True))
        return stats, dict(zip(paths, c["content_hash"], strict=True))
    return (
        {s.path: (s.size, s.mtime_ns) for s in sources},
        {s.path: s.content_hash for s in sources},
    )


def _content_hash(path: Path) -> str | None:
    """sha256 of a regular file's bytes; None for anything else (a link, a pipe, unreadable)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# Seconds an answer waits for the corpus comparison, at most (then no warning is given).
STATUS_TIMEOUT = 60.0


def status_in_background(index_dir: Path, corpus_dir: Path) -> Callable[[], CorpusStatus | None]:
    """Start comparing the corpus with the build in use; the function returned waits for
    the result (None when it cannot be known: no index, an unreadable manifest, a timeout).

    Listing a corpus of a hundred thousand files takes about a second, most of it Python: a
    thread would hold the interpreter lock the answer needs, so the comparison runs in a
    forked child process, on the other core, while the index loads and the question is
    answered. Problems with the index itself are left to opening it.
    """
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover (Windows)
        status = current_status(index_dir, corpus_dir)
        return lambda: status
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_send_status, args=(index_dir, corpus_dir, send), daemon=True)
    child.start()
    send.close()

    def result() -> CorpusStatus | None:
        try:
            found = receive.recv() if receive.poll(STATUS_TIMEOUT) else None
        except (EOFError, OSError):  # the child died: no warning rather than a wrong one
            found = None
        child.join(1)
        return found

    return result


def current_status(index_dir: Path, corpus_dir: Path) -> CorpusStatus | None:
    """``corpus_status`` against the build in use; None if there is none to compare with."""
    try:
        return corpus_status(Manifest.read(Store(index_dir).current()), corpus_dir)
    except (IndexUnavailable, OSError, ValueError):
        return None


def _send_status(index_dir: Path, corpus_dir: Path, send: Any) -> None:
    """The child's work. Ctrl-C (sent to the whole process group) is the parent's to answer,
    in one line: the child ignores it, and a failed send (the parent gone) prints nothing."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status = current_status(index_dir, corpus_dir)
    with contextlib.suppress(OSError):
        send.send(status)
        send.close()
