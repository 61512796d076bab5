"""Ingest: incremental re-embedding, skipped files reported, strict mode, nothing half-written."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from advice_search import index as index_module
from advice_search.builder import IngestError, ingest
from advice_search.chunking import ChunkSettings
from advice_search.cli import main
from advice_search.index import SearchIndex
from advice_search.search import Searcher
from advice_search.terminal import ingest_summary as format_ingest_summary

from .sample_corpus import SLEEP, SLEEP_EDIT, FakeEncoder


@pytest.fixture
def corpus(workspace: tuple[Path, Path]) -> Path:
    return workspace[0]


@pytest.fixture
def index(workspace: tuple[Path, Path]) -> Path:
    return workspace[1]


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``directory`` with its size and modification time."""
    return {
        str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def passages_of(index: Path, article_id: str) -> list[str]:
    return [p.text for p in SearchIndex.open(index).passages if p.article_id == article_id]


# ---------------------------------------------------------------- incremental


def test_an_unchanged_corpus_embeds_nothing_and_writes_nothing(corpus: Path, index: Path) -> None:
    before = snapshot(index)
    encoder = FakeEncoder()
    report = ingest(corpus, index, encoder=encoder)
    assert (report.embedded, report.wrote_build, report.reused) == (0, False, report.passages)
    assert encoder.texts == []
    assert snapshot(index) == before


def test_editing_one_article_embeds_only_its_passages(corpus: Path, index: Path) -> None:
    old = SearchIndex.open(index)
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    encoder = FakeEncoder()
    report = ingest(corpus, index, encoder=encoder)
    new = SearchIndex.open(index)
    sleep_passages = [p for p in new.passages if p.article_id == "sleep"]
    assert report.changed == ("sleep",) and report.added == report.deleted == ()
    assert report.embedded == len(sleep_passages)
    assert report.reused == len(new.passages) - len(sleep_passages)
    assert any("warm bath" in p.text for p in sleep_passages)
    # Everything embedded came from the edited article (passages and their sentences).
    sleep_text = " ".join(p.text for p in sleep_passages)
    assert encoder.texts and all(
        text.startswith("Sleeping Better") or text in sleep_text for text in encoder.texts
    )
    # The other articles kept their vectors, row for row.
    old_rows = {p.passage_id: i for i, p in enumerate(old.passages)}
    for i, p in enumerate(new.passages):
        if p.article_id != "sleep":
            np.testing.assert_array_equal(
                new.passage_vectors([i]), old.passage_vectors([old_rows[p.passage_id]])
            )


def test_deleting_an_article_removes_its_passages(corpus: Path, index: Path) -> None:
    assert passages_of(index, "money-talks")
    (corpus / "money-talks.txt").unlink()
    encoder = FakeEncoder()
    report = ingest(corpus, index, encoder=encoder)
    assert report.deleted == ("money-talks",) and report.embedded == 0 and report.wrote_build
    assert encoder.texts == []
    assert passages_of(index, "money-talks") == []
    assert {a.article_id for a in SearchIndex.open(index).articles} == {"boundaries", "sleep"}


def test_adding_an_article_embeds_only_it(corpus: Path, index: Path) -> None:
    (corpus / "rest.md").write_text("Rest Days\n\nRest is part of training. Take one day a week.\n")
    report = ingest(corpus, index, encoder=FakeEncoder())
    assert report.added == ("rest",) and report.embedded == len(passages_of(index, "rest")) == 1


def test_changed_chunk_settings_rebuild_everything_and_say_why(corpus: Path, index: Path) -> None:
    encoder = FakeEncoder()
    small = ChunkSettings(target_chars=200, max_chars=400, min_chars=50)
    report = ingest(corpus, index, settings=small, encoder=encoder)
    assert report.full_rebuild_reason == "the chunking settings changed"
    assert report.embedded == report.passages and report.reused == 0
    assert SearchIndex.open(index).manifest.chunking == small
    assert "rebuilt everything: the chunking settings changed" in format_ingest_summary(report)


def test_a_build_with_other_chunk_settings_is_searchable(corpus: Path, index: Path) -> None:
    small = ChunkSettings(target_chars=200, max_chars=400, min_chars=50)
    ingest(corpus, index, settings=small)
    result = Searcher.open(index).search("how do I state a boundary", k=3)
    assert result.hits and all(len(h.passage.text) <= small.max_chars for h in result.hits)
    assert "boundar" in result.hits[0].passage.text.lower()


def test_the_first_build_is_not_called_a_rebuild(corpus: Path, tmp_path: Path) -> None:
    report = ingest(corpus, tmp_path / "fresh", encoder=FakeEncoder())
    assert report.full_rebuild_reason is None and report.embedded == report.passages


# ---------------------------------------------------------------- bad input


def add_bad_files(corpus: Path) -> None:
    (corpus / "empty.md").write_text("")
    (corpus / "photo.md").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(2000))
    (corpus / "broken.md").write_text('---\ntitle: "no end\n---\nSome text. More.\n')
    (corpus / "rule.md").write_text("----\n")
    (corpus / "sleep2.md").write_text(SLEEP)
    (corpus / "link.md").symlink_to(corpus / "sleep.md")
    with open(corpus / "dump.txt", "wb") as handle:
        handle.truncate(50_000_000)  # 50 MB, sparse: the size alone must refuse it
    (corpus / "cafe.txt").write_bytes(
        "Caf\u00e9 Chats\n\nSay \u201csorry\u201d first. Then listen.\n".encode("cp1252")
    )


def test_bad_files_are_skipped_with_reasons_and_the_rest_is_indexed(
    corpus: Path, index: Path
) -> None:
    add_bad_files(corpus)
    report = ingest(corpus, index, encoder=FakeEncoder())
    skipped = {s.path: s.reason for s in report.skipped}
    assert set(skipped) == {
        "empty.md",
        "photo.md",
        "broken.md",
        "rule.md",
        "sleep2.md",
        "link.md",
        "dump.txt",
    }
    assert report.added == ("cafe",)  # read as Windows-1252, with a note
    assert report.notes == (
        "cafe.txt: not valid UTF-8; read as Windows-1252 (save it as UTF-8 to be sure)",
    )
    articles = {a.article_id for a in SearchIndex.open(index).articles}
    assert articles == {"boundaries", "sleep", "money-talks", "cafe"}
    summary = format_ingest_summary(report)
    assert "skipped   7 file(s):" in summary
    for path, reason in skipped.items():
        assert f"    {path}: {reason}" in summary
    assert "note      cafe.txt: not valid UTF-8" in summary


def test_the_cli_summary_lists_skipped_files(
    corpus: Path, index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_bad_files(corpus)
    args = ["ingest", "--quiet", "--corpus", str(corpus), "--index", str(index)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "skipped   7 file(s):" in out and "dump.txt: 50 MB is too large" in out
    assert main([*args, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["wrote_build"] is False and summary["embedded"] == 0
    assert {s["path"] for s in summary["skipped"]} >= {"empty.md", "broken.md", "link.md"}


def test_strict_mode_turns_skips_into_an_error_and_changes_nothing(
    corpus: Path, index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)  # work that must not be done
    (corpus / "empty.md").write_text("")
    before = snapshot(index)
    with pytest.raises(IngestError, match=r"--strict: 1 file\(s\) cannot be used: empty.md: empty"):
        ingest(corpus, index, strict=True)
    assert snapshot(index) == before
    assert main(["ingest", "--strict", "--corpus", str(corpus), "--index", str(index)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty.md: empty file" in err


def test_an_empty_corpus_is_an_error_not_an_empty_index(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    with pytest.raises(IngestError, match=r"No usable articles in .*corpus/: add \.md or \.txt"):
        ingest(tmp_path / "corpus", tmp_path / "index")
    assert not (tmp_path / "index" / "CURRENT").exists()
    (tmp_path / "corpus" / "empty.md").write_text("")
    with pytest.raises(IngestError, match=r"Skipped: empty.md"):
        ingest(tmp_path / "corpus", tmp_path / "index")
    with pytest.raises(IngestError, match="No corpus directory"):
        ingest(tmp_path / "missing", tmp_path / "index")


def test_an_empty_corpus_does_not_replace_a_good_index(tmp_path: Path, index: Path) -> None:
    (tmp_path / "empty-corpus").mkdir()
    before = snapshot(index)
    with pytest.raises(IngestError):
        ingest(tmp_path / "empty-corpus", index)
    assert snapshot(index) == before
    assert Searcher.open(index).search("budget").hits


def test_a_failed_write_leaves_the_previous_build_in_use(
    corpus: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)
    before = (index / "CURRENT").read_text()
    real_save = np.save

    def disk_full(path: object, array: object) -> None:
        if str(path).endswith("codes.npy"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_save(path, array)

    monkeypatch.setattr(index_module.np, "save", disk_full)
    with pytest.raises(IngestError, match="No space left on device.*index in use is unchanged"):
        ingest(corpus, index, encoder=FakeEncoder())
    monkeypatch.undo()
    assert (index / "CURRENT").read_text() == before
    assert not [p for p in (index / "builds").iterdir() if p.name.startswith(".")]
    assert ingest(corpus, index, encoder=FakeEncoder()).changed == ("sleep",)


def _no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _assert_disk_full_refusal(
    corpus: Path, index: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ingest stops with the one line, and the index is as it was, with nothing added."""
    before = snapshot(index)
    assert main(["ingest", "--quiet", "--corpus", str(corpus), "--index", str(index)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("advice-search: No space left on device while writing "), err
    assert where in err and "free some space and run ingest again" in err, err
    assert snapshot(index) == before  # nothing half-written, the old build untouched
    assert passages_of(index, "sleep") and Searcher.open(index).search("sleep").hits


@pytest.mark.parametrize("step", ["lock", "model export", "vectors.faiss", "manifest", "CURRENT"])
def test_a_full_disk_at_any_write_is_one_line_and_leaves_nothing_behind(
    corpus: Path,
    index: Path,
    step: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from advice_search import model, store, vectors

    (corpus / "sleep.md").write_text(SLEEP + SLEEP_EDIT)  # there is a build to write
    where = {"lock": ".lock", "model export": "models", "CURRENT": "CURRENT"}.get(step, "builds")
    if step == "lock":
        real_open = open

        def full_lock_file(path: object, *args: object, **kwargs: object) -> object:
            handle = real_open(path, *args, **kwargs)  # type: ignore[call-overload]
            if str(path).endswith(".lock"):
                monkeypatch.setattr(handle, "write", _no_space, raising=False)
            return handle

        monkeypatch.setattr(store, "open", full_lock_file, raising=False)
    elif step == "model export":
        shutil.rmtree(index / "models")  # ingest must export the model again
        index_copy = snapshot(index)
        monkeypatch.setattr(model, "_link_or_copy", _no_space)
        assert main(["ingest", "--quiet", "--corpus", str(corpus), "--index", str(index)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("advice-search: No space left on device while writing ")
        assert "models" in err and len(err.strip().splitlines()) == 1, err
        assert snapshot(index) == index_copy and not list((index / "models").glob("*"))
        return
    elif step == "vectors.faiss":

        def faiss_full(*args: object) -> None:
            raise RuntimeError(
                "Error in void faiss::write_index(...): write error in x: 1 != 2 "
                "(No space left on device)"
            )

        monkeypatch.setattr(vectors.faiss, "write_index", faiss_full)
    elif step == "manifest":
        real_replace = os.replace

        def full_on_manifest(src: object, dst: object) -> None:
            if str(dst).endswith("manifest.json"):
                _no_space()
            real_replace(src, dst)  # type: ignore[arg-type]

        monkeypatch.setattr(store.os, "replace", full_on_manifest)
    else:
        real_fsync = os.fsync

        def full_on_pointer(fd: int) -> None:
            if os.readlink(f"/proc/self/fd/{fd}").rsplit("/", 1)[-1].startswith(".CURRENT"):
                _no_space()
            real_fsync(fd)

        monkeypatch.setattr(store.os, "fsync", full_on_pointer)
    _assert_disk_full_refusal(corpus, index, where, capsys)


def test_a_file_name_that_is_not_utf8_is_skipped_and_the_index_is_not_stale_after(
    corpus: Path, index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from advice_search.staleness import corpus_status

    Path(os.fsdecode(os.fsencode(corpus) + b"/\xff.md")).write_text(SLEEP_EDIT)
    args = ["ingest", "--quiet", "--corpus", str(corpus), "--index", str(index)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "    \\xff.md: the file name is not valid UTF-8; rename it" in out
    manifest = SearchIndex.open(index).manifest
    assert manifest is not None and not corpus_status(manifest, corpus).stale
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["wrote_build"] is False
