"""Ctrl-C at any moment, from the interpreter's first instructions on: one line (or nothing,
if the launcher had not started yet), never a traceback; an interrupted ingest leaves the
index whole, and the next ingest leaves nothing behind."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from advice_search.builder import ingest

from ..test_cli import TRACEBACKS, interrupt_at
from ..test_robustness import VERSIONS, observe
from ..write_steps import leftovers
from .conftest import Ledger, scale

OK = {"one line", "answered", "killed before start"}


def test_ctrl_c_at_every_moment_of_a_search(sample_index: Path, ledger: Ledger) -> None:
    argv = ["search", "--json", "money", "--index", str(sample_index)]
    step, runs = scale(6, 2), scale(25, 200)  # milliseconds between attempts, attempts
    outcomes = Counter(interrupt_at(argv, i * step / 1000) for i in range(runs))
    ledger.record(
        "Ctrl-C at every moment of a search",
        attacks=runs,
        tracebacks=outcomes["traceback"] + outcomes["interpreter startup"],
        counts=dict(outcomes),
    )
    assert set(outcomes) <= OK, (outcomes, TRACEBACKS[:1])


def test_ctrl_c_at_every_moment_of_an_ingest(workspace: tuple[Path, Path], ledger: Ledger) -> None:
    corpus, index = workspace
    argv = ["ingest", "--quiet", "--corpus", str(corpus), "--index", str(index)]
    (corpus / "sleep.md").write_text(VERSIONS["new"])
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "advice_search", *argv], check=True, timeout=300)
    duration = time.monotonic() - started  # one whole ingest, start-up included
    state = observe(index)
    outcomes: Counter[str] = Counter()
    attempts = scale(4, 40)
    for i in range(attempts):  # moments spread over the whole run, and a little past it
        target = "new" if state == "old" else "old"
        (corpus / "sleep.md").write_text(VERSIONS[target])
        outcome = interrupt_at(argv, 1.1 * duration * (i + 0.5) / attempts)
        outcomes[outcome] += 1
        try:
            state = observe(index)  # the old build or the new one, whole
            lost = 0
        except Exception:  # noqa: BLE001 (counted, then failed below)
            lost = 1
        left = leftovers(index) if outcome == "answered" else []
        ledger.record(
            "Ctrl-C at every moment of an ingest",
            attacks=1,
            tracebacks=int(outcome in ("traceback", "interpreter startup")),
            builds_lost=lost,
            leftovers=len(left),
        )
        assert outcome in OK and not lost and not left, (outcome, left, TRACEBACKS[-1:])
    ingest(corpus, index)
    ledger.record("Ctrl-C at every moment of an ingest", attacks=0, counts=dict(outcomes))
    assert leftovers(index) == []
