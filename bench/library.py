"""A synthetic library for scale benchmarks: articles of realistic shape, and vectors derived
from real ones without running the model on them.

Articles (``article_text``, ``write_library``): Markdown with front matter (fields missing
now and then, as in real scrapes), an introduction, sections under headings, numbered and
bulleted lists, an "About the author" bio, a disclaimer, and page furniture that cleaning
removes. Topics come from ``bench/topics.json`` (gardening, money, sleep, pets...), plus
relationship articles recomposed from the real seed articles' sentences; the five seeds
themselves are in the library too, a small part of it. Article ``i`` of a seed is the same
whatever the library's size, so a small library is the start of a big one.

Vectors (``DerivedEncoder``): an ``Encoder`` whose vectors come from the model's own. A
sentence that is a seed sentence gets the model's vector of that sentence; any other gets
the normalised sum of the model's vectors of its words (weighted by rarity); a text gets
the normalised mean of its sentences plus a little noise, so that repeated sentences do not
make identical passages. The model runs once on the seed sentences and the topic words
(about 3,000 short texts), and that bank is cached.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advice_search.chunking import chunk_article
from advice_search.corpus import load_corpus, parse_article, slugify
from advice_search.encoder import Encoder, normalise_rows
from advice_search.lexical import STOPWORDS
from advice_search.text import sentence_spans

TOPICS = Path(__file__).with_name("topics.json")
SEED_SHARE = 0.12  # of generated articles: relationship articles from the seed sentences
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_SLOT = re.compile(r"\{(\w+)\}")
_QUICK_SPLIT = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")


# ---------------------------------------------------------------- articles


@dataclass(frozen=True)
class Library:
    """What articles are made of: the topic data and the seed articles' sentences."""

    topics: tuple[dict, ...]
    shared: dict
    seed_files: tuple[tuple[str, str], ...]  # (file name, raw text) of the seed articles
    seed_titles: tuple[str, ...]
    seed_headings: tuple[str, ...]
    seed_paragraphs: tuple[tuple[str, ...], ...]  # sentences of each seed paragraph

    @classmethod
    def load(cls, seed_corpus: Path) -> Library:
        data = json.loads(TOPICS.read_text(encoding="utf-8"))
        seeds = sorted(Path(seed_corpus).glob("*.md"))
        articles = load_corpus(Path(seed_corpus)).articles
        headings, paragraphs = set(), []
        for article in articles:
            for passage in chunk_article(article):
                if passage.section:
                    headings.add(passage.section)
                if passage.kind == "advice":
                    paragraphs.append(
                        tuple(passage.text[a:b] for a, b in sentence_spans(passage.text))
                    )
        return cls(
            tuple(data["topics"]),
            data["shared"],
            tuple((p.name, p.read_text(encoding="utf-8")) for p in seeds),
            tuple(a.title for a in articles),
            tuple(sorted(headings)),
            tuple(p for p in paragraphs if len(p) >= 2),
        )

    def sentences(self) -> list[str]:
        """Every seed sentence: what the vector bank embeds whole."""
        return sorted({s.strip() for p in self.seed_paragraphs for s in p})

    def words(self) -> list[str]:
        """The words of every topic and seed text: what the vector bank embeds one by one."""
        texts = [json.dumps(t) for t in self.topics] + [json.dumps(self.shared)]
        texts += [" ".join(p) for p in self.seed_paragraphs] + list(self.seed_titles)
        words = {w for t in texts for w in _WORD.findall(t.lower()) if w not in STOPWORDS}
        return sorted(words)


def article_text(library: Library, seed: int, index: int) -> tuple[str, str]:
    """(relative file path, Markdown text) of generated article ``index``."""
    rng = random.Random(f"{seed}:{index}")
    relationships = rng.random() < SEED_SHARE
    topic = None if relationships else rng.choice(library.topics)
    slots = {**library.shared["slots"], **(topic["slots"] if topic else {})}
    site = rng.choice(topic["sites"] if topic else ["Couples Corner", "Together Again", "Love Lab"])
    author = rng.choice(topic["authors"] if topic else ["Dr. Anna Reyes", "Mark Hollis", "Jo Kim"])

    def fill(template: str) -> str:
        return _SLOT.sub(lambda m: _slot(rng, slots, m[1], author, site, topic), template)

    deck: list[str] = []  # an article uses each sentence pattern once before any repeats

    def paragraph(size: int) -> str:
        if topic is None:
            source = rng.choice(library.seed_paragraphs)
            start = rng.randrange(max(1, len(source) - size + 1))
            return " ".join(s.strip() for s in source[start : start + size])
        sentences = []
        for _ in range(size):
            if not deck:
                deck.extend(rng.sample(topic["sentences"], k=len(topic["sentences"])))
            sentences.append(fill(deck.pop()))
        return " ".join(sentences)

    if topic:
        title = _SLOT.sub(
            lambda m: _slot(rng, slots, m[1], author, site, topic).title(),
            rng.choice(topic["titles"]),
        )
    else:
        title = _relationship_title(rng, library)
    blocks = [paragraph(rng.randint(2, 5)) for _ in range(rng.randint(1, 2))]
    headings = topic["headings"] if topic else library.seed_headings
    for heading in rng.sample(list(headings), k=min(len(headings), rng.randint(2, 6))):
        blocks.append(f"## {heading}" if rng.random() < 0.5 else heading)
        for _ in range(rng.randint(1, 3)):
            blocks.append(paragraph(rng.randint(2, 6)))
        if rng.random() < 0.25:
            numbered = rng.random() < 0.5
            items = [paragraph(1) for _ in range(rng.randint(3, 6))]
            blocks.append(
                "\n".join(
                    f"{n}. {item}" if numbered else f"- {item}" for n, item in enumerate(items, 1)
                )
            )
    if rng.random() < 0.4:
        blocks.append(f"About {author}")
        bios = library.shared["bios"]
        blocks.append(" ".join(fill(b) for b in rng.sample(bios, k=rng.randint(2, 4))))
    if rng.random() < 0.2:
        blocks.append(rng.choice(library.shared["disclaimers"]))
    if rng.random() < 0.3:
        blocks += rng.sample(library.shared["chrome"], k=rng.randint(1, 3))
    front = [f'title: "{_yaml(title)}"']
    if rng.random() < 0.8:
        front.append(f'author: "{_yaml(author)}"')
    if rng.random() < 0.9:
        front.append(f'site: "{_yaml(site)}"')
    if rng.random() < 0.7:
        front.append(
            f"date: {2015 + rng.randrange(11)}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
        )
    slug = slugify(title)[:60]
    if rng.random() < 0.5:
        front.append(f'url: "https://www.{slugify(site)}.com/{slug}"')
    folder = slugify(topic["name"]) if topic else "relationships"
    text = "---\n" + "\n".join(front) + "\n---\n\n" + "\n\n".join(blocks) + "\n"
    return f"{folder}/{index:07d}-{slug}.md", text


def _slot(
    rng: random.Random, slots: dict, name: str, author: str, site: str, topic: dict | None
) -> str:
    if name == "author":
        return author
    if name == "site":
        return site
    if name == "topic":
        return topic["name"] if topic else "relationships"
    return rng.choice(slots[name])


def _relationship_title(rng: random.Random, library: Library) -> str:
    templates = [
        "{seed}",
        "When Your Partner Says No to {thing}",
        "{n} Ways to Talk About {thing} Without a Fight",
        "What to Do If Your Spouse Refuses {thing}",
    ]
    things = ["Counseling", "Couples Therapy", "Marriage Counseling", "Therapy", "Date Night"]
    template = rng.choice(templates)
    return (
        template.replace("{seed}", rng.choice(library.seed_titles))
        .replace("{thing}", rng.choice(things))
        .replace("{n}", str(rng.randint(3, 12)))
    )


def _yaml(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def iter_articles(
    library: Library, seed: int, *, with_seeds: bool = True
) -> Iterator[tuple[str, str]]:
    """The seed articles, then generated articles 0, 1, 2... for ever."""
    if with_seeds:
        for name, text in library.seed_files:
            yield f"seeds/{name}", text
    index = 0
    while True:
        yield article_text(library, seed, index)
        index += 1


def age_files(directory: Path, seconds: float = 600) -> None:
    """Date every file ``seconds`` back, as a library's files are: ingest does not trust a
    file written within the last two seconds (it may still be being written) to be
    unchanged, so a library ingested the moment it was written is read again in full."""
    past = time.time() - seconds
    for path in Path(directory).rglob("*"):
        os.utime(path, (past, past), follow_symlinks=False)


def write_library(
    library: Library, directory: Path, *, seed: int = 0, articles: int | None = None,
    passages: int | None = None,
) -> tuple[int, int]:  # fmt: skip
    """Write articles until ``articles`` files or ``passages`` passages; returns both counts.

    Passages are counted by chunking each article as ingest will (default settings).
    """
    directory = Path(directory)
    n_articles = n_passages = 0
    for rel, text in iter_articles(library, seed):
        if (articles is not None and n_articles >= articles) or (
            passages is not None and n_passages >= passages
        ):
            break
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        n_articles += 1
        if passages is not None:
            article = parse_article(text, path=rel, article_id=slugify(Path(rel).stem))
            n_passages += len(chunk_article(article))
    return n_articles, n_passages


# ---------------------------------------------------------------- vectors


@dataclass(frozen=True, eq=False)
class VectorBank:
    """The model's vectors of the seed sentences and of single words."""

    sentences: dict[str, int]
    sentence_vectors: np.ndarray
    words: dict[str, int]
    word_vectors: np.ndarray  # rows scaled by each word's rarity weight

    @classmethod
    def build(
        cls, library: Library, encoder: Callable[[], Encoder], *, model_key: str,
        cache: Path | None = None,
    ) -> VectorBank:  # fmt: skip
        """Embed the bank with ``encoder()`` (the real model, identified by ``model_key``),
        or read it from ``cache``."""
        sentences, words = library.sentences(), library.words()
        key = hashlib.sha256(json.dumps([model_key, sentences, words]).encode()).hexdigest()[:16]
        stored = cache / f"bank-{key}.npy" if cache else None
        if stored is not None and stored.is_file():
            matrix = np.load(stored, allow_pickle=False)
        else:
            matrix = encoder().encode(sentences + words)
            if stored is not None:
                stored.parent.mkdir(parents=True, exist_ok=True)
                np.save(stored, matrix)
        # Rare words carry a sentence's meaning; common ones ("help", "time") blur it.
        counts = {w: 0 for w in words}
        for sentence in sentences + [json.dumps(t) for t in library.topics]:
            for w in set(_WORD.findall(sentence.lower())):
                if w in counts:
                    counts[w] += 1
        weights = np.array([1.0 / math.log(2 + counts[w]) for w in words], np.float32)
        return cls(
            {s: i for i, s in enumerate(sentences)},
            matrix[: len(sentences)],
            {w: i for i, w in enumerate(words)},
            matrix[len(sentences) :] * weights[:, None],
        )


class DerivedEncoder:
    """An Encoder for benchmarks: vectors from the bank, without running the model."""

    name = "derived from all-MiniLM-L6-v2"
    NOISE = 0.08

    def __init__(self, bank: VectorBank) -> None:
        self.bank = bank
        self.dimension = bank.sentence_vectors.shape[1]
        self._rows: dict[str, int] = {}  # sentence -> row of ``_vectors``
        self._vectors = np.zeros((0, self.dimension), np.float32)
        noise = np.random.default_rng(0).standard_normal((4096, self.dimension)).astype(np.float32)
        self._noise = normalise_rows(noise) * self.NOISE

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 0, progress: object = None
    ) -> np.ndarray:
        rows: list[int] = []
        starts: list[int] = []
        new: list[str] = []
        for text in texts:
            starts.append(len(rows))
            # A quick split: vectors only need to find the bank's sentences again.
            for sentence in _QUICK_SPLIT.split(text.strip()):
                row = self._rows.get(sentence)
                if row is None:
                    row = self._rows[sentence] = len(self._vectors) + len(new)
                    new.append(sentence)
                rows.append(row)
        if new:
            self._vectors = np.concatenate([self._vectors, self._sentence_vectors(new)])
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        sums = np.add.reduceat(self._vectors[rows], starts, axis=0)
        noise = [zlib.crc32(text.encode()) % len(self._noise) for text in texts]
        out = normalise_rows(normalise_rows(sums) + self._noise[noise])
        if progress:
            progress(len(texts), len(texts))  # type: ignore[operator]
        return out

    def _sentence_vectors(self, sentences: list[str]) -> np.ndarray:
        out = np.zeros((len(sentences), self.dimension), np.float32)
        for i, sentence in enumerate(sentences):
            row = self.bank.sentences.get(sentence)
            if row is not None:
                out[i] = self.bank.sentence_vectors[row]
                continue
            ids = [
                self.bank.words[w] for w in _WORD.findall(sentence.lower()) if w in self.bank.words
            ]
            out[i] = self.bank.word_vectors[ids].sum(axis=0) if ids else self._noise[i % 4096]
        return normalise_rows(out)
