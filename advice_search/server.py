"""``advice-search serve`` in one process: the API app run by uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path

from .api import ApiSettings, create_app


def run(index_dir: Path, settings: ApiSettings, *, host: str, port: int) -> None:
    """Serve until Ctrl-C or SIGTERM (uvicorn finishes the requests in flight, then stops)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    app = create_app(index_dir, settings)
    uvicorn.run(
        app, host=host, port=port, server_header=False, timeout_graceful_shutdown=5,
        log_level="info",
    )  # fmt: skip
