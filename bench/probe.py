"""Measure one index from inside a fresh process (``python -m bench.probe``): memory after
loading, warm latency with and without filters, and how often the approximate vector index
gives the same final top 10 as exact search. Prints one JSON object.

Run by ``bench.scale_bench`` once per library size, so that each size starts from a clean
process: resident memory then means what a server holding that index would use.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np

from advice_search.search import Filters, Searcher

WARMUP = 5


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory of this process in MiB (Linux /proc), or its peak with VmHWM."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def make_filters(searcher: Searcher, count: int, seed: int) -> list[tuple[str, Filters]]:
    """Filters a reader might set: one site, one author, one article, or site and author."""
    catalogue = searcher.index.catalogue
    rng = random.Random(seed)
    kinds = ["site", "author", "article", "site+author"]
    chosen = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        row = rng.randrange(len(catalogue))
        site = (
            catalogue.sites[catalogue.site_codes[row]] if catalogue.site_codes[row] >= 0 else None
        )
        author = (
            catalogue.authors[catalogue.author_codes[row]]
            if catalogue.author_codes[row] >= 0
            else None
        )
        if kind == "article" or (kind != "article" and not (site or author)):
            chosen.append(("article", Filters(articles=frozenset({catalogue.ids[row]}))))
        elif kind == "site" and site:
            chosen.append(("site", Filters(sites=frozenset({site}))))
        elif kind == "author" and author:
            chosen.append(("author", Filters(authors=frozenset({author}))))
        else:
            chosen.append(
                (
                    "site+author",
                    Filters(
                        sites=frozenset({site} if site else ()),
                        authors=frozenset({author} if author else ()),
                    ),
                )
            )
    return chosen


def timed(search, questions, rounds: int) -> list[float]:  # noqa: ANN001
    times = []
    for _ in range(rounds):
        for question, extra in questions:
            start = time.perf_counter()
            search(question, **extra)
            times.append((time.perf_counter() - start) * 1000)
    return times


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "mean_ms": float(np.mean(ms)),
        "samples": len(ms),
    }


def exact_searcher(searcher: Searcher) -> Searcher:
    """The same index with an exact flat FAISS index over the very vectors it stores."""
    index = searcher.index
    flat = faiss.IndexFlatIP(index.vectors.d)
    n = index.vectors.ntotal
    for start in range(0, n, 65_536):
        flat.add(index.passage_vectors(np.arange(start, min(n, start + 65_536))))
    return Searcher(replace(index, vectors=flat), searcher.encoder, settings=searcher.settings)


def agreement(a: Searcher, b: Searcher, questions: list[str], filters=None) -> dict[str, float]:  # noqa: ANN001
    overlaps, firsts = [], []
    for i, question in enumerate(questions):
        f = filters[i][1] if filters else None
        left = [h.passage.passage_id for h in a.search(question, k=10, filters=f).hits]
        right = [h.passage.passage_id for h in b.search(question, k=10, filters=f).hits]
        if not right:
            continue
        overlaps.append(len(set(left) & set(right)) / len(right))
        firsts.append(float(left[:1] == right[:1]))
    return {
        "top10_overlap": float(np.mean(overlaps)),
        "same_first": float(np.mean(firsts)),
        "questions": len(overlaps),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.probe")
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True, help="JSON list of questions")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exact", action="store_true", help="also compare with exact search")
    parser.add_argument(
        "--nprobe",
        type=int,
        help="probe this many IVF lists instead of the build's (a spec change, without rebuilding)",
    )
    args = parser.parse_args(argv)
    questions = json.loads(args.questions.read_text(encoding="utf-8"))
    rss_start = rss_mb()
    start = time.perf_counter()
    searcher = Searcher.open(args.index)
    open_s = time.perf_counter() - start
    if args.nprobe:
        try:
            faiss.extract_index_ivf(searcher.index.vectors).nprobe = args.nprobe
        except RuntimeError:
            parser.error("--nprobe needs a build with an IVF index; this one searches exactly")
    rss_load = rss_mb()
    start = time.perf_counter()
    searcher.search(questions[0])
    first_ms = (time.perf_counter() - start) * 1000
    for question in questions[:WARMUP]:
        searcher.search(question)
    filters = make_filters(searcher, len(questions), args.seed)
    unfiltered = timed(searcher.search, [(q, {}) for q in questions], args.rounds)
    filtered = timed(
        searcher.search,
        [(q, {"filters": f}) for q, (_, f) in zip(questions, filters, strict=True)],
        args.rounds,
    )
    index = searcher.index
    allowed = [
        int(
            np.count_nonzero(
                index.catalogue.mask(articles=f.articles, authors=f.authors, sites=f.sites)[
                    index.passage_article
                ]
            )
        )
        for _, f in filters
    ]
    result = {
        "passages": len(index.passages),
        "articles": len(index.articles),
        "vector_index": index.manifest.vector_index.to_json() if index.manifest else None,
        "nprobe_override": args.nprobe,
        "open_s": open_s,
        "rss_start_mb": rss_start,
        "rss_after_load_mb": rss_load,
        "first_search_ms": first_ms,
        "unfiltered": summary(unfiltered),
        "filtered": summary(filtered),
        "filtered_allowed_passages_median": float(np.median(allowed)),
        "filter_kinds": sorted({kind for kind, _ in filters}),
        "rss_after_searches_mb": rss_mb(),
        "rss_after_searches_private_mb": rss_mb("RssAnon"),
        "rss_after_searches_file_mb": rss_mb("RssFile"),
        "rss_peak_mb": rss_mb("VmHWM"),
    }
    if args.exact:
        exact = exact_searcher(searcher)
        result["agreement"] = agreement(searcher, exact, questions)
        result["agreement_filtered"] = agreement(searcher, exact, questions, filters)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
