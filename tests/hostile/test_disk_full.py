"""A full disk at every step of ingest: one line that says what to do, nothing half-written
left behind, and the build in use keeps serving.

The index lives on a small tmpfs (mounted here when the tests run as root); the disk is
filled to leave 0, 4 KB, 8 KB, ... free until ingest fits, so every write of a new build meets
a full disk in turn. Without the rights to mount, a full disk is simulated instead: ENOSPC
raised at each write step (tests/write_steps.py). Both run where they can.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from advice_search.builder import IngestError, ingest
from advice_search.index import SearchIndex
from advice_search.search import Searcher
from advice_search.store import Store

from ..sample_corpus import SLEEP, SLEEP_EDIT, FakeEncoder, copy_index
from ..write_steps import leftovers, traced
from .conftest import FULL, Ledger, scale

PAGE = 4096
MESSAGE = "No space left on device while writing "
ADVICE = "free some space and run ingest again; the index in use is unchanged."


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 MB tmpfs (room for the 90 MB model export), or a skip if it cannot be mounted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()}); simulated below")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def free_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def fill(mount: Path, leave: int) -> Path:
    """Fill the disk until ``leave`` bytes are free; returns the ballast file."""
    ballast = mount / "ballast"
    size = free_bytes(mount) - leave
    with open(ballast, "wb") as handle:
        if size > 0:
            os.posix_fallocate(handle.fileno(), 0, size)
    return ballast


def attempt_on_full_disk(
    mount: Path, megabytes: int, corpus: Path, index: Path, ledger: Ledger, what: str
) -> str:
    """One ingest with only ``megabytes`` MB free on ``mount``; the ballast is removed after."""
    ballast = fill(mount, megabytes * 1_000_000)
    try:
        return attempt(corpus, index, ledger, what)
    finally:
        ballast.unlink()


def openable(index: Path) -> str | None:
    """The name of the build a search would use now, or None if search would refuse."""
    try:
        return SearchIndex.open(index).path.name  # type: ignore[union-attr]
    except Exception:
        return None


def attempt(corpus: Path, index: Path, ledger: Ledger, attack: str) -> str:
    """Ingest once on the full disk; "ok", "refused", and the checks every outcome must pass."""
    before = Store(index).current_name()
    builds = sorted(p.name for p in index.glob("builds/*"))
    served = openable(index)
    try:
        ingest(corpus, index, encoder=FakeEncoder())
        result = "ok"
    except IngestError as error:
        message = str(error)
        assert message.startswith(MESSAGE) and message.endswith(ADVICE), message
        assert "\n" not in message
        place = message.removeprefix(MESSAGE).split(": ")[0].removeprefix(str(index) + "/")
        ledger.record(attack, attacks=0, refused_at=re.sub(r"\.?tmp-[\w-]+", "tmp-…", place))
        result = "refused"
    except Exception:
        ledger.record(attack, attacks=1, tracebacks=1)
        raise
    after = openable(index)
    lost = int(served is not None and not (after and (result == "ok" or after == before)))
    left = leftovers(index)
    if result == "refused":  # nothing half-written, not even a finished build left unused
        left += [b for b in sorted(p.name for p in index.glob("builds/*")) if b not in builds]
    ledger.record(attack, attacks=1, builds_lost=lost, leftovers=len(left))
    assert not lost and not left, left
    return result


def test_a_full_disk_at_each_write_of_a_new_build(
    small_disk: Path, workspace: tuple[Path, Path], ledger: Ledger
) -> None:
    corpus, sample = workspace
    index = copy_index(sample, small_disk / "index")  # the export is copied in: 90 MB
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    outcomes = []
    for pages in range(0, 200, scale(2, 1)):
        ballast = fill(small_disk, pages * PAGE)
        try:
            outcomes.append(
                attempt(corpus, index, ledger, "disk full while writing a build (tmpfs)")
            )
        finally:
            ballast.unlink()
        if outcomes[-1] == "ok":
            break
    assert outcomes[-1] == "ok" and outcomes.count("refused") >= scale(5, 10), outcomes
    assert Searcher.open(index).search("does a warm bath help me sleep").hits


def test_a_full_disk_while_the_model_is_exported(
    small_disk: Path, workspace: tuple[Path, Path], ledger: Ledger
) -> None:
    corpus, sample = workspace
    index = copy_index(sample, small_disk / "index")
    shutil.rmtree(index / "models")  # ingest must export the model again: 90 MB
    assert openable(index) is None  # search refuses until ingest exports it again
    for megabytes in (0, 1, 30, 89):
        outcome = attempt_on_full_disk(
            small_disk,
            megabytes,
            corpus,
            index,
            ledger,
            "disk full while exporting the model (tmpfs)",
        )
        assert outcome == "refused"
        assert not (index / "models").exists() or not list((index / "models").iterdir())
    assert attempt(corpus, index, ledger, "disk full while exporting the model (tmpfs)") == "ok"
    assert Searcher.open(index).search("how do I set a boundary").hits


@pytest.mark.full_only  # a real ONNX export takes ~20 s
def test_a_full_disk_during_a_real_onnx_export(
    small_disk: Path, workspace: tuple[Path, Path], ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, sample = workspace
    index = copy_index(sample, small_disk / "index")
    shutil.rmtree(index / "models")
    monkeypatch.delenv("ADVICE_SEARCH_MODEL_CACHE")  # export with torch, not from the cache
    outcome = attempt_on_full_disk(
        small_disk, 30, corpus, index, ledger, "disk full during a real ONNX export (tmpfs)"
    )
    assert outcome == "refused"


# ---------------------------------------------------------------- simulated


def test_a_simulated_full_disk_at_every_write_step(
    workspace: tuple[Path, Path], ledger: Ledger
) -> None:
    """ENOSPC raised by each step in turn (open, mkdir, fsync, rename, FAISS write...), each
    time on a fresh copy of the same index, so that every run takes the same steps."""
    attack = "disk full at each write step (simulated ENOSPC)"
    corpus, pristine = workspace
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    shutil.rmtree(pristine / "models")  # the export's steps too
    index = pristine.parent / "attacked"

    def fresh() -> Path:
        shutil.rmtree(index, ignore_errors=True)
        return shutil.copytree(pristine, index, symlinks=True)

    steps: list[str] = []

    def note(number: int, what: str, path: str, moment: str) -> None:
        if moment == "before":  # making a folder that exists needs no space
            steps.append("exists" if what == "mkdir" and (index / path).exists() else what)

    with traced(fresh(), note):
        ingest(corpus, index, encoder=FakeEncoder())
    writes = [n for n, what in enumerate(steps, 1) if what not in ("rmtree", "unlink", "exists")]
    outcomes: dict[str, list[str]] = {"refused": [], "ok": []}
    for target in writes if FULL else writes[::3]:

        def full_at(number: int, what: str, path: str, moment: str, target: int = target) -> None:
            if number == target and moment == "before":
                if what == "write_index":
                    raise RuntimeError(f"write error in {path}: 0 != 1 (No space left on device)")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        with traced(fresh(), full_at):
            outcomes[attempt(corpus, index, ledger, attack)].append(steps[target - 1])
    # Either refused with the old build serving, or (a failed fsync of the folder after the
    # switch) finished: both checked by ``attempt``. Only that last step may finish.
    assert outcomes["ok"] in ([], ["fsync"]), outcomes
    fresh()
    assert attempt(corpus, index, ledger, attack) == "ok"
