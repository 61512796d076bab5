"""Ingest and search at the same time: every search started during a stream of rebuilds
answers from one whole build, and two ingests at once never both write."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from advice_search.search import Searcher

from ..test_robustness import ROOT, VERSIONS, observe
from ..write_steps import leftovers
from .conftest import Ledger, scale

REBUILDS = """
import sys
from pathlib import Path
from advice_search.builder import ingest
corpus, index, rounds, texts = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
for i in range(rounds):
    Path(corpus, "sleep.md").write_text(texts[i % 2])
    ingest(corpus, index)
"""


def test_searches_during_a_stream_of_rebuilds_always_answer(
    workspace: tuple[Path, Path], ledger: Ledger
) -> None:
    corpus, index = workspace
    rounds = scale(4, 30)
    writer = subprocess.Popen(
        [sys.executable, "-c", REBUILDS, str(corpus), str(index), str(rounds),
         VERSIONS["new"], VERSIONS["old"]],
        cwd=ROOT, stderr=subprocess.PIPE,
    )  # fmt: skip
    answered, failed, builds = 0, [], set()
    while writer.poll() is None:
        try:
            observe(index)  # a fresh load, checksums verified, one build's passages, answered
            builds.add(Searcher.open(index).index.manifest.build_id)  # type: ignore[union-attr]
            answered += 1
        except Exception as error:  # noqa: BLE001 (counted, then failed below)
            failed.append(repr(error))
    _, err = writer.communicate()
    ledger.record(
        "searches during a stream of rebuilds",
        attacks=answered + len(failed),
        tracebacks=int(b"Traceback" in err),
        builds_lost=len(failed),
        leftovers=len(leftovers(index)),
        counts={"rebuilds": rounds, "builds seen by searches": len(builds)},
    )
    assert writer.returncode == 0, err.decode()
    assert not failed, failed
    assert answered >= rounds and len(builds) >= 2, (answered, builds)
    assert leftovers(index) == []


def holds_the_lock(index: Path, pid: int, timeout: float = 120.0) -> bool:
    """Wait until process ``pid`` holds the writer lock of ``index``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lock = index / ".lock"
        if lock.exists() and lock.read_text(errors="replace").strip() == f"pid {pid}":
            return True
        time.sleep(0.02)
    return False


def test_two_ingests_at_once_one_waits_or_stops_in_one_line(
    workspace: tuple[Path, Path], ledger: Ledger
) -> None:
    corpus, index = workspace
    attack = "two ingests at once (lock)"
    base = [sys.executable, "-m", "advice_search", "ingest", "--quiet"]
    paths = ["--corpus", str(corpus), "--index", str(index)]
    for attempt in range(scale(2, 10)):
        for n in range(40):  # work enough that the first ingest is still embedding
            (corpus / f"extra-{attempt}-{n}.md").write_text(
                f"# Extra {attempt} {n}\n\nArticle {attempt}-{n}: talk when you are calm. "
                "Listen first, then answer. Take a break when voices rise.\n"
            )
        first = subprocess.Popen([*base, *paths], cwd=ROOT, stderr=subprocess.PIPE)
        assert holds_the_lock(index, first.pid)
        second = subprocess.run([*base, *paths], cwd=ROOT, capture_output=True, timeout=300)
        third = subprocess.run([*base, "--wait", "300", *paths], cwd=ROOT, capture_output=True)
        _, err = first.communicate(timeout=300)
        errors = err + second.stderr + third.stderr
        stop = second.stderr.decode()
        stopped = second.returncode == 1 and stop.startswith("advice-search: Another ingest")
        ledger.record(
            attack,
            attacks=1,
            tracebacks=int(b"Traceback" in errors),
            leftovers=len(leftovers(index)),
            counts={
                "second stopped in one line": int(stopped and len(stop.strip().splitlines()) == 1),
                "--wait ran after": int(third.returncode == 0),
            },
        )
        assert first.returncode == 0 and third.returncode == 0, errors.decode()
        assert stopped and len(stop.strip().splitlines()) == 1, stop
        assert leftovers(index) == []
        assert Searcher.open(index).search("talk when you are calm").hits
