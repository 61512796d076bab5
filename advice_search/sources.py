"""The article files a build was made from, as columns (``sources.json`` in the build).

A library of a hundred thousand articles has a hundred thousand of these records; kept in
``manifest.json`` they would make every load parse megabytes. Here they are read only when
asked for (staleness, ingest), as plain lists rather than one object per file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any, overload

import orjson

FILE = "sources.json"


@dataclass(frozen=True)
class SourceFile:
    """An article file a build was made from (what staleness compares the corpus with).

    ``size`` and ``mtime_ns`` were taken before the file was read: a file that still has
    them has not been written to since, and is neither hashed nor read again.
    """

    article_id: str
    path: str
    content_hash: str
    passages: int
    size: int = -1
    mtime_ns: int = -1


COLUMNS = tuple(f.name for f in fields(SourceFile))


class SourceTable(Sequence[SourceFile]):
    """SourceFiles held as columns, loaded from their file on first use."""

    def __init__(self, columns: dict[str, list[Any]] | None = None, *, path: Path | None = None):
        self._path = path
        if columns is not None:
            self.__dict__["columns"] = columns

    @classmethod
    def of(cls, sources: Sequence[SourceFile]) -> SourceTable:
        return cls({name: [getattr(s, name) for s in sources] for name in COLUMNS})

    @cached_property
    def columns(self) -> dict[str, list[Any]]:
        assert self._path is not None
        data = orjson.loads(self._path.read_bytes())
        if set(data) != set(COLUMNS) or len({len(v) for v in data.values()}) > 1:
            raise ValueError(f"{self._path}: not a table of source files")
        return data

    def __len__(self) -> int:
        return len(self.columns["path"])

    @overload
    def __getitem__(self, index: int) -> SourceFile: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[SourceFile, ...]: ...
    def __getitem__(self, index: int | slice) -> SourceFile | tuple[SourceFile, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        return SourceFile(**{name: self.columns[name][index] for name in COLUMNS})

    def __iter__(self) -> Iterator[SourceFile]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SourceTable):
            return self.columns == other.columns
        if isinstance(other, Sequence):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def write(self, directory: Path) -> None:
        (Path(directory) / FILE).write_bytes(orjson.dumps(self.columns))
