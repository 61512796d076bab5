"""The index directory on disk: which build is current, the atomic switch, the writer lock.

Layout (plain files only; what a build holds is ``index.py``'s business, how it was made
is ``manifest.py``'s)::

    index/
      CURRENT                 name of the build in use (replaced atomically)
      builds/<build_id>/      one complete build
      builds/.tmp-<build_id>  a build being written; deleted when its writer is gone
      models/<weights>/       the embedding model exported to ONNX (``model.py``)
      .lock                   held by a running ingest

A build is written completely in a temporary directory, renamed into ``builds/``, and only
then is ``CURRENT`` switched, with one atomic rename. A crash at any point leaves the
previous build in use; the next ingest deletes what the crash left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from .files import fsync_dir, fsync_file, read_file, write_text_atomic, writing

T = TypeVar("T")

REBUILD = "advice-search ingest"  # the command every refusal points to
KEEP_BUILDS = 2  # the current one and its predecessor (a reader may still be opening it)
DAMAGED = "the previous index was damaged"  # ``reason`` of a refusal for damage
BUILD_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,99}")  # what ``new_build`` names a build
MAX_POINTER_BYTES = 128


class IndexUnavailable(Exception):
    """There is no usable index; the message names the command that builds one.

    ``reason`` is a short phrase for the ingest summary ("the chunking settings changed").
    """

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class IndexMismatch(IndexUnavailable):
    """The build was made by another model, chunking or format: refused until rebuilt."""


class IngestLocked(Exception):
    """Another ingest holds the lock on the index directory."""


class Store:
    """One index directory: its current build, new builds, the switch between them."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.builds = self.root / "builds"
        self.models = self.root / "models"
        self._locked_at: float | None = None  # when this process took the writer lock

    def current(self) -> Path:
        """The directory of the build in use; IndexUnavailable if there is none."""
        pointer = self.root / "CURRENT"
        try:
            name = read_pointer(pointer)
        except FileNotFoundError:
            raise IndexUnavailable(
                f"No index in {self.root}/: run `{REBUILD}` to build it."
            ) from None
        except (OSError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) else str(error)
            raise IndexUnavailable(
                f"Cannot read {pointer} ({reason}): run `{REBUILD}` to rebuild the index.",
                reason=DAMAGED,
            ) from None
        path = self.builds / name
        if not path.is_dir():
            raise IndexUnavailable(
                f"The index in {self.root}/ points to a missing build: run `{REBUILD}`.",
                reason=DAMAGED,
            )
        return path

    def current_name(self) -> str | None:
        """The name CURRENT holds right now, without checking it (None if unreadable)."""
        try:
            return read_pointer(self.root / "CURRENT")
        except (OSError, ValueError):
            return None

    def read_current(self, read: Callable[[Path], T], *, attempts: int = 3) -> T:
        """``read(current build)``, started again if an ingest switched builds meanwhile.

        An ingest may switch CURRENT and delete an old build while a reader is in it; then
        the build it started on is gone or incomplete, and reading starts from CURRENT again.
        """
        for attempt in range(attempts):
            started_on = self.current_name()
            try:
                return read(self.current())
            except (FileNotFoundError, IndexUnavailable) as error:
                if attempt + 1 == attempts or self.current_name() == started_on:
                    if isinstance(error, IndexUnavailable):
                        raise
                    raise IndexUnavailable(
                        f"The index in {self.root}/ changed while loading: try again, or run "
                        f"`{REBUILD}`."
                    ) from None
                time.sleep(0.05)
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def new_build(self) -> Iterator[Path]:
        """A fresh temporary build directory, deleted unless ``publish`` moved it in place."""
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + f"-{os.getpid()}"
        tmp = self.builds / f".tmp-{build_id}"
        try:
            with writing(tmp):
                self.builds.mkdir(parents=True, exist_ok=True)
                tmp.mkdir()
                yield tmp
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @staticmethod
    def build_id(tmp: Path) -> str:
        """The id a temporary build directory will have once published."""
        return tmp.name.removeprefix(".tmp-")

    def publish(self, tmp: Path) -> Path:
        """Move a complete build in place and switch CURRENT to it: the one atomic step."""
        with writing(tmp):
            for path in sorted(tmp.rglob("*"), reverse=True):  # files before their folders
                if path.is_file():
                    fsync_file(path)
                else:
                    fsync_dir(path)
            fsync_dir(tmp)
        final = self.builds / self.build_id(tmp)
        os.replace(tmp, final)
        pointer = self.root / "CURRENT"
        try:
            with writing(pointer):
                fsync_dir(self.builds)
                if pointer.is_dir() and not pointer.is_symlink():  # garbage: rename would fail
                    shutil.rmtree(pointer)
                write_text_atomic(pointer, final.name + "\n")
        except BaseException:
            if self.current_name() != final.name:  # not switched: the build is of no use
                shutil.rmtree(final, ignore_errors=True)
            raise
        # Switched. Should syncing the folder fail, a power cut could at worst bring back
        # the previous CURRENT, whose build is kept: not a reason to report a failure.
        with contextlib.suppress(OSError):
            fsync_dir(self.root)
        self.prune()
        return final

    def prune(self) -> None:
        """Delete what earlier writers left behind, and builds beyond the current one and one
        more. Ingest calls it on every run (also when the index is up to date), holding the lock.
        """
        for leftover in self._leftovers():
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
        try:
            current = self.current().name
        except IndexUnavailable:
            return
        names = sorted(
            (p.name for p in self.builds.iterdir() if not p.name.startswith(".")), reverse=True
        )
        keep = {current, *[n for n in names if n < current][: KEEP_BUILDS - 1]}
        for name in names:
            if name not in keep:
                shutil.rmtree(self.builds / name, ignore_errors=True)

    def _leftovers(self) -> Iterator[Path]:
        """Temporary builds, model exports and pointers whose writer is gone.

        Each is named after its writer's pid. The writer is gone if that pid is dead, or if
        the entry was last written before this process took the lock: every writer holds the
        lock while it writes, so that one has finished (its pid may now be another process).
        """
        candidates: list[tuple[Path, str]] = []
        if self.builds.is_dir():
            candidates += [
                (p, p.name.rsplit("-", 1)[-1])
                for p in self.builds.iterdir()
                if p.name.startswith(".tmp-")
            ]
        if self.models.is_dir():
            candidates += [
                (p, p.name.rsplit("-", 1)[-1]) for p in self.models.iterdir() if ".tmp-" in p.name
            ]
        candidates += [(p, p.name.split(".")[2]) for p in self.root.glob(".CURRENT.*.tmp")]
        for path, pid in candidates:
            if pid == str(os.getpid()):
                continue
            try:
                before_lock = (
                    self._locked_at is not None and path.lstat().st_mtime < self._locked_at
                )
            except OSError:
                continue
            if before_lock or not pid_alive(pid):
                yield path

    @contextlib.contextmanager
    def lock(self, *, wait: float = 0.0) -> Iterator[None]:
        """Hold the writer lock; IngestLocked if another ingest keeps it past ``wait`` s."""
        try:
            with writing(self.root / ".lock"):
                self.root.mkdir(parents=True, exist_ok=True)
                # Unbuffered: a write that fails on a full disk fails here, not again on close.
                handle = open(self.root / ".lock", "a+b", buffering=0)  # noqa: SIM115
        except OSError as error:
            raise IndexUnavailable(
                f"Cannot use {self.root} as the index directory ({error.strerror}): choose "
                "another path with --index."
            ) from None
        with handle:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        handle.seek(0)
                        holder = handle.read().decode(errors="replace").strip()
                        holder = holder or "another process"
                        raise IngestLocked(
                            f"Another ingest ({holder}) is updating {self.root}/. Wait for it "
                            "to finish, or use --wait SECONDS to wait here."
                        ) from None
                    time.sleep(0.2)
            with writing(self.root / ".lock"):
                handle.seek(0)
                handle.truncate()
                handle.write(f"pid {os.getpid()}".encode())
            self._locked_at = time.time()
            try:
                yield
            finally:
                self._locked_at = None
                handle.seek(0)
                handle.truncate()
                fcntl.flock(handle, fcntl.LOCK_UN)


def read_pointer(pointer: Path) -> str:
    """The build name a CURRENT file holds; ValueError if it holds anything else.

    Read without blocking (see ``read_file``) and at most a few bytes (a huge file is
    garbage, not a name); the name must be one ``new_build``
    could have made, so it can never reach outside ``builds/`` or be too long for a path.
    """
    data = read_file(pointer, limit=MAX_POINTER_BYTES + 1)
    name = data.decode("ascii", errors="replace").strip()
    if len(data) > MAX_POINTER_BYTES or not BUILD_NAME.fullmatch(name):
        raise ValueError("not the name of a build")
    return name


def pid_alive(pid_text: str) -> bool:
    """Whether the process that named a temporary file after its pid still runs."""
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
