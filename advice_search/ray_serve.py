"""The HTTP API as a Ray Serve deployment of N replicas (``advice-search serve --ray``).

Each replica runs the same FastAPI app as ``advice-search serve`` (``api.create_app``) over
the same index directory, which replicas only read: a build is immutable once written, and
each replica's LiveSearcher moves to a new build when ingest switches CURRENT. Ray Serve's
proxy spreads requests over the replicas; on a multi-node cluster the index directory must
be on storage every node can read (docs/scale-out.md).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .api import ApiSettings, create_app
from .ray_ingest import connect

APP_NAME = "advice-search"
LOAD_TIMEOUT = 600.0  # seconds a replica waits for its first build before answering 503s


def application(index_dir: Path, settings: ApiSettings, *, replicas: int) -> Any:
    """The Serve application (``Deployment.bind()``): ``replicas`` copies of the API."""
    from ray import serve

    index_dir = Path(index_dir).resolve()

    def build_app() -> Any:
        """Runs on each replica: the API, with its index loaded before traffic arrives."""
        app = create_app(index_dir, settings)
        app.state.live.wait(LOAD_TIMEOUT)
        return app

    @serve.deployment(name=APP_NAME, num_replicas=replicas, ray_actor_options={"num_cpus": 1})
    @serve.ingress(build_app)
    class AdviceSearchReplica:
        """One replica of the API (its routes come from ``build_app``)."""

    return AdviceSearchReplica.bind()


def run(
    index_dir: Path,
    settings: ApiSettings,
    *,
    address: str | None,
    host: str,
    port: int,
    replicas: int,
    echo: Callable[[str], None] = print,
) -> None:
    """Deploy and serve until Ctrl-C or SIGTERM, then take the deployment down again.

    Without ``address`` a local cluster is started (with at least one CPU per replica, so
    the replicas can be placed) and stopped on exit; on an existing cluster only this
    application is deleted on exit.
    """
    import os

    local = {} if address else {"num_cpus": max(os.cpu_count() or 1, replicas)}
    joined = connect(address, **local)  # first: it says how to install Ray if it is missing
    import ray
    from ray import serve

    # From here on Ctrl-C or SIGTERM only asks to stop: a deployment under way finishes, then
    # it is taken down in order (requests may reach replicas before serve.run returns).
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        # Serve's HTTP options are per cluster: if Serve already runs there, they stay as set.
        serve.start(http_options={"host": host, "port": port})
        serve.run(
            application(index_dir, settings, replicas=replicas), name=APP_NAME, route_prefix="/"
        )
        echo(
            f"advice-search: serving http://{host}:{port}/ with {replicas} Ray Serve "
            f"replica(s); Ctrl-C stops."
        )
        while not stop.wait(1.0):
            pass
        echo("advice-search: stopping the Ray Serve deployment...")
    finally:
        if joined and not address:
            serve.shutdown()  # our own local cluster: everything goes
        else:
            serve.delete(APP_NAME)
        if joined:
            ray.shutdown()
