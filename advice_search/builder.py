"""Ingest: corpus -> clean articles -> passages -> vectors -> a new index build.

Incremental: passages of an article whose file is byte-for-byte unchanged keep their vectors
from the previous build; only new or edited articles are embedded. Everything is rebuilt when
the previous build is refused (another model, other chunking settings, another format, or
damage: see ``Manifest.check``).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import vectors
from .chunking import ChunkSettings, chunk_article, embedding_text, sentence_windows
from .corpus import CorpusError, CorpusLoad, Skipped, load_corpus
from .encoder import Encoder, OnnxEncoder, Progress
from .files import DiskFull
from .index import SearchIndex, publish
from .manifest import Manifest, ModelRecord, SourceFile
from .model import ModelError, ensure_export, model_info, weights_stat
from .records import Article, Passage
from .store import IndexUnavailable, Store

EncoderFactory = Callable[[Path], Encoder]  # the ONNX export's directory -> an encoder


class IngestError(Exception):
    """Ingest stopped; nothing was changed in the index. The message says what to do."""


@dataclass(frozen=True)
class IngestReport:
    articles: int
    passages: int
    embedded: int  # passages embedded in this run (0 when nothing changed)
    reused: int  # passages whose vectors came from the previous build
    seconds: float
    index_path: Path
    wrote_build: bool
    full_rebuild_reason: str | None = None
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = field(default=())


def ingest(
    corpus_dir: Path,
    index_dir: Path,
    *,
    settings: ChunkSettings | None = None,
    strict: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    encoder: Encoder | None = None,
    encoder_factory: EncoderFactory | None = None,
) -> IngestReport:
    """Bring the index up to date with the corpus; returns what was done.

    ``encoder_factory`` makes the encoder from the ONNX export once ingest has ensured it
    (e.g. one that embeds on a Ray cluster); it is called only when something is embedded.
    """
    started = time.perf_counter()
    settings = settings or ChunkSettings()
    store = Store(index_dir)
    with _full_disk_stops_ingest(), store.lock(wait=wait):
        store.prune()  # what crashed ingests left, on every run: cleanup is not best effort
        loaded = _read_corpus(Path(corpus_dir), strict=strict)
        try:
            info = model_info()
            # Even when nothing else changed: search sends people here when the export in
            # models/ is missing, so a no-change run must still put it back.
            export, onnx_sha256 = ensure_export(store.models, info.weights_sha256)
        except ModelError as error:
            raise IngestError(str(error)) from None
        previous, reason = _previous(index_dir, settings)
        plan = _plan(loaded.articles, previous, settings)
        counts = Counter(p.article_id for p in plan.passages)
        sources = tuple(
            SourceFile(a.article_id, a.path, a.content_hash, counts[a.article_id])
            for a in plan.articles
        )
        report = dict(
            articles=len(plan.articles),
            passages=len(plan.passages),
            skipped=loaded.skipped,
            notes=loaded.notes,
        )
        # Renamed or newly skipped files change no passage, but the manifest must record them,
        # or the corpus would look changed to every search (see staleness.corpus_status).
        old = previous.manifest if previous is not None else None
        if old is not None and (old.sources, old.skipped, old.model.onnx_sha256) == (
            sources,
            loaded.skipped,
            onnx_sha256,
        ):
            return IngestReport(
                **report,
                embedded=0,
                reused=len(plan.passages),
                seconds=time.perf_counter() - started,
                index_path=store.current(),
                wrote_build=False,
            )
        try:
            encoder = encoder or (encoder_factory or _local_encoder)(export)
        except ModelError as error:
            raise IngestError(str(error)) from None
        embeddings, sentence_vectors, sentence_rows, embedded = _embed(plan, encoder, progress)
        spec = vectors.choose_spec(len(embeddings), embeddings.shape[1])
        index = SearchIndex.build(
            plan.articles, plan.passages, embeddings, sentence_vectors, sentence_rows, spec
        )
        manifest = Manifest(
            model=ModelRecord(
                **asdict(info),
                onnx_dir=export.relative_to(store.root).as_posix(),
                onnx_sha256=onnx_sha256,
                **weights_stat(),
            ),
            chunking=settings,
            vector_index=spec,
            counts={
                "articles": len(plan.articles),
                "passages": len(plan.passages),
                "sentences": len(sentence_rows),
            },
            sources=sources,
            skipped=loaded.skipped,
            corpus_dir=str(Path(corpus_dir).resolve()),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        try:
            path = publish(index_dir, index, manifest)
        except OSError as error:
            raise IngestError(
                f"Could not write the new index to {index_dir}/ ({error.strerror or error}); "
                "the index in use is unchanged. Free some space or fix permissions, then run "
                "ingest again."
            ) from None
        return IngestReport(
            **report,
            embedded=embedded,
            reused=len(plan.passages) - embedded,
            seconds=time.perf_counter() - started,
            index_path=path,
            wrote_build=True,
            full_rebuild_reason=reason,
            added=plan.added,
            changed=plan.changed,
            deleted=plan.deleted,
        )


@contextlib.contextmanager
def _full_disk_stops_ingest() -> Iterator[None]:
    """A full disk anywhere (lock, model export, build, switch) is an IngestError: the
    writer has already deleted what it half-wrote, and the build in use is untouched."""
    try:
        yield
    except DiskFull as error:
        raise IngestError(str(error)) from None


def _local_encoder(model_dir: Path) -> Encoder:
    return OnnxEncoder(model_dir, threads=os.cpu_count() or 1)


def _read_corpus(corpus_dir: Path, *, strict: bool) -> CorpusLoad:
    """The usable articles; IngestError if there are none, or if ``strict`` and any is bad."""
    try:
        loaded = load_corpus(corpus_dir)
    except CorpusError as error:
        raise IngestError(str(error)) from None
    if strict and loaded.skipped:
        problems = "; ".join(f"{s.path}: {s.reason}" for s in loaded.skipped)
        raise IngestError(f"--strict: {len(loaded.skipped)} file(s) cannot be used: {problems}")
    if not loaded.articles:
        skipped = ", ".join(s.path for s in loaded.skipped)
        raise IngestError(
            f"No usable articles in {corpus_dir}/: add .md or .txt files there, then run "
            "ingest again." + (f" Skipped: {skipped}." if skipped else "")
        )
    return loaded


def _previous(index_dir: Path, settings: ChunkSettings) -> tuple[SearchIndex | None, str | None]:
    """The previous build if its vectors can be reused, else (None, why not)."""
    try:
        return SearchIndex.open(index_dir, chunking=settings, model_export=False), None
    except IndexUnavailable as error:  # no index yet (reason None), or refused
        return None, error.reason


@dataclass(frozen=True)
class _Plan:
    articles: tuple[Article, ...]
    passages: tuple[Passage, ...]
    # For each passage row: its row in the previous build, or -1 to embed it now.
    reuse_rows: tuple[int, ...]
    previous: SearchIndex | None
    added: tuple[str, ...]
    changed: tuple[str, ...]
    deleted: tuple[str, ...]


def _plan(
    articles: tuple[Article, ...], previous: SearchIndex | None, settings: ChunkSettings
) -> _Plan:
    old_rows: dict[str, list[int]] = {}
    old_hash_of: dict[str, str] = {}
    if previous is not None:
        old_hash_of = {a.article_id: a.content_hash for a in previous.articles}
        for row, passage in enumerate(previous.passages):
            old_rows.setdefault(old_hash_of.get(passage.article_id, ""), []).append(row)
    passages: list[Passage] = []
    reuse: list[int] = []
    added, changed = [], []
    for article in articles:
        chunks = chunk_article(article, settings)
        rows = old_rows.get(article.content_hash, [])
        same = previous is not None and [previous.passages[r].text for r in rows] == [
            c.text for c in chunks
        ]
        passages += chunks
        reuse += rows if same else [-1] * len(chunks)
        if previous is not None and not same:
            (changed if article.article_id in old_hash_of else added).append(article.article_id)
    return _Plan(
        articles=articles,
        passages=tuple(passages),
        reuse_rows=tuple(reuse),
        previous=previous,
        added=tuple(added),
        changed=tuple(changed),
        deleted=tuple(sorted(set(old_hash_of) - {a.article_id for a in articles})),
    )


def _embed(
    plan: _Plan, encoder: Encoder, progress: Progress | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Passage and sentence vectors for the plan, embedding only what cannot be reused.

    Returns passage vectors, sentence vectors, sentence rows ([passage row, start, end],
    grouped by passage row) and how many passages were embedded.
    """
    titles = {a.article_id: a.title for a in plan.articles}
    old = plan.previous
    todo = [i for i, r in enumerate(plan.reuse_rows) if r < 0]
    texts = [embedding_text(plan.passages[i], titles[plan.passages[i].article_id]) for i in todo]
    rows: list[tuple[int, int, int]] = []  # sentence rows, in passage order
    sources: list[int] = []  # per sentence row: its old sentence row, or -1 if embedded now
    for i, passage in enumerate(plan.passages):
        if old is not None and plan.reuse_rows[i] >= 0:
            kept = old.sentences_of(plan.reuse_rows[i])
            rows += [(i, int(a), int(b)) for _, a, b in old.sentence_rows[kept]]
            sources += range(kept.start, kept.stop)
        else:
            for a, b, window in sentence_windows(passage.text):
                rows.append((i, a, b))
                sources.append(-1)
                texts.append(window)
    fresh = encoder.encode(texts, progress=progress) if texts else np.zeros((0, encoder.dimension))
    embeddings = np.zeros((len(plan.passages), encoder.dimension), dtype=np.float32)
    reused = [i for i, r in enumerate(plan.reuse_rows) if r >= 0]
    if old is not None and reused:
        embeddings[reused] = old.embeddings[[plan.reuse_rows[i] for i in reused]]
    embeddings[todo] = fresh[: len(todo)]
    sentence_vectors = np.zeros((len(rows), encoder.dimension), dtype=np.float32)
    source = np.array(sources, dtype=np.int64)
    if old is not None and (source >= 0).any():
        sentence_vectors[source >= 0] = old.sentence_vectors[source[source >= 0]]
    sentence_vectors[source < 0] = fresh[len(todo) :]
    return embeddings, sentence_vectors, np.array(rows, np.int32).reshape(-1, 3), len(todo)


def describe(report: IngestReport) -> dict[str, Any]:
    """The report as plain values (for --json and tests)."""
    return {
        "articles": report.articles,
        "passages": report.passages,
        "embedded": report.embedded,
        "reused": report.reused,
        "seconds": round(report.seconds, 2),
        "index": str(report.index_path),
        "wrote_build": report.wrote_build,
        "full_rebuild_reason": report.full_rebuild_reason,
        "added": list(report.added),
        "changed": list(report.changed),
        "deleted": list(report.deleted),
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "notes": list(report.notes),
    }
