"""search, eval, serve: answering questions from the index."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import paths, terminal
from ..batch import read_queries
from . import EXIT_OK, CliError, print_json


def open_searcher(index: Path | None):  # noqa: ANN201 (Searcher, imported lazily)
    from ..search import Searcher
    from ..store import IndexUnavailable

    try:
        return Searcher.open(index or paths.index_dir())
    except IndexUnavailable as error:
        raise CliError(str(error)) from None


def run_search(args: argparse.Namespace) -> int:
    from ..search import QueryError
    from ..staleness import status_in_background

    if (args.question is None) == (args.queries is None):
        raise CliError("give one question (\"advice-search search '...'\") or --queries FILE")
    if args.queries and args.after is not None:
        raise CliError('--after goes with one question; in a --queries file give "after" per line')
    if args.queries and not args.json:
        raise CliError("--queries prints one JSON object a line: add --json")
    # Compared while the index loads and the question is answered; warned about after.
    pending = status_in_background(
        args.index or paths.index_dir(), args.corpus or paths.corpus_dir()
    )
    searcher = open_searcher(args.index)
    if args.queries:
        _print_stale(pending())
        for query in read_queries(_query_lines(args.queries)):
            payload: dict[str, Any] = {"line": query.line}
            if query.id is not None:
                payload["id"] = query.id
            try:
                if query.error:
                    raise QueryError(query.error)
                payload.update(
                    searcher.search(query.question, k=args.k, after=query.after).to_json()
                )
            except QueryError as error:
                payload.update(query=query.question, error=str(error), results=[])
            print_json(payload)
        return EXIT_OK
    try:
        result = searcher.search(args.question, k=args.k, after=args.after)
    except QueryError as error:
        raise CliError(str(error)) from None
    if args.json:
        print_json(result.to_json())
    else:
        print(terminal.search_result(result), flush=True)
    _print_stale(pending())
    return EXIT_OK


def _print_stale(status) -> None:  # noqa: ANN001 (CorpusStatus | None)
    from ..messages import stale_warning

    if status is not None and status.stale:
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


def run_eval(args: argparse.Namespace) -> int:
    from ..evaluate import EvalFileError, evaluate, load_questions
    from ..terminal import eval_table, shape_table
    from ..variants import ablation, baselines

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
    print(eval_table(reports))
    full = reports[0]
    shapes = shape_table(full)
    if shapes:
        print(f"\nby question shape ({full.name}):\n{shapes}")
    print(f"\nmissed (no hit in top {args.k}): {', '.join(full.missed) or 'none'}")
    extra = full.to_json()
    print(f"on-topic not confident: {', '.join(extra['unconfident_on_topic']) or 'none'}")
    print(
        f"off-topic or unanswerable confident: {', '.join(extra['confident_off_topic']) or 'none'}"
    )
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    from ..api import ApiSettings
    from ..ray_ingest import ClusterError
    from ..store import IndexUnavailable, Store

    if args.replicas is not None and args.ray is None:
        raise CliError("--replicas needs --ray (one process serves without Ray)")
    index = (args.index or paths.index_dir()).resolve()
    try:
        Store(index).current()
    except IndexUnavailable as error:
        print(f"advice-search: warning: {error} Until then /search answers 503.", file=sys.stderr)
    settings = ApiSettings(cors_origins=tuple(args.cors_origin))
    if args.ray is None:
        from ..server import run

        run(index, settings, host=args.host, port=args.port)
        return EXIT_OK
    from ..ray_serve import run as run_on_ray

    try:
        run_on_ray(
            index, settings, address=args.ray or None, host=args.host, port=args.port,
            replicas=args.replicas or 2, echo=lambda line: print(line, file=sys.stderr, flush=True),
        )  # fmt: skip
    except ClusterError as error:
        raise CliError(str(error)) from None
    return EXIT_OK
