"""The index directory: round trip, checksums, refusing foreign builds, staleness, the lock."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from advice_search import index as index_store
from advice_search import vectors
from advice_search.builder import ingest
from advice_search.chunking import ChunkSettings
from advice_search.cli import main
from advice_search.index import IndexMismatch, IndexUnavailable, IngestLocked
from advice_search.records import Article, Passage
from advice_search.search import Searcher
from advice_search.staleness import corpus_status

from .sample_corpus import (  # noqa: F401 (sample_index is a fixture)
    SLEEP,
    SLEEP_EDIT,
    FakeEncoder,
    copy_index,
    sample_index,
    write_corpus,
)

ROOT = Path(__file__).resolve().parent.parent
REBUILD = "advice-search ingest"


@pytest.fixture
def index_copy(sample_index: Path, tmp_path: Path) -> Path:  # noqa: F811
    """A private copy of the sample index, with a copy of its corpus beside it."""
    shutil.copytree(sample_index.parent / "corpus", tmp_path / "corpus")
    return copy_index(sample_index, tmp_path / "index")


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The CLI's stderr: exactly one line, no traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


# ---------------------------------------------------------------- round trip


def hand_made_data(n: int = 7, dim: int = 8) -> index_store.IndexData:
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
    manifest = {
        "model": {"name": "m", "weights_sha256": "0" * 64, "onnx_dir": "models/x"},
        "chunking": ChunkSettings().to_json(),
        "vector_index": {"kind": "flat", "params": {}},
        "counts": {"articles": 2, "passages": n},
    }
    return index_store.IndexData(
        manifest, articles, passages, embeddings, embeddings, sentence_rows
    )


def test_a_build_loads_back_identical(tmp_path: Path) -> None:
    data = hand_made_data()
    faiss_index = vectors.build(data.embeddings)
    path = index_store.write(
        tmp_path / "index",
        data,
        write_extra={"vectors.faiss": lambda target: vectors.save(faiss_index, target)},
    )
    loaded = index_store.load(tmp_path / "index")
    assert loaded.path == path == index_store.build_dir(tmp_path / "index")
    assert loaded.articles == data.articles
    assert loaded.passages == data.passages
    np.testing.assert_array_equal(loaded.embeddings, data.embeddings)
    np.testing.assert_array_equal(loaded.sentence_vectors, data.sentence_vectors)
    np.testing.assert_array_equal(loaded.sentence_rows, data.sentence_rows)
    assert {k: loaded.manifest[k] for k in data.manifest} == data.manifest
    assert set(loaded.manifest["files"]) == {
        "articles.jsonl",
        "passages.jsonl",
        "embeddings.npy",
        "sentences.npy",
        "sentence_rows.npy",
        "vectors.faiss",
    }
    again = vectors.load(path / "vectors.faiss")
    _, ids = vectors.search(again, data.embeddings[:3], 1)
    assert ids[:, 0].tolist() == [0, 1, 2]


def test_writing_a_new_build_keeps_one_predecessor_and_no_temporary_files(tmp_path: Path) -> None:
    index = tmp_path / "index"
    names = [index_store.write(index, hand_made_data()).name for _ in range(4)]
    (index / "builds" / ".tmp-19990101T000000000000-999999999").mkdir()  # a dead ingest's
    (index / ".CURRENT.999999999.tmp").write_text("half")
    index_store.write(index, hand_made_data())
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
        ("embeddings.npy", _truncate),
        ("embeddings.npy", _alter),
        ("passages.jsonl", _alter),
        ("passages.jsonl", _truncate),
        ("vectors.faiss", _truncate),
        ("vectors.faiss", _alter),
        ("sentences.npy", _alter),
        ("articles.jsonl", Path.unlink),
        ("lexical/", _alter),  # the largest of the BM25 arrays
        ("manifest.json", _truncate),
        ("manifest.json", _edit_manifest_value),
    ],
)
def test_a_damaged_file_is_refused_with_the_command_that_fixes_it(
    index_copy: Path, name: str, damage: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    target = index_store.build_dir(index_copy) / name
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
    _truncate(index_store.build_dir(index_copy) / "embeddings.npy")
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


# ---------------------------------------------------------------- foreign builds


def rewrite_build(index: Path, change: Any, *, format_version: int | None = None) -> None:
    """Write a new, self-consistent build whose manifest ``change`` has edited."""
    data = index_store.load(index)
    assert data.path is not None
    source = data.path
    manifest = copy.deepcopy(data.manifest)
    change(manifest)
    current_format = index_store.FORMAT_VERSION
    index_store.FORMAT_VERSION = format_version or current_format
    try:
        index_store.write(
            index,
            replace(data, manifest=manifest),
            write_extra={
                "vectors.faiss": lambda t: shutil.copy2(source / "vectors.faiss", t),
                "lexical": lambda t: shutil.copytree(source / "lexical", t),
            },
        )
    finally:
        index_store.FORMAT_VERSION = current_format


def test_an_index_from_other_model_weights_is_refused_until_rebuilt(index_copy: Path) -> None:
    def other_model(manifest: dict[str, Any]) -> None:
        manifest["model"].update(weights_sha256="e" * 64, weights_size=1, weights_mtime_ns=1)

    rewrite_build(index_copy, other_model)
    with pytest.raises(IndexMismatch, match=f"different embedding model.*{REBUILD}"):
        Searcher.open(index_copy)
    report = ingest(index_copy.parent / "corpus", index_copy, encoder=FakeEncoder())
    assert report.full_rebuild_reason == "the embedding model changed"
    assert report.embedded == report.passages
    assert Searcher.open(index_copy).search("money").hits


def test_an_index_with_other_chunking_settings_is_refused_until_rebuilt(index_copy: Path) -> None:
    def other_chunking(manifest: dict[str, Any]) -> None:
        manifest["chunking"] = ChunkSettings(target_chars=300, max_chars=600).to_json()

    rewrite_build(index_copy, other_chunking)
    with pytest.raises(IndexMismatch, match=f"chunking settings.*{REBUILD}"):
        Searcher.open(index_copy)
    report = ingest(index_copy.parent / "corpus", index_copy, encoder=FakeEncoder())
    assert report.full_rebuild_reason == "the chunking settings changed"
    assert Searcher.open(index_copy).search("money").hits


def test_an_index_in_another_format_is_refused_until_rebuilt(index_copy: Path) -> None:
    rewrite_build(index_copy, lambda manifest: None, format_version=index_store.FORMAT_VERSION - 1)
    with pytest.raises(IndexMismatch, match=f"format.*{REBUILD}"):
        Searcher.open(index_copy)
    report = ingest(index_copy.parent / "corpus", index_copy, encoder=FakeEncoder())
    assert report.full_rebuild_reason == "the index format changed"
    assert Searcher.open(index_copy).search("money").hits


# ---------------------------------------------------------------- staleness


def test_corpus_changes_since_the_build_are_reported(index_copy: Path) -> None:
    corpus = index_copy.parent / "corpus"

    def status() -> Any:
        return corpus_status(index_store.read_manifest(index_copy), corpus)

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
        return corpus_status(index_store.read_manifest(index_copy), corpus)

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
    with index_store.ingest_lock(index_copy):
        with pytest.raises(IngestLocked, match=r"Another ingest \(pid \d+\).*--wait"):
            ingest(corpus, index_copy)
        assert main(["ingest", "--quiet", "--corpus", str(corpus), "--index", str(index_copy)]) == 1
        assert "--wait" in one_line_error(capsys)
    assert (index_copy / "CURRENT").read_text() == before
    assert ingest(corpus, index_copy).changed == ("sleep",)


def test_ingest_with_wait_runs_once_the_other_ingest_finishes(index_copy: Path) -> None:
    corpus = index_copy.parent / "corpus"
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    held = threading.Event()

    def hold_lock() -> None:
        with index_store.ingest_lock(index_copy):
            held.set()
            time.sleep(0.6)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait(5)
    started = time.monotonic()
    report = ingest(corpus, index_copy, wait=30)
    waited = time.monotonic() - started
    holder.join()
    assert report.changed == ("sleep",) and waited >= 0.4


def test_the_lock_is_held_across_processes_and_freed_when_the_holder_dies(index_copy: Path) -> None:
    corpus = index_copy.parent / "corpus"
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from advice_search.index import ingest_lock\n"
            "with ingest_lock(sys.argv[1]):\n"
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
