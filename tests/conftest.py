"""Shared fixtures: the real corpus indexed once per test session, with the real model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
OWN_SET = ROOT / "eval" / "own.jsonl"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX export per session, hard-linked into every index a test builds."""
    cache = tmp_path_factory.mktemp("model-cache")
    os.environ["ADVICE_SEARCH_MODEL_CACHE"] = str(cache)
    return cache


@pytest.fixture(scope="session")
def seed_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the real corpus (tests may not touch the checkout's corpus/)."""
    target = tmp_path_factory.mktemp("seed") / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def seed_index(seed_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpus ingested into a session-wide index directory."""
    from advice_search.builder import ingest

    index_dir = tmp_path_factory.mktemp("seed-index") / "index"
    ingest(seed_corpus, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def searcher(seed_index: Path):  # noqa: ANN201
    from advice_search.search import Searcher

    return Searcher.open(seed_index)
