"""Running `advice-search serve` for tests: a real server process on 127.0.0.1, its log in a file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

CLI = [sys.executable, "-m", "advice_search.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    extra_logs: tuple[Path, ...] = ()  # e.g. the Ray Serve replica logs

    def client(self, **options: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **options)

    def log_text(self) -> str:
        texts = [self.log.read_text(errors="replace")]
        for folder in self.extra_logs:
            texts += [p.read_text(errors="replace") for p in sorted(folder.glob("**/*.log"))]
        return "\n".join(texts)


def start(args: list[str], *, log: Path, timeout: float = 300.0, port: int | None = None) -> Server:
    """`advice-search serve ARGS` on a free port; returns once /ready answers 200."""
    port = port or free_port()
    handle = log.open("w")
    process = subprocess.Popen(
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        stdout=handle,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    handle.close()
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(
                    f"serve exited with {process.returncode}:\n{server.log_text()}"
                )
            try:
                if client.get(f"{server.url}/ready").status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.3)
    stop(server)
    raise AssertionError(f"serve was not ready within {timeout:.0f} s:\n{server.log_text()}")


def stop(server: Server, timeout: float = 120.0) -> int:
    """Ctrl-C, as a person would; killed (this process only) if it does not stop in time."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode
