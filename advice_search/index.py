"""The index directory: what ingest writes, and what search loads and checks.

Layout (everything plain files; no pickle)::

    index/
      CURRENT                 name of the build in use (replaced atomically)
      builds/<build_id>/      one complete build
        manifest.json         how it was built + sha256 of every file below
        articles.jsonl        one Article a line (clean body included)
        passages.jsonl        one Passage a line; row number = vector id
        embeddings.npy        passage vectors, float32, unit length
        vectors.faiss         FAISS index over embeddings
        sentences.npy         sentence vectors for the second ranking stage
        sentence_rows.npy     [passage row, start, end] per sentence
        lexical/              BM25 (bm25s) arrays and params
      models/<model_id>/      the ONNX export of the embedding model
      .lock                   held by a running ingest

A build is written completely in a temporary directory, renamed into ``builds/``, and only
then is ``CURRENT`` switched, with one atomic rename. A crash at any point leaves the previous
build in use. Loading checks the format, the model and the chunking settings (mismatch:
refused) and every file's checksum (damage: refused), each with the command that fixes it.
The manifest carries a checksum of its own content, so an edited manifest is refused too.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .records import Article, Passage

# 2: sentence vectors embed each sentence with its neighbours; 3: the manifest checksums itself;
# 4: BM25 weights stored as plain numpy arrays (lexical/*.npy); 5: a blank line ends a sentence
FORMAT_VERSION = 5
REBUILD = "advice-search ingest"  # the command every message points to
_KEEP_BUILDS = 2  # the current one and its predecessor (a reader may still be opening it)


class IndexUnavailable(Exception):
    """There is no usable index; the message names the command that builds one.

    ``reason`` is a short phrase for summaries ("the chunking settings changed").
    """

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class IndexMismatch(IndexUnavailable):
    """The index was built with another model, chunking or format: refused until rebuilt."""


class IngestLocked(Exception):
    """Another ingest holds the lock on the index directory."""


@dataclass(frozen=True)
class IndexData:
    """Everything a searcher needs, as loaded from (or about to be written to) a build."""

    manifest: dict[str, Any]
    articles: tuple[Article, ...]
    passages: tuple[Passage, ...]
    embeddings: np.ndarray
    sentence_vectors: np.ndarray
    sentence_rows: np.ndarray  # int32 [n_sentences, 3]: passage row, start, end in its text
    path: Path | None = None


def build_dir(index_dir: Path) -> Path:
    """The directory of the build in use; IndexUnavailable if there is none."""
    index_dir = Path(index_dir)
    pointer = index_dir / "CURRENT"
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        raise IndexUnavailable(f"No index in {index_dir}/: run `{REBUILD}` to build it.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise IndexUnavailable(
            f"Cannot read {pointer} ({error}): run `{REBUILD}` to rebuild the index.",
            reason="the previous index was damaged",
        ) from None
    path = index_dir / "builds" / name
    if not name or "/" in name or name.startswith(".") or not path.is_dir():
        raise IndexUnavailable(
            f"The index in {index_dir}/ points to a missing build: run `{REBUILD}`.",
            reason="the previous index was damaged",
        )
    return path


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = build_dir(index_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise IndexUnavailable(
            f"The index manifest {path} is unreadable ({error}): run `{REBUILD}`.",
            reason="the previous index was damaged",
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise IndexMismatch(
            f"The index in {index_dir}/ has format {found!r}, this version reads format "
            f"{FORMAT_VERSION}: run `{REBUILD}` to rebuild it.",
            reason="the index format changed",
        )
    if manifest.get("manifest_sha256") != manifest_digest(manifest) or not _has_fields(manifest):
        raise IndexUnavailable(
            f"The index manifest {path} is damaged (its checksum does not match): run "
            f"`{REBUILD}` to rebuild the index.",
            reason="the previous index was damaged",
        )
    return manifest


def manifest_digest(manifest: dict[str, Any]) -> str:
    """sha256 of the manifest's content (key order and layout do not matter)."""
    content = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _has_fields(manifest: dict[str, Any]) -> bool:
    """The fields loading relies on are present with the right types."""
    try:
        return (
            isinstance(manifest["files"], dict)
            and isinstance(manifest["counts"]["passages"], int)
            and isinstance(manifest["model"]["weights_sha256"], str)
            and isinstance(manifest["model"]["onnx_dir"], str)
            and isinstance(manifest["chunking"], dict)
            and isinstance(manifest["vector_index"], dict)
        )
    except (KeyError, TypeError):
        return False


def check_compatible(
    manifest: dict[str, Any], *, chunking: dict[str, Any], model_sha256: str | None
) -> None:
    """Refuse an index built with other chunking settings or other model weights."""
    if manifest.get("chunking") != chunking:
        raise IndexMismatch(
            f"The index was built with other chunking settings ({manifest.get('chunking')}, now "
            f"{chunking}): run `{REBUILD}` to rebuild it.",
            reason="the chunking settings changed",
        )
    if model_sha256 is not None and manifest["model"]["weights_sha256"] != model_sha256:
        raise IndexMismatch(
            "The index was built with different embedding model weights than the ones "
            f"installed now; its vectors would not match new questions: run `{REBUILD}`.",
            reason="the embedding model changed",
        )


def load(index_dir: Path, *, verify: bool = True) -> IndexData:
    """Load the build in use, checking every file against the manifest's checksums.

    An ingest may switch CURRENT and delete an old build while we read it; then the
    build we started on is gone or incomplete, and loading starts again from CURRENT.
    """
    for attempt in range(3):
        started_on = _current_name(index_dir)
        try:
            return _load(index_dir, verify=verify)
        except (FileNotFoundError, IndexUnavailable) as error:
            if attempt == 2 or _current_name(index_dir) == started_on:
                if isinstance(error, IndexUnavailable):
                    raise
                raise IndexUnavailable(
                    f"The index in {index_dir}/ changed while loading: try again, or run "
                    f"`{REBUILD}`."
                ) from None
            time.sleep(0.05)
    raise AssertionError("unreachable")


def _current_name(index_dir: Path) -> str | None:
    try:
        return (Path(index_dir) / "CURRENT").read_text().strip()
    except (OSError, ValueError):
        return None


def _load(index_dir: Path, *, verify: bool) -> IndexData:
    manifest = read_manifest(index_dir)
    path = build_dir(index_dir)
    if verify:
        verify_files(path, manifest)
    try:
        articles = tuple(
            Article(**_article_fields(d)) for d in _read_jsonl(path / "articles.jsonl")
        )
        passages = tuple(Passage.from_json(d) for d in _read_jsonl(path / "passages.jsonl"))
        embeddings = np.load(path / "embeddings.npy", allow_pickle=False)
        sentence_vectors = np.load(path / "sentences.npy", allow_pickle=False)
        sentence_rows = np.load(path / "sentence_rows.npy", allow_pickle=False)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise IndexUnavailable(
            f"The index in {path} is damaged ({error}): run `{REBUILD}` to rebuild it.",
            reason="the previous index was damaged",
        ) from None
    if len(passages) != len(embeddings) or len(passages) != manifest["counts"]["passages"]:
        raise IndexUnavailable(
            f"The index in {path} is inconsistent (passages and vectors differ): run `{REBUILD}`.",
            reason="the previous index was damaged",
        )
    return IndexData(
        manifest, articles, passages, embeddings, sentence_vectors, sentence_rows, path
    )


def verify_files(path: Path, manifest: dict[str, Any]) -> None:
    """Every file listed in the manifest exists with its recorded size and sha256."""
    for name, expected in manifest.get("files", {}).items():
        file = path / name
        try:
            if file.stat().st_size != expected["size"] or file_sha256(file) != expected["sha256"]:
                raise IndexUnavailable(
                    f"Index file {file} is damaged (its checksum does not match the manifest): "
                    f"run `{REBUILD}` to rebuild the index.",
                    reason="the previous index was damaged",
                )
        except FileNotFoundError:
            raise IndexUnavailable(
                f"Index file {file} is missing: run `{REBUILD}` to rebuild the index.",
                reason="the previous index was damaged",
            ) from None


def write(index_dir: Path, data: IndexData, *, write_extra: dict[str, Any] | None = None) -> Path:
    """Write a complete build and switch CURRENT to it; returns the build directory.

    ``write_extra`` maps a relative path to a callable that writes it given the full path
    (used for the FAISS and BM25 files, which their libraries write).
    """
    index_dir = Path(index_dir)
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + f"-{os.getpid()}"
    tmp = builds / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "articles.jsonl", (_article_json(a) for a in data.articles))
        _write_jsonl(tmp / "passages.jsonl", (p.to_json() for p in data.passages))
        np.save(tmp / "embeddings.npy", np.ascontiguousarray(data.embeddings, dtype=np.float32))
        np.save(tmp / "sentences.npy", np.ascontiguousarray(data.sentence_vectors, np.float32))
        np.save(tmp / "sentence_rows.npy", np.ascontiguousarray(data.sentence_rows, np.int32))
        for name, writer in (write_extra or {}).items():
            writer(tmp / name)
        manifest = dict(data.manifest, build_id=build_id, format_version=FORMAT_VERSION)
        manifest["files"] = {
            rel: {"size": f.stat().st_size, "sha256": file_sha256(f)}
            for f in sorted(tmp.rglob("*"))
            if f.is_file() and (rel := f.relative_to(tmp).as_posix())
        }
        manifest["manifest_sha256"] = manifest_digest(manifest)
        _write_text(tmp / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        _fsync_dir(tmp)
        final = builds / build_id
        os.replace(tmp, final)
        _fsync_dir(builds)
        _write_text(index_dir / "CURRENT", build_id + "\n")  # the one atomic switch
        _fsync_dir(index_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    prune(index_dir)
    return final


def prune(index_dir: Path) -> None:
    """Delete old builds and leftovers of crashed ingests, keeping the current one and one more."""
    builds = Path(index_dir) / "builds"
    try:
        current = build_dir(index_dir).name
    except IndexUnavailable:
        return
    names = sorted((p.name for p in builds.iterdir() if not p.name.startswith(".")), reverse=True)
    keep = {current, *[n for n in names if n < current][: _KEEP_BUILDS - 1]}
    for entry in builds.iterdir():
        stale_tmp = entry.name.startswith(".tmp-") and not _pid_alive(entry.name.split("-")[-1])
        if (not entry.name.startswith(".") and entry.name not in keep) or stale_tmp:
            shutil.rmtree(entry, ignore_errors=True)
    for leftover in Path(index_dir).glob(".CURRENT.*.tmp"):  # an ingest killed mid-switch
        if not _pid_alive(leftover.name.split(".")[2]):
            leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def ingest_lock(index_dir: Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's writer lock; IngestLocked if another ingest keeps it past ``wait`` s."""
    index_dir = Path(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".lock", "a+")  # noqa: SIM115 (closed by the with below)
    except OSError as error:
        raise IndexUnavailable(
            f"Cannot use {index_dir} as the index directory ({error.strerror}): choose "
            "another path with --index."
        ) from None
    with handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise IngestLocked(
                        f"Another ingest ({holder}) is updating {index_dir}/. Wait for it to "
                        "finish, or use --wait SECONDS to wait here."
                    ) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _pid_alive(pid_text: str) -> bool:
    """Whether the process that named a temporary file after its pid still runs."""
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _article_json(article: Article) -> dict[str, Any]:
    data = dict(article.__dict__)
    data["removed"] = list(article.removed)
    return data


def _article_fields(data: dict[str, Any]) -> dict[str, Any]:
    return dict(data, removed=tuple(data.get("removed", ())))


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temp file + fsync + rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
