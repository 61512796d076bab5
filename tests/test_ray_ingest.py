"""`ingest --ray`: the embedding runs on Ray Data actors; the build equals a local one."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from advice_search.builder import ingest
from advice_search.index import SearchIndex
from advice_search.lexical import Lexical
from tests import servers

# Vectors may differ a hair (and their int8 codes by one step here and there).
VARYING_FILES = {"vectors.faiss", "sentences/codes.npy", "sentences/scales.npy", "topic.npy"}


def _comparable(manifest: dict) -> dict:
    """The manifest without what differs between any two builds (time, id, own checksum)."""
    files = {
        name: (None if name in VARYING_FILES else entry)
        for name, entry in manifest["files"].items()
    }
    skip = {"created_at", "build_id", "manifest_sha256", "files"}
    return {**{k: v for k, v in manifest.items() if k not in skip}, "files": files}


def _bm25_weights(build: Path) -> dict[tuple[str, int], float]:
    """Every (term, passage) BM25 weight, whatever ids the terms got."""
    lexical = Lexical.load(build / "lexical")
    terms = {i: t for t, i in lexical.vocab.items()}
    return {
        (terms[term], int(doc)): float(weight)
        for term in range(len(lexical.indptr) - 1)
        for doc, weight in zip(
            lexical.docs[lexical.indptr[term] : lexical.indptr[term + 1]],
            lexical.weights[lexical.indptr[term] : lexical.indptr[term + 1]],
            strict=True,
        )
    }


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_ray_ingest_builds_what_local_ingest_builds(
    ray_cluster, seed_index: Path, seed_corpus: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    index = tmp_path / "index"
    run = subprocess.run(
        [*servers.CLI, "ingest", "--ray", ray_cluster.address, "--json", "--index", str(index),
         "--corpus", str(seed_corpus)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["wrote_build"] and report["embedded"] == report["passages"] > 0
    local, remote = SearchIndex.open(seed_index), SearchIndex.open(index)
    assert local.manifest is not None and remote.manifest is not None
    assert tuple(remote.articles) == tuple(local.articles)
    assert tuple(remote.passages) == tuple(local.passages)
    np.testing.assert_array_equal(remote.sentence_rows, local.sentence_rows)
    rows = np.arange(len(local.passages))
    assert _cosines(remote.passage_vectors(rows), local.passage_vectors(rows)).min() >= 0.9999
    remote_sentences = remote.sentence_vectors.floats()
    assert _cosines(remote_sentences, local.sentence_vectors.floats()).min() >= 0.999
    assert _comparable(remote.manifest.to_json()) == _comparable(local.manifest.to_json())
    assert set(remote.manifest.files) == set(local.manifest.files)
    assert _bm25_weights(remote.path) == _bm25_weights(local.path)


def test_nothing_to_embed_means_no_cluster_is_asked(
    seed_index: Path, seed_corpus: Path, tmp_path: Path
) -> None:
    def no_cluster(model_dir: Path):  # noqa: ANN202
        raise AssertionError("the encoder factory was called with nothing to embed")

    shutil.copytree(seed_index, tmp_path / "index")
    report = ingest(seed_corpus, tmp_path / "index", encoder_factory=no_cluster)
    assert not report.wrote_build and report.embedded == 0


def test_without_ray_installed_the_cluster_commands_say_how_to_get_it(
    seed_corpus: Path, tmp_path: Path
) -> None:
    blocked = "import sys; sys.modules['ray'] = None\nfrom advice_search.cli import main\n"
    for argv in (
        [
            "ingest",
            "--ray",
            "--quiet",
            "--index",
            str(tmp_path / "index"),
            "--corpus",
            str(seed_corpus),
        ],
        ["serve", "--ray", "--index", str(tmp_path / "index")],
    ):
        run = subprocess.run(
            [sys.executable, "-c", blocked + f"raise SystemExit(main({argv!r}))"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 1, run.stderr
        assert "Ray is not installed: run `pip install -e '.[cluster]'`" in run.stderr
        assert "Traceback" not in run.stderr
    assert not (tmp_path / "index" / "CURRENT").exists()


def test_the_cli_and_a_search_never_import_ray(seed_index: Path, seed_corpus: Path) -> None:
    code = (
        "import sys, io, contextlib\n"
        "from advice_search.cli import main\n"
        "import advice_search.api, advice_search.ray_ingest, advice_search.ray_serve\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['search', '--json', 'therapy', '--index', {str(seed_index)!r},"
        f" '--corpus', {str(seed_corpus)!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
