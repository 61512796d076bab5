"""Forged builds: files edited and every checksum recomputed, so only the content can give
them away. Each must be refused in one line, or searched without a traceback.

The forgeries are of structure: references, counts, shapes, spans. The type of each field
(a passage text that is a number) is not checked on load: that costs a check per passage
on every start, against a forger who recomputes checksums and could as well edit the code.
Row numbers (which passage, which article, which posting) are checked on every load of a
build up to ``index.THOROUGH_MAX_PASSAGES`` passages, like these; a larger build has them
checked by ingest and ``advice-search verify``, which read every byte anyway.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

from advice_search.cli import main
from advice_search.manifest import Manifest
from advice_search.store import Store

from .conftest import Ledger

ATTACK = "forged builds (checksums recomputed)"
QUESTIONS = ("how do I set a boundary", "money", "sleep better")


def rows(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_rows(path: Path, data: list[Any]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in data))


def edit_rows(name: str, change: Callable[[list[Any]], None]) -> Callable[[Path], None]:
    def edit(build: Path) -> None:
        data = rows(build / name)
        change(data)
        write_rows(build / name, data)

    return edit


def edit_array(name: str, change: Callable[[np.ndarray], np.ndarray]) -> Callable[[Path], None]:
    def edit(build: Path) -> None:
        np.save(build / name, change(np.load(build / name)))

    return edit


def drop_a_vector(build: Path) -> None:
    index = faiss.read_index(str(build / "vectors.faiss"))
    index.remove_ids(np.array([0], dtype=np.int64))
    faiss.write_index(index, str(build / "vectors.faiss"))


def edit_faiss(change: Callable[[np.ndarray], np.ndarray]) -> Callable[[Path], None]:
    """Replace the FAISS index (the one stored copy of the passage vectors) by a flat one
    over the changed vectors."""

    def edit(build: Path) -> None:
        index = faiss.read_index(str(build / "vectors.faiss"))
        matrix = np.ascontiguousarray(change(index.reconstruct_n(0, index.ntotal)), np.float32)
        flat = faiss.IndexFlatIP(matrix.shape[1])
        flat.add(matrix)
        faiss.write_index(flat, str(build / "vectors.faiss"))

    return edit


def edit_params(change: dict[str, Any]) -> Callable[[Path], None]:
    def edit(build: Path) -> None:
        params = json.loads((build / "lexical" / "params.json").read_text())
        (build / "lexical" / "params.json").write_text(json.dumps({**params, **change}))

    return edit


def set_first(field: str, value: Any) -> Callable[[list[Any]], None]:
    return lambda data: data[0].update({field: value})


FORGERIES: dict[str, Callable[[Path], None]] = {
    "nothing (the control: searched)": lambda build: None,
    "a passage of a missing article": edit_rows("passages.jsonl", set_first("article_id", "ghost")),
    "an unknown passage kind": edit_rows("passages.jsonl", set_first("kind", "evil")),
    "an unknown passage field": edit_rows("passages.jsonl", set_first("extra", 1)),
    "a passage that is not an object": edit_rows("passages.jsonl", lambda d: d.__setitem__(0, [])),
    "a passage too few": edit_rows("passages.jsonl", lambda d: d.pop()),
    "two passages with one id": edit_rows("passages.jsonl", lambda d: d[1].update(passage_id=d[0]["passage_id"])),
    "removed lines that are not a list": edit_rows("articles.jsonl", set_first("removed", 3)),
    "two articles with one id": edit_rows("articles.jsonl", lambda d: d[1].update(article_id=d[0]["article_id"])),
    "vectors of 383 dimensions": edit_faiss(lambda a: a[:, :383]),
    "a vector of NaN": edit_faiss(lambda a: np.where(np.arange(len(a))[:, None] == 0, np.nan, a)),
    "a FAISS index missing a vector": drop_a_vector,
    "sentence vectors of 383 dimensions": edit_array("sentences/codes.npy", lambda a: a[:, :383]),
    "a sentence vector too few": edit_array("sentences/codes.npy", lambda a: a[:-1]),
    "a sentence span past its passage": edit_array("sentence_rows.npy", lambda a: np.where(np.arange(3) == 2, a + 10_000, a)),
    "a sentence span backwards": edit_array("sentence_rows.npy", lambda a: a[:, [0, 2, 1]]),
    "a sentence of passage 999": edit_array("sentence_rows.npy", lambda a: np.where(np.arange(3) == 0, 999, a)),
    "sentence starts out of order": edit_array("sentence_start.npy", lambda a: a[::-1].copy()),
    "a passage pointing at no article": edit_array("passage_article.npy", lambda a: a + 999),
    "a passage kind out of range": edit_array("passage_kind.npy", lambda a: a + 50),
    "passage offsets into the middle of lines": edit_array("passages.offsets.npy", lambda a: a + 3),
    "BM25 for another number of passages": edit_array("lexical/doc_len.npy", lambda a: a[:-1]),
    "BM25 pointing past the passages": edit_array("lexical/docs.npy", lambda a: a + 999),
    "BM25 vocabulary past its arrays": lambda b: (b / "lexical" / "vocab.json").write_text(json.dumps({"money": 10**6})),
}  # fmt: skip

MANIFEST_FORGERIES: dict[str, Callable[[Manifest], Manifest]] = {
    "manifest counts one passage more": lambda m: replace(m, counts={**m.counts, "passages": m.counts["passages"] + 1}),
    "manifest chunking that cannot be": lambda m: m,  # replaced on disk below
    "manifest vector index of an unknown kind": lambda m: replace(m, vector_index=replace(m.vector_index, kind="hnsw")),
}  # fmt: skip


def reject(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def forge(index: Path, name: str) -> None:
    build = Store(index).current()
    manifest = Manifest.read(build)
    if name in FORGERIES:
        FORGERIES[name](build)
    else:
        manifest = MANIFEST_FORGERIES[name](manifest)
    forged = manifest.recording_files(build)
    forged.write(build)
    if name == "manifest chunking that cannot be":  # settings no ChunkSettings accepts
        data = json.loads((build / "manifest.json").read_text())
        data["chunking"] = {"target_chars": 0, "max_chars": -1, "min_chars": 5}
        from advice_search.manifest import content_digest

        data["manifest_sha256"] = content_digest(data)
        (build / "manifest.json").write_text(json.dumps(data))


@pytest.mark.parametrize("name", [*FORGERIES, *MANIFEST_FORGERIES])
def test_a_forged_build_is_refused_in_one_line_or_searched_cleanly(
    workspace: tuple[Path, Path], name: str, capsys: pytest.CaptureFixture[str], ledger: Ledger
) -> None:
    corpus, index = workspace
    forge(index, name)
    paths = ["--index", str(index), "--corpus", str(corpus)]
    outcomes = []
    try:
        for question in QUESTIONS:
            for form in (["--json"], []):
                code = main(["search", question, *form, *paths])
                out, err = capsys.readouterr()
                if code == 1:
                    assert out == "" and len(err.strip().splitlines()) == 1, err
                    assert "advice-search ingest" in err, err
                    outcomes.append("refused")
                else:
                    assert code == 0 and out.strip(), (code, err)
                    if form:  # valid JSON: no NaN or Infinity, nothing unprintable
                        json.loads(out, parse_constant=reject)
                    outcomes.append("searched")
    except Exception:
        ledger.record(ATTACK, attacks=1, tracebacks=1)
        raise
    assert len(set(outcomes)) == 1, outcomes  # refused every time, or never
    if name.startswith("nothing"):
        assert outcomes[0] == "searched"  # the checks refuse forgeries, not builds
    ledger.record(ATTACK, attacks=1, counts={outcomes[0]: 1})
