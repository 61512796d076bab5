"""The scale benchmark's library, small: generated articles go through the product's own
ingest and writer, come back searchable, and the probe measures them (no timings checked)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from advice_search.builder import ingest
from advice_search.corpus import load_corpus
from advice_search.index import SearchIndex
from advice_search.search import Filters, Searcher
from bench import probe
from bench.library import DerivedEncoder, Library, VectorBank, article_text, write_library

from .conftest import CORPUS
from .sample_corpus import FakeEncoder


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load(CORPUS)


@pytest.fixture(scope="module")
def bank(library: Library) -> VectorBank:
    # Hash vectors stand in for the model here: this is about the plumbing, not ranking.
    return VectorBank.build(library, FakeEncoder, model_key="fake")


def test_articles_are_deterministic_and_a_small_library_starts_a_big_one(
    library: Library, tmp_path: Path
) -> None:
    assert article_text(library, 3, 17) == article_text(library, 3, 17)
    assert article_text(library, 3, 17) != article_text(library, 4, 17)
    small, big = tmp_path / "small", tmp_path / "big"
    write_library(library, small, articles=12)
    write_library(library, big, articles=30)
    for path in small.rglob("*.md"):
        assert (big / path.relative_to(small)).read_bytes() == path.read_bytes()
    articles, passages = write_library(library, tmp_path / "counted", passages=200)
    assert articles > 5 and passages >= 200


def test_generated_articles_have_the_shape_of_real_ones(library: Library, tmp_path: Path) -> None:
    write_library(library, tmp_path, articles=80)
    loaded = load_corpus(tmp_path)
    assert not loaded.skipped and len(loaded.articles) == 80
    folders = {Path(a.path).parts[0] for a in loaded.articles}
    assert {"seeds", "relationships"} < folders and len(folders) >= 8  # varied topics
    assert any(a.author is None for a in loaded.articles)  # fields missing, as in scrapes
    removed = [line for a in loaded.articles for line in a.removed]
    assert "Related Posts" in removed or "Leave a Comment" in removed  # page furniture cleaned
    assert not any("newsletter" in a.body.lower() for a in loaded.articles[5:])


def test_a_generated_library_is_built_by_ingest_and_searchable(
    library: Library, bank: VectorBank, tmp_path: Path
) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_library(library, corpus, articles=60)
    report = ingest(corpus, index, encoder=DerivedEncoder(bank))
    built = SearchIndex.open(index)
    assert report.articles == len(built.articles) == 60
    assert len(built.passages) == report.passages == built.manifest.counts["passages"]
    kinds = {p.kind for p in built.passages}
    assert {"advice", "bio"} <= kinds
    norms = np.linalg.norm(built.passage_vectors(np.arange(len(built.passages))), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-3)
    searcher = Searcher.open(index)
    hits = searcher.search("how often should I water tomatoes", k=5).hits
    assert any(h.article.path.startswith("gardening/") for h in hits)
    site = next(a.site for a in built.articles if a.site)
    filtered = searcher.search("how do I save money", k=5, filters=Filters(sites=frozenset({site})))
    assert filtered.hits and all(h.article.site == site for h in filtered.hits)


def test_the_probe_reports_memory_latency_and_agreement(
    library: Library, bank: VectorBank, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_library(library, corpus, articles=20)
    ingest(corpus, index, encoder=DerivedEncoder(bank))
    questions = tmp_path / "q.json"
    questions.write_text(json.dumps(["my partner won't go to therapy", "tomato leaves yellow"]))
    assert (
        probe.main(
            ["--index", str(index), "--questions", str(questions), "--rounds", "1", "--exact"]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["passages"] > 20 and result["rss_after_load_mb"] > 0
    assert result["unfiltered"]["samples"] == result["filtered"]["samples"] == 2
    assert result["agreement"]["top10_overlap"] == 1.0  # exact search on both sides here


def test_ingest_keeps_the_ivf_lists_until_a_fifth_of_the_library_changed(
    library: Library, bank: VectorBank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advice_search import vectors

    monkeypatch.setattr(vectors, "FLAT_MAX_VECTORS", 100)  # this small library gets IVF lists
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_library(library, corpus, articles=60)
    encoder = DerivedEncoder(bank)
    ingest(corpus, index, encoder=encoder)
    first = SearchIndex.open(index)
    assert first.manifest.vector_index.kind == "ivf"
    assert first.manifest.vector_index.params["trained_on"] == len(first.passages)
    edited = sorted(corpus.rglob("*.md"))[10]
    edited.write_text(edited.read_text() + "\nOne more short closing paragraph.\n")
    report = ingest(corpus, index, encoder=encoder)
    second = SearchIndex.open(index)
    params = second.manifest.vector_index.params
    assert params["trained_on"] == len(first.passages)  # lists kept, not trained again
    # New passages, and old ones no longer there.
    assert params["changed_since_training"] == report.embedded + len(first.passages) - report.reused
    np.testing.assert_array_equal(
        vectors.centroids_of(second.vectors), vectors.centroids_of(first.vectors)
    )
    # Reused passages keep their lists: each sits where it sat.
    old_row = {p.passage_id: i for i, p in enumerate(first.passages)}
    kept = [
        (i, old_row[p.passage_id])
        for i, p in enumerate(second.passages)
        if p.passage_id in old_row and not p.article_id.startswith(edited.stem[:7])
    ]
    new_lists, old_lists = vectors.lists_of(second.vectors), vectors.lists_of(first.vectors)
    assert kept and all(new_lists[i] == old_lists[j] for i, j in kept)
    hits = Searcher.open(index).search("how often should I water tomatoes", k=5).hits
    assert hits
    for path in sorted(corpus.rglob("*.md"))[20:40]:  # a third of the library replaced
        path.write_text(path.read_text() + "\nAnother closing paragraph.\n")
    ingest(corpus, index, encoder=encoder)
    third = SearchIndex.open(index).manifest.vector_index.params
    assert third["changed_since_training"] == 0 and third["trained_on"] > len(first.passages)
