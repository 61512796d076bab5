"""What the command prints as plain text: reports and results rendered for a terminal. Pure,
except ``ProgressBar``, which draws on stderr."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .messages import attribution, follow_up_line, help_panel


class ProgressBar:
    """tqdm, created on the first update so a no-change run prints no bar."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="passage", desc="Embedding", file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def ingest_summary(report) -> str:  # noqa: ANN001 (builder.IngestReport, imported lazily)
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


def added_summary(added, corpus: Path) -> str:  # noqa: ANN001 (library.Added)
    article = added.candidate.article
    verb = f"Replaced {corpus / added.replaced} with" if added.replaced else "Added"
    lines = [f"{verb} {corpus / added.path}: {article.title}"]
    lines += [
        f"  {name:<8} {value}"
        for name in ("author", "site", "date", "url")
        if (value := getattr(article, name))
    ]
    if added.candidate.missing:
        lines.append(
            f"  missing  {', '.join(added.candidate.missing)} (not stated by the source; add "
            "them to the file's front matter if you know them)"
        )
    lines += [f"  note     {note}" for note in added.candidate.notes]
    return "\n".join(lines)


def library_row(entry) -> dict[str, Any]:  # noqa: ANN001 (library.Entry)
    """One article of ``list --json``."""
    a = entry.article
    fields = ("title", "author", "site", "date", "url", "path")
    return {
        "article": a.article_id,
        **{f: getattr(a, f) for f in fields},
        "passages": entry.passages,
    }


def library_listing(found: Sequence, skipped: Sequence) -> str:  # noqa: ANN001
    """The articles of ``list``, then what was skipped."""
    lines = []
    for entry in found:
        a = entry.article
        passages = "not indexed yet" if entry.passages is None else f"{entry.passages} passages"
        lines.append(f"{a.article_id}  {a.title}")
        lines.append(f"    {' · '.join(x for x in (a.author, a.site, a.date, passages) if x)}")
        lines.append(f"    {a.path}" + (f"  {a.url}" if a.url else ""))
    lines.append(
        f"{len(found)} article(s)" + (f", {len(skipped)} file(s) skipped:" if skipped else "")
    )
    lines += [f"    {s.path}: {s.reason}" for s in skipped]
    return "\n".join(lines)


def search_result(result) -> str:  # noqa: ANN001 (search.SearchResult)
    out: list[str] = []
    if result.crisis:
        panel = help_panel()
        out.append(panel.headline)
        out += [f"  {line}" for line in panel.resources]
        out += [f"  {panel.elsewhere}", ""]
    out += list(result.notices)
    if result.after:
        out.append(follow_up_line(result.after) + "\n")
    if not result.hits:
        out.append("No passages found.")
        return "\n".join(out)
    if result.safety_first:
        out.append("Further reading from the library (not advice for a situation like yours):\n")
    elif not result.confident:
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


def eval_table(reports: Sequence) -> str:  # noqa: ANN001 (evaluate.EvalReport)
    """A plain-text table, one row per report; flag columns read "flagged/asked"."""
    header = (
        f"{'ranking':<18}{'hit@1':>7}{'hit@k':>7}{'MRR@10':>8}{'nDCG@10':>9}"
        f"{'off-topic':>11}{'unanswered':>12}{'answerable':>12}{'crisis':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in reports:
        cells = [
            f"{a}/{n}" if n else "-"
            for a, n in (
                r.off_topic_flagged,
                r.unanswerable_flagged,
                r.on_topic_confident,
                r.crisis_flagged,
            )
        ]
        lines.append(
            f"{r.name:<18}{r.hit_at_1:>7.2f}{r.hit_at_k:>7.2f}{r.mrr:>8.3f}{r.ndcg:>9.3f}"
            f"{cells[0]:>11}{cells[1]:>12}{cells[2]:>12}{cells[3]:>8}"
        )
    lines.append(
        "(off-topic, unanswered: flagged not confident; answerable: confident; crisis: answered "
        "safety-first. Thresholds are calibrated for the full ranking.)"
    )
    return "\n".join(lines)


def shape_table(report) -> str:  # noqa: ANN001 (evaluate.EvalReport)
    """Per question shape: ranking over answerable questions, flags over unanswered ones."""
    table = report.by_shape()
    if not table:
        return ""
    header = (
        f"{'shape':<14}{'n':>4}{'hit@1':>7}{'hit@k':>7}{'MRR@10':>8}{'confident':>11}{'flagged':>9}"
    )
    lines = [header, "-" * len(header)]
    for shape, row in table.items():
        flagged, n_flag = row["not_confident_of_unanswered"]
        mrr = next(value for key, value in row.items() if key.startswith("mrr@"))
        lines.append(
            f"{shape:<14}{row['answerable']:>4}{row['hit@1']:>7.2f}{row[f'hit@{report.k}']:>7.2f}"
            f"{mrr:>8.3f}{row['confident']:>6}/{row['answerable']:<4}"
            f"{f'{flagged}/{n_flag}' if n_flag else '-':>9}"
        )
    return "\n".join(lines)
