"""The ``advice-search`` command: parses arguments, calls the package, prints the result
(as JSON, or as the plain text of ``terminal``).

Expected problems (no index, bad question, bad file) print one line and exit 1; usage
errors exit 2. Nothing here ranks or reads files itself; the commands are in ``commands``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from .commands import EXIT_ERROR, EXIT_OK, CliError
from .commands.library import run_add, run_ingest, run_list, run_remove, run_verify
from .commands.questions import run_eval, run_search, run_serve

_interrupted = False  # Ctrl-C was pressed while this command ran


def interrupt(signum: int, frame: FrameType | None) -> None:
    """The SIGINT handler while a command runs: remembered, then raised as KeyboardInterrupt.

    Remembered because a library may catch the KeyboardInterrupt and fail with an error of
    its own (ONNX Runtime: "initialization failed"), which must not read as a damaged index.
    Not raised inside a finalizer, which cannot raise: delivered again a moment later.
    """
    global _interrupted
    _interrupted = True
    if _in_finalizer(frame):
        _deliver_again()
        return
    raise KeyboardInterrupt


def interrupt_again(unraisable: Any) -> None:
    """``sys.unraisablehook`` while a command runs: a Ctrl-C that a callback could not raise.

    Python cannot raise out of a finalizer or a weakref callback run by the garbage
    collector: it would print the KeyboardInterrupt as "Exception ignored in ..." with a
    traceback and carry on. Instead, say nothing and deliver the Ctrl-C again a moment
    later, in the command's own code, which cleans up and prints its one line.
    """
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        _deliver_again()
        return
    sys.__unraisablehook__(unraisable)


def _in_finalizer(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside a ``__del__``, a ``weakref.finalize`` or the hook above."""
    while frame is not None:
        code = frame.f_code
        if code.co_name in ("__del__", "interrupt_again") or (
            code.co_name == "__call__" and code.co_filename == weakref.__file__
        ):
            return True
        frame = frame.f_back
    return False


def _deliver_again(delay: float = 0.02) -> None:
    """SIGINT to this process after ``delay`` s, from a thread: the handler then runs in
    whatever the main thread runs after the finalizer, where it can raise."""
    pid = os.getpid()
    threading.Thread(
        target=lambda: (time.sleep(delay), os.kill(pid, signal.SIGINT)), daemon=True
    ).start()


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
        "--after", metavar="EARLIER",
        help="read the question as a follow-up to this earlier question of the conversation",
    )  # fmt: skip
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


if __name__ == "__main__":
    raise SystemExit(main())
