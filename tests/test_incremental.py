"""Work that scales with what changed, not with the library: corpus scans by size and mtime,
ingest reading only files written since, the model export made once, and the full checksum
of ``verify``/ingest behind the sampled one of a load."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from advice_search import corpus as corpus_module
from advice_search import files, model, staleness
from advice_search.builder import ingest
from advice_search.cli import main
from advice_search.listing import corpus_files, corpus_signatures
from advice_search.manifest import Manifest
from advice_search.search import Searcher
from advice_search.store import IndexUnavailable, Store

from .sample_corpus import SLEEP, SLEEP_EDIT, FakeEncoder, write_corpus


def age(directory: Path, seconds: float = 100) -> None:
    """Give every file an mtime ``seconds`` ago: no longer possibly mid-write."""
    past = time.time() - seconds
    for path in directory.rglob("*"):
        os.utime(path, (past, past), follow_symlinks=False)


def test_the_fast_scan_lists_exactly_what_corpus_files_lists(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "folder.md").mkdir()  # a folder named like an article: entered, not listed
    for name in ["a.md", "B.TXT", "c.html", "notes.docx", ".secret.md", "sub/d.markdown",
                 "sub/deeper/e.md", ".hidden/f.md", "folder.md/g.md"]:  # fmt: skip
        (root / name).write_text("Title\n\nSome text here.\n")
    (root / "link.md").symlink_to(root / "a.md")
    (root / "loop.md").symlink_to(root, target_is_directory=True)  # listed, never followed
    listed = {p.relative_to(root).as_posix() for p in corpus_files(root)}
    assert listed == set(corpus_signatures(root))
    assert listed == {"a.md", "B.TXT", "c.html", "sub/d.markdown", "sub/deeper/e.md",
                      "folder.md/g.md", "link.md", "loop.md"}  # fmt: skip


def aged_build(tmp_path: Path) -> tuple[Path, Path]:
    """The sample corpus, written long enough ago, and an index built from it."""
    corpus = write_corpus(tmp_path / "corpus")
    age(corpus)
    ingest(corpus, tmp_path / "index", encoder=FakeEncoder())  # records sizes and mtimes
    return corpus, tmp_path / "index"


def test_staleness_hashes_only_files_whose_size_or_mtime_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index = aged_build(tmp_path)
    hashed: list[Path] = []
    real = staleness._content_hash
    monkeypatch.setattr(staleness, "_content_hash", lambda p: hashed.append(p) or real(p))

    def status() -> staleness.CorpusStatus:
        return staleness.corpus_status(Manifest.read(Store(index).current()), corpus)

    assert not status().stale and hashed == []
    os.utime(corpus / "sleep.md")  # touched, not edited
    assert not status().stale and [p.name for p in hashed] == ["sleep.md"]
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    assert status().changed == ("sleep.md",)


def test_ingest_reads_only_the_files_written_since_the_last_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index = aged_build(tmp_path)
    read: list[str] = []
    real = corpus_module.read_article
    monkeypatch.setattr(
        corpus_module, "read_article", lambda path, root: read.append(path.name) or real(path, root)
    )
    report = ingest(corpus, index, encoder=FakeEncoder())
    assert read == [] and not report.wrote_build
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    encoder = FakeEncoder()
    report = ingest(corpus, index, encoder=encoder)
    assert read == ["sleep.md"]
    assert report.changed == ("sleep",) and report.embedded < report.passages
    assert all("Sleeping Better" in t or t in SLEEP + SLEEP_EDIT for t in encoder.texts)
    got = Searcher.open(index).search("does a warm bath before bed help")
    assert any("warm bath" in h.passage.text for h in got.hits)


def test_a_touched_file_makes_no_new_build_and_is_read_again_until_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index = aged_build(tmp_path)
    before = (index / "CURRENT").read_text()
    os.utime(corpus / "sleep.md")
    read: list[str] = []
    real = corpus_module.read_article
    monkeypatch.setattr(
        corpus_module, "read_article", lambda path, root: read.append(path.name) or real(path, root)
    )
    report = ingest(corpus, index, encoder=FakeEncoder())
    assert not report.wrote_build and (index / "CURRENT").read_text() == before
    assert read == ["sleep.md"]  # same content: nothing to embed, nothing to write


def test_a_build_made_by_other_code_is_read_again_and_keeps_its_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index = aged_build(tmp_path)
    from advice_search import builder

    monkeypatch.setattr(builder, "reader_fingerprint", lambda: "another version")
    read: list[str] = []
    real = corpus_module.read_article
    monkeypatch.setattr(
        corpus_module, "read_article", lambda path, root: read.append(path.name) or real(path, root)
    )
    encoder = FakeEncoder()
    report = ingest(corpus, index, encoder=encoder)
    assert sorted(read) == sorted(p.name for p in corpus.iterdir())
    assert report.wrote_build and report.embedded == 0 and encoder.texts == []


def test_a_second_index_reuses_the_cached_model_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path
) -> None:
    weights = model.model_info().weights_sha256
    model.ensure_export(tmp_path / "first" / "models", weights)  # the cache now has it

    def no_export(dest: Path, **_: object) -> Path:
        raise AssertionError("exported again")

    monkeypatch.setattr(model, "export_onnx", no_export)
    target, checksum = model.ensure_export(tmp_path / "second" / "models", weights)
    assert model.export_checksum(target) == checksum
    assert (target / model.ONNX_FILE).stat().st_ino == (
        model.export_dir(model_cache, weights) / model.ONNX_FILE
    ).stat().st_ino  # a link, not a second 90 MB copy


def test_damage_between_sampled_blocks_is_found_by_verify_and_repaired_by_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Tiny sample blocks, so that the sample index's files are "large" and only sampled.
    monkeypatch.setattr(files, "SAMPLE_BLOCK", 16)
    monkeypatch.setattr(files, "SAMPLE_COUNT", 4)
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    ingest(corpus, index, encoder=FakeEncoder())
    passages = Store(index).current() / "passages.jsonl"
    data = bytearray(passages.read_bytes())
    step = (len(data) - 16) / 3
    spot = round(step) + 100  # well after the second sampled block, well before the third
    assert round(step) + 16 < spot < round(2 * step)
    data[spot] = ord("#") if data[spot] != ord("#") else ord("%")
    passages.write_bytes(bytes(data))
    Searcher.open(index)  # a load reads the samples only: this damage is not among them
    assert main(["verify", "--index", str(index)]) == 1
    err = capsys.readouterr().err
    assert "passages.jsonl is damaged" in err and "advice-search ingest" in err
    report = ingest(corpus, index, encoder=FakeEncoder())
    assert report.full_rebuild_reason == "the previous index was damaged"
    assert main(["verify", "--index", str(index)]) == 0
    assert "Index intact" in capsys.readouterr().out


def test_verify_needs_an_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--index", str(tmp_path / "none")]) == 1
    assert "No index" in capsys.readouterr().err
    with pytest.raises(IndexUnavailable):
        Searcher.open(tmp_path / "none")


def test_the_background_corpus_check_prints_nothing_when_its_process_is_gone(
    tmp_path: Path,
) -> None:
    """A search interrupted while the corpus is still being compared exits at once; the
    forked comparison then finds the pipe closed, and must not print a traceback into the
    terminal the person is typing in (nor take Ctrl-C as its own)."""
    import subprocess
    import sys

    corpus, index = aged_build(tmp_path)
    script = (
        "import os, signal, time\n"
        "from pathlib import Path\n"
        "from advice_search import staleness\n"
        "real = staleness.current_status\n"
        "staleness.current_status = lambda i, c: (time.sleep(1.5), real(i, c))[1]\n"
        f"staleness.status_in_background(Path({str(index)!r}), Path({str(corpus)!r}))\n"
        "signal.signal(signal.SIGINT, lambda *_: os._exit(130))  # as __main__._quit: no atexit\n"
        "time.sleep(0.5)\n"
        "os.killpg(0, signal.SIGINT)  # Ctrl-C reaches the whole group, the child too\n"
        "time.sleep(5)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
        start_new_session=True,
    )  # fmt: skip
    assert proc.returncode == 130
    assert proc.stderr == ""
