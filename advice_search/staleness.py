"""Has the corpus changed since the index was built? (The index keeps serving; we warn.)"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .corpus import corpus_signatures
from .manifest import Manifest
from .sources import SourceFile, SourceTable


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
    recorded = _recorded(manifest.sources)
    skipped = {s.path: s.file for s in manifest.skipped}
    if not corpus_dir.is_dir():
        return CorpusStatus(deleted=tuple(sorted(recorded)))
    added, changed = [], []
    known_hashes: set[str] | None = None
    present = corpus_signatures(corpus_dir)
    for rel, signature in present.items():
        if rel in skipped:
            recorded_skip = skipped[rel]
            if recorded_skip is None or signature != (
                recorded_skip["size"],
                recorded_skip["mtime_ns"],
            ):
                changed.append(rel)
            continue
        record = recorded.get(rel)
        if record and signature == record[:2]:
            continue
        digest = _content_hash(corpus_dir / rel)
        if record is None:
            # A duplicate of an indexed article under another name changes nothing.
            if known_hashes is None:
                known_hashes = {r[2] for r in recorded.values()}
            if digest is None or digest not in known_hashes:
                added.append(rel)
        elif record[2] != digest:
            changed.append(rel)
    deleted = sorted(recorded.keys() - present.keys())
    return CorpusStatus(tuple(sorted(added)), tuple(sorted(changed)), tuple(deleted))


def _recorded(sources: Sequence[SourceFile]) -> dict[str, tuple[int, int, str]]:
    if isinstance(sources, SourceTable):
        return sources.by_path()
    return {s.path: (s.size, s.mtime_ns, s.content_hash) for s in sources}


def _content_hash(path: Path) -> str | None:
    """sha256 of a regular file's bytes; None for anything else (a link, a pipe, unreadable)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
