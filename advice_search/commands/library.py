"""ingest, add, list, remove, verify: what the library holds."""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from pathlib import Path

from .. import paths, terminal
from . import EXIT_ERROR, EXIT_OK, CliError, print_json


def run_ingest(args: argparse.Namespace) -> int:
    from ..builder import IngestError, describe, ingest
    from ..ray_ingest import ClusterError  # Ray itself is imported only with --ray
    from ..store import IndexUnavailable, IngestLocked

    corpus = args.corpus or paths.corpus_dir()
    index = args.index or paths.index_dir()
    bar = None if args.quiet or args.json else terminal.ProgressBar()
    cluster: contextlib.AbstractContextManager = contextlib.nullcontext()
    if args.ray is not None:
        from ..ray_ingest import encoder_factory

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
        print_json(describe(report))
        return EXIT_OK
    print(terminal.ingest_summary(report))
    return EXIT_OK


def run_add(args: argparse.Namespace) -> int:
    from ..fetch import FetchSettings, fetch_page
    from ..library import LibraryError, add

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
    from ..builder import IngestError, ingest
    from ..store import IndexUnavailable, IngestLocked

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
    from ..library import entries

    found, skipped = entries(args.corpus or paths.corpus_dir(), args.index or paths.index_dir())
    if args.json:
        for entry in found:
            print_json(terminal.library_row(entry))
    else:
        print(terminal.library_listing(found, skipped))
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    from ..library import LibraryError, remove

    corpus = args.corpus or paths.corpus_dir()
    try:
        path = remove(corpus, args.article)
    except LibraryError as error:
        raise CliError(str(error)) from None
    print(f"Removed {corpus / path}")
    _ingest_after_change(corpus, args.index, skip=args.no_ingest)
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from ..index import SearchIndex
    from ..store import IndexUnavailable

    try:
        index = SearchIndex.open(args.index or paths.index_dir(), full_check=True)
    except IndexUnavailable as error:
        raise CliError(str(error)) from None
    assert index.manifest is not None
    size = sum(record.size for record in index.manifest.files.values())
    print(f"Index intact: {index.path} ({len(index.manifest.files)} files, {size:,} bytes checked)")
    return EXIT_OK
