"""The ``advice-search`` command: parses arguments, calls the package, prints the result
(as JSON, or as the plain text of ``terminal``).

Expected problems (no index, bad question, bad file) print one line and exit 1; usage
errors exit 2. Nothing here ranks or reads files itself.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from . import paths, terminal
from .batch import json_line, read_queries

EXIT_OK, EXIT_ERROR = 0, 1


class CliError(Exception):
    """An expected problem: printed as one line, exit code 1."""


_interrupted = False  # Ctrl-C was pressed while this command ran


def interrupt(signum: int, frame: object) -> None:
    """The SIGINT handler while a command runs: remembered, then raised as KeyboardInterrupt.

    Remembered because a library may catch the KeyboardInterrupt and fail with an error of
    its own (ONNX Runtime: "initialization failed"), which must not read as a damaged index.
    """
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    global _interrupted
    _interrupted = False
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except KeyboardInterrupt:  # ingest's cleanup has run; the build in use is whole
        print("advice-search: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:
        if _interrupted:  # whatever a library made of the Ctrl-C
            print("advice-search: interrupted.", file=sys.stderr)
            return 130
        if not isinstance(error, CliError):
            raise
        print(f"advice-search: {error}", file=sys.stderr)
        return EXIT_ERROR


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
    add = sub.add_parser(
        "add", help="add articles: web addresses, saved .html pages, .md or .txt files"
    )
    add.add_argument("sources", nargs="+", metavar="SOURCE", help="a URL or a file")
    add.add_argument(
        "--replace", action="store_true", help="update an article the library has already"
    )
    add.add_argument("--no-ingest", action="store_true", help="write corpus/ only; ingest later")
    add.add_argument(
        "--timeout", type=float, default=45.0, metavar="SECONDS",
        help="give up on a web page after this long (45)",
    )  # fmt: skip
    _add_paths(add)
    add.set_defaults(run=run_add)

    listing = sub.add_parser("list", help="the articles of the library")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    _add_paths(listing)
    listing.set_defaults(run=run_list)

    remove = sub.add_parser("remove", help="remove an article from the library")
    remove.add_argument("article", help="its name as `list` shows it, its file or its URL")
    remove.add_argument("--no-ingest", action="store_true", help="leave the index as it is")
    _add_paths(remove)
    remove.set_defaults(run=run_remove)

    verify = sub.add_parser(
        "verify", help="check every byte of the index against its checksums (loading samples)"
    )
    _add_paths(verify)
    verify.set_defaults(run=run_verify)

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
    from .ray_ingest import ClusterError  # Ray itself is imported only with --ray
    from .store import IndexUnavailable, IngestLocked

    corpus = args.corpus or paths.corpus_dir()
    index = args.index or paths.index_dir()
    bar = None if args.quiet or args.json else terminal.ProgressBar()
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
        _print_json(describe(report))
        return EXIT_OK
    print(terminal.ingest_summary(report))
    return EXIT_OK


# ---------------------------------------------------------------- add, list, remove


def run_add(args: argparse.Namespace) -> int:
    from .fetch import FetchSettings, fetch_page
    from .library import LibraryError, add

    corpus = args.corpus or paths.corpus_dir()
    limit = max(0.1, args.timeout)
    settings = FetchSettings(
        connect_timeout=min(10.0, limit), read_timeout=min(15.0, limit), total_timeout=limit
    )
    added, failed = [], 0
    for source in args.sources:
        try:
            fetcher = functools.partial(fetch_page, settings=settings)
            added.append(add(source, corpus, replace=args.replace, fetcher=fetcher))
        except LibraryError as error:
            print(f"advice-search: {source}: {error}", file=sys.stderr)
            failed += 1
            continue
        print(terminal.added_summary(added[-1], corpus))
    if added:
        _ingest_after_change(corpus, args.index, skip=args.no_ingest)
    return EXIT_ERROR if failed else EXIT_OK


def _ingest_after_change(corpus: Path, index: Path | None, *, skip: bool) -> None:
    from .builder import IngestError, ingest
    from .store import IndexUnavailable, IngestLocked

    if skip:
        print("The index is unchanged: run `advice-search ingest` to update it.")
        return
    bar = terminal.ProgressBar()
    try:
        report = ingest(corpus, index or paths.index_dir(), progress=bar)
    except (IngestError, IngestLocked, IndexUnavailable) as error:
        raise CliError(f"corpus/ changed, but the index was not updated: {error}") from None
    finally:
        bar.close()
    print(terminal.ingest_summary(report))


def run_list(args: argparse.Namespace) -> int:
    from .library import entries

    found, skipped = entries(args.corpus or paths.corpus_dir(), args.index or paths.index_dir())
    if args.json:
        for entry in found:
            _print_json(terminal.library_row(entry))
    else:
        print(terminal.library_listing(found, skipped))
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    from .library import LibraryError, remove

    corpus = args.corpus or paths.corpus_dir()
    try:
        path = remove(corpus, args.article)
    except LibraryError as error:
        raise CliError(str(error)) from None
    print(f"Removed {corpus / path}")
    _ingest_after_change(corpus, args.index, skip=args.no_ingest)
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from .index import SearchIndex
    from .store import IndexUnavailable

    try:
        index = SearchIndex.open(args.index or paths.index_dir(), full_check=True)
    except IndexUnavailable as error:
        raise CliError(str(error)) from None
    assert index.manifest is not None
    size = sum(record.size for record in index.manifest.files.values())
    print(f"Index intact: {index.path} ({len(index.manifest.files)} files, {size:,} bytes checked)")
    return EXIT_OK


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
    warn_if_stale = _stale_check(args.index, args.corpus)  # runs while the index loads
    searcher = open_searcher(args.index)
    if args.queries:
        warn_if_stale()
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
        print(terminal.search_result(result), flush=True)
    warn_if_stale()
    return EXIT_OK


def _stale_check(index: Path | None, corpus: Path | None) -> Callable[[], None]:
    """Compare the corpus with the build in use while the index loads and the question is
    answered; the function returned waits for the result and prints the warning, if any.

    Listing a corpus of a hundred thousand files takes about a second, most of it Python:
    a thread would hold the interpreter lock the answer needs, so the check runs in a
    forked child process, on the other core. Problems with the index itself are left to
    opening it.
    """
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover (Windows)
        status = _corpus_status(index, corpus)
        return lambda: _print_stale(status)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_send_status, args=(index, corpus, send), daemon=True)
    child.start()
    send.close()

    def warn() -> None:
        try:
            found = receive.recv() if receive.poll(STALE_CHECK_TIMEOUT) else None
        except (EOFError, OSError):  # the child died: no warning rather than a wrong one
            found = None
        child.join(1)
        _print_stale(found)

    return warn


STALE_CHECK_TIMEOUT = 60.0  # seconds the answer waits for the corpus check, at most


def _corpus_status(index: Path | None, corpus: Path | None):  # noqa: ANN202 (CorpusStatus)
    from .manifest import Manifest
    from .staleness import corpus_status
    from .store import IndexUnavailable, Store

    try:
        manifest = Manifest.read(Store(index or paths.index_dir()).current())
        return corpus_status(manifest, corpus or paths.corpus_dir())
    except (IndexUnavailable, OSError, ValueError):
        return None


def _send_status(index: Path | None, corpus: Path | None, send) -> None:  # noqa: ANN001
    send.send(_corpus_status(index, corpus))
    send.close()


def _print_stale(status) -> None:  # noqa: ANN001 (CorpusStatus | None)
    from .messages import stale_warning

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


def _print_json(payload: dict[str, Any]) -> None:
    """One JSON line; plain ASCII escapes when stdout cannot encode the text as it is."""
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    print(json_line(payload, ascii_only=encoding != "utf8"), flush=True)


# ---------------------------------------------------------------- eval


def run_eval(args: argparse.Namespace) -> int:
    from .evaluate import EvalFileError, evaluate, load_questions
    from .terminal import eval_table, shape_table
    from .variants import ablation, baselines

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


# ---------------------------------------------------------------- serve


def run_serve(args: argparse.Namespace) -> int:
    from .api import ApiSettings
    from .ray_ingest import ClusterError
    from .store import IndexUnavailable, Store

    if args.replicas is not None and args.ray is None:
        raise CliError("--replicas needs --ray (one process serves without Ray)")
    index = (args.index or paths.index_dir()).resolve()
    try:
        Store(index).current()
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
