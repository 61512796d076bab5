"""Embedding rate: texts/s of the ONNX encoder on 1 and all cores, and through Ray Data actors.

    python bench/embed_rate.py [--index index] [--repeat 3]

The texts are what ingest embeds for the current build (each passage with its title and
heading, and each sentence with its neighbours), so the rate converts straight into ingest
time: texts per passage x passages / rate. Prints a Markdown table (docs/scale-out.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from advice_search.chunking import embedding_text, sentence_windows
from advice_search.encoder import OnnxEncoder
from advice_search.index import SearchIndex

ROOT = Path(__file__).resolve().parent.parent


def texts_of(index_dir: Path) -> tuple[list[str], int]:
    data = SearchIndex.open(index_dir)
    titles = {a.article_id: a.title for a in data.articles}
    texts = [embedding_text(p, titles[p.article_id]) for p in data.passages]
    texts += [w for p in data.passages for _, _, w in sentence_windows(p.text)]
    return texts, len(data.passages)


def rate(encode, texts: list[str], repeat: int) -> float:  # noqa: ANN001
    """Median texts/s over ``repeat`` runs, after a small warm-up run."""
    encode(texts[:64])
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        encode(texts)
        runs.append(len(texts) / (time.perf_counter() - began))
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--times", type=int, default=4, help="the build's texts, this often (4)")
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    texts, passages = texts_of(args.index)
    texts, passages = texts * args.times, passages * args.times  # enough to time Ray fairly
    index = SearchIndex.open(args.index)
    assert index.manifest is not None and index.path is not None
    model_dir = index.manifest.export_dir(index.path)
    cores = os.cpu_count() or 1
    rows = []
    for threads in sorted({1, cores}):
        encoder = OnnxEncoder(model_dir, threads=threads)
        rows.append(
            (f"OnnxEncoder, {threads} thread(s)", threads, rate(encoder.encode, texts, args.repeat))
        )
    if not args.no_ray:
        from advice_search.ray_ingest import RayEncoder, connect

        connect(None)
        encoder = RayEncoder(model_dir)
        # Each ingest starts its actor pool anew, so each run here includes the actors' start.
        rows.append(
            (
                f"Ray Data, {encoder.actors} actor(s)",
                encoder.actors,
                rate(encoder.encode, texts, args.repeat),
            )
        )
    print(
        f"{len(texts)} texts ({len(texts) / passages:.1f} per passage), {cores} cores, "
        f"load average {os.getloadavg()[0]:.2f}\n"
    )
    print("| encoder | cores | texts/s | texts/s per core |\n|---|---:|---:|---:|")
    for name, used, per_second in rows:
        print(f"| {name} | {used} | {per_second:.1f} | {per_second / used:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
