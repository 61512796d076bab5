"""Shared fixtures: real model, real corpus copies and small written corpora, in tmp dirs.

Tests that need the real five-article corpus embedded (``seed_index``) are marked ``slow``
here automatically; ``make test-fast`` runs everything else (pure functions and the small
sample index) in well under a minute.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from .sample_corpus import copy_index, write_corpus

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
OWN_SET = ROOT / "eval" / "own.jsonl"


def eval_script(name: str) -> ModuleType:
    """A script of eval/ (``fit_danger``...) loaded as a module: they are not a package."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "eval" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# Ray clusters started by tests listen on the loopback address only (read when ray is imported).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Anything built on the real corpus's index, on a Ray cluster or driving a browser, is slow."""
    for item in items:
        uses = getattr(item, "fixturenames", ())
        if {"seed_index", "ray_cluster"} & set(uses) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One ONNX export per session, hard-linked into every index a test builds."""
    cache = tmp_path_factory.mktemp("model-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ADVICE_SEARCH_MODEL_CACHE", str(cache))
        patch.setenv("HF_HUB_OFFLINE", "1")
        yield cache


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


@pytest.fixture(scope="session")
def unseen_searcher(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A searcher over the articles written for the role and intent tests (fixtures/unseen)."""
    from advice_search.builder import ingest
    from advice_search.search import Searcher

    root = tmp_path_factory.mktemp("unseen")
    corpus = Path(shutil.copytree(ROOT / "tests" / "fixtures" / "unseen", root / "corpus"))
    (corpus / "expected.json").unlink()
    ingest(corpus, root / "index")
    return Searcher.open(root / "index")


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The short written sample articles ingested once per session. Read-only: copy it.

    Its corpus is ``sample_index.parent / "corpus"``.
    """
    from advice_search.builder import ingest

    root = tmp_path_factory.mktemp("sample")
    ingest(write_corpus(root / "corpus"), root / "index")
    return root / "index"


@pytest.fixture
def workspace(sample_index: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Private copies of the sample corpus and its index: (tmp/corpus, tmp/index)."""
    corpus = Path(shutil.copytree(sample_index.parent / "corpus", tmp_path / "corpus"))
    return corpus, copy_index(sample_index, tmp_path / "index")


@dataclass(frozen=True)
class RayCluster:
    address: str  # for `--ray ADDRESS` in a subprocess
    logs: Path  # the session's log folder (Ray Serve replicas log under serve/)
    serve_port: int  # Ray Serve's HTTP port is fixed per cluster: every test uses this one


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[RayCluster]:
    """One local Ray cluster for the whole session: 2 CPUs, no dashboard, loopback only."""
    import ray

    from tests.servers import free_port

    # Short and fresh: Ray's socket paths live under it and must stay under 108 characters.
    temp = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
    ray.init(
        num_cpus=2, include_dashboard=False, log_to_driver=False, _temp_dir=str(temp),
        logging_level=logging.ERROR,
    )  # fmt: skip
    try:
        yield RayCluster(
            ray.get_runtime_context().gcs_address, temp / "session_latest" / "logs", free_port()
        )
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
