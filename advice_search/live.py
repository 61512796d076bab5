"""The Searcher of the build in use, for a long-running server.

Ingest never changes a build: it writes a new one and switches ``CURRENT``. So a server
holds one loaded Searcher and, when it sees ``CURRENT`` name another build, loads that one
in a background thread while requests keep being answered from the old one; only a fully
loaded Searcher is swapped in (one reference assignment). A build that fails to load is
reported and not retried until ``CURRENT`` changes again: the old one stays in service.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .search import Searcher
from .store import IndexUnavailable, Store

log = logging.getLogger("advice_search.live")

Opener = Callable[[Path], Searcher]


class NotReady(Exception):
    """No build is loaded yet (still loading, or none usable); the message says which."""


@dataclass(frozen=True)
class LoadedBuild:
    """A loaded Searcher and the name of the build it answers from."""

    build: str
    searcher: Searcher
    loaded_at: float  # time.time()


class LiveSearcher:
    """Hands out the Searcher of the current build; picks up new builds without a restart.

    ``CURRENT`` is read at most once per ``check_every`` seconds, on a request (one small
    file read), so an idle server does no work and a busy one notices a new build within
    ``check_every`` seconds of the switch. While a new build loads, memory holds two builds.
    """

    def __init__(
        self,
        index_dir: Path,
        *,
        check_every: float = 1.0,
        opener: Opener = Searcher.open,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.check_every = check_every
        self._open = opener
        self._lock = threading.Lock()
        self._loaded: LoadedBuild | None = None
        self._error: str | None = None
        self._failed: str | None = None  # a build that could not be loaded
        self._loading: threading.Thread | None = None
        self._checked_at = float("-inf")

    def start(self) -> None:
        """Begin loading the current build in the background (the server answers meanwhile)."""
        self._check(force=True)

    def wait(self, timeout: float) -> bool:
        """Wait until a build is loaded or loading has stopped; True if one is loaded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                thread = self._loading
            if thread is None:
                break
            thread.join(max(0.0, deadline - time.monotonic()))
        return self._loaded is not None

    def current(self) -> LoadedBuild:
        """The build to answer from now; NotReady if none is loaded."""
        self._check()
        loaded = self._loaded
        if loaded is None:
            raise NotReady(self._error or "The index is still loading; try again in a moment.")
        return loaded

    def status(self) -> dict[str, Any]:
        """What /ready reports."""
        self._check()
        loaded = self._loaded
        return {
            "ready": loaded is not None,
            "build": loaded.build if loaded else None,
            "loading": self._loading is not None,
            "error": self._error,
        }

    def _check(self, *, force: bool = False) -> None:
        """Start loading the build CURRENT names if it is not the one in service."""
        now = time.monotonic()
        if not force and now - self._checked_at < self.check_every:
            return
        with self._lock:
            if self._loading is not None or (
                not force and now - self._checked_at < self.check_every
            ):
                return
            self._checked_at = now
            try:
                name = Store(self.index_dir).current().name
            except IndexUnavailable as error:
                if self._loaded is None:
                    self._error = str(error)
                return
            if (self._loaded and self._loaded.build == name) or name == self._failed:
                return
            self._loading = threading.Thread(target=self._load, name="load-index", daemon=True)
            self._loading.start()

    def _load(self) -> None:
        name = None
        try:
            name = Store(self.index_dir).current().name  # what failed, if it fails
            searcher = self._open(self.index_dir)
            name = searcher.build  # the build it holds, even if CURRENT moved on meanwhile
            loaded = LoadedBuild(name, searcher, time.time())
            with self._lock:
                self._loaded, self._error, self._failed = loaded, None, None
            log.info("serving index build %s", name)
        except Exception as error:  # noqa: BLE001 (any failure: keep serving the old build)
            message = str(error) if isinstance(error, IndexUnavailable) else repr(error)
            with self._lock:
                self._error, self._failed = message, name
            if self._loaded is None:
                log.error("cannot load the index: %s", message)
            else:
                log.error("keeping build %s; the new build cannot be loaded: %s",
                          self._loaded.build, message)  # fmt: skip
        finally:
            with self._lock:
                self._loading = None
