"""Ingest killed (SIGKILL) just before and just after every step that changes the index
directory: a reader always finds one whole build, and the next ingest, even one with nothing
to do, leaves no temporary build, export or pointer and no more than two builds.

The kill harness is tests/test_robustness.py's (a fresh interpreter running ingest, killing
itself at a chosen step); its steps are listed by tests/write_steps.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advice_search.builder import ingest

from ..test_robustness import OTHER, ROOT, VERSIONS, ingest_steps, observe, start_ingest
from ..write_steps import leftovers
from .conftest import FULL, Ledger


def kill_and_recover(
    corpus: Path, index: Path, state: str, step: int, when: str, ledger: Ledger, attack: str
) -> str:
    """Kill an ingest towards the other version at ``step``; check; recover. The new state."""
    target = OTHER[state]
    (corpus / "sleep.md").write_text(VERSIONS[target])
    proc = start_ingest(corpus, index, step, when)
    _, err = proc.communicate(timeout=300)
    traceback = int(b"Traceback" in err)
    try:
        got = observe(index)  # opens, verifies every checksum, answers from one whole build
        lost = int(got not in (state, target))
    except Exception:
        got, lost = state, 1
    report = ingest(corpus, index)  # the next ingest: maybe "up to date", and tidy anyway
    left = leftovers(index)
    ledger.record(attack, attacks=1, tracebacks=traceback, builds_lost=lost, leftovers=len(left))
    counts = {"killed": int(proc.returncode == -9)}
    counts["then up to date" if not report.wrote_build else "then rebuilt"] = 1
    ledger.record(attack, attacks=0, counts=counts)
    assert proc.returncode == -9 and not traceback, err.decode()
    assert not lost and not left, (step, when, got, left)
    return observe(index)


def test_a_kill_before_and_after_every_step_of_writing_switching_and_pruning(
    workspace: tuple[Path, Path], ledger: Ledger
) -> None:
    corpus, index = workspace
    (corpus / "sleep.md").write_text(VERSIONS["new"])
    ingest(corpus, index)  # two builds: the next run writes, switches and prunes one
    state = observe(index)
    (corpus / "sleep.md").write_text(VERSIONS[OTHER[state]])
    rehearsal = shutil.copytree(index, index.parent / "rehearsal", symlinks=True)
    steps = ingest_steps(corpus, rehearsal)
    assert any(s.startswith("rmtree builds/") for s in steps)  # pruning is among them
    every = [(n, when) for n in range(1, len(steps) + 1) for when in ("before", "after")]
    # The short form: just after each rename (the switch), and just before pruning.
    key = [(n, "after") for n, s in enumerate(steps, 1) if s.startswith("replace ")]
    key += [(n, "before") for n, s in enumerate(steps, 1) if s == "rmtree builds/…"]
    attack = "kill -9 at every write/switch/prune step"
    for number, when in every if FULL else key:
        state = kill_and_recover(corpus, index, state, number, when, ledger, attack)
    ledger.record(attack, attacks=0, note=f"{len(steps)} steps in one ingest")


def test_a_kill_at_every_step_of_the_model_export(
    workspace: tuple[Path, Path], ledger: Ledger
) -> None:
    corpus, index = workspace
    state = observe(index)
    shutil.rmtree(index / "models")
    (corpus / "sleep.md").write_text(VERSIONS[OTHER[state]])
    rehearsal = shutil.copytree(index, index.parent / "rehearsal", symlinks=True)
    steps = ingest_steps(corpus, rehearsal)
    export = [
        n
        for n, s in enumerate(steps, start=1)
        if s.startswith(("mkdir models", "link ", "replace models"))
    ]
    assert len(export) >= 4, steps
    for number in export if FULL else export[-2:]:
        for when in ("before", "after") if FULL else ("after",):
            shutil.rmtree(index / "models", ignore_errors=True)  # to be exported again
            attack = "kill -9 at every step of the model export"
            target = OTHER[state]
            (corpus / "sleep.md").write_text(VERSIONS[target])
            proc = start_ingest(corpus, index, number, when)
            _, err = proc.communicate(timeout=300)
            ingest(corpus, index)  # puts the export back, removes the partial one
            left = leftovers(index)
            ledger.record(
                attack, attacks=1, tracebacks=int(b"Traceback" in err), leftovers=len(left)
            )
            assert proc.returncode == -9 and not left, (steps[number - 1], when, left)
            state = observe(index)


@pytest.mark.full_only  # each real ONNX export takes ~20 s
def test_a_real_onnx_export_killed_midway_leaves_nothing_after_the_next_ingest(
    workspace: tuple[Path, Path], ledger: Ledger
) -> None:
    corpus, index = workspace
    env = {k: v for k, v in os.environ.items() if k != "ADVICE_SEARCH_MODEL_CACHE"}
    for delay in (4.0, 8.0, 12.0):
        shutil.rmtree(index / "models", ignore_errors=True)
        proc = subprocess.Popen(
            [sys.executable, "-m", "advice_search", "ingest", "--quiet", "--corpus", str(corpus), "--index", str(index)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        time.sleep(delay)
        proc.kill()
        _, err = proc.communicate(timeout=60)
        partial = [p.name for p in index.glob("models/*.tmp-*")]
        ingest(corpus, index)
        left = leftovers(index)
        ledger.record(
            "kill -9 during a real ONNX export",
            attacks=1,
            tracebacks=int(b"Traceback" in err),
            leftovers=len(left),
            counts={"partial exports found, then removed": len(partial)},
        )
        assert not left, left
        observe(index)
