"""Every step by which ingest changes the index directory, for the crash and disk-full tests,
and the traces an ingest stopped at one of them can leave (``leftovers``).

``traced(root, on_step)`` wraps the calls that create, write, rename, link, sync or delete
files, and calls ``on_step(number, what, path, moment)`` just "before" and just "after" each
one that touches ``root`` (``path`` is relative to it). The kill harness in
tests/test_robustness.py SIGKILLs its ingest at a chosen step; the simulated full disk
(where no small tmpfs can be mounted) raises ENOSPC there.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import faiss

OnStep = Callable[[int, str, str, str], None]
_WRITE_MODES = set("wax+")


def _open_path(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
    writes = isinstance(mode, str) and bool(set(mode) & _WRITE_MODES)
    return file if writes and isinstance(file, (str, os.PathLike)) else None


def _fd_path(fd: int) -> str | None:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


# (module, attribute, name in the step list, which argument is the path)
_CALLS: list[tuple[Any, str, str, Callable[..., Any]]] = [
    (builtins, "open", "open", _open_path),
    (io, "open", "open", _open_path),
    (os, "mkdir", "mkdir", lambda path, *a, **k: path),
    (os, "replace", "replace", lambda src, dst, *a, **k: (src, dst)),
    (os, "rename", "rename", lambda src, dst, *a, **k: (src, dst)),
    (os, "link", "link", lambda src, dst, *a, **k: dst),
    (os, "unlink", "unlink", lambda path, *a, dir_fd=None, **k: None if dir_fd else path),
    (os, "fsync", "fsync", lambda fd: _fd_path(fd)),
    (shutil, "rmtree", "rmtree", lambda path, *a, **k: path),
    (faiss, "write_index", "write_index", lambda index, path, *a: path),
]


@contextlib.contextmanager
def traced(root: Path, on_step: OnStep) -> Iterator[None]:
    """Call ``on_step`` around every change to files under ``root`` while the block runs."""
    top = os.path.realpath(root)
    count = 0

    def inside(path: Any) -> str | None:
        for candidate in path if isinstance(path, tuple) else (path,):
            if candidate is None:
                continue
            real = os.path.realpath(os.fspath(candidate))
            if real == top or real.startswith(top + os.sep):
                return os.path.relpath(real, top)
        return None

    def wrap(real: Callable[..., Any], name: str, path_of: Callable[..., Any]) -> Any:
        def step(*args: Any, **kwargs: Any) -> Any:
            nonlocal count
            try:
                rel = inside(path_of(*args, **kwargs))
            except (TypeError, ValueError):
                rel = None
            if rel is None:
                return real(*args, **kwargs)
            count += 1
            number = count
            on_step(number, name, rel, "before")
            try:
                return real(*args, **kwargs)
            finally:  # also after a call that failed (a mkdir of a folder that exists)
                on_step(number, name, rel, "after")

        return step

    saved = [(module, attr, getattr(module, attr)) for module, attr, _, _ in _CALLS]
    try:
        for (module, attr, name, path_of), (_, _, real) in zip(_CALLS, saved, strict=True):
            setattr(module, attr, wrap(real, name, path_of))
        yield
    finally:
        for module, attr, real in saved:
            setattr(module, attr, real)


def leftovers(index: Path) -> list[str]:
    """What no finished ingest leaves: temporary builds, exports and pointers, extra builds."""
    builds = [p.name for p in index.glob("builds/*") if not p.name.startswith(".")]
    found = [p.name for p in index.glob("builds/.*")] + [p.name for p in index.glob(".CURRENT.*")]
    found += [p.name for p in index.glob("models/*.tmp-*")]
    return found + ([f"{len(builds) - 2} extra build(s)"] if len(builds) > 2 else [])
