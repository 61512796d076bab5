"""Crisis answer mode: when a question speaks of danger, safety comes before the articles.

Domestic-violence services advise against couples counselling where there is abuse, and a
person speaking of self-harm needs a crisis line before tips on a reluctant partner. So when
``safety.assess`` flags a question, the search (1) holds back passages that advise bringing
the other person round (``roles.persuades``), (2) never calls what is left "the answer"
(``confident`` is false), and (3) says why in a notice the page and the CLI show under the
help panel. The remaining passages are still offered as reading, not as the answer.

Pure: an assessment and per-candidate flags in, a decision out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .safety import CrisisAssessment

SAFETY_NOTICE = (
    "Safety first: your question mentions {what}. The help above is there for you right now. "
    "Advice on persuading a partner into counselling is left out: where there is abuse or "
    "danger, couples counselling is not advised, and what follows is reading, not an answer."
)
_WHAT = {
    "self_harm": "thoughts of harming yourself",
    "violence": "violence",
    "abuse": "abuse",
    "unsafe": "feeling unsafe",
}


# What the notice names when the danger model (danger.py), not a rule, read the danger.
_DANGER = "what may be a dangerous situation"


@dataclass(frozen=True)
class SafetyDecision:
    """Whether the answer goes safety-first, which candidates stay, and what to tell the reader."""

    safety_first: bool
    keep: tuple[bool, ...]  # per candidate, in the order given
    notice: str | None


def decide(assessment: CrisisAssessment, persuasion: Sequence[bool]) -> SafetyDecision:
    """Hold back persuasion passages for a crisis question; leave other questions alone."""
    if not assessment.is_crisis:
        return SafetyDecision(False, tuple(True for _ in persuasion), None)
    what = [_WHAT[c] for c in assessment.categories if c in _WHAT] or [_DANGER]
    listed = ", ".join(what[:-1]) + (" and " if len(what) > 1 else "") + what[-1]
    return SafetyDecision(True, tuple(not p for p in persuasion), SAFETY_NOTICE.format(what=listed))
