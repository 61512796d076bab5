"""Has the corpus changed since the index was built? (The index keeps serving; we warn.)"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .corpus import corpus_files


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


def corpus_status(manifest: dict[str, Any], corpus_dir: Path) -> CorpusStatus:
    """Compare the corpus files with the content hashes the manifest recorded."""
    corpus_dir = Path(corpus_dir)
    recorded = {a["path"]: a["content_hash"] for a in manifest.get("articles", [])}
    skipped = {s["path"] for s in manifest.get("skipped", [])}
    if not corpus_dir.is_dir():
        return CorpusStatus(deleted=tuple(sorted(recorded)))
    added, changed = [], []
    present = set()
    for path in corpus_files(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        present.add(rel)
        if rel in skipped:
            continue
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
        if rel not in recorded:
            # A duplicate of an indexed article under another name changes nothing.
            if digest not in recorded.values():
                added.append(rel)
        elif recorded[rel] != digest:
            changed.append(rel)
    deleted = sorted(set(recorded) - present)
    return CorpusStatus(tuple(added), tuple(changed), tuple(deleted))
