"""A full disk while ingest writes: one message, whichever library noticed it.

Python raises OSError(ENOSPC), FAISS a RuntimeError whose text ends in "(No space left on
device)", and a quota EDQUOT. Every writer of the index directory (the lock, the model
export, a new build, the CURRENT switch) wraps its writes in ``writing(path)``, deletes what
it had half-written, and lets ``DiskFull`` carry the one line to the person.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterator
from pathlib import Path

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
