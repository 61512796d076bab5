"""Ingest: corpus -> clean articles -> passages -> vectors -> a new index build.

Incremental: passages of an article whose file is byte-for-byte unchanged keep their vectors
from the previous build; only new or edited articles are embedded (``plan.py``). A file with
the size and modification time recorded at the last ingest is not even read again: its
cleaned article comes from the previous build. Everything is rebuilt when the previous
build is refused (another model, other chunking settings, another format, or damage: see
``Manifest.check``).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import vectors
from .chunking import ChunkSettings
from .corpus import CorpusError, CorpusLoad, Skipped, load_corpus
from .encoder import Encoder, OnnxEncoder
from .files import DiskFull
from .index import SearchIndex, publish
from .manifest import Manifest, ModelRecord, SourceFile
from .model import ModelError, ensure_export, model_info, weights_stat
from .plan import (
    Plan,
    Progress,
    embed,
    embed_words,
    file_signatures,
    known_articles,
    make_plan,
    reader_fingerprint,
    reader_of,
    vector_spec,
)
from .records import Article
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

    ``progress(done, total)`` counts passages embedded. ``encoder_factory`` makes the
    encoder from the ONNX export once ingest has ensured it (e.g. one that embeds on a Ray
    cluster); it is called only when something is embedded.
    """
    started = time.perf_counter()
    settings = settings or ChunkSettings()
    store = Store(index_dir)
    with _full_disk_stops_ingest(), store.lock(wait=wait):
        store.prune()  # what crashed ingests left, on every run: cleanup is not best effort
        try:
            info = model_info()
            # Even when nothing else changed: search sends people here when the export in
            # models/ is missing, so a no-change run must still put it back.
            export, onnx_sha256 = ensure_export(store.models, info.weights_sha256)
        except ModelError as error:
            raise IngestError(str(error)) from None
        previous, reason = _previous(index_dir, settings)
        reader = reader_fingerprint()
        trusted = previous if previous is not None and reader_of(previous) == reader else None
        signatures = file_signatures(Path(corpus_dir))
        loaded = _read_corpus(
            Path(corpus_dir), strict=strict, known=known_articles(trusted, signatures)
        )
        plan = make_plan(loaded.articles, previous, settings, same_reader=trusted is not None)
        counts = Counter(p.article_id for p in plan.passages)
        sources = tuple(
            SourceFile(
                a.article_id,
                a.path,
                a.content_hash,
                counts[a.article_id],
                *signatures.get(a.path, (-1, -1)),
            )  # fmt: skip
            for a in plan.articles
        )
        report = dict(
            articles=len(plan.articles),
            passages=len(plan.passages),
            skipped=loaded.skipped,
            notes=loaded.notes,
        )
        # Renamed or newly skipped files change no passage, but the manifest must record them,
        # or the corpus would look changed to every search (see staleness.corpus_status). A
        # file only touched (same content, new mtime) is not worth a new build: it is hashed
        # by the staleness check, and read by ingest, until the next build records it.
        old = previous.manifest if previous is not None else None
        if old is not None and (
            _content(old.sources),
            old.skipped,
            old.model.onnx_sha256,
            old.reader,
        ) == (_content(sources), loaded.skipped, onnx_sha256, reader):
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
        embedded = embed(plan, encoder, progress)
        words = embed_words(
            plan, encoder if isinstance(encoder, OnnxEncoder) else OnnxEncoder(export)
        )
        spec, centroids = vector_spec(plan, encoder.dimension)
        index = SearchIndex.build(
            plan.articles,
            plan.passages,
            embedded.passage_vectors,
            embedded.sentence_vectors,
            embedded.sentence_rows,
            spec,
            lexical=embedded.lexical,
            centroids=centroids,
            lists=_old_lists(plan) if centroids is not None else None,
            readings=embedded.readings,
            words=words,
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
                "sentences": len(embedded.sentence_rows),
            },
            sources=sources,
            skipped=loaded.skipped,
            corpus_dir=str(Path(corpus_dir).resolve()),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            reader=reader,
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
            embedded=plan.to_embed,
            reused=len(plan.passages) - plan.to_embed,
            seconds=time.perf_counter() - started,
            index_path=path,
            wrote_build=True,
            full_rebuild_reason=reason,
            added=plan.added,
            changed=plan.changed,
            deleted=plan.deleted,
        )


def _old_lists(plan: Plan) -> np.ndarray | None:
    """Per passage, its IVF list in the previous build (-1 if new): the same lists are kept."""
    assert plan.previous is not None
    old = vectors.lists_of(plan.previous.vectors)
    if old is None:
        return None
    return np.where(plan.reuse_rows >= 0, old[np.maximum(plan.reuse_rows, 0)], -1)


def _content(sources: Sequence[SourceFile]) -> list[tuple[str, str, str, int]]:
    """What the sources say about the library, without the files' sizes and mtimes."""
    return [(s.article_id, s.path, s.content_hash, s.passages) for s in sources]


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


def _read_corpus(
    corpus_dir: Path, *, strict: bool, known: Callable[[str], Article | None] | None = None
) -> CorpusLoad:
    """The usable articles; IngestError if there are none, or if ``strict`` and any is bad."""
    try:
        loaded = load_corpus(corpus_dir, known=known)
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
    """The previous build if its vectors can be reused, else (None, why not).

    Every byte is checked (``full_check``): what is reused here is written into the next
    build and would otherwise carry damage forward unseen.
    """
    try:
        index = SearchIndex.open(index_dir, chunking=settings, model_export=False, full_check=True)
        return index, None
    except IndexUnavailable as error:  # no index yet (reason None), or refused
        return None, error.reason


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
