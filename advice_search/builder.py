"""Ingest: corpus -> clean articles -> passages -> vectors -> a new index build.

Incremental: passages of an article whose file is byte-for-byte unchanged keep their vectors
from the previous build; only new or edited articles are embedded. Everything is rebuilt when
the model, the chunking settings or the index format changed.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import index as index_store
from . import vectors
from .chunking import ChunkSettings, chunk_article, context_text
from .corpus import CorpusError, Skipped, load_corpus
from .encoder import (
    Encoder,
    ModelError,
    OnnxEncoder,
    export_checksum,
    export_onnx,
    model_info,
    weights_stat,
)
from .lexical import Lexical
from .records import Article, Passage
from .staleness import file_signature
from .text import sentence_spans

Progress = Callable[[int, int], None]  # (done, total) texts embedded
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


def model_dir_for(index_dir: Path, weights_sha256: str) -> Path:
    return Path(index_dir) / "models" / weights_sha256[:16]


def ensure_onnx_model(index_dir: Path, weights_sha256: str) -> tuple[Path, str]:
    """The ONNX export for these weights and its checksum, exporting first if needed.

    Exporting imports torch (seconds); an intact export is only checksummed. With
    ADVICE_SEARCH_MODEL_CACHE set (tests, several index directories on one machine), the
    export is made once there and hard-linked into each index directory.
    """
    target = model_dir_for(index_dir, weights_sha256)
    if checksum := export_checksum(target):
        return target, checksum
    cache_root = os.environ.get("ADVICE_SEARCH_MODEL_CACHE")
    if not cache_root:
        export_onnx(target)  # missing or damaged: made anew
    else:
        cached = Path(cache_root) / weights_sha256[:16]
        if not export_checksum(cached):
            export_onnx(cached)
        tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(cached, tmp, copy_function=_link_or_copy)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    checksum = export_checksum(target)
    if checksum is None:
        raise ModelError(f"Exporting the model to {target} failed: run the ingest again.")
    return target, checksum


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


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
    with index_store.ingest_lock(index_dir, wait=wait):
        try:
            loaded = load_corpus(corpus_dir)
        except CorpusError as error:
            raise IngestError(str(error)) from None
        if strict and loaded.skipped:
            problems = "; ".join(f"{s.path}: {s.reason}" for s in loaded.skipped)
            raise IngestError(f"--strict: {len(loaded.skipped)} file(s) cannot be used: {problems}")
        if not loaded.articles:
            raise IngestError(
                f"No usable articles in {corpus_dir}/: add .md or .txt files there, then run "
                f"ingest again."
                + (
                    f" Skipped: {', '.join(s.path for s in loaded.skipped)}."
                    if loaded.skipped
                    else ""
                )
            )
        try:
            info = model_info()
            # Even when nothing else changed: search sends people here when the export in
            # models/ is missing, so a no-change run must still put it back.
            model_dir, onnx_sha256 = ensure_onnx_model(index_dir, info.weights_sha256)
        except ModelError as error:
            raise IngestError(str(error)) from None
        previous, reason = _previous(index_dir, settings, info.weights_sha256)
        plan = _plan(loaded.articles, previous, settings)
        article_records = [
            {
                "article_id": a.article_id,
                "path": a.path,
                "content_hash": a.content_hash,
                "passages": sum(p.article_id == a.article_id for p in plan.passages),
            }
            for a in plan.articles
        ]
        skipped_records = [
            {"path": s.path, "reason": s.reason, "file": file_signature(Path(corpus_dir) / s.path)}
            for s in loaded.skipped
        ]
        # Renamed or newly skipped files change no passage, but the manifest must record them,
        # or the corpus would look changed to every search (see staleness.corpus_status).
        if (
            previous is not None
            and previous.manifest.get("articles") == article_records
            and previous.manifest.get("skipped") == skipped_records
            and previous.manifest["model"].get("onnx_sha256") == onnx_sha256
        ):
            return IngestReport(
                articles=len(loaded.articles),
                passages=len(plan.passages),
                embedded=0,
                reused=len(plan.passages),
                seconds=time.perf_counter() - started,
                index_path=index_store.build_dir(index_dir),
                wrote_build=False,
                skipped=loaded.skipped,
                notes=loaded.notes,
            )
        try:
            encoder = encoder or (encoder_factory or _local_encoder)(model_dir)
        except ModelError as error:
            raise IngestError(str(error)) from None
        embeddings, sentence_vectors, sentence_rows, embedded = _embed(plan, encoder, progress)
        spec = vectors.choose_spec(len(embeddings), embeddings.shape[1])
        manifest = {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "model": {
                "name": info.name,
                "weights_sha256": info.weights_sha256,
                "dimension": info.dimension,
                "max_tokens": info.max_tokens,
                "onnx_dir": model_dir.relative_to(index_dir).as_posix(),
                "onnx_sha256": onnx_sha256,
                **weights_stat(),
            },
            "chunking": settings.to_json(),
            "vector_index": spec.to_json(),
            "corpus_dir": str(Path(corpus_dir).resolve()),
            "articles": article_records,
            "counts": {
                "articles": len(plan.articles),
                "passages": len(plan.passages),
                "sentences": len(sentence_rows),
            },
            "skipped": skipped_records,
        }
        data = index_store.IndexData(
            manifest, plan.articles, plan.passages, embeddings, sentence_vectors, sentence_rows
        )
        faiss_index = vectors.build(embeddings, spec)
        lexical = Lexical.build([lexical_text(p) for p in plan.passages])
        try:
            path = index_store.write(
                index_dir,
                data,
                write_extra={
                    "vectors.faiss": lambda target: vectors.save(faiss_index, target),
                    "lexical": lexical.save,
                },
            )
        except OSError as error:
            raise IngestError(
                f"Could not write the new index to {index_dir}/ ({error.strerror or error}); "
                "the index in use is unchanged. Free some space or fix permissions, then run "
                "ingest again."
            ) from None
        return IngestReport(
            articles=len(plan.articles),
            passages=len(plan.passages),
            embedded=embedded,
            reused=len(plan.passages) - embedded,
            seconds=time.perf_counter() - started,
            index_path=path,
            wrote_build=True,
            full_rebuild_reason=reason,
            added=plan.added,
            changed=plan.changed,
            deleted=plan.deleted,
            skipped=loaded.skipped,
            notes=loaded.notes,
        )


def _local_encoder(model_dir: Path) -> Encoder:
    return OnnxEncoder(model_dir, threads=os.cpu_count() or 1)


def lexical_text(passage: Passage) -> str:
    """What BM25 matches: the heading and the passage (the title would match everything)."""
    return context_text(passage, None)


def embedding_text(passage: Passage, title: str) -> str:
    """What a passage is embedded as: title and heading give it context (measured in README)."""
    return context_text(passage, title)


def sentence_windows(text: str) -> list[tuple[int, int, str]]:
    """Each sentence's span, and the text embedded for it: the sentence with its neighbours.

    A lone sentence is often too short to carry its meaning ("This, of course, isn't a
    guarantee."); with the sentences on either side it is matched far more reliably
    (measured in README: How ranking works). The span stays the sentence itself, which is
    what the page highlights.
    """
    spans = sentence_spans(text)
    return [
        (a, b, text[spans[max(0, j - 1)][0] : spans[min(len(spans) - 1, j + 1)][1]])
        for j, (a, b) in enumerate(spans)
    ]


@dataclass
class _Plan:
    articles: tuple[Article, ...]
    passages: tuple[Passage, ...]
    titles: dict[str, str]
    # For each passage row: its row in the previous build, or -1 to embed it now.
    reuse_rows: list[int]
    previous: index_store.IndexData | None
    added: tuple[str, ...]
    changed: tuple[str, ...]
    deleted: tuple[str, ...]


def _previous(
    index_dir: Path, settings: ChunkSettings, weights_sha256: str
) -> tuple[index_store.IndexData | None, str | None]:
    """The previous build if its vectors can be reused, else (None, why not)."""
    try:
        data = index_store.load(index_dir)
        index_store.check_compatible(
            data.manifest, chunking=settings.to_json(), model_sha256=weights_sha256
        )
    except index_store.IndexUnavailable as error:  # no index yet (reason None), or unusable
        return None, error.reason
    return data, None


def _plan(
    articles: tuple[Article, ...],
    previous: index_store.IndexData | None,
    settings: ChunkSettings,
) -> _Plan:
    old_by_hash: dict[str, list[int]] = {}
    old_hash_of: dict[str, str] = {}
    if previous is not None:
        old_hash_of = {a.article_id: a.content_hash for a in previous.articles}
        for row, passage in enumerate(previous.passages):
            key = old_hash_of.get(passage.article_id, "")
            old_by_hash.setdefault(key, []).append(row)
    passages: list[Passage] = []
    reuse: list[int] = []
    added, changed = [], []
    for article in articles:
        chunks = chunk_article(article, settings)
        old_rows = old_by_hash.get(article.content_hash, [])
        same = len(old_rows) == len(chunks) and all(
            previous is not None and previous.passages[r].text == c.text
            for r, c in zip(old_rows, chunks, strict=False)
        )
        passages += chunks
        reuse += old_rows if same else [-1] * len(chunks)
        if previous is not None and not same:
            (changed if article.article_id in old_hash_of else added).append(article.article_id)
    current_ids = {a.article_id for a in articles}
    deleted = tuple(sorted(set(old_hash_of) - current_ids))
    return _Plan(
        articles=articles,
        passages=tuple(passages),
        titles={a.article_id: a.title for a in articles},
        reuse_rows=reuse,
        previous=previous,
        added=tuple(added),
        changed=tuple(changed),
        deleted=deleted,
    )


def _embed(
    plan: _Plan, encoder: Encoder, progress: Progress | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Passage and sentence vectors for the plan, embedding only what cannot be reused."""
    dim = encoder.dimension
    n = len(plan.passages)
    embeddings = np.zeros((n, dim), dtype=np.float32)
    old = plan.previous
    old_sentences: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if old is not None and len(old.sentence_rows):
        owners = old.sentence_rows[:, 0]
        for old_row in {r for r in plan.reuse_rows if r >= 0}:
            mask = owners == old_row
            old_sentences[old_row] = (old.sentence_rows[mask], old.sentence_vectors[mask])
    todo = [i for i, r in enumerate(plan.reuse_rows) if r < 0]
    texts: list[str] = []
    for i in todo:
        passage = plan.passages[i]
        texts.append(embedding_text(passage, plan.titles[passage.article_id]))
    sentence_rows: list[tuple[int, int, int]] = []
    sentence_vectors: list[np.ndarray] = []
    new_sentences: list[tuple[int, int, int]] = []
    sentence_texts: list[str] = []
    for i, passage in enumerate(plan.passages):
        if plan.reuse_rows[i] >= 0 and old is not None:
            embeddings[i] = old.embeddings[plan.reuse_rows[i]]
            rows, vecs = old_sentences.get(plan.reuse_rows[i], (np.zeros((0, 3)), None))
            for row, vec in zip(rows, vecs if vecs is not None else [], strict=False):
                sentence_rows.append((i, int(row[1]), int(row[2])))
                sentence_vectors.append(vec)
        else:
            for a, b, window in sentence_windows(passage.text):
                new_sentences.append((i, a, b))
                sentence_texts.append(window)
    all_texts = texts + sentence_texts
    total = len(all_texts)
    done = 0
    out = np.zeros((total, dim), dtype=np.float32)
    for rows, block in _encode_blocks(encoder, all_texts):
        out[rows] = block
        done += len(block)
        if progress:
            progress(done, total)
    if todo:
        embeddings[todo] = out[: len(texts)]
    sentence_rows += new_sentences
    sentence_vectors += list(out[len(texts) :])
    order = np.argsort(np.array([r[0] for r in sentence_rows]), kind="stable")
    rows_arr = np.array(sentence_rows, dtype=np.int32).reshape(-1, 3)[order]
    vecs_arr = (
        np.stack(sentence_vectors)[order] if sentence_vectors else np.zeros((0, dim), np.float32)
    )
    return embeddings, vecs_arr.astype(np.float32), rows_arr, len(todo)


def _encode_blocks(
    encoder: Encoder, texts: list[str], batch: int = 32
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(rows, vectors) blocks for ``texts``, in batches so progress can be shown.

    An encoder that embeds elsewhere (``ray_ingest.RayEncoder``) offers ``encode_stream``:
    it must see all the texts at once to spread them over its workers, and hands back
    blocks in whatever order they finish.
    """
    stream = getattr(encoder, "encode_stream", None)
    if stream is not None:
        yield from stream(texts)
        return
    for lo in range(0, len(texts), batch):
        rows = np.arange(lo, min(lo + batch, len(texts)))
        yield rows, encoder.encode(texts[lo : lo + batch], batch_size=batch)


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
