"""Has the corpus changed since the index was built? (The index keeps serving; we warn.)"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .listing import corpus_files, file_signature, relative_name
from .manifest import Manifest


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
    """Compare the corpus files with what the manifest recorded (content hashes, skips)."""
    corpus_dir = Path(corpus_dir)
    recorded = {s.path: s.content_hash for s in manifest.sources}
    skipped = {s.path: s.file for s in manifest.skipped}
    if not corpus_dir.is_dir():
        return CorpusStatus(deleted=tuple(sorted(recorded)))
    added, changed = [], []
    present = set()
    for path in corpus_files(corpus_dir):
        rel = relative_name(path, corpus_dir)
        present.add(rel)
        if rel in skipped:
            if file_signature(path) != skipped[rel]:
                changed.append(rel)
            continue
        digest = _content_hash(path)
        if rel not in recorded:
            # A duplicate of an indexed article under another name changes nothing.
            if digest is None or digest not in recorded.values():
                added.append(rel)
        elif recorded[rel] != digest:
            changed.append(rel)
    deleted = sorted(set(recorded) - present)
    return CorpusStatus(tuple(added), tuple(changed), tuple(deleted))


def _content_hash(path: Path) -> str | None:
    """sha256 of a regular file's bytes; None for anything else (a link, a pipe, unreadable)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
