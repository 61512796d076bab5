"""Records kept on disk and read one at a time: a JSONL file plus the offset of each line.

A library of a million passages holds about a gigabyte of text. A search shows five of them,
so a loaded build maps the file and decodes only the lines asked for; nothing is parsed at
load time. Iterating reads the file front to back (ingest does, to reuse records).
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np

T = TypeVar("T")


def random_access(data: Any) -> Any:
    """Tell the kernel a memory-mapped file (or array) is read here and there: no read-ahead.

    By default every page fault reads 128 KiB around it; a search touching one 4 KiB row of
    sentence vectors per candidate would then pull in thirty pages it never reads, and the
    memory of a long-running server would fill with them.
    """
    mapping = data if isinstance(data, mmap.mmap) else getattr(data, "_mmap", None)
    if isinstance(mapping, mmap.mmap) and hasattr(mmap, "MADV_RANDOM"):
        mapping.madvise(mmap.MADV_RANDOM)
    return data


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> np.ndarray:
    """Write one JSON object a line; returns the byte offset of each line and of the end."""
    offsets = [0]
    with open(path, "wb") as handle:
        for row in rows:
            line = (json.dumps(row, ensure_ascii=False) + "\n").encode()
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
    return np.array(offsets, dtype=np.int64)


class JsonlRows(Sequence[T]):
    """A read-only sequence of records, decoded from their line on first use."""

    def __init__(self, path: Path, offsets: np.ndarray, decode: Callable[[dict[str, Any]], T]):
        self.path = Path(path)
        self.offsets = offsets
        self.decode = decode
        with open(self.path, "rb") as handle:
            size = handle.seek(0, 2)
            if len(offsets) < 1 or int(offsets[-1]) != size or int(offsets[0]) != 0:
                raise ValueError(f"{self.path.name}: line offsets do not match the file")
            # An empty file cannot be mapped; it holds no rows either.
            self._data: Any = (
                mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            )

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        n = len(self)
        i = int(index) + n if int(index) < 0 else int(index)
        if not 0 <= i < n:
            raise IndexError(f"row {index} of {n}")
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.decode(json.loads(self._data[lo:hi]))

    def __iter__(self) -> Iterator[T]:
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                yield self.decode(json.loads(line))
