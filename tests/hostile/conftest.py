"""The hostile suite: what a clumsy or hostile user can do to the program, tried for real.

Every test here tallies what it tried; at the end of the session a table (attacks tried,
tracebacks, builds lost, leftovers) is printed and written to tests/output/hostile.md.
`make test` runs the short form; `make test-hostile` (ADVICE_SEARCH_HOSTILE=full) the full
one, whose figures the README's "What happens when…" section quotes.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parent / "output" / "hostile.md"
FULL = os.environ.get("ADVICE_SEARCH_HOSTILE", "").lower() == "full"


def scale(short: int, full: int) -> int:
    """How many attacks of a kind to try: a few in `make test`, many in `make test-hostile`."""
    return full if FULL else short


@dataclass
class Row:
    attacks: int = 0
    tracebacks: int = 0
    builds_lost: int = 0
    leftovers: int = 0
    notes: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    refused_at: list[str] = field(default_factory=list)  # what a full disk stopped


class Ledger:
    """The tally of one session, in the order the attacks were first recorded."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}

    def record(
        self,
        attack: str,
        *,
        attacks: int,
        tracebacks: int = 0,
        builds_lost: int = 0,
        leftovers: int = 0,
        note: str = "",
        counts: dict[str, int] | None = None,
        refused_at: str = "",
    ) -> None:
        """Add to the tally of ``attack``; ``counts`` are summed and shown as notes."""
        row = self.rows.setdefault(attack, Row())
        row.attacks += attacks
        row.tracebacks += tracebacks
        row.builds_lost += builds_lost
        row.leftovers += leftovers
        if note and note not in row.notes:
            row.notes.append(note)
        row.counts.update(counts or {})
        if refused_at and refused_at not in row.refused_at:
            row.refused_at.append(refused_at)

    def table(self) -> str:
        form = "full (ADVICE_SEARCH_HOSTILE=full)" if FULL else "short"
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            f"Hostile suite, {form} form, {when}",
            "",
            "| attack | tried | tracebacks | builds lost | leftovers | notes |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for name, row in self.rows.items():
            counts = [f"{k}: {v}" for k, v in row.counts.items()]
            where = [f"refused while writing {', '.join(row.refused_at)}"] if row.refused_at else []
            notes = "; ".join([*counts, *where, *row.notes])
            lines.append(
                f"| {name} | {row.attacks} | {row.tracebacks} | {row.builds_lost} | "
                f"{row.leftovers} | {notes} |"
            )
        total = Row()
        for row in self.rows.values():
            total.attacks += row.attacks
            total.tracebacks += row.tracebacks
            total.builds_lost += row.builds_lost
            total.leftovers += row.leftovers
        lines.append(
            f"| **all** | **{total.attacks}** | **{total.tracebacks}** | "
            f"**{total.builds_lost}** | **{total.leftovers}** | |"
        )
        return "\n".join(lines) + "\n"


LEDGER = Ledger()


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    return LEDGER


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test here is ``hostile``; ``full_only`` ones run in the full form alone."""
    left_out = []
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.hostile)
        if item.get_closest_marker("full_only") and not FULL:
            left_out.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not LEDGER.rows:
        return
    table = LEDGER.table()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(table, encoding="utf-8")
    terminalreporter.write_sep("=", "hostile suite")
    terminalreporter.write_line(table)
    terminalreporter.write_line(f"(written to {OUTPUT.relative_to(HERE.parent.parent)})")
