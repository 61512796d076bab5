"""What an ingest reuses from the previous build, and what it embeds, a block at a time.

Reused: a file not written since the last ingest (same size and mtime) is not read again;
its cleaned article comes from the previous build (if the same code made it). The IVF lists
are kept until a fifth of the library has changed.

An article whose file content is unchanged keeps its passages, its passage and sentence
vectors and its BM25 terms, none of it recomputed. Everything else is chunked and embedded.
Vectors are written block by block into the arrays the build stores (float16 passage
vectors for an IVF index, int8 sentence vectors), so a million passages never sit in memory
as float32 texts-by-dimensions matrices.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import vectors
from .chunking import ChunkSettings, chunk_article, embedding_text, lexical_text, sentence_windows
from .corpus import slugify
from .encoder import Encoder, OnnxEncoder
from .index import SearchIndex
from .lexical import Lexical
from .listing import corpus_signatures
from .quantized import Int8Vectors
from .readings import PassageReadings
from .records import Article, Passage
from .words import WordTable, content_mask, passage_pieces, spans

BLOCK = 2048  # passages embedded per encoder call: texts sorted by length within it
COPY_BLOCK = 65_536  # reused passage vectors read back from FAISS at a time
Progress = Callable[[int, int], None]  # (passages embedded, passages to embed)


@dataclass(frozen=True)
class Plan:
    articles: tuple[Article, ...]
    passages: tuple[Passage, ...]
    # Per passage row: its row in the previous build, or -1 to embed it now.
    reuse_rows: np.ndarray
    previous: SearchIndex | None
    added: tuple[str, ...]
    changed: tuple[str, ...]
    deleted: tuple[str, ...]
    same_reader: bool = True  # the previous build was read by this code: its readings hold

    @property
    def to_embed(self) -> int:
        return int(np.count_nonzero(self.reuse_rows < 0))


def make_plan(
    articles: Sequence[Article],
    previous: SearchIndex | None,
    settings: ChunkSettings,
    *,
    same_reader: bool = True,
) -> Plan:
    """Passages for ``articles``, reusing the previous build's wherever the content is the same.

    Same article id and content, and the build read by the same code (``same_reader``): its
    passages are taken as they are (chunking settings and format equal ours, so chunking
    again would give the same). Otherwise the article is chunked, and passages whose text
    is unchanged keep their vectors.
    """
    old_rows: dict[str, np.ndarray] = {}  # content hash -> passage rows of the previous build
    old_ids: dict[str, str] = {}  # content hash -> article id in the previous build
    old_hash_of: dict[str, str] = {}
    if previous is not None:
        order = np.argsort(previous.passage_article, kind="stable")
        starts = np.searchsorted(
            np.asarray(previous.passage_article)[order], np.arange(len(previous.articles) + 1)
        )
        for row, source in enumerate(_old_articles(previous)):
            article_id, content_hash = source
            old_hash_of[article_id] = content_hash
            old_ids[content_hash] = article_id
            old_rows[content_hash] = order[starts[row] : starts[row + 1]]
    passages: list[Passage] = []
    reuse: list[np.ndarray] = []
    added, changed = [], []
    old_passages = list(previous.passages) if previous is not None else []  # one sequential read
    for article in articles:
        rows = old_rows.get(article.content_hash, np.zeros(0, np.int64))
        same_id = len(rows) and old_ids[article.content_hash] == article.article_id
        if previous is not None and same_reader and same_id:
            passages += [old_passages[int(r)] for r in rows]
            reuse.append(rows.astype(np.int64))
            continue
        chunks = chunk_article(article, settings)
        same = previous is not None and [old_passages[int(r)].text for r in rows] == [
            c.text for c in chunks
        ]
        passages += chunks
        reuse.append(rows.astype(np.int64) if same else np.full(len(chunks), -1, np.int64))
        if previous is not None and not same:
            (changed if article.article_id in old_hash_of else added).append(article.article_id)
    return Plan(
        articles=tuple(articles),
        passages=tuple(passages),
        reuse_rows=np.concatenate(reuse) if reuse else np.zeros(0, np.int64),
        previous=previous,
        added=tuple(added),
        changed=tuple(changed),
        deleted=tuple(sorted(set(old_hash_of) - {a.article_id for a in articles})),
        same_reader=same_reader,
    )


def _old_articles(previous: SearchIndex) -> list[tuple[str, str]]:
    """(article id, content hash) per article row of the previous build."""
    manifest = previous.manifest
    if manifest is not None and len(manifest.sources) == len(previous.articles):
        ids = [s.article_id for s in manifest.sources]
        if ids == list(previous.catalogue.ids):
            return [(s.article_id, s.content_hash) for s in manifest.sources]
    return [(a.article_id, a.content_hash) for a in previous.articles]


@dataclass(frozen=True, eq=False)
class Embedded:
    passage_vectors: np.ndarray  # [passages, dim]: float32 for an exact index, else float16
    sentence_vectors: Int8Vectors
    sentence_rows: np.ndarray  # int32 [sentences, 3], grouped by passage row
    lexical: Lexical
    readings: PassageReadings


def embed(plan: Plan, encoder: Encoder, progress: Progress | None = None) -> Embedded:
    """Vectors and BM25 terms for every passage of the plan; only new passages are embedded."""
    n, dim = len(plan.passages), encoder.dimension
    exact = n <= vectors.FLAT_MAX_VECTORS  # an IVF index stores float16 codes anyway
    passage_vectors = np.zeros((n, dim), np.float32 if exact else np.float16)
    old, reuse = plan.previous, plan.reuse_rows
    kept = np.flatnonzero(reuse >= 0)
    for start in range(0, len(kept), COPY_BLOCK):
        rows = kept[start : start + COPY_BLOCK]
        assert old is not None
        passage_vectors[rows] = old.passage_vectors(reuse[rows])
    titles = {a.article_id: a.title for a in plan.articles}
    total, done = plan.to_embed, 0
    codes: list[np.ndarray] = []
    scales: list[np.ndarray] = []
    sentence_rows: list[np.ndarray] = []
    for lo in range(0, n, BLOCK):
        block = np.arange(lo, min(n, lo + BLOCK))
        fresh_rows = block[reuse[block] < 0].tolist()
        passage_texts = [
            embedding_text(plan.passages[i], titles[plan.passages[i].article_id])
            for i in fresh_rows
        ]
        spans = [sentence_windows(plan.passages[i].text) for i in fresh_rows]
        windows = [window for found in spans for _, _, window in found]
        rows, source = _sentence_rows(block, reuse, old, [len(found) for found in spans])
        rows[source < 0, 1:] = np.array(
            [(a, b) for found in spans for a, b, _ in found], dtype=np.int32
        ).reshape(-1, 2)

        def texts_done(
            finished: int, count: int, base: int = done, size: int = len(fresh_rows)
        ) -> None:
            if progress:
                progress(base + size * finished // max(1, count), total)

        fresh = (
            encoder.encode(passage_texts + windows, progress=texts_done)
            if fresh_rows
            else np.zeros((0, dim), np.float32)
        )
        passage_vectors[fresh_rows] = fresh[: len(fresh_rows)]
        block_codes = np.zeros((len(source), dim), np.int8)
        block_scales = np.zeros(len(source), np.float32)
        src = source
        if old is not None and (src >= 0).any():
            block_codes[src >= 0] = old.sentence_vectors.codes[src[src >= 0]]
            block_scales[src >= 0] = old.sentence_vectors.scales[src[src >= 0]]
        if (src < 0).any():
            quantized = Int8Vectors.quantize(fresh[len(fresh_rows) :])
            block_codes[src < 0], block_scales[src < 0] = quantized.codes, quantized.scales
        codes.append(block_codes)
        scales.append(block_scales)
        sentence_rows.append(rows)
        done += len(fresh_rows)
    lexical = Lexical.build(
        [lexical_text(p) if r < 0 else None for p, r in zip(plan.passages, reuse, strict=True)],
        previous=old.lexical if old is not None else None,
        reuse=reuse,
    )
    rows = _join(sentence_rows, (0, 3), np.int32)
    readings = PassageReadings(
        plan.passages, rows, bounds=np.searchsorted(rows[:, 0], np.arange(n + 1))
    )
    if old is not None and plan.same_reader:
        readings.adopt(old.readings, kept, reuse[kept])
    return Embedded(
        passage_vectors,
        Int8Vectors(_join(codes, (0, dim), np.int8), _join(scales, (0,), np.float32)),
        rows,
        lexical,
        readings.read_all(),
    )


def embed_words(plan: Plan, encoder: OnnxEncoder) -> WordTable:
    """The pieces each passage uses and their states (words.py); reused passages' pieces
    (one gather) and known pieces' states are copied from the previous build. A build made
    by other code (``plan.same_reader`` false) may pick pieces otherwise: every passage's are
    found again, and only the states (the model's) are copied."""
    old, reuse = plan.previous, plan.reuse_rows
    if not plan.same_reader:
        reuse = np.full(len(plan.passages), -1)
    titles = {a.article_id: a.title for a in plan.articles}
    fresh = np.flatnonzero(reuse < 0)
    content = content_mask(encoder.vocabulary)
    counts = np.zeros(len(plan.passages), np.int64)
    found: list[np.ndarray] = []
    for lo in range(0, len(fresh), BLOCK):  # a block at a time: a tokenizer's encodings of a
        rows = fresh[lo : lo + BLOCK]  # million passages would take tens of GB at once
        texts = [
            embedding_text(plan.passages[i], titles[plan.passages[i].article_id]) for i in rows
        ]
        pieces = [passage_pieces(e.ids, content) for e in encoder.tokenizer.encode_batch(texts)]
        counts[rows] = [len(p) for p in pieces]
        found.append(np.concatenate(pieces) if pieces else np.zeros(0, np.uint16))
    kept = np.flatnonzero(reuse >= 0)
    copied = np.zeros(0, np.uint16)
    if old is not None and len(kept):
        copied, counts[kept] = old.words.ids_of(reuse[kept])
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    ids = np.zeros(int(offsets[-1]), np.uint16)
    ids[spans(offsets[kept], counts[kept])] = copied
    if found:
        ids[spans(offsets[fresh], counts[fresh])] = np.concatenate(found)
    return WordTable.build(
        ids,
        offsets,
        encoder.dimension,
        encoder.piece_states,
        old.words if old is not None else None,
    )


def _sentence_rows(
    block: np.ndarray, reuse: np.ndarray, old: SearchIndex | None, fresh_counts: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Sentence rows [passage row, start, end] of a block of passages, and for each its row
    in the previous build (-1 for sentences of passages embedded now, whose spans the caller
    fills in). Reused passages' rows are copied in one gather, not one passage at a time."""
    kept = reuse[block] >= 0
    counts = np.zeros(len(block), np.int64)
    counts[~kept] = fresh_counts
    old_starts = np.zeros(0, np.int64)
    if old is not None and kept.any():
        old_starts = np.asarray(old.sentence_start)[reuse[block][kept]]
        counts[kept] = np.asarray(old.sentence_start)[reuse[block][kept] + 1] - old_starts
    rows = np.zeros((int(counts.sum()), 3), np.int32)
    rows[:, 0] = np.repeat(block, counts)
    source = np.full(len(rows), -1, np.int64)
    if len(old_starts):
        assert old is not None
        kept_counts = counts[kept]
        step = np.arange(int(kept_counts.sum())) - np.repeat(
            np.cumsum(kept_counts) - kept_counts, kept_counts
        )
        offsets = np.cumsum(counts) - counts
        at = np.repeat(offsets[kept], kept_counts) + step
        source[at] = np.repeat(old_starts, kept_counts) + step
        rows[at, 1:] = np.asarray(old.sentence_rows)[source[at], 1:]
    return rows, source


def _join(parts: list[np.ndarray], empty: tuple[int, ...], dtype: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(empty, dtype)


# ---------------------------------------------------------------- reuse across builds


# An IVF index keeps the previous build's lists (no k-means) until this share of its
# passages is new or gone since they were trained.
RETRAIN_SHARE = 0.2


def vector_spec(plan: Plan, dim: int) -> tuple[vectors.VectorIndexSpec, np.ndarray | None]:
    """The vector index for the plan, and the previous build's IVF lists if still good."""
    spec = vectors.choose_spec(len(plan.passages), dim)
    old = plan.previous
    if spec.kind != "ivf" or old is None or old.manifest is None:
        return spec, None
    before = old.manifest.vector_index.params
    kept = len(plan.passages) - plan.to_embed
    changed = (
        int(before.get("changed_since_training", 0)) + plan.to_embed + len(old.passages) - kept
    )
    trained_on = int(before.get("trained_on", 0))
    same_lists = all(before.get(key) == spec.params[key] for key in ("nlist", "storage", "dim"))
    if (
        old.manifest.vector_index.kind != "ivf"
        or not same_lists
        or changed > RETRAIN_SHARE * trained_on
    ):
        return spec, None
    params = {**spec.params, "trained_on": trained_on, "changed_since_training": changed}
    return vectors.VectorIndexSpec("ivf", params), vectors.centroids_of(old.vectors)


# Files whose modification time is this close to the moment it was taken may still be
# being written within the same clock tick: they are read again next time (as git does).
RACY_NS = 2_000_000_000


def file_signatures(corpus_dir: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of every corpus file, taken *before* the files are read: a file
    written after this moment will look changed next time, never unchanged."""
    now = time.time_ns()
    if not corpus_dir.is_dir():
        return {}
    return {
        rel: (size, mtime if now - mtime > RACY_NS else -1)
        for rel, (size, mtime) in corpus_signatures(corpus_dir).items()
    }


def known_articles(
    previous: SearchIndex | None, signatures: dict[str, tuple[int, int]]
) -> Callable[[str], Article | None] | None:
    """The previous build's Article for a file that has not been written since it was read."""
    if previous is None or previous.manifest is None:
        return None
    recorded = {s.path: s for s in previous.manifest.sources}

    def known(path: str) -> Article | None:
        source, signature = recorded.get(path), signatures.get(path)
        if source is None or signature is None or signature[1] < 0:
            return None
        if (source.size, source.mtime_ns) != signature:
            return None
        row = previous.article_row(source.article_id)
        if row is None:
            return None
        article = previous.articles[row]
        # The id as a fresh read gives it; load_corpus resolves clashes between names again.
        return replace(article, article_id=slugify(Path(path).stem))

    return known


def reader_fingerprint() -> str:
    """sha256 of this package's code: a build made by other code (another version, which
    may clean or chunk articles differently) is not trusted to hold what this code would
    read from a file, so its files are read and chunked again (vectors are still reused for
    passages whose text is unchanged)."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + source.read_bytes())
    return digest.hexdigest()


def reader_of(previous: SearchIndex) -> str:
    return previous.manifest.reader if previous.manifest is not None else ""
