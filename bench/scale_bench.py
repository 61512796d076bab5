"""``make bench-scale``: the whole pipeline measured as the library grows.

Three parts, each saving its numbers in ``<workdir>/results.json`` as it goes (run one part
again with ``--parts``; ``bench/SCALE.md`` and its plots are written from all of them):

query   For each library size (passages), a synthetic library (``bench/library.py``) is
        written to disk and ingested through ``builder.ingest`` with vectors derived from
        the model's (no model run per passage), so the index is the product's own build.
        Then, each in fresh processes: size on disk, cold answer (``advice-search search``
        with the library as --corpus, staleness check included), memory after load, warm
        p50/p95 with and without filters, and agreement of the final top 10 with exact
        vector search (``bench/probe.py``).
ingest  Libraries of 1k articles (``--ingest-articles``) really embedded by ``advice-search ingest``
        (the ONNX export already made): passages/s; the same with the code of
        ``--baseline`` (a checkout of the old version) for comparison. Then at
        ``--edit-articles`` (10k), re-ingest with nothing changed and after editing one
        article (the first build of that library with derived vectors: 85k passages really
        embedded would take an hour on two cores, and the re-ingest is what is measured).
seeds   The five seed articles from nothing, ONNX export included (an empty model cache),
        against txtai and Haystack building the same articles in their own virtualenv
        (``--peers-python``, see ``bench/peers.py``); and re-ingest with nothing changed.

Run from the project folder: ``python -m bench.scale_bench [--workdir DIR] [--parts ...]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from advice_search import paths
from advice_search.builder import ingest
from advice_search.chunking import chunk_article
from advice_search.corpus import parse_article, slugify
from advice_search.encoder import OnnxEncoder
from advice_search.evaluate import load_questions
from advice_search.model import ensure_export, model_info, source_model_dir
from advice_search.store import Store

from .library import (
    DerivedEncoder,
    Library,
    VectorBank,
    age_files,
    article_text,
    write_library,
)

COLD_QUESTION = "he says counseling is pointless, can it still work?"
ROOT = paths.project_root()
QUESTION_FILES = (
    ROOT.parent / "shared/eval/dev.jsonl",
    ROOT / "eval/own.jsonl",
    ROOT / "eval/forum.jsonl",
    ROOT / "eval/paraphrase.jsonl",
)
EXACT_COUNT_MAX = 50_000  # up to this many passages a library is cut exactly; above, estimated


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def run(
    argv: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 7200,
    cwd: Path = ROOT,
) -> tuple[float, str, str]:  # fmt: skip
    """Wall seconds, stdout and stderr of a command (raises if it fails). ``cwd`` decides
    which code ``python -m advice_search.cli`` runs: the folder's own package comes first."""
    start = time.perf_counter()
    done = subprocess.run(
        list(argv), capture_output=True, text=True, timeout=timeout, cwd=cwd,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stdout, done.stderr


def answer_and_exit(argv: Sequence[str]) -> tuple[float, float]:
    """Seconds until a fresh process prints its answer, and until it exits (after the
    corpus check that may add a staleness warning)."""
    start = time.perf_counter()
    process = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None
    first = process.stdout.read(1)
    answered = time.perf_counter() - start
    rest, err = process.communicate(timeout=600)
    if process.returncode or not first:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{err.decode()[-2000:]}")
    return answered, time.perf_counter() - start


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "advice_search.cli", *args]


def build_size_on_disk(index_dir: Path) -> int:
    return sum(f.stat().st_size for f in Store(index_dir).current().rglob("*") if f.is_file())


# ---------------------------------------------------------------- query path


def articles_for(library: Library, passages: int, seed: int) -> int:
    """How many articles (seeds first) make about ``passages`` passages."""
    counted = total = 0
    for index in range(3000):
        rel, text = article_text(library, seed, index)
        total += len(chunk_article(parse_article(text, path=rel, article_id=slugify(rel))))
        counted += 1
        if passages <= EXACT_COUNT_MAX and total >= passages:
            return counted + len(library.seed_files)
    return len(library.seed_files) + math.ceil(passages / (total / counted))


def query_part(args: argparse.Namespace, library: Library, bank: VectorBank, results: dict) -> None:
    questions = sorted({q.text for f in QUESTION_FILES if f.is_file() for q in load_questions(f)})
    question_file = args.workdir / "questions.json"
    question_file.write_text(json.dumps(questions), encoding="utf-8")
    for size in args.sizes:
        corpus, index = args.workdir / f"library-{size}", args.workdir / f"index-{size}"
        row: dict = {"target_passages": size}
        if not (args.keep and (index / "CURRENT").is_file()):
            shutil.rmtree(corpus, ignore_errors=True)
            shutil.rmtree(index, ignore_errors=True)
            articles = articles_for(library, size, args.seed)
            log(f"query {size}: writing {articles} articles")
            start = time.perf_counter()
            write_library(library, corpus, seed=args.seed, articles=articles)
            age_files(corpus)
            row["write_s"] = time.perf_counter() - start
            log(f"query {size}: ingest with derived vectors")
            start = time.perf_counter()
            ingest(corpus, index, encoder=DerivedEncoder(bank))
            row["ingest_derived_s"] = time.perf_counter() - start
        row["disk_bytes"] = build_size_on_disk(index)
        log(f"query {size}: cold answers")
        argv = cli(
            "search", "--json", COLD_QUESTION, "--index", str(index), "--corpus", str(corpus)
        )
        _, out, err = run(argv)  # the first run pays for cold file caches
        assert json.loads(out)["results"] and "warning" not in err, err
        cold = [answer_and_exit(argv) for _ in range(5)]
        row["cold_s"] = [answer for answer, _ in cold]
        row["cold_exit_s"] = [done for _, done in cold]
        log(f"query {size}: probe (memory, warm latency, agreement)")
        probe = [
            sys.executable,
            "-m",
            "bench.probe",
            "--index",
            str(index),
            "--questions",
            str(question_file),
        ]
        _, out, _ = run([*probe, "--exact"] if args.exact else probe)
        row.update(json.loads(out))
        row["load_average"] = os.getloadavg()
        results.setdefault("query", {})[str(size)] = row
        save(args, results)


# ---------------------------------------------------------------- ingest throughput


def ingest_part(
    args: argparse.Namespace, library: Library, bank: VectorBank, results: dict, models: Path
) -> None:
    env = {"ADVICE_SEARCH_MODEL_CACHE": str(models)}
    for count in args.ingest_articles:
        corpus = ingest_library(args, library, count)
        row: dict = {"articles": count, "load_average_start": os.getloadavg()}
        for label, code in (("new", ROOT), ("baseline", args.baseline)):
            if label == "baseline" and (
                args.baseline is None or count not in args.baseline_articles
            ):
                continue
            index = args.workdir / f"ingest-index-{count}-{label}"
            shutil.rmtree(index, ignore_errors=True)
            log(f"ingest {count} articles ({label} code)")
            argv = cli("ingest", "--json", "--corpus", str(corpus), "--index", str(index))
            seconds, out, _ = run(argv, env={**env, "PYTHONPATH": str(code)}, cwd=code)
            report = json.loads(out)
            row[label] = {
                "seconds": seconds,
                "passages": report["passages"],
                "embedded": report["embedded"],
                "passages_per_s": report["passages"] / seconds,
            }
            save(args, results | {"ingest": {**results.get("ingest", {}), str(count): row}})
        row["load_average_end"] = os.getloadavg()
        results.setdefault("ingest", {})[str(count)] = row
        save(args, results)
    if args.edit_articles:
        results["incremental"] = incremental(args, library, bank, env)
        save(args, results)


def ingest_library(args: argparse.Namespace, library: Library, count: int) -> Path:
    corpus = args.workdir / f"ingest-library-{count}"
    shutil.rmtree(corpus, ignore_errors=True)
    write_library(library, corpus, seed=args.seed + 1, articles=count)
    age_files(corpus)
    return corpus


def incremental(
    args: argparse.Namespace, library: Library, bank: VectorBank, env: dict[str, str]
) -> dict:
    """Re-ingest of a library of ``--edit-articles`` articles, with nothing changed and after
    one article is edited: the real model embeds what changed. The first build of that
    library embeds with vectors derived from the model's (``DerivedEncoder``), unless it was
    really embedded above: what is measured is the second ingest, not the first."""
    count = args.edit_articles
    index = args.workdir / f"ingest-index-{count}-new"
    row: dict = {"articles": count, "load_average_start": os.getloadavg()}
    if count in args.ingest_articles:
        corpus = args.workdir / f"ingest-library-{count}"
        row["first_build"] = "real model"
    else:
        corpus = ingest_library(args, library, count)
        shutil.rmtree(index, ignore_errors=True)
        log(f"incremental: first build of {count} articles with derived vectors")
        start = time.perf_counter()
        ingest(corpus, index, encoder=DerivedEncoder(bank))
        row["first_build"] = "derived vectors"
        row["first_build_s"] = time.perf_counter() - start
    argv = cli("ingest", "--json", "--corpus", str(corpus), "--index", str(index))
    log(f"incremental: {count} articles, nothing changed")
    seconds, out, _ = run(argv, env=env)
    row["unchanged"] = {"seconds": seconds, "embedded": json.loads(out)["embedded"]}
    edited = sorted(corpus.rglob("*.md"))[len(library.seed_files) + 7]
    edited.write_text(
        edited.read_text(encoding="utf-8")
        + "\nOne more closing paragraph, written to measure an incremental ingest. "
        "It adds a sentence or two.\n",
        encoding="utf-8",
    )
    log(f"incremental: {count} articles, one edited")
    seconds, out, _ = run(argv, env=env)
    report = json.loads(out)
    row["one_edited"] = {
        "seconds": seconds,
        "embedded": report["embedded"],
        "changed": report["changed"],
        "passages": report["passages"],
    }
    row["load_average_end"] = os.getloadavg()
    return row


# ---------------------------------------------------------------- seeds from nothing


def seeds_part(args: argparse.Namespace, results: dict) -> None:
    row: dict = {"load_average_start": os.getloadavg(), "ours": [], "peers": {}}
    for attempt in range(args.repeats):
        work = args.workdir / f"seeds-{attempt}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(ROOT / "corpus", work / "corpus")
        env = {"ADVICE_SEARCH_MODEL_CACHE": str(work / "empty-model-cache")}
        argv = cli(
            "ingest", "--json", "--corpus", str(work / "corpus"), "--index", str(work / "index")
        )
        log(f"seeds from nothing, run {attempt + 1}")
        seconds, out, _ = run(argv, env=env)
        row["ours"].append({"seconds": seconds, "passages": json.loads(out)["passages"]})
        if attempt == 0:
            row["unchanged"] = [run(argv, env=env)[0] for _ in range(5)]
        for name in ("txtai", "haystack"):
            if args.peers_python is None:
                continue
            log(f"seeds with {name}, run {attempt + 1}")
            peer = [str(args.peers_python), str(ROOT / "bench/peers.py"), name, str(ROOT / "corpus"),
                    str(source_model_dir()), str(work / name)]  # fmt: skip
            try:
                seconds, out, _ = run(
                    peer, env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
                )
                row["peers"].setdefault(name, []).append({"seconds": seconds, **json.loads(out)})
            except RuntimeError as error:
                row["peers"].setdefault(name, []).append({"error": str(error)[-600:]})
    row["load_average_end"] = os.getloadavg()
    results["seeds"] = row
    save(args, results)


# ---------------------------------------------------------------- driver


def save(args: argparse.Namespace, results: dict) -> None:
    results["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    (args.workdir / "results.json").write_text(json.dumps(results, indent=2))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_bench", description=__doc__)
    parser.add_argument(
        "--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "advice-scale"
    )
    parser.add_argument("--parts", default="query,ingest,seeds")
    parser.add_argument("--sizes", default="1000,10000,1200000", help="passages (query part)")
    parser.add_argument(
        "--ingest-articles", default="1000", help="articles, really embedded from nothing"
    )
    parser.add_argument(
        "--edit-articles", type=int, default=10_000, help="library size of the re-ingest runs"
    )
    parser.add_argument(
        "--baseline", type=Path, default=None, help="old code to compare ingest with"
    )
    parser.add_argument("--baseline-articles", default="1000")
    parser.add_argument(
        "--peers-python", type=Path, default=None, help="python of the txtai/Haystack venv"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of the seeds-from-nothing part"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--keep", action="store_true", help="reuse libraries built by an earlier run"
    )
    parser.add_argument("--no-exact", dest="exact", action="store_false")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "SCALE.md")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.ingest_articles = [int(s) for s in args.ingest_articles.split(",") if s]
    args.baseline_articles = [int(s) for s in args.baseline_articles.split(",") if s]
    args.workdir.mkdir(parents=True, exist_ok=True)
    results_file = args.workdir / "results.json"
    results = json.loads(results_file.read_text()) if results_file.is_file() else {}
    parts = set(args.parts.split(","))
    models = args.workdir / "models"
    os.environ["ADVICE_SEARCH_MODEL_CACHE"] = str(models)  # this process's ingests too
    library = Library.load(ROOT / "corpus")
    if parts & {"query", "ingest"}:
        export, _ = ensure_export(args.workdir / "export", model_info().weights_sha256)
        bank = VectorBank.build(
            library, lambda: OnnxEncoder(export, threads=os.cpu_count() or 1),
            model_key=model_info().weights_sha256, cache=args.workdir,
        )  # fmt: skip
    if "query" in parts:
        query_part(args, library, bank, results)
    if "ingest" in parts:
        ingest_part(args, library, bank, results, models)
    if "seeds" in parts:
        seeds_part(args, results)
    from .scale_report import write_report

    write_report(
        results,
        args.out,
        command=" ".join(["python -m bench.scale_bench", *(argv or sys.argv[1:])]),
    )
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
