"""One build of the index in memory: passages, their vectors, FAISS and BM25. Save and load.

A build directory holds (names known only here; the manifest records their checksums)::

    manifest.json       how the build was made (``manifest.py``)
    articles.jsonl      one Article a line (clean body included)
    passages.jsonl      one Passage a line; row number = vector id
    embeddings.npy      passage vectors, float32, unit length
    vectors.faiss       FAISS index over the passage vectors
    sentences.npy       a vector per sentence (embedded with its neighbours)
    sentence_rows.npy   [passage row, start, end] per sentence, grouped by passage row
    lexical/            BM25 weights as plain arrays (``lexical.py``)

No pickle anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from . import vectors
from .chunking import ChunkSettings, lexical_text
from .lexical import Lexical
from .manifest import Manifest, damaged
from .records import Article, Passage
from .store import IndexUnavailable, Store

ARTICLES = "articles.jsonl"
PASSAGES = "passages.jsonl"
EMBEDDINGS = "embeddings.npy"
VECTORS = "vectors.faiss"
SENTENCES = "sentences.npy"
SENTENCE_ROWS = "sentence_rows.npy"
LEXICAL = "lexical"


@dataclass(frozen=True, eq=False)
class SearchIndex:
    """Everything a search needs from one build; ``manifest`` and ``path`` once saved/loaded."""

    articles: tuple[Article, ...]
    passages: tuple[Passage, ...]
    embeddings: np.ndarray  # float32 [passages, dim], unit rows
    sentence_vectors: np.ndarray  # float32 [sentences, dim], unit rows
    sentence_rows: np.ndarray  # int32 [sentences, 3]: passage row, start, end in its text
    vectors: Any  # faiss.Index over ``embeddings``
    lexical: Lexical
    manifest: Manifest | None = None
    path: Path | None = field(default=None, compare=False)

    @classmethod
    def build(
        cls,
        articles: Sequence[Article],
        passages: Sequence[Passage],
        embeddings: np.ndarray,
        sentence_vectors: np.ndarray,
        sentence_rows: np.ndarray,
        spec: vectors.VectorIndexSpec | None = None,
    ) -> SearchIndex:
        """A new index over passages whose vectors are known (FAISS and BM25 built here)."""
        embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        return cls(
            tuple(articles),
            tuple(passages),
            embeddings,
            np.ascontiguousarray(sentence_vectors, dtype=np.float32).reshape(
                -1, embeddings.shape[1]
            ),
            np.ascontiguousarray(sentence_rows, dtype=np.int32).reshape(-1, 3),
            vectors.build(embeddings, spec),
            Lexical.build([lexical_text(p) for p in passages]),
        )

    # ------------------------------------------------------------ on disk

    def save(self, directory: Path) -> None:
        """Write every file of the build except the manifest into ``directory``."""
        directory = Path(directory)
        _write_jsonl(directory / ARTICLES, (_article_json(a) for a in self.articles))
        _write_jsonl(directory / PASSAGES, (p.to_json() for p in self.passages))
        np.save(directory / EMBEDDINGS, self.embeddings)
        np.save(directory / SENTENCES, self.sentence_vectors)
        np.save(directory / SENTENCE_ROWS, self.sentence_rows)
        vectors.save(self.vectors, directory / VECTORS)
        self.lexical.save(directory / LEXICAL)

    @classmethod
    def load(cls, directory: Path, manifest: Manifest) -> SearchIndex:
        """Read a build whose manifest has been checked (``open`` does both)."""
        directory = Path(directory)
        try:
            articles = tuple(_article(d) for d in _read_jsonl(directory / ARTICLES))
            passages = tuple(Passage.from_json(d) for d in _read_jsonl(directory / PASSAGES))
            embeddings = np.load(directory / EMBEDDINGS, allow_pickle=False)
            sentence_vectors = np.load(directory / SENTENCES, allow_pickle=False)
            sentence_rows = np.load(directory / SENTENCE_ROWS, allow_pickle=False)
            faiss_index = vectors.load(directory / VECTORS, manifest.vector_index)
            lexical = Lexical.load(directory / LEXICAL)
        except FileNotFoundError:
            raise
        except Exception as error:  # any library's error here means a damaged build
            raise damaged(directory, error) from None
        index = cls(
            articles, passages, embeddings, sentence_vectors, sentence_rows, faiss_index, lexical,
            manifest, directory,
        )  # fmt: skip
        if not index.consistent():
            raise damaged(directory, ValueError("passages, vectors and manifest disagree"))
        return index

    @classmethod
    def open(
        cls, index_dir: Path, *, chunking: ChunkSettings | None = None, model_export: bool = True
    ) -> SearchIndex:
        """The build in use in ``index_dir``, checked (see ``Manifest.check``) and loaded."""

        def read(build: Path) -> SearchIndex:
            manifest = Manifest.read(build)
            manifest.check(build, chunking=chunking, model_export=model_export)
            return cls.load(build, manifest)

        return Store(index_dir).read_current(read)

    def consistent(self) -> bool:
        """Counts and shapes agree between passages, vectors, BM25, articles and the manifest.

        Checksums catch damage; these catch a build whose files were edited and whose
        checksums were recomputed (a passage of a missing article would fail mid-search).
        """
        n = len(self.passages)
        known = {a.article_id for a in self.articles}
        rows = self.sentence_rows
        dim = self.embeddings.shape[-1]
        return (
            self.embeddings.ndim == 2
            and len(self.embeddings) == n
            and self.sentence_vectors.ndim == 2
            and self.sentence_vectors.shape[1] == dim
            and self.vectors.ntotal == n
            and self.vectors.d == dim
            and self.lexical.consistent(n)
            and (self.manifest is None or self.manifest.counts.get("passages") == n)
            and (self.manifest is None or self.manifest.model.dimension == dim)
            and all(p.article_id in known for p in self.passages)
            and len(rows) == len(self.sentence_vectors)
            and (not len(rows) or (rows[:, 0].min() >= 0 and rows[:, 0].max() < n))
            and bool(np.all(rows[:, 1] >= 0) and np.all(rows[:, 1] <= rows[:, 2]))
            and bool(np.all(np.diff(rows[:, 0]) >= 0) if len(rows) else True)
        )

    # ------------------------------------------------------------ lookups

    @cached_property
    def article_by_id(self) -> dict[str, Article]:
        return {a.article_id: a for a in self.articles}

    @cached_property
    def _by_article(self) -> dict[str, tuple[Passage, ...]]:
        grouped: dict[str, list[Passage]] = {}
        for passage in self.passages:
            grouped.setdefault(passage.article_id, []).append(passage)
        return {k: tuple(sorted(v, key=lambda p: p.ordinal)) for k, v in grouped.items()}

    def by_article(self, article_id: str) -> tuple[Passage, ...]:
        """The passages of one article in reading order."""
        return self._by_article.get(article_id, ())

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        """The passages just before and after ``passage`` in its article (None at an edge)."""
        return neighbours(self.by_article(passage.article_id), passage)

    @cached_property
    def sentence_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per passage row, [lo, hi): the rows of its sentences in ``sentence_rows``."""
        owners = self.sentence_rows[:, 0]
        rows = np.arange(len(self.passages))
        return (
            np.searchsorted(owners, rows, side="left"),
            np.searchsorted(owners, rows, side="right"),
        )

    def sentences_of(self, row: int) -> slice:
        lo, hi = self.sentence_bounds
        return slice(int(lo[row]), int(hi[row]))


def neighbours(
    article_passages: Sequence[Passage], passage: Passage
) -> tuple[Passage | None, Passage | None]:
    """The passages just before and after ``passage`` in ``article_passages`` (in order)."""
    ids = [p.passage_id for p in article_passages]
    try:
        i = ids.index(passage.passage_id)
    except ValueError:
        return None, None
    before = article_passages[i - 1] if i > 0 else None
    after = article_passages[i + 1] if i + 1 < len(article_passages) else None
    return before, after


def publish(index_dir: Path, index: SearchIndex, manifest: Manifest) -> Path:
    """Write ``index`` as a new build of ``index_dir`` and make it the current one."""
    store = Store(index_dir)
    with store.new_build() as tmp:
        index.save(tmp)
        manifest.recording_files(tmp).write(tmp)
        return store.publish(tmp)


def current_build(index_dir: Path) -> str:
    """The name of the build in use, or "" if there is none (loading will say why)."""
    try:
        return Store(index_dir).current().name
    except IndexUnavailable:
        return ""


def _article_json(article: Article) -> dict[str, Any]:
    return {**asdict(article), "removed": list(article.removed)}


def _article(data: dict[str, Any]) -> Article:
    return Article(**dict(data, removed=tuple(data.get("removed", ()))))


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
