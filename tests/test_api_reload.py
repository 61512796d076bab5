"""A running server keeps answering while ingest runs, then serves the new build unasked."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests import servers

# `advice-search ingest` that holds the finished build for a while before publishing it, so
# the window in which the server must keep answering is seconds long on any machine.
SLOW_INGEST = """
import sys, time
from advice_search import builder
from advice_search.cli import main
publish = builder.publish
def slow_publish(*args, **kwargs):
    time.sleep(4)
    return publish(*args, **kwargs)
builder.publish = slow_publish
sys.exit(main(sys.argv[1:]))
"""

NEW_ARTICLE = """---
title: "Saving Money Together Without Fighting"
author: "Test Writer"
site: "Test Site"
---

Couples who argue about money often want the same thing: to feel safe. Sit down once a month
and look at the numbers together, without blame. Agree on a small amount each of you can spend
freely, no questions asked.

When one partner earns more, talk about what fair means to each of you before splitting bills.
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["process", "ray"])
def test_server_answers_during_ingest_and_then_serves_the_new_build(
    backend: str, request: pytest.FixtureRequest, seed_index: Path, seed_corpus: Path,
    tmp_path: Path,
) -> None:  # fmt: skip
    index, corpus = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(seed_index, index)
    shutil.copytree(seed_corpus, corpus)
    (corpus / "saving-money-together.md").write_text(NEW_ARTICLE)
    old_build = (index / "CURRENT").read_text().strip()
    args, port = ["--index", str(index)], None
    if backend == "ray":
        cluster = request.getfixturevalue("ray_cluster")
        args, port = [*args, "--ray", cluster.address, "--replicas", "2"], cluster.serve_port
    server = servers.start(args, log=tmp_path / "serve.log", port=port)
    answers: list[tuple[int, str | None]] = []
    answered_at: list[float] = []
    stop = threading.Event()

    def ask() -> None:
        with server.client() as client:
            while not stop.is_set() and len(answers) < 5000:
                response = client.post("/search", json={"q": "we keep fighting about money"})
                answers.append((response.status_code, response.headers.get("x-index-build")))
                answered_at.append(time.monotonic())
                time.sleep(0.02)

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        began = time.monotonic()
        ingest = subprocess.run(
            [sys.executable, "-c", SLOW_INGEST, "ingest", "--index", str(index), "--corpus",
             str(corpus), "--quiet"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert ingest.returncode == 0, ingest.stderr
        new_build = (index / "CURRENT").read_text().strip()
        assert new_build != old_build
        ended = time.monotonic()
        during = sum(began <= t <= ended for t in answered_at)
        # Every replica moves on by itself: wait for 20 answers in a row from the new build.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            tail = answers[-20:]
            if len(tail) == 20 and all(build == new_build for _, build in tail):
                break
            time.sleep(0.2)
    finally:
        stop.set()
        asker.join()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            catalog = client.get("/articles").json()
        servers.stop(server)
    assert during >= 3, "requests were answered while ingest ran"
    assert {status for status, _ in answers} == {200}
    assert {build for _, build in answers} == {old_build, new_build}
    assert all(build == new_build for _, build in answers[-20:])
    assert catalog["build"] == new_build
    assert "saving-money-together" in {a["article"] for a in catalog["articles"]}
    assert "Traceback" not in server.log_text()
