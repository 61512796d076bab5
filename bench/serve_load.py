"""Load test of the HTTP API: one process vs Ray Serve replicas, at 1, 4 and 16 clients.

    python bench/serve_load.py [--quick] [--out bench/SERVE.md]      (or `make bench-serve`)

Starts `advice-search serve` on 127.0.0.1 (first as one process, then as Ray Serve replicas),
sends POST /search with the eval questions from N client threads, each on its own keep-alive
connection, and stops each level after a fixed number of requests or seconds, whichever comes
first. Clients and servers share this machine's cores, so the figures are for comparing the
two set-ups here, not the capacity of a server on its own machine.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from advice_search.evaluate import load_questions
from advice_search.manifest import Manifest
from advice_search.store import IndexUnavailable, Store

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "advice_search.cli"]


@dataclass(frozen=True)
class Level:
    """What one concurrency level measured."""

    setup: str
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: tuple[float, ...]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    args: list[str], port: int, log: Path, timeout: float
) -> tuple[subprocess.Popen, float]:
    """`advice-search serve` on 127.0.0.1:port; returns it and its seconds to ready."""
    started = time.perf_counter()
    with log.open("w") as handle:
        process = subprocess.Popen(
            [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"serve exited with {process.returncode}; see {log}")
        try:
            status, _ = request(port, "GET", "/ready")
            if status == 200:
                return process, time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(process)
    raise SystemExit(f"serve was not ready after {timeout:.0f} s; see {log}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def load(
    port: int, setup: str, bodies: list[bytes], clients: int, requests: int, seconds: float
) -> Level:
    """``requests`` searches from ``clients`` threads (or fewer, if ``seconds`` run out)."""
    tickets = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json"}
        while time.perf_counter() < deadline:
            with lock:
                ticket = next(tickets)
            if ticket >= requests:
                break
            began = time.perf_counter()
            try:
                connection.request("POST", "/search", bodies[ticket % len(bodies)], headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok = False
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Level(
        setup, clients, len(latencies), errors[0], time.perf_counter() - began, tuple(latencies)
    )


def report(levels: list[Level], ready: dict[str, float], notes: dict[str, str]) -> str:
    lines = [
        "# Serving load test",
        "",
        f"Measured {notes['when']} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average at start {notes['load']}. Index: "
        f"{notes['index']}. Reproduce with `make bench-serve`.",
        "",
        f"POST /search with {notes['questions']} eval questions in turn; each client is a thread "
        "with its own keep-alive connection, on the same machine as the server (clients and "
        f"server share the cores). {notes['limits']}",
        "",
        "| setup | clients | requests | req/s | p50 ms | p95 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for level in levels:
        lines.append(
            f"| {level.setup} | {level.clients} | {level.requests} | {level.per_second:.1f} | "
            f"{level.percentile(0.50):.1f} | {level.percentile(0.95):.1f} | {level.errors} |"
        )
    lines += ["", "Seconds from start to the first 200 on /ready (index loaded):", ""]
    lines += [f"- {setup}: {seconds:.1f} s" for setup, seconds in ready.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--questions", type=Path, default=ROOT.parent / "shared/eval/dev.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "SERVE.md")
    parser.add_argument("--clients", default="1,4,16", help="concurrency levels (1,4,16)")
    parser.add_argument("--requests", type=int, default=5000, help="cap per level (5000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time per level (20)")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--ray-address", default="", help="an existing Ray cluster (local: none)")
    parser.add_argument("--ray-port", type=int, default=0, help="its Serve HTTP port, if fixed")
    parser.add_argument("--quick", action="store_true", help="20 requests a level (for tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests = 20
    questions_file = args.questions if args.questions.is_file() else ROOT / "eval/own.jsonl"
    bodies = [json.dumps({"q": q.text}).encode() for q in load_questions(questions_file)]
    levels_wanted = [int(c) for c in args.clients.split(",")]
    setups = {
        "1 process": ([], free_port()),
        f"{args.replicas} Ray replicas": (
            [
                "--ray",
                *([args.ray_address] if args.ray_address else []),
                "--replicas",
                str(args.replicas),
            ],
            args.ray_port or free_port(),
        ),  # fmt: skip
    }
    notes = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": f"{os.getloadavg()[0]:.2f}",
        "index": f"{args.index} ({_passages(args.index)} passages)",
        "questions": str(len(bodies)),
        "limits": f"Each level stops after {args.requests} requests or {args.seconds:.0f} s.",
    }
    levels: list[Level] = []
    ready: dict[str, float] = {}
    log_dir = args.out.parent
    for setup, (extra, port) in setups.items():
        log = log_dir / f".serve-{'ray' if extra else 'process'}.log"
        process, ready[setup] = start_server(["--index", str(args.index), *extra], port, log, 600)
        try:
            for body in bodies:  # warm-up: every replica's first answers are slower
                request(port, "POST", "/search", body)
            for clients in levels_wanted:
                level = load(port, setup, bodies, clients, args.requests, args.seconds)
                levels.append(level)
                print(
                    f"{setup}, {clients} clients: {level.per_second:.1f} req/s, "
                    f"p50 {level.percentile(0.5):.1f} ms, p95 {level.percentile(0.95):.1f} ms, "
                    f"{level.errors} errors",
                    file=sys.stderr, flush=True,
                )  # fmt: skip
        finally:
            stop_server(process)
        log.unlink(missing_ok=True)
    text = report(levels, ready, notes)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.out)
    print(text)
    return 0


def _passages(index: Path) -> str:
    try:
        return str(Manifest.read(Store(index).current()).counts["passages"])
    except (IndexUnavailable, KeyError):
        return "?"


if __name__ == "__main__":
    raise SystemExit(main())
