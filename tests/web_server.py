"""A local web server for the tests: routes written per test, on 127.0.0.1 only.

A route is a path and what to answer: a status, headers and a body, or a callable that
writes the answer itself (slow servers, endless bodies). The server runs in a thread for
the length of one fixture and is shut down with it; handlers are bounded in time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Writer = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    write: Writer | None = None  # answers the request itself instead


@dataclass
class Site:
    """The server's routes (changed freely while it runs) and the requests it got."""

    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def page(self, path: str, html: str | bytes, **headers: str) -> str:
        body = html.encode() if isinstance(html, str) else html
        self.routes[path] = Route(
            200, body, {"Content-Type": "text/html; charset=utf-8", **headers}
        )
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Route(status, b"", {"Location": location})
        return self.url(path)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 10  # a stuck client cannot hold a handler thread for long

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            site.requests.append(self.path)
            route = site.routes.get(self.path)
            if route is None and self.path == "/robots.txt":
                route = Route(404, b"", {"Content-Type": "text/plain"})
            if route is None:
                route = Route(404, b"<html><body>Not found</body></html>")
            try:
                if route.write is not None:
                    route.write(self)
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading, as it should for a huge body

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@contextmanager
def serve() -> Iterator[Site]:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def endless(handler: BaseHTTPRequestHandler, *, megabytes: int = 50, length: bool = False) -> None:
    """A body of ``megabytes`` MB of HTML, streamed (with or without its Content-Length)."""
    block = b"<p>" + b"filler text " * 5000 + b"</p>\n"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    total = megabytes * 1_000_000
    if length:
        handler.send_header("Content-Length", str(total))
    handler.end_headers()
    sent = 0
    deadline = time.monotonic() + 20
    while sent < total and time.monotonic() < deadline:
        handler.wfile.write(block)
        sent += len(block)
    handler.close_connection = True


def slow(handler: BaseHTTPRequestHandler, *, seconds: float = 3.0) -> None:
    """Says nothing for ``seconds``, then answers."""
    time.sleep(seconds)
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    handler.wfile.write(b"<html><body><p>Too late.</p></body></html>")


def trickle(handler: BaseHTTPRequestHandler, *, seconds: float = 3.0) -> None:
    """Answers at once, then sends the page one byte every 0.1 s for ``seconds``."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        handler.wfile.write(b"<")
        handler.wfile.flush()
        time.sleep(0.1)
    handler.close_connection = True
