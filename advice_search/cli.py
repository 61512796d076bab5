"""The ``advice-search`` command: parses arguments, calls the package, formats output.

Expected problems (no index, bad question, bad file) print one line and exit 1; usage
errors exit 2. Nothing here ranks or reads files itself.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import paths
from .batch import json_line, read_queries

EXIT_OK, EXIT_ERROR = 0, 1


class CliError(Exception):
    """An expected problem: printed as one line, exit code 1."""


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except CliError as error:
        print(f"advice-search: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:  # ingest's cleanup has run; the build in use is whole
        print("advice-search: interrupted.", file=sys.stderr)
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


# ---------------------------------------------------------------- ingest


def run_ingest(args: argparse.Namespace) -> int:
    from .builder import IngestError, describe, ingest
    from .store import IndexUnavailable, IngestLocked

    corpus = args.corpus or paths.corpus_dir()
    index = args.index or paths.index_dir()
    bar = None if args.quiet or args.json else _ProgressBar()
    try:
        report = ingest(corpus, index, strict=args.strict, wait=args.wait, progress=bar)
    except (IngestError, IngestLocked, IndexUnavailable) as error:
        raise CliError(str(error)) from None
    finally:
        if bar:
            bar.close()
    if args.json:
        _print_json(describe(report))
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
    from .search import Searcher
    from .store import IndexUnavailable

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
        for query in read_queries(_query_lines(args.queries)):
            payload: dict[str, Any] = {"line": query.line}
            if query.id is not None:
                payload["id"] = query.id
            try:
                if query.error:
                    raise QueryError(query.error)
                payload.update(searcher.search(query.question, k=args.k).to_json())
            except QueryError as error:
                payload.update(query=query.question, error=str(error), results=[])
            _print_json(payload)
        return EXIT_OK
    try:
        result = searcher.search(args.question, k=args.k)
    except QueryError as error:
        raise CliError(str(error)) from None
    if args.json:
        _print_json(result.to_json())
    else:
        print(format_result(result))
    return EXIT_OK


def _warn_if_stale(searcher, corpus: Path | None) -> None:  # noqa: ANN001
    from .messages import stale_warning

    status = searcher.corpus_status(corpus or paths.corpus_dir())
    if status.stale:
        print(f"advice-search: warning: {stale_warning(status)}", file=sys.stderr)


def _query_lines(source: str) -> Iterator[str]:
    """The lines of a questions file, or of stdin for "-" (undecodable bytes replaced)."""
    if source == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        handle = (
            io.TextIOWrapper(buffer, encoding="utf-8", errors="replace") if buffer else sys.stdin
        )
    else:
        try:
            handle = open(source, encoding="utf-8", errors="replace")  # noqa: SIM115
        except OSError as error:
            raise CliError(f"cannot read {source}: {error.strerror}") from None
    with handle:
        yield from handle


def _print_json(payload: dict[str, Any]) -> None:
    """One JSON line; plain ASCII escapes when stdout cannot encode the text as it is."""
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    print(json_line(payload, ascii_only=encoding != "utf8"), flush=True)


def format_result(result) -> str:  # noqa: ANN001 (SearchResult)
    from .messages import attribution, help_panel

    out: list[str] = []
    if result.crisis:
        panel = help_panel()
        out.append(panel.headline)
        out += [f"  {line}" for line in panel.resources]
        out += [f"  {panel.elsewhere}", ""]
    out += list(result.notices)
    if not result.hits:
        out.append("No passages found.")
        return "\n".join(out)
    if not result.confident:
        out.append("Nothing in the library answers this well. The closest passages we have:\n")
    for hit in result.hits:
        out.append(f"{hit.rank}. {hit.article.title}  [{hit.score:.2f}]")
        if credit := attribution(hit.article):
            out.append(f"   {credit}")
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


if __name__ == "__main__":
    raise SystemExit(main())
