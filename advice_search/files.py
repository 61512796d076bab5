"""How the files of the index directory are written and read: atomically, durably, only
if they are regular files, and with one message when the disk is full.

A full disk shows up as OSError(ENOSPC), as a FAISS RuntimeError whose text ends in "(No
space left on device)", as a quota's EDQUOT, or as NumPy's short write. Every writer of the
index directory (the lock, the model export, a new build, the CURRENT switch) wraps its
writes in ``writing(path)``, deletes what it had half-written, and lets ``DiskFull`` carry
the one line to the person.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

_FULL = (errno.ENOSPC, errno.EDQUOT)
_FULL_TEXT = tuple(os.strerror(code) for code in _FULL)
_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written")


class DiskFull(Exception):
    """The disk filled up while writing ``path``; nothing half-written was left there."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"No space left on device while writing {path}: free some space and run ingest "
            "again; the index in use is unchanged."
        )
        self.path = path


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error`` means the disk (or the user's quota) is full.

    NumPy reports a short write without an errno ("1920 requested and 992 written"): on a
    local disk a write falls short only when there is no room for the rest.
    """
    if isinstance(error, OSError) and error.errno in _FULL:
        return True
    if not isinstance(error, (OSError, RuntimeError)):
        return False
    return any(t in str(error) for t in _FULL_TEXT) or bool(_SHORT_WRITE.search(str(error)))


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn a full disk inside the block into ``DiskFull(path)``; other errors pass."""
    try:
        yield
    except DiskFull:
        raise
    except Exception as error:
        if is_disk_full(error):
            raise DiskFull(path) from None
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temp file + fsync + rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str:
    """sha256 of a regular file's bytes (ValueError for a pipe or a device, see ``read_file``)."""
    digest = hashlib.sha256()
    with _open_regular(path) as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def read_file(path: Path, *, limit: int = -1) -> bytes:
    """The bytes of ``path`` (at most ``limit``), refused (ValueError) unless it is a regular
    file: a pipe put in the index directory must not hang every search that opens it."""
    with _open_regular(path) as handle:
        return handle.read(limit)


def _open_regular(path: Path) -> BinaryIO:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a pipe would wait for a writer
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ValueError(f"{path} is not a regular file")
    return os.fdopen(fd, "rb")


SAMPLE_BLOCK = 1 << 16
SAMPLE_COUNT = 16


def file_sampled_sha256(path: Path) -> str:
    """sha256 of a file's size and of 16 blocks of 64 KiB spread evenly over it (of the
    whole file up to 1 MiB): what a load checks, reading 1 MiB of a file of any size.

    Catches a file cut short, grown, replaced or rewritten; a byte flipped between two
    sampled blocks of a large file is left to the full sha256 (ingest, ``verify``).
    """
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        digest = hashlib.sha256(f"{size}:".encode())
        if size <= SAMPLE_BLOCK * SAMPLE_COUNT:
            for block in iter(lambda: handle.read(1 << 22), b""):
                digest.update(block)
        else:
            step = (size - SAMPLE_BLOCK) / (SAMPLE_COUNT - 1)
            for i in range(SAMPLE_COUNT):
                handle.seek(round(i * step))
                digest.update(handle.read(SAMPLE_BLOCK))
    return digest.hexdigest()


def arrays_to_bytes(**arrays: np.ndarray) -> bytes:
    """Named arrays as the bytes of an ``.npz`` file (how a fitted model ships in the package)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def arrays_from_bytes(data: bytes) -> dict[str, np.ndarray]:
    """The named arrays of ``.npz`` bytes, read without pickle."""
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}
