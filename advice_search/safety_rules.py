"""The crisis detector's rules, read from ``safety_rules.toml``: a table a reviewer can edit.

Each rule has a category, a name, a pattern and an example question that this rule alone
catches (tests/test_safety.py holds every rule to its example). Patterns may name shared
fragments (``$PARTNER``, ``$KIDS``...) defined at the top of the table. They run on
``text.normalise_for_patterns`` output: lower case, no accents, no apostrophes, single spaces,
sentence ends written " . ". Rules of a category are tried in table order at each point of a
question: the first to match names the phrase reported.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

CATEGORIES = ("self_harm", "violence", "abuse", "unsafe")
_FRAGMENT = re.compile(r"\$([A-Z_]+)")


@dataclass(frozen=True)
class Rule:
    """One pattern of the detector, and a question that it alone catches."""

    category: str  # one of CATEGORIES
    name: str
    example: str
    pattern: str  # fragments expanded
    note: str = ""


def expand(template: str, fragments: dict[str, str]) -> str:
    """``template`` with every ``$NAME`` replaced by fragment NAME (fragments may nest)."""
    return _FRAGMENT.sub(lambda m: expand(fragments[m[1]], fragments), template)


def load_rules(table: dict[str, Any]) -> tuple[tuple[Rule, ...], re.Pattern[str]]:
    """The rules and the idiom pattern of a parsed rule table."""
    fragments = table["fragments"]
    rules = tuple(
        Rule(
            row["category"],
            row["name"],
            row["example"],
            expand(row["pattern"], fragments),
            row.get("note", ""),
        )
        for row in table["rule"]
    )
    unknown = {r.category for r in rules} - set(CATEGORIES)
    if unknown:
        raise ValueError(f"safety_rules.toml: unknown categories {sorted(unknown)}")
    return rules, re.compile(expand(table["idioms"], fragments))


RULES, IDIOMS = load_rules(
    tomllib.loads(resources.files(__package__).joinpath("safety_rules.toml").read_text("utf-8"))
)
