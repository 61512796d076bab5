"""Garbage in index/CURRENT: search refuses in one line (without hanging on a pipe), and the
`advice-search ingest` it points to recovers, through the real command in the full form."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from advice_search.cli import main
from advice_search.search import Searcher

from ..test_index import CURRENT_DAMAGE, _finishes
from ..test_robustness import ROOT
from .conftest import FULL, Ledger

ATTACK = "garbage in CURRENT, then `ingest`"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The command, in a real process in the full form (else in this one); code and stderr."""
    if FULL:
        done = subprocess.run(
            [sys.executable, "-m", "advice_search", *argv],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        return done.returncode, done.stderr
    code = _finishes(lambda: main(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("damage", list(CURRENT_DAMAGE), ids=list(CURRENT_DAMAGE))
def test_garbage_in_current_is_refused_in_one_line_and_ingest_recovers(
    workspace: tuple[Path, Path], damage: str, capsys: pytest.CaptureFixture[str], ledger: Ledger
) -> None:
    corpus, index = workspace
    pointer = index / "CURRENT"
    CURRENT_DAMAGE[damage](pointer)
    paths = ["--index", str(index), "--corpus", str(corpus)]
    try:
        code, err = run(["search", "--json", "sleep", *paths], capsys)
        refused = code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
        code, err_ingest = run(["ingest", "--quiet", *paths], capsys)
        recovered = code == 0 and "Traceback" not in err_ingest
        answers = bool(Searcher.open(index).search("how do I set a boundary").hits)
    finally:
        if pointer.is_fifo():  # unblock a reader stuck on the pipe
            os.close(os.open(pointer, os.O_RDWR | os.O_NONBLOCK))
    ledger.record(
        ATTACK,
        attacks=1,
        tracebacks=int("Traceback" in err + err_ingest),
        builds_lost=int(not (recovered and answers)),
        counts={"refused in one line": int(refused)},
    )
    assert refused, err
    assert recovered and answers, err_ingest
