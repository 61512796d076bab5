"""What a build stores compactly: JSONL rows read by offset, int8 vectors, the catalogue, BM25
as numpy arrays (against bm25s), filters inside FAISS, and the sampled checksums."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest
import scipy.sparse as sp

from advice_search import vectors
from advice_search.catalogue import Catalogue
from advice_search.files import SAMPLE_BLOCK, SAMPLE_COUNT, file_sampled_sha256
from advice_search.lexical import Lexical, tokenize
from advice_search.quantized import Int8Vectors
from advice_search.records import Article
from advice_search.rows import JsonlRows, write_jsonl

TEXTS = [
    "Set a boundary when your partner raises their voice.",
    "Couples therapy works best when both partners attend.",
    "Water tomatoes deeply once a week; tomatoes hate wet leaves.",
    "the and of",  # nothing left once stop words go: length 1, as bm25s counts it
    "Therapy therapy therapy: a word said three times.",
    "Budget together once a month and keep a personal allowance.",
]


def unit_rows(n: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_jsonl_rows_read_any_line_by_its_offset(tmp_path: Path) -> None:
    rows = [{"n": i, "text": f"línea {i} ✓" * (i % 3)} for i in range(7)]
    offsets = write_jsonl(tmp_path / "rows.jsonl", iter(rows))
    table = JsonlRows(tmp_path / "rows.jsonl", offsets, dict)
    assert len(table) == 7
    assert table[4] == rows[4] and table[-1] == rows[-1] and table[1:3] == tuple(rows[1:3])
    assert list(table) == rows
    with pytest.raises(IndexError):
        table[7]
    with pytest.raises(ValueError, match="offsets"):
        JsonlRows(tmp_path / "rows.jsonl", offsets[:-1], dict)  # a file longer than recorded


def test_int8_vectors_keep_inner_products_to_a_thousandth() -> None:
    vectors_ = unit_rows(500, 384, seed=1)
    query = unit_rows(1, 384, seed=2)[0]
    quantized = Int8Vectors.quantize(vectors_)
    rows = np.array([3, 499, 0, 3])
    exact = vectors_[rows] @ query
    np.testing.assert_allclose(quantized.dot(rows, query), exact, atol=1e-3)
    np.testing.assert_allclose(quantized.dot(rows, query, block=3), exact, atol=1e-3)
    assert np.abs(quantized.floats(rows) - vectors_[rows]).max() < 0.01
    again = quantized.take(np.array([5, 6]))
    np.testing.assert_array_equal(again.codes, quantized.codes[[5, 6]])  # no second rounding


def test_int8_vectors_round_trip_memory_mapped(tmp_path: Path) -> None:
    quantized = Int8Vectors.quantize(unit_rows(20, 16, seed=3))
    quantized.save(tmp_path / "s")
    loaded = Int8Vectors.load(tmp_path / "s")
    assert isinstance(loaded.codes, np.memmap)
    np.testing.assert_array_equal(loaded.codes, quantized.codes)
    np.testing.assert_array_equal(loaded.scales, quantized.scales)


def test_catalogue_masks_articles_authors_and_sites(tmp_path: Path) -> None:
    articles = [
        Article("a", "a.md", "A", "x", author="Ann", site="One"),
        Article("b", "b.md", "B", "x", author="Bo", site="One"),
        Article("c", "c.md", "C", "x", site="Two"),
        Article("d", "d.md", "D", "x", author="Ann"),
    ]
    Catalogue.of(articles).save(tmp_path / "c.json")
    catalogue = Catalogue.load(tmp_path / "c.json")
    assert catalogue.mask().tolist() == [True] * 4
    assert catalogue.mask(authors={"Ann"}).tolist() == [True, False, False, True]
    assert catalogue.mask(sites={"One"}, authors={"Ann", "Bo"}).tolist() == [
        True,
        True,
        False,
        False,
    ]
    assert catalogue.mask(articles={"c", "zzz"}).tolist() == [False, False, True, False]
    assert catalogue.mask(sites={"Nowhere"}).tolist() == [False] * 4


def test_bm25_weights_match_bm25s() -> None:
    lexical = Lexical.build(TEXTS)
    model = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    model.index([tokenize(t) or [""] for t in TEXTS], show_progress=False)
    s = model.scores
    reference = sp.csc_matrix(
        (s["data"], s["indices"], s["indptr"]), shape=(len(TEXTS), len(model.vocab_dict))
    )
    for term, column in model.vocab_dict.items():
        want = np.asarray(reference[:, column].todense()).ravel()
        got = np.zeros(len(TEXTS), np.float32)
        if term in lexical.vocab:
            t = lexical.vocab[term]
            lo, hi = lexical.indptr[t], lexical.indptr[t + 1]
            got[lexical.docs[lo:hi]] = lexical.weights[lo:hi]
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=term)


def test_incremental_bm25_equals_a_full_rebuild() -> None:
    old = Lexical.build(TEXTS)
    edited = [
        *TEXTS[:2],
        "Tomatoes in pots need water daily.",
        *TEXTS[4:],
        "A new passage on money.",
    ]
    # Rows 0, 1, 3, 4 come from old rows 0, 1, 4, 5; the rest are new (old rows 2, 3 dropped).
    reuse = np.array([0, 1, -1, 4, 5, -1])
    texts = [None if r >= 0 else t for t, r in zip(edited, reuse, strict=True)]
    incremental = Lexical.build(texts, previous=old, reuse=reuse)
    full = Lexical.build(edited)
    assert incremental.vocab.keys() == full.vocab.keys()  # "the and of"'s empty term is gone
    for question in ["tomatoes water", "therapy", "money allowance", "boundary partner voice"]:
        np.testing.assert_allclose(
            incremental.relative_scores(question), full.relative_scores(question), atol=1e-6
        )


def test_a_question_adds_each_words_weights_as_often_as_it_says_the_word() -> None:
    lexical = Lexical.build(TEXTS)
    match = lexical.match("Therapy, therapy for my partner")
    want = np.zeros(lexical.n_docs, np.float64)
    for word, times in (("therapy", 2), ("partner", 1)):
        t = lexical.vocab[tokenize(word)[0]]
        lo, hi = lexical.indptr[t], lexical.indptr[t + 1]
        want[lexical.docs[lo:hi]] += times * lexical.weights[lo:hi]
    assert want.max() > 0
    np.testing.assert_allclose(match.scores, want / match.ceiling, rtol=1e-6)


def test_the_best_bm25_rows_are_the_top_of_all_scores() -> None:
    lexical = Lexical.build(TEXTS * 3)
    match = lexical.match("therapy partner tomatoes")
    scores = match.scores
    for k in (1, 2, 5, 50):
        best = match.best(k)
        assert len(best) == min(k, int(np.count_nonzero(scores)))
        assert sorted(scores[best], reverse=True) == sorted(scores, reverse=True)[: len(best)]
    allowed = np.zeros(len(scores), bool)
    allowed[::4] = True
    assert all(allowed[r] for r in match.best(5, allowed))
    assert not lexical.match("zzzz qqqq").best(5).size


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_filters_inside_faiss_return_the_best_allowed_rows(kind: str) -> None:
    base = unit_rows(4000, 32, seed=5)
    queries = unit_rows(5, 32, seed=6)
    spec = vectors.VectorIndexSpec("flat", {}) if kind == "flat" else vectors.ivf_spec(4000, 32)
    index = vectors.build(base, spec)
    allowed = np.random.default_rng(7).random(4000) < 0.05  # a selective filter: ~200 rows
    _, ids = vectors.search(index, queries, 10, allowed=allowed)
    assert allowed[ids[ids >= 0]].all()
    want = vectors.brute_force(base[allowed], queries, 10)[1]
    truth = np.flatnonzero(allowed)[want]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth, strict=True)])
    assert recall == 1.0 if kind == "flat" else recall >= 0.9
    np.testing.assert_allclose(
        vectors.reconstruct(index, np.array([7, 3])), base[[7, 3]], atol=1e-3
    )


def test_a_sampled_checksum_reads_little_and_still_sees_size_and_sampled_changes(
    tmp_path: Path,
) -> None:
    big = tmp_path / "big.bin"
    data = bytearray(np.random.default_rng(0).bytes(SAMPLE_BLOCK * SAMPLE_COUNT * 3))
    big.write_bytes(bytes(data))
    digest = file_sampled_sha256(big)
    assert file_sampled_sha256(big) == digest
    data[5] ^= 1  # inside the first sampled block
    big.write_bytes(bytes(data))
    assert file_sampled_sha256(big) != digest
    data[5] ^= 1
    big.write_bytes(bytes(data) + b"\0")  # one byte longer
    assert file_sampled_sha256(big) != digest
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 1000)
    before = file_sampled_sha256(small)
    small.write_bytes(b"x" * 500 + b"y" + b"x" * 499)  # small files are hashed whole
    assert file_sampled_sha256(small) != before


@pytest.mark.parametrize("n", [1, 7, 1023, 8 * 1024, 8 * 1024 + 1, 50_000, 100_003])
@pytest.mark.parametrize("k", [1, 5, 40])
def test_top_rows_are_the_largest_values_in_order(n: int, k: int) -> None:
    from advice_search.matching import top_rows

    rng = np.random.default_rng(n + k)
    values = rng.random(n).astype(np.float32)
    values[rng.random(n) < 0.5] = 0  # many ties, as BM25 scores have
    rows = top_rows(values, k)
    want = np.sort(values)[::-1][: min(k, n)]
    np.testing.assert_array_equal(values[rows], want)
    assert len(set(rows.tolist())) == len(rows)


def test_top_rows_find_the_largest_values_in_the_last_partial_block() -> None:
    from advice_search.matching import TOP_BLOCK, top_rows

    values = np.zeros(8 * TOP_BLOCK + 5, np.float32)
    values[[-1, -3, 2]] = [3.0, 2.0, 1.0]
    assert top_rows(values, 3).tolist() == [len(values) - 1, len(values) - 3, 2]


def test_array_rows_read_any_rows_in_the_order_asked(tmp_path: Path) -> None:
    from advice_search.rows import ArrayRows

    matrix = np.arange(60, dtype=np.int8).reshape(20, 3)
    np.save(tmp_path / "m.npy", matrix)
    rows = ArrayRows(np.load(tmp_path / "m.npy", mmap_mode="r"))
    asked = np.array([4, 5, 6, 0, 19, 7, 7, 3])  # runs, a jump back, a repeat
    np.testing.assert_array_equal(rows.take(asked), matrix[asked])
    assert rows.take(np.array([], dtype=np.int64)).shape == (0, 3)
    with pytest.raises(IndexError):
        rows.take(np.array([20]))
