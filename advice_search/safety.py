"""Spot questions that speak of self-harm, suicide, violence, abuse or feeling unsafe.

A false positive shows a help panel above the normal results; a miss leaves someone in
danger. So the patterns lean towards triggering, and only common idioms and ordinary
conflict ("this argument is killing me", "he beat me at chess") are carved out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .safety_rules import CATEGORIES, IDIOMS, RULES, Rule
from .text import normalise_for_patterns


@dataclass(frozen=True)
class CrisisAssessment:
    """What the detector found in one question."""

    is_crisis: bool
    categories: tuple[str, ...]  # subset of CATEGORIES, in that order
    matched: tuple[str, ...]  # normalised phrases that triggered it
    learned: bool = False  # read by the danger model (danger.py), not by a rule


@dataclass(frozen=True)
class HelpResource:
    """One place to get help, shown in the safety panel."""

    name: str
    contact: str
    detail: str


HELP_HEADLINE = "You deserve to be safe. Help is available right now."
HELP_RESOURCES: tuple[HelpResource, ...] = (
    HelpResource("Emergency services", "Call 911", "US, if you are in immediate danger"),
    HelpResource("988 Suicide & Crisis Lifeline", "Call or text 988", "US, free, 24/7"),
    HelpResource(
        "National Domestic Violence Hotline",
        "Call 1-800-799-7233 or text START to 88788",
        "US, free, confidential, 24/7",
    ),
)
HELP_ELSEWHERE = (
    "Outside the US, call your local emergency number; findahelpline.com lists free, "
    "confidential helplines by country."
)

# One alternation per category, so each phrase is reported once, named by the first rule
# that matches at that point of the question. Every rule's match starts where a word starts
# (tests/test_safety.py holds them to it), so the leading look-behind changes no match; it
# lets the engine pass over the middle of words without trying each alternative there (twice
# as fast over the eval sets' questions).
_CATEGORY_PATTERNS = tuple(
    (
        category,
        re.compile(
            r"(?<!\w)(?:" + "|".join(r.pattern for r in RULES if r.category == category) + ")"
        ),
    )
    for category in CATEGORIES
)


def _rule_text(question: str) -> str:
    """The question as the rules read it: normalised for patterns, idioms blanked out."""
    return IDIOMS.sub(".", normalise_for_patterns(question))


def assess(question: str) -> CrisisAssessment:
    """Say whether the question speaks of danger, in which categories, and which phrases."""
    text = _rule_text(question)
    categories: list[str] = []
    matched: dict[str, None] = {}  # ordered set
    for category, pattern in _CATEGORY_PATTERNS:
        found = [m.group(0) for m in pattern.finditer(text)]
        if found:
            categories.append(category)
            matched.update(dict.fromkeys(found))
    return CrisisAssessment(bool(categories), tuple(categories), tuple(matched))


def is_crisis(question: str) -> bool:
    """True when the question speaks of self-harm, violence, abuse or feeling unsafe."""
    return assess(question).is_crisis


def rules_matching(question: str) -> tuple[Rule, ...]:
    """Every rule that matches the question on its own: why it was (or was not) flagged."""
    text = _rule_text(question)
    return tuple(rule for rule, pattern in _rule_patterns() if pattern.search(text))


@cache
def _rule_patterns() -> tuple[tuple[Rule, re.Pattern[str]], ...]:
    """Each rule compiled alone, on first use: only diagnostics need them, not ``assess``."""
    return tuple((rule, re.compile(rule.pattern)) for rule in RULES)
