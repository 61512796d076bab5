"""The index directory: round trip, checksums, refusing foreign builds, staleness, the lock."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from advice_search import manifest as manifest_module
from advice_search import vectors
from advice_search.builder import ingest
from advice_search.chunking import ChunkSettings
from advice_search.cli import main
from advice_search.index import SearchIndex, publish
from advice_search.manifest import Manifest, ModelRecord
from advice_search.records import Article, Passage
from advice_search.search import Searcher
from advice_search.staleness import corpus_status
from advice_search.store import IndexMismatch, IndexUnavailable, IngestLocked, Store

from .sample_corpus import SLEEP, SLEEP_EDIT, FakeEncoder, write_corpus
from .write_steps import leftovers

ROOT = Path(__file__).resolve().parent.parent
REBUILD = "advice-search ingest"


@pytest.fixture
def index_copy(workspace: tuple[Path, Path]) -> Path:
    """A private copy of the sample index, with a copy of its corpus beside it."""
    return workspace[1]


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The CLI's stderr: exactly one line, no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


# ---------------------------------------------------------------- round trip


def hand_made_build(n: int = 7, dim: int = 8) -> tuple[SearchIndex, Manifest]:
    rng = np.random.default_rng(7)
    embeddings = rng.standard_normal((n, dim)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    articles = (
        Article("a", "a.md", "Á title", "Body of a. Ünïcode ok.", author="Ann", removed=("x",)),
        Article("b", "sub/b.txt", "B", "Body of b.", site="Site", content_hash="ff"),
    )
    passages = tuple(
        Passage(f"{'ab'[i % 2]}:{i:03d}", "ab"[i % 2], i, f"Passage {i} text.", "Sec", "advice")
        for i in range(n)
    )
    sentence_rows = np.array([[i, 0, 10] for i in range(n)], dtype=np.int32)
    manifest = Manifest(
        model=ModelRecord("m", "0" * 64, dim, 256, "models/x", "1" * 64),
        chunking=ChunkSettings(),
        vector_index=vectors.VectorIndexSpec("flat", {}),
        counts={"articles": 2, "passages": n},
    )
    index = SearchIndex.build(articles, passages, embeddings, embeddings, sentence_rows)
    return index, manifest


def test_a_build_loads_back_identical(tmp_path: Path) -> None:
    data, manifest = hand_made_build()
    path = publish(tmp_path / "index", data, manifest)
    # Loaded without the check: the hand-made model is not the one installed here.
    loaded = SearchIndex.load(path, Manifest.read(path))
    assert loaded.path == path == Store(tmp_path / "index").current()
    assert tuple(loaded.articles) == data.articles
    assert tuple(loaded.passages) == data.passages
    assert loaded.passages[3] == data.passages[3] and loaded.passages[-1] == data.passages[-1]
    rows = np.arange(len(data.passages))
    np.testing.assert_array_equal(loaded.passage_vectors(rows), data.passage_vectors(rows))
    np.testing.assert_array_equal(loaded.sentence_vectors.codes, data.sentence_vectors.codes)
    np.testing.assert_array_equal(loaded.sentence_vectors.scales, data.sentence_vectors.scales)
    np.testing.assert_array_equal(loaded.sentence_rows, data.sentence_rows)
    np.testing.assert_array_equal(loaded.passage_article, data.passage_article)
    assert loaded.catalogue.ids == ("a", "b") and loaded.catalogue.authors == ("Ann",)
    assert loaded.article_by_id["b"] == data.articles[1]
    assert [p.ordinal for p in loaded.by_article("a")] == [0, 2, 4, 6]
    assert loaded.manifest is not None
    assert replace(loaded.manifest, files={}, build_id="") == manifest
    assert set(loaded.manifest.files) == {
        "articles.jsonl",
        "articles.offsets.npy",
        "passages.jsonl",
        "passages.offsets.npy",
        "catalogue.json",
        "passage_article.npy",
        "passage_kind.npy",
        "sentences/codes.npy",
        "sentences/scales.npy",
        "sentence_rows.npy",
        "sentence_start.npy",
        "topic.npy",
        *(f"readings/{name}.npy" for name in ("role", "to_asked", "persuasion", "hollow")),
        "sources.json",
        "vectors.faiss",
        *(f"lexical/{name}.npy" for name in ("indptr", "docs", "tf", "weights", "doc_len")),
        "lexical/term_best.npy",
        *(f"lexical/{name}" for name in ("vocab.json", "params.json")),
        *(f"words/{name}.npy" for name in ("vocabulary", "df", "offsets", "pieces")),
        "words/table/codes.npy",
        "words/table/scales.npy",
    }
    again = vectors.load(path / "vectors.faiss")
    _, ids = vectors.search(again, data.passage_vectors(rows[:3]), 1)
    assert ids[:, 0].tolist() == [0, 1, 2]


def test_writing_a_new_build_keeps_one_predecessor_and_no_temporary_files(tmp_path: Path) -> None:
    index = tmp_path / "index"
    names = [publish(index, *hand_made_build()).name for _ in range(4)]
    (index / "builds" / ".tmp-19990101T000000000000-999999999").mkdir()  # a dead ingest's
    (index / ".CURRENT.999999999.tmp").write_text("half")
    publish(index, *hand_made_build())
    left = sorted(p.name for p in (index / "builds").iterdir())
    assert len(left) == 2 and names[-1] in left
    assert not list(index.glob(".CURRENT.*"))


# ---------------------------------------------------------------- damage


def _alter(path: Path) -> None:
    """Change one byte in the middle, keeping the size."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _edit_manifest_value(path: Path) -> None:
    manifest = json.loads(path.read_text())
    manifest["counts"]["passages"] += 1  # still valid JSON, no longer true
    path.write_text(json.dumps(manifest, indent=2))


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("sentences/codes.npy", _truncate),
        ("sentences/codes.npy", _alter),
        ("passages.jsonl", _alter),
        ("passages.jsonl", _truncate),
        ("passages.offsets.npy", _alter),
        ("vectors.faiss", _truncate),
        ("vectors.faiss", _alter),
        ("sentence_start.npy", _alter),
        ("sources.json", _alter),
        ("catalogue.json", _truncate),
        ("articles.jsonl", Path.unlink),
        ("lexical/", _alter),  # the largest of the BM25 arrays
        ("manifest.json", _truncate),
        ("manifest.json", _edit_manifest_value),
    ],
)
def test_a_damaged_file_is_refused_with_the_command_that_fixes_it(
    index_copy: Path, name: str, damage: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    target = Store(index_copy).current() / name
    if name.endswith("/"):
        target = max(target.iterdir(), key=lambda f: f.stat().st_size)
    damage(target)
    with pytest.raises(IndexUnavailable, match=REBUILD):
        Searcher.open(index_copy)
    corpus = index_copy.parent / "corpus"
    code = main(["search", "sleep", "--json", "--index", str(index_copy), "--corpus", str(corpus)])
    assert code == 1
    assert REBUILD in one_line_error(capsys)


def test_ingest_repairs_a_damaged_index(index_copy: Path) -> None:
    _truncate(Store(index_copy).current() / "sentences" / "codes.npy")
    report = ingest(index_copy.parent / "corpus", index_copy, encoder=FakeEncoder())
    assert report.wrote_build and report.full_rebuild_reason == "the previous index was damaged"
    assert report.embedded == report.passages
    assert Searcher.open(index_copy).search("how do I set a boundary").hits


def test_a_deleted_model_export_is_refused_and_put_back_by_ingest(index_copy: Path) -> None:
    shutil.rmtree(index_copy / "models")
    with pytest.raises(IndexUnavailable, match=REBUILD):
        Searcher.open(index_copy)
    report = ingest(index_copy.parent / "corpus", index_copy)
    assert report.embedded == 0 and not report.wrote_build  # the build itself was fine
    assert Searcher.open(index_copy).search("how do I set a boundary").hits


def test_a_missing_index_names_the_command_that_builds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(IndexUnavailable, match=f"No index in .*: run `{REBUILD}`"):
        Searcher.open(tmp_path / "index")
    assert not (tmp_path / "index").exists()
    assert main(["search", "sleep", "--index", str(tmp_path / "index")]) == 1
    assert REBUILD in one_line_error(capsys)


@pytest.mark.parametrize("pointer", [b"", b"20000101T000000000000-1\n", b"\xff\xfe\x00", b"../x"])
def test_a_damaged_current_pointer_is_refused(index_copy: Path, pointer: bytes) -> None:
    (index_copy / "CURRENT").write_bytes(pointer)
    with pytest.raises(IndexUnavailable, match=REBUILD):
        Searcher.open(index_copy)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


CURRENT_DAMAGE = {
    "a 300-character name": lambda p: p.write_text("2" * 300 + "\n"),
    "a 10 MB line": lambda p: p.write_bytes(b"x" * 10_000_000),
    "a name and then garbage": lambda p: p.write_text(p.read_text() + "rm -rf /\n" * 3),
    "a NUL in the name": lambda p: p.write_bytes(p.read_bytes().strip() + b"\x00x\n"),
    "a directory": lambda p: (p.unlink(), p.mkdir(), (p / "x").write_text("x")),
    "a pipe": lambda p: (p.unlink(), _fifo(p)),
    "a link to itself": lambda p: (p.unlink(), p.symlink_to(p.name)),
}


def _finishes(call: Any, timeout: float = 60.0) -> Any:
    """``call()``'s result, failing the test (instead of hanging it) if it blocks."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(call())
        except BaseException as error:  # noqa: BLE001 (handed to the test thread)
            errors.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "blocked"
    if errors:
        raise errors[0]
    return result[0]


@pytest.mark.parametrize("damage", list(CURRENT_DAMAGE), ids=list(CURRENT_DAMAGE))
def test_a_garbage_current_pointer_is_refused_in_one_line_and_ingest_recovers(
    index_copy: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pointer = index_copy / "CURRENT"
    CURRENT_DAMAGE[damage](pointer)
    try:
        corpus = index_copy.parent / "corpus"
        argv = ["search", "sleep", "--json", "--index", str(index_copy), "--corpus", str(corpus)]
        assert _finishes(lambda: main(argv)) == 1
        assert REBUILD in one_line_error(capsys)
        report = _finishes(lambda: ingest(corpus, index_copy, encoder=FakeEncoder()))
        assert report.wrote_build and report.full_rebuild_reason == "the previous index was damaged"
        assert pointer.is_file() and not pointer.is_symlink()
        assert Searcher.open(index_copy).search("how do I set a boundary").hits
    finally:
        if pointer.is_fifo():  # unblock a reader stuck on the pipe
            fd = os.open(pointer, os.O_RDWR | os.O_NONBLOCK)
            os.close(fd)


# ---------------------------------------------------------------- foreign builds


def rewrite_build(index: Path, change: Any, *, format_version: int | None = None) -> None:
    """Write a new, self-consistent build whose manifest ``change`` has edited."""
    build = Store(index).current()
    manifest = Manifest.read(build)
    data = SearchIndex.load(build, manifest)
    with pytest.MonkeyPatch.context() as patch:
        if format_version is not None:
            patch.setattr(manifest_module, "FORMAT_VERSION", format_version)
        publish(index, data, change(manifest))


def test_an_index_from_other_model_weights_is_refused_until_rebuilt(index_copy: Path) -> None:
    def other_model(manifest: Manifest) -> Manifest:
        model = replace(manifest.model, weights_sha256="e" * 64, weights_size=1, weights_mtime_ns=1)
        return replace(manifest, model=model)

    rewrite_build(index_copy, other_model)
    with pytest.raises(IndexMismatch, match=f"different embedding model.*{REBUILD}"):
        Searcher.open(index_copy)
    report = ingest(index_copy.parent / "corpus", index_copy, encoder=FakeEncoder())
    assert report.full_rebuild_reason == "the embedding model changed"
    assert report.embedded == report.passages
    assert Searcher.open(index_copy).search("money").hits


def test_a_build_with_other_chunking_settings_is_served_and_rebuilt_by_ingest(
    index_copy: Path,
) -> None:
    def other_chunking(manifest: Manifest) -> Manifest:
        return replace(manifest, chunking=ChunkSettings(target_chars=300, max_chars=600))

    rewrite_build(index_copy, other_chunking)
    assert Searcher.open(index_copy).search("money").hits  # search serves what it records
    with pytest.raises(IndexMismatch, match=f"chunking settings.*{REBUILD}"):
        SearchIndex.open(index_copy, chunking=ChunkSettings())  # ingest's vectors need equal
    report = ingest(index_copy.parent / "corpus", index_copy, encoder=FakeEncoder())
    assert report.full_rebuild_reason == "the chunking settings changed"
    assert Searcher.open(index_copy).search("money").hits


def test_an_index_in_another_format_is_refused_until_rebuilt(index_copy: Path) -> None:
    rewrite_build(index_copy, lambda m: m, format_version=manifest_module.FORMAT_VERSION - 1)
    with pytest.raises(IndexMismatch, match=f"format.*{REBUILD}"):
        Searcher.open(index_copy)
    report = ingest(index_copy.parent / "corpus", index_copy, encoder=FakeEncoder())
    assert report.full_rebuild_reason == "the index format changed"
    assert Searcher.open(index_copy).search("money").hits


# ---------------------------------------------------------------- staleness


def test_corpus_changes_since_the_build_are_reported(index_copy: Path) -> None:
    corpus = index_copy.parent / "corpus"

    def status() -> Any:
        return corpus_status(Manifest.read(Store(index_copy).current()), corpus)

    assert not status().stale
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    (corpus / "new.md").write_text("A New Article\n\nRest is part of training. Take it.\n")
    (corpus / "money-talks.txt").unlink()
    got = status()
    assert (got.added, got.changed, got.deleted) == (
        ("new.md",),
        ("sleep.md",),
        ("money-talks.txt",),
    )
    assert got.describe() == "1 new, 1 edited, 1 deleted article file(s) since the index was built"
    ingest(corpus, index_copy)
    assert not status().stale


def test_skipped_and_renamed_files_do_not_leave_the_index_stale_after_ingest(
    index_copy: Path,
) -> None:
    corpus = index_copy.parent / "corpus"

    def status() -> Any:
        return corpus_status(Manifest.read(Store(index_copy).current()), corpus)

    (corpus / "empty.md").write_text("")
    (corpus / "sleep.md").rename(corpus / "sleep.markdown")  # same article id, new path
    assert status().stale
    report = ingest(corpus, index_copy)
    assert [s.path for s in report.skipped] == ["empty.md"]
    assert report.embedded == 0 and report.wrote_build  # nothing to embed, but recorded
    assert not status().stale
    (corpus / "empty.md").write_text("----\n")  # edited, maybe fixed: worth a warning
    assert status().changed == ("empty.md",)
    ingest(corpus, index_copy)
    assert not status().stale


def test_search_warns_about_a_stale_index_and_keeps_answering(
    index_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = index_copy.parent / "corpus"
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    args = ["search", "warm bath", "--json", "--index", str(index_copy), "--corpus", str(corpus)]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["results"]
    assert "warning: 1 edited article file(s)" in err and REBUILD in err
    ingest(corpus, index_copy)
    assert main(args) == 0
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------- the writer lock


def test_a_second_ingest_stops_with_a_clear_message_while_one_runs(
    index_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = index_copy.parent / "corpus"
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    before = (index_copy / "CURRENT").read_text()
    with Store(index_copy).lock():
        with pytest.raises(IngestLocked, match=r"Another ingest \(pid \d+\).*--wait"):
            ingest(corpus, index_copy)
        assert main(["ingest", "--quiet", "--corpus", str(corpus), "--index", str(index_copy)]) == 1
        assert "--wait" in one_line_error(capsys)
    assert (index_copy / "CURRENT").read_text() == before
    assert ingest(corpus, index_copy).changed == ("sleep",)


def test_ingest_with_wait_runs_once_the_other_ingest_finishes(index_copy: Path) -> None:
    corpus = index_copy.parent / "corpus"
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    held, let_go = threading.Event(), threading.Event()
    events: list[str] = []

    def hold_lock() -> None:
        with Store(index_copy).lock():
            held.set()
            let_go.wait(30)
            events.append("released")

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait(5)
    waiting = threading.Thread(
        target=lambda: events.append(ingest(corpus, index_copy, wait=30).changed[0])
    )
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive() and not events  # waiting for the lock, not failing, not running
    let_go.set()
    waiting.join(60)
    holder.join()
    assert events == ["released", "sleep"]


def test_the_lock_is_held_across_processes_and_freed_when_the_holder_dies(index_copy: Path) -> None:
    corpus = index_copy.parent / "corpus"
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from advice_search.store import Store\n"
            "with Store(sys.argv[1]).lock():\n"
            "    print('held', flush=True)\n"
            "    time.sleep(60)\n",
            str(index_copy),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(IngestLocked, match=f"pid {holder.pid}"):
            ingest(corpus, index_copy)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    assert ingest(corpus, index_copy).changed == ("sleep",)


def test_an_unusable_index_path_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "index").write_text("a file, not a directory")
    with pytest.raises(IndexUnavailable, match="Cannot use .* as the index directory"):
        ingest(write_corpus(tmp_path / "corpus"), tmp_path / "index")


# ---------------------------------------------------------------- leftovers


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize("writer", ["dead", "alive, started before the lock"])
def test_every_ingest_removes_what_crashed_ingests_left_even_when_up_to_date(
    index_copy: Path, writer: str
) -> None:
    """A leftover is anything a writer made before this ingest took the lock: that writer no
    longer holds the lock, so it is gone (its pid may have been reused by a live process)."""
    pid = _dead_pid() if writer == "dead" else os.getppid()
    current = Store(index_copy).current()
    for name in ("20000101T000000000000-1", "20000101T000000000001-1", "29990101T000000000000-1"):
        shutil.copytree(current, index_copy / "builds" / name)  # pruning was cut short
    (index_copy / "builds" / f".tmp-20990101T000000000000-{pid}").mkdir()
    export = next((index_copy / "models").iterdir())
    (index_copy / "models" / f"{export.name}.tmp-{pid}").mkdir()
    (index_copy / "models" / f"{export.name}.tmp-{pid}" / "model.onnx").write_bytes(b"x" * 1000)
    (index_copy / f".CURRENT.{pid}.tmp").write_text("x")
    assert len(leftovers(index_copy)) == 4
    report = ingest(index_copy.parent / "corpus", index_copy, encoder=FakeEncoder())
    assert not report.wrote_build  # "Index is up to date", and yet tidy
    assert leftovers(index_copy) == []
    assert Store(index_copy).current() == current
    assert Searcher.open(index_copy).search("how do I set a boundary").hits


def test_a_load_overlapping_two_finished_rebuilds_starts_again_on_the_newest(
    index_copy: Path,
) -> None:
    """Two ingests finish while a reader loads: its build is pruned under it, and it must
    start again from CURRENT instead of failing (three builds in a row, two kept)."""
    corpus = index_copy.parent / "corpus"
    store = Store(index_copy)
    first = store.current().name
    calls: list[str] = []

    def slow_read(build: Path) -> SearchIndex:
        calls.append(build.name)
        if len(calls) == 1:
            for text in (SLEEP + SLEEP_EDIT, SLEEP):
                (corpus / "sleep.md").write_text(text)
                assert ingest(corpus, index_copy, encoder=FakeEncoder()).wrote_build
        manifest = Manifest.read(build)
        manifest.check(build)
        return SearchIndex.load(build, manifest)

    loaded = store.read_current(slow_read)
    assert calls[0] == first and not (index_copy / "builds" / first).exists()
    assert loaded.path is not None and loaded.path.name == store.current().name == calls[-1]


@pytest.mark.parametrize(
    "forgery",
    [
        "a passage pointing at no article",
        "BM25 pointing past the passages",
        "vectors of 383 dimensions",
    ],
)
def test_a_forged_build_with_recomputed_checksums_is_refused_in_one_line(
    index_copy: Path, forgery: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from .hostile.test_forgery import forge

    forge(index_copy, forgery)
    with pytest.raises(IndexUnavailable, match="cannot be loaded .*disagree.*advice-search ingest"):
        Searcher.open(index_copy)
    assert main(["search", "sleep", "--index", str(index_copy)]) == 1
    assert REBUILD in one_line_error(capsys)
    report = ingest(index_copy.parent / "corpus", index_copy, encoder=FakeEncoder())
    assert report.full_rebuild_reason == "the previous index was damaged"


def test_row_numbers_of_a_large_build_are_checked_by_verify_and_ingest_not_every_load(
    index_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Above ``THOROUGH_MAX_PASSAGES`` a load checks counts and shapes only (row checks read
    whole arrays); the same forgery is then refused by ``verify`` and repaired by ingest."""
    from advice_search import index as index_module

    from .hostile.test_forgery import forge

    monkeypatch.setattr(index_module, "THOROUGH_MAX_PASSAGES", 0)  # every build is "large"
    forge(index_copy, "a passage kind out of range")
    assert SearchIndex.open(index_copy).passages  # a load does not read every row number
    assert main(["verify", "--index", str(index_copy)]) == 1
    error = one_line_error(capsys)
    assert "disagree" in error and REBUILD in error
    report = ingest(index_copy.parent / "corpus", index_copy, encoder=FakeEncoder())
    assert report.full_rebuild_reason == "the previous index was damaged"
    assert main(["verify", "--index", str(index_copy)]) == 0


def test_a_pipe_in_place_of_the_manifest_is_refused_without_blocking(index_copy: Path) -> None:
    manifest = Store(index_copy).current() / "manifest.json"
    manifest.unlink()
    os.mkfifo(manifest)
    try:
        with pytest.raises(IndexUnavailable, match=f"manifest .* unreadable .*{REBUILD}"):
            _finishes(lambda: Searcher.open(index_copy), timeout=30)
    finally:
        os.close(os.open(manifest, os.O_RDWR | os.O_NONBLOCK))


@pytest.mark.parametrize("name", ["export.json", "model.onnx"])
def test_a_pipe_in_the_model_export_is_refused_without_blocking(
    index_copy: Path, name: str
) -> None:
    target = next((index_copy / "models").iterdir()) / name
    target.unlink()
    os.mkfifo(target)
    try:
        with pytest.raises(
            IndexUnavailable, match=f"exported model .* missing or damaged.*{REBUILD}"
        ):
            _finishes(lambda: Searcher.open(index_copy), timeout=30)
    finally:
        os.close(os.open(target, os.O_RDWR | os.O_NONBLOCK))
