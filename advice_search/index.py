"""One build of the index: passages, their vectors, FAISS and BM25. Save and load.

A build directory holds (names known only here; the manifest records their checksums)::

    manifest.json          how the build was made (``manifest.py``; sources.json beside it)
    articles.jsonl         one Article a line (clean body included)  + articles.offsets.npy
    passages.jsonl         one Passage a line; row number = vector id + passages.offsets.npy
    catalogue.json         per article: id, title, author, site (filters, lists)
    passage_article.npy    int32 per passage: the row of its article
    passage_kind.npy       int8 per passage: index into ``records.PASSAGE_KINDS``
    vectors.faiss          FAISS index: the one stored copy of the passage vectors
    sentences/             a vector per sentence (with its neighbours), int8 + scale
    sentence_rows.npy      [passage row, start, end] per sentence, grouped by passage row
    sentence_start.npy     per passage row, its first sentence row (and the total at the end)
    topic.npy              the mean passage vector
    readings/              per passage its role, persuasion, perspective; per sentence: hollow
    lexical/               BM25 posting lists as plain arrays (``lexical.py``)
    words/                 per passage the vocabulary pieces it uses, their states (``words.py``)

Loading maps every array and the JSONL files: nothing is read until a search needs it, so
opening a million-passage build takes as long as opening five articles. No pickle anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from . import vectors
from .catalogue import ArticlesById, Catalogue, LazyCatalogue
from .chunking import ChunkSettings, lexical_text
from .lexical import Lexical
from .manifest import Manifest, damaged
from .quantized import Int8Vectors
from .readings import PassageReadings
from .records import PASSAGE_KINDS, Article, Passage
from .rows import JsonlRows, random_access, write_jsonl
from .store import IndexUnavailable, Store
from .words import WordTable

ARTICLES = "articles.jsonl"
PASSAGES = "passages.jsonl"
CATALOGUE = "catalogue.json"
PASSAGE_ARTICLE = "passage_article.npy"
PASSAGE_KIND = "passage_kind.npy"
VECTORS = "vectors.faiss"
SENTENCES = "sentences"
SENTENCE_ROWS = "sentence_rows.npy"
SENTENCE_START = "sentence_start.npy"
TOPIC = "topic.npy"
READINGS = "readings"
LEXICAL = "lexical"
WORDS = "words"
# Up to this many passages every load checks every row number (a few ms); above, ingest and
# ``verify`` do (``SearchIndex.consistent``).
THOROUGH_MAX_PASSAGES = 100_000


@dataclass(frozen=True, eq=False)
class SearchIndex:
    """Everything a search needs from one build; ``manifest`` and ``path`` once saved/loaded."""

    articles: Sequence[Article]
    passages: Sequence[Passage]
    passage_article: np.ndarray  # int32 [passages]: row of the passage's article
    passage_kind: np.ndarray  # int8 [passages]: index into PASSAGE_KINDS
    sentence_vectors: Int8Vectors  # [sentences, dim], rows grouped by passage row
    sentence_rows: np.ndarray  # int32 [sentences, 3]: passage row, start, end in its text
    sentence_start: np.ndarray  # int64 [passages + 1]: first sentence row of each passage
    topic: np.ndarray  # float32 [dim]: the mean passage vector (what the library is about)
    readings: PassageReadings  # what each passage does for a reader (roles.py), read at ingest
    vectors: Any  # faiss.Index over the passage vectors (their only stored copy)
    lexical: Lexical
    catalogue: Catalogue | LazyCatalogue
    words: WordTable  # the word match's pieces and their states (words.py)
    manifest: Manifest | None = None
    path: Path | None = field(default=None, compare=False)

    @classmethod
    def build(
        cls,
        articles: Sequence[Article],
        passages: Sequence[Passage],
        passage_vectors: np.ndarray,
        sentence_vectors: np.ndarray | Int8Vectors,
        sentence_rows: np.ndarray,
        spec: vectors.VectorIndexSpec | None = None,
        *,
        lexical: Lexical | None = None,
        centroids: np.ndarray | None = None,
        lists: np.ndarray | None = None,
        readings: PassageReadings | None = None,
        words: WordTable | None = None,
    ) -> SearchIndex:
        """A new index over passages whose vectors are known (FAISS, and BM25 unless given,
        built here; ``centroids``, ``lists``: see ``vectors.build``). Sentence rows must be grouped by
        passage row. Without ``words``, no passage has any (the word match is 0)."""
        articles, passages = tuple(articles), tuple(passages)
        dim = int(np.shape(passage_vectors)[1]) if np.ndim(passage_vectors) == 2 else 0
        if not isinstance(sentence_vectors, Int8Vectors):
            matrix = np.asarray(sentence_vectors, np.float32).reshape(-1, dim)
            sentence_vectors = Int8Vectors.quantize(matrix)
        rows = np.ascontiguousarray(sentence_rows, dtype=np.int32).reshape(-1, 3)
        if len(rows) and np.any(np.diff(rows[:, 0]) < 0):
            raise ValueError("sentence rows must be grouped by passage row")
        row_of = {a.article_id: i for i, a in enumerate(articles)}
        start = np.searchsorted(rows[:, 0], np.arange(len(passages) + 1)).astype(np.int64)
        if readings is None:
            readings = PassageReadings(passages, rows, bounds=start).read_all()
        return cls(
            articles,
            passages,
            np.array([row_of[p.article_id] for p in passages], dtype=np.int32),
            np.array([PASSAGE_KINDS.index(p.kind) for p in passages], dtype=np.int8),
            sentence_vectors,
            rows,
            start,
            vectors.mean_row(passage_vectors, dim),
            readings,
            vectors.build(passage_vectors, spec, centroids=centroids, lists=lists),
            lexical or Lexical.build([lexical_text(p) for p in passages]),
            Catalogue.of(articles),
            words or WordTable.empty(len(passages), dim),
        )

    # ------------------------------------------------------------ on disk

    def save(self, directory: Path) -> None:
        """Write every file of the build except the manifest into ``directory``."""
        directory = Path(directory)
        for name, rows in (
            (ARTICLES, (vars(a) for a in self.articles)),  # dataclasses.asdict deep-copies:
            (PASSAGES, (vars(p) for p in self.passages)),  # ten times slower, same JSON
        ):
            np.save(directory / _offsets(name), write_jsonl(directory / name, rows))
        self.catalogue.save(directory / CATALOGUE)
        np.save(directory / PASSAGE_ARTICLE, self.passage_article)
        np.save(directory / PASSAGE_KIND, self.passage_kind)
        self.sentence_vectors.save(directory / SENTENCES)
        np.save(directory / SENTENCE_ROWS, self.sentence_rows)
        np.save(directory / SENTENCE_START, self.sentence_start)
        np.save(directory / TOPIC, self.topic)
        (directory / READINGS).mkdir()
        for name, values in self.readings.arrays().items():
            np.save(directory / READINGS / f"{name}.npy", values)
        vectors.save(self.vectors, directory / VECTORS)
        self.lexical.save(directory / LEXICAL)
        self.words.save(directory / WORDS)

    @classmethod
    def load(cls, directory: Path, manifest: Manifest, *, thorough: bool = False) -> SearchIndex:
        """Map a build whose manifest has been checked (``open`` does both); see
        ``consistent`` for ``thorough`` (always on up to ``THOROUGH_MAX_PASSAGES``)."""
        directory = Path(directory)

        def array(name: str) -> np.ndarray:
            return random_access(np.load(directory / name, mmap_mode="r", allow_pickle=False))

        try:
            articles = JsonlRows(directory / ARTICLES, array(_offsets(ARTICLES)), _article)
            passages = JsonlRows(directory / PASSAGES, array(_offsets(PASSAGES)), Passage.from_json)
            sentence_rows, start = array(SENTENCE_ROWS), array(SENTENCE_START)
            readings = PassageReadings.stored(
                passages,
                sentence_rows,
                start,
                {n: array(f"{READINGS}/{n}.npy") for n in PassageReadings.ARRAYS},
            )
            index = cls(
                articles,
                passages,
                array(PASSAGE_ARTICLE),
                array(PASSAGE_KIND),
                Int8Vectors.load(directory / SENTENCES),
                sentence_rows,
                start,
                np.load(directory / TOPIC, allow_pickle=False),
                readings,
                vectors.load(directory / VECTORS, manifest.vector_index),
                Lexical.load(directory / LEXICAL),
                LazyCatalogue(directory / CATALOGUE, len(articles)),
                WordTable.load(directory / WORDS),
                manifest,
                directory,
            )
        except FileNotFoundError:
            raise
        except Exception as error:  # any library's error here means a damaged build
            raise damaged(directory, error) from None
        thorough = thorough or len(index.passages) <= THOROUGH_MAX_PASSAGES
        if not index.consistent(thorough=thorough):
            raise damaged(directory, ValueError("passages, vectors and manifest disagree"))
        return index

    @classmethod
    def open(
        cls,
        index_dir: Path,
        *,
        chunking: ChunkSettings | None = None,
        model_export: bool = True,
        full_check: bool = False,
    ) -> SearchIndex:
        """The build in use in ``index_dir``, checked (see ``Manifest.check``) and mapped."""

        def read(build: Path) -> SearchIndex:
            manifest = Manifest.read(build)
            manifest.check(build, chunking=chunking, model_export=model_export, full=full_check)
            return cls.load(build, manifest, thorough=full_check)

        return Store(index_dir).read_current(read)

    def consistent(self, *, thorough: bool = False) -> bool:
        """Counts and shapes agree between passages, vectors, sentences, BM25, articles and
        the manifest; with ``thorough``, also every row number points where it may.

        Checksums catch damage; these catch a build whose files were edited and whose
        checksums recomputed. The counts cost nothing; the row checks read whole arrays
        (hundreds of MB at a million passages), so ``load`` runs them on a small build and
        leaves a large one to ingest and ``verify``, which read every byte anyway.
        """
        n, s = len(self.passages), len(self.sentence_rows)
        dim = self.vectors.d
        counts = (
            self.vectors.ntotal == n
            and (self.manifest is None or self.manifest.counts.get("passages") == n)
            and (self.manifest is None or self.manifest.model.dimension == dim)
            and len(self.passage_article) == len(self.passage_kind) == n
            and len(self.catalogue) == len(self.articles)
            and len(self.sentence_vectors) == s
            and (s == 0 or self.sentence_vectors.dim == dim)
            and self.sentence_rows.shape == (s, 3)
            and len(self.sentence_start) == n + 1
            and (n == 0 or int(self.sentence_start[-1]) == s)
            and self.lexical.consistent(n)
            and self.topic.shape == (dim,)
            and self.words.consistent(n, dim)
        )
        if not counts or not thorough:
            return counts
        rows, start = self.sentence_rows, self.sentence_start
        return (
            self.lexical.consistent(n, thorough=True)
            and self.words.consistent(n, dim, thorough=True)
            and (n == 0 or int(self.passage_article.min()) >= 0)
            and (n == 0 or int(self.passage_article.max()) < len(self.articles))
            and (n == 0 or int(self.passage_kind.min()) >= 0)
            and (n == 0 or int(self.passage_kind.max()) < len(PASSAGE_KINDS))
            and bool(np.all(np.diff(start) >= 0))
            and (s == 0 or 0 <= int(rows[:, 0].min()) <= int(rows[:, 0].max()) < n)
            and bool(np.all(np.diff(rows[:, 0]) >= 0))
            and bool(np.all(rows[:, 1] >= 0) and np.all(rows[:, 1] <= rows[:, 2]))
        )

    # ------------------------------------------------------------ lookups

    def passage_vectors(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """The stored vectors of passage ``rows`` (float32 unit rows), read from FAISS."""
        return vectors.reconstruct(self.vectors, np.asarray(rows, dtype=np.int64))

    @cached_property
    def article_by_id(self) -> Mapping[str, Article]:
        return ArticlesById(self.catalogue, self.articles)

    def article_row(self, article_id: str) -> int | None:
        return self.catalogue.row_of.get(article_id)

    def by_article(self, article_id: str) -> tuple[Passage, ...]:
        """The passages of one article in reading order."""
        row = self.article_row(article_id)
        if row is None:
            return ()
        passages = [self.passages[int(i)] for i in np.flatnonzero(self.passage_article == row)]
        return tuple(sorted(passages, key=lambda p: p.ordinal))

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        """The passages just before and after ``passage`` in its article (None at an edge)."""
        return neighbours(self.by_article(passage.article_id), passage)

    @property
    def sentence_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per passage row, [lo, hi): the rows of its sentences in ``sentence_rows``."""
        return self.sentence_start[:-1], self.sentence_start[1:]

    def sentences_of(self, row: int) -> slice:
        return slice(int(self.sentence_start[row]), int(self.sentence_start[row + 1]))


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
        manifest.write_sources(tmp)
        manifest.recording_files(tmp).write(tmp)
        return store.publish(tmp)


def current_build(index_dir: Path) -> str:
    """The name of the build in use, or "" if there is none (loading will say why)."""
    try:
        return Store(index_dir).current().name
    except IndexUnavailable:
        return ""


def _offsets(name: str) -> str:
    return name.removesuffix(".jsonl") + ".offsets.npy"


def _article(data: dict[str, Any]) -> Article:
    return Article(**dict(data, removed=tuple(data.get("removed", ()))))
