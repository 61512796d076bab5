"""Records and rows kept on disk and read a few at a time.

A library of a million passages holds about a gigabyte of text and two of sentence vectors.
A search needs a few dozen of each, so a loaded build reads only those: JSONL lines by their
offsets, array rows by position, each with one ``pread`` (nothing parsed at load time).
Reading rather than mapping keeps a long-running server's memory to what it uses: a page
fault on a mapped file also maps the cached pages around it (the kernel's fault-around), so
touching one 384-byte row mapped 64 KiB, and a server's resident size grew by gigabytes.
Iterating reads a file front to back (ingest does, to reuse records).
"""

from __future__ import annotations

import mmap
import os
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np
import orjson

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


class _OpenFile:
    """A file kept open for ``pread`` while the object reading it lives."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        self.size = os.fstat(self.fd).st_size
        weakref.finalize(self, os.close, self.fd)

    def read(self, length: int, offset: int) -> bytes:
        data = os.pread(self.fd, length, offset)
        if len(data) != length:
            raise OSError(f"short read: {len(data)} of {length} bytes at {offset}")
        return data


class ArrayRows:
    """Rows of a saved 2-d array (an ``np.load(mmap_mode="r")`` memmap), read with pread."""

    def __init__(self, array: np.memmap) -> None:
        self.dtype, self.row_shape = array.dtype, array.shape[1:]
        self.row_bytes = int(array.dtype.itemsize * np.prod(self.row_shape, dtype=np.int64))
        self.offset, self.rows = int(array.offset), len(array)
        self._file = _OpenFile(Path(array.filename))

    def take(self, rows: np.ndarray) -> np.ndarray:
        """Rows ``rows`` (a run of consecutive rows is one read), in the order asked."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return np.zeros((0, *self.row_shape), self.dtype)
        if rows.min() < 0 or rows.max() >= self.rows:
            raise IndexError(f"rows outside 0..{self.rows - 1}")
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        starts, ends = np.concatenate(([0], breaks)), np.concatenate((breaks, [len(rows)]))
        data = b"".join(
            self._file.read(
                int(rows[e - 1] - rows[s] + 1) * self.row_bytes,
                self.offset + int(rows[s]) * self.row_bytes,
            )
            for s, e in zip(starts, ends, strict=True)
        )
        return np.frombuffer(data, self.dtype).reshape(-1, *self.row_shape)


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> np.ndarray:
    """Write one JSON object a line; returns the byte offset of each line and of the end.

    orjson: a hundred thousand records are written and read back at each ingest, and the
    standard json module took twice (writing) to four times (reading) as long.
    """
    offsets = [0]
    with open(path, "wb") as handle:
        for row in rows:
            line = orjson.dumps(row) + b"\n"
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
    return np.array(offsets, dtype=np.int64)


class JsonlRows(Sequence[T]):
    """A read-only sequence of records, decoded from their line on first use."""

    def __init__(self, path: Path, offsets: np.ndarray, decode: Callable[[dict[str, Any]], T]):
        self.path = Path(path)
        self.offsets = offsets
        self.decode = decode
        self._file = _OpenFile(self.path)
        if len(offsets) < 1 or int(offsets[-1]) != self._file.size or int(offsets[0]) != 0:
            raise ValueError(f"{self.path.name}: line offsets do not match the file")

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
        return self.decode(orjson.loads(self._file.read(hi - lo, lo)))

    def __iter__(self) -> Iterator[T]:
        with open(self.path, "rb") as handle:
            for line in handle:
                yield self.decode(orjson.loads(line))
