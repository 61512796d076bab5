"""The ONNX export embeds like the sentence-transformers reference, and questions never need torch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from advice_search.encoder import OnnxEncoder, SentenceTransformerEncoder, mean_pool

TEXTS = [
    "He says counseling is pointless, can it still work?",
    "short",
    "Propose a trial session\nTo ease your partner into the idea of couples counseling, "
    "suggest a trial session.",
    "word " * 400,  # longer than the model's 256-token window: truncated the same way
    "Je ne veux pas aller en thérapie 😢",
    "",
]


@pytest.fixture(scope="module")
def onnx_encoder(seed_index: Path) -> OnnxEncoder:
    model_dir = next((seed_index / "models").iterdir())
    return OnnxEncoder(model_dir)


def test_onnx_embeddings_match_sentence_transformers(onnx_encoder: OnnxEncoder) -> None:
    reference = SentenceTransformerEncoder().encode(TEXTS)
    # Batched together, so padding is exercised (the texts have very different lengths).
    exported = onnx_encoder.encode(TEXTS, batch_size=8)
    cosines = (reference * exported).sum(axis=1)
    assert cosines.min() >= 0.99, cosines


def test_embeddings_are_unit_length_and_batch_independent(onnx_encoder: OnnxEncoder) -> None:
    together = onnx_encoder.encode(TEXTS)
    alone = np.stack([onnx_encoder.encode([t])[0] for t in TEXTS])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)
    assert np.allclose(together, alone, atol=1e-4)


def test_mean_pool_ignores_padding() -> None:
    tokens = np.array([[[1.0, 1.0], [3.0, 3.0], [100.0, -100.0]]])
    mask = np.array([[1, 1, 0]])
    assert mean_pool(tokens, mask).tolist() == [[2.0, 2.0]]


def test_answering_a_question_does_not_import_torch(seed_index: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from advice_search.search import Searcher; "
        f"s = Searcher.open(Path({str(seed_index)!r})); "
        "r = s.search('my partner refuses couples therapy'); "
        "assert r.hits; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'sentence_transformers', 'transformers', 'scipy', 'bm25s')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout


def test_a_damaged_model_export_is_refused_and_ingest_restores_it(
    seed_index: Path, seed_corpus: Path, tmp_path: Path
) -> None:
    from advice_search.builder import ingest
    from advice_search.search import Searcher
    from advice_search.store import IndexUnavailable

    index = tmp_path / "index"
    shutil.copytree(seed_index, index)  # real copies: the session's files stay intact
    onnx = next((index / "models").iterdir()) / "model.onnx"
    data = bytearray(onnx.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx.write_bytes(bytes(data))
    with pytest.raises(IndexUnavailable, match="advice-search ingest"):
        Searcher.open(index)
    report = ingest(seed_corpus, index)
    assert report.embedded == 0  # the same weights: the vectors stay valid
    assert Searcher.open(index).search("counseling alone").hits


def test_ingest_from_nothing_exports_the_model_without_torch(tmp_path: Path) -> None:
    from .sample_corpus import write_corpus

    corpus = write_corpus(tmp_path / "corpus")
    code = (
        "import sys; from pathlib import Path; from advice_search.builder import ingest; "
        f"r = ingest(Path({str(corpus)!r}), Path({str(tmp_path / 'index')!r})); "
        "assert r.embedded == r.passages > 0; print(sorted(m for m in sys.modules if "
        "m.split('.')[0] in ('torch', 'sentence_transformers', 'transformers')))"
    )
    env = {**os.environ, "ADVICE_SEARCH_MODEL_CACHE": str(tmp_path / "empty-cache")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300,
        env=env,
    )  # fmt: skip
    assert out.stdout.strip() == "[]", out.stdout
    assert (tmp_path / "empty-cache").is_dir()  # the export was made there, and linked
