"""The ``advice-search`` command: parses arguments, calls the package, formats output.

Expected problems (no index, bad question, bad file) print one line and exit 1; usage
errors exit 2. Nothing here ranks or reads files itself.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from . import paths

EXIT_OK, EXIT_ERROR = 0, 1


class CliError(Exception):
    """An expected problem: printed as one line, exit code 1."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CliError as error:
        print(f"advice-search: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("advice-search: interrupted; the index is unchanged.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="advice-search", description="Semantic search over a library of advice articles."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="build or update the index from the corpus")
    _add_paths(ingest)
    ingest.add_argument("--strict", action="store_true", help="fail if any file is skipped")
    ingest.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS",
        help="wait this long for another running ingest instead of exiting",
    )  # fmt: skip
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.add_argument(
        "--ray", nargs="?", const="", default=None, metavar="ADDRESS",
        help="embed on a Ray cluster (Ray Data); without ADDRESS, a local one",
    )  # fmt: skip
    ingest.set_defaults(run=run_ingest)

    search = sub.add_parser("search", help="answer a question from the index")
    search.add_argument("question", nargs="?", help="the question, in plain words")
    search.add_argument("--k", type=_positive_int, default=5, help="number of passages (5)")
    search.add_argument("--json", action="store_true", help="print JSON instead of text")
    search.add_argument(
        "--queries", metavar="FILE",
        help="questions, one a line or JSONL with \"q\"; - for stdin (one JSON line each)",
    )  # fmt: skip
    _add_paths(search)
    search.set_defaults(run=run_search)

    evaluate = sub.add_parser("eval", help="score the search on a gold question file")
    evaluate.add_argument("file", type=Path, help="JSONL gold file (see shared/eval/README.md)")
    evaluate.add_argument("--k", type=_positive_int, default=5, help="cut-off for hit@k (5)")
    evaluate.add_argument(
        "--compare", action="store_true", help="also score dense-only and BM25-only rankings"
    )
    evaluate.add_argument("--json", action="store_true", help="print JSON instead of a table")
    evaluate.add_argument("--ablation", action="store_true", help="each ranking stage on/off")
    _add_paths(evaluate)
    evaluate.set_defaults(run=run_eval)
    bench = sub.add_parser("bench", help="measure speed and write bench/RESULTS.md")
    bench.add_argument("--out", type=Path, default=None, help="report file (bench/RESULTS.md)")
    bench.add_argument(
        "--questions", type=Path, default=None, help="questions to time (the dev set)"
    )
    bench.add_argument(
        "--quick", action="store_true", help="skip the 100k/1M vector-index measurements"
    )
    _add_paths(bench)
    bench.set_defaults(run=run_bench)

    serve = sub.add_parser("serve", help="answer questions over HTTP (JSON API, docs at /docs)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port (8000)")
    serve.add_argument(
        "--ray", nargs="?", const="", default=None, metavar="ADDRESS",
        help="run as a Ray Serve deployment; without ADDRESS, on a local Ray cluster",
    )  # fmt: skip
    serve.add_argument("--replicas", type=_positive_int, default=None, help="with --ray (2)")
    serve.add_argument(
        "--cors-origin", action="append", default=[], metavar="ORIGIN",
        help="let web pages from ORIGIN call the API (repeatable; none by default)",
    )  # fmt: skip
    serve.add_argument("--index", type=Path, default=None, help="index directory (./index)")
    serve.set_defaults(run=run_serve)
    return parser


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, default=None, help="index directory (./index)")
    parser.add_argument("--corpus", type=Path, default=None, help="corpus directory (./corpus)")


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= number <= 50:
        raise argparse.ArgumentTypeError("must be between 1 and 50")
    return number


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (1-65535)")
    return int(value)


# ---------------------------------------------------------------- ingest


def run_ingest(args: argparse.Namespace) -> int:
    from .builder import IngestError, describe, ingest
    from .index import IndexUnavailable, IngestLocked
    from .ray_ingest import ClusterError  # Ray itself is imported only with --ray

    corpus = args.corpus or paths.corpus_dir()
    index = args.index or paths.index_dir()
    bar = None if args.quiet or args.json else _ProgressBar()
    cluster: contextlib.AbstractContextManager = contextlib.nullcontext()
    if args.ray is not None:
        from .ray_ingest import encoder_factory

        cluster = encoder_factory(args.ray or None)
    try:
        with cluster as factory:
            report = ingest(
                corpus, index, strict=args.strict, wait=args.wait, progress=bar,
                encoder_factory=factory,
            )  # fmt: skip
    except (IngestError, IngestLocked, IndexUnavailable, ClusterError) as error:
        raise CliError(str(error)) from None
    finally:
        if bar:
            bar.close()
    if args.json:
        print(json.dumps(describe(report), ensure_ascii=False))
        return EXIT_OK
    print(format_ingest_summary(report))
    return EXIT_OK


class _ProgressBar:
    """tqdm, created on the first update so a no-change run prints no bar."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="text", desc="Embedding", file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def format_ingest_summary(report) -> str:  # noqa: ANN001 (IngestReport, imported lazily)
    lines = []
    if report.wrote_build:
        lines.append(f"Index updated in {report.seconds:.1f} s: {report.index_path}")
    else:
        lines.append(f"Index is up to date ({report.seconds:.1f} s): {report.index_path}")
    lines.append(
        f"  articles  {report.articles}\n"
        f"  passages  {report.passages}  ({report.embedded} embedded, {report.reused} reused)"
    )
    if report.full_rebuild_reason:
        lines.append(f"  rebuilt everything: {report.full_rebuild_reason}")
    for label, ids in (
        ("new", report.added),
        ("edited", report.changed),
        ("removed", report.deleted),
    ):
        if ids:
            lines.append(f"  {label:<9} {', '.join(ids)}")
    if report.skipped:
        lines.append(f"  skipped   {len(report.skipped)} file(s):")
        lines += [f"    {s.path}: {s.reason}" for s in report.skipped]
    lines += [f"  note      {note}" for note in report.notes]
    return "\n".join(lines)


# ---------------------------------------------------------------- search


def open_searcher(index: Path | None):  # noqa: ANN201 (Searcher, imported lazily)
    from .index import IndexUnavailable
    from .search import Searcher

    try:
        return Searcher.open(index or paths.index_dir())
    except IndexUnavailable as error:
        raise CliError(str(error)) from None


def run_search(args: argparse.Namespace) -> int:
    from .search import QueryError

    if (args.question is None) == (args.queries is None):
        raise CliError("give one question (\"advice-search search '...'\") or --queries FILE")
    if args.queries and not args.json:
        raise CliError("--queries prints one JSON object a line: add --json")
    searcher = open_searcher(args.index)
    _warn_if_stale(searcher, args.corpus)
    if args.queries:
        for qid, question in _read_queries(args.queries):
            try:
                payload = searcher.search(question, k=args.k).to_json()
            except QueryError as error:
                payload = {"query": question, "error": str(error), "results": []}
            if qid is not None:
                payload = {"id": qid, **payload}
            print(json.dumps(payload, ensure_ascii=False), flush=True)
        return EXIT_OK
    try:
        result = searcher.search(args.question, k=args.k)
    except QueryError as error:
        raise CliError(str(error)) from None
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(format_result(result))
    return EXIT_OK


def _warn_if_stale(searcher, corpus: Path | None) -> None:  # noqa: ANN001
    status = searcher.corpus_status(corpus or paths.corpus_dir())
    if status.stale:
        print(
            f"advice-search: warning: {status.describe()}; results come from the old index. "
            "Run `advice-search ingest` to update it.",
            file=sys.stderr,
        )


def _read_queries(source: str) -> Iterator[tuple[str | None, str]]:
    """(id, question) pairs from a file of plain lines or JSONL with "q"."""
    handle: TextIO
    if source == "-":
        handle = sys.stdin
    else:
        try:
            handle = open(source, encoding="utf-8", errors="replace")  # noqa: SIM115
        except OSError as error:
            raise CliError(f"cannot read {source}: {error.strerror}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text:
                continue
            if text.startswith("{"):
                try:
                    row = json.loads(text)
                    yield (str(row["id"]) if "id" in row else None), str(row["q"])
                except (ValueError, KeyError, TypeError):
                    raise CliError(
                        f'{source}, line {number}: a JSON line needs a "q" field'
                    ) from None
            else:
                yield None, text


def format_result(result) -> str:  # noqa: ANN001 (SearchResult)
    from .safety import HELP_ELSEWHERE, HELP_HEADLINE, HELP_RESOURCES

    out: list[str] = []
    if result.crisis:
        out.append(HELP_HEADLINE)
        out += [f"  {r.name}: {r.contact} ({r.detail})" for r in HELP_RESOURCES]
        out += [f"  {HELP_ELSEWHERE}", ""]
    out += list(result.notices)
    if not result.hits:
        out.append("No passages found.")
        return "\n".join(out)
    if not result.confident:
        out.append("Nothing in the library answers this well. The closest passages we have:\n")
    for hit in result.hits:
        attribution = ", ".join(
            x for x in (hit.article.author, hit.article.site, hit.article.date) if x
        )
        out.append(f"{hit.rank}. {hit.article.title}  [{hit.score:.2f}]")
        if attribution:
            out.append(f"   {attribution}")
        if hit.passage.section:
            out.append(f"   § {hit.passage.section}")
        body = " ".join(hit.passage.text.split())
        out.append(textwrap.fill(body, width=88, initial_indent="   ", subsequent_indent="   "))
        out.append("")
    return "\n".join(out).rstrip()


# ---------------------------------------------------------------- eval


def run_eval(args: argparse.Namespace) -> int:
    from .evaluate import EvalFileError, ablation, baselines, evaluate, format_table, load_questions

    try:
        questions = load_questions(args.file)
    except EvalFileError as error:
        raise CliError(str(error)) from None
    searcher = open_searcher(args.index)
    if args.ablation:
        variants = ablation(searcher)
    elif args.compare:
        variants = baselines(searcher)
    else:
        variants = {"full": searcher}
    reports = [evaluate(s, questions, k=args.k, name=name) for name, s in variants.items()]
    if args.json:
        print(json.dumps({"file": str(args.file), "reports": [r.to_json() for r in reports]}))
        return EXIT_OK
    print(f"{args.file}: {len(questions)} questions, hit@k with k={args.k}\n")
    print(format_table(reports))
    full = reports[0]
    print(f"\nmissed (no hit in top {args.k}): {', '.join(full.missed) or 'none'}")
    extra = full.to_json()
    print(f"on-topic not confident: {', '.join(extra['unconfident_on_topic']) or 'none'}")
    print(f"off-topic confident: {', '.join(extra['confident_off_topic']) or 'none'}")
    return EXIT_OK


# ---------------------------------------------------------------- bench


def run_bench(args: argparse.Namespace) -> int:
    from . import bench

    root = paths.project_root()
    questions = args.questions or next(
        (
            p
            for p in (root.parent / "shared/eval/dev.jsonl", root / "eval/own.jsonl")
            if p.is_file()
        ),
        None,
    )
    if questions is None:
        raise CliError('no questions to time: pass --questions FILE (JSONL with "q")')
    open_searcher(args.index)  # a friendly message if there is no index yet
    report = bench.run(
        index_dir=args.index or paths.index_dir(),
        corpus_dir=args.corpus or paths.corpus_dir(),
        questions_file=questions,
        out=args.out or root / "bench" / "RESULTS.md",
        scale_sizes=() if args.quick else (100_000, 1_000_000),
        echo=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(report)
    return EXIT_OK


# ---------------------------------------------------------------- serve


def run_serve(args: argparse.Namespace) -> int:
    from .api import ApiSettings
    from .index import IndexUnavailable, build_dir
    from .ray_ingest import ClusterError

    if args.replicas is not None and args.ray is None:
        raise CliError("--replicas needs --ray (one process serves without Ray)")
    index = (args.index or paths.index_dir()).resolve()
    try:
        build_dir(index)
    except IndexUnavailable as error:
        print(f"advice-search: warning: {error} Until then /search answers 503.", file=sys.stderr)
    settings = ApiSettings(cors_origins=tuple(args.cors_origin))
    if args.ray is None:
        from .server import run

        run(index, settings, host=args.host, port=args.port)
        return EXIT_OK
    from .ray_serve import run as run_on_ray

    try:
        run_on_ray(
            index, settings, address=args.ray or None, host=args.host, port=args.port,
            replicas=args.replicas or 2, echo=lambda line: print(line, file=sys.stderr, flush=True),
        )  # fmt: skip
    except ClusterError as error:
        raise CliError(str(error)) from None
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
