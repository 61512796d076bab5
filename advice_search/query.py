"""What is searched: the question as typed, cleaned and cut, and the earlier question of the
thread when the asker says it is a follow-up.

A follow-up ("and if he still says no after all that?") rarely names its topic. Alone it
matches whatever in the library speaks of someone saying no: with three articles on other
topics added to the five seeds, 29 of the 180 top-5 places of the follow-ups of
eval/threads.jsonl went to those articles, and none did once each was read after the earlier
question of its thread (eval/EXPERIMENTS.md, section 10). Read after the earlier question, a
follow-up keeps its topic: the question vector leans towards the earlier one's, a danger
spoken of earlier still counts, and the asker's side is the earlier one's when the follow-up
does not say.

Whether a question follows the earlier one is the asker's to say: a new question read as a
follow-up matches worse (MRR@10 0.45 -> 0.29 on long ones), so the search never decides it
alone. ``looks_like_follow_up`` only suggests it (the page's default), from the words that
open follow-ups in any conversation, not from any topic.

Pure: text and vectors in, values out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from .question import perspective
from .safety import CrisisAssessment, assess
from .safety_rules import CATEGORIES
from .text import clean_control

MAX_QUERY_CHARS = 1000


class QueryError(ValueError):
    """The question cannot be searched as typed; the message says what to change."""


def prepare_query(raw: str) -> tuple[str, tuple[str, ...]]:
    """The question as searched, and notices about what was changed; QueryError if empty."""
    if not isinstance(raw, str):
        raise QueryError("The question must be text.")
    text = " ".join(clean_control(raw).split())
    if not any(ch.isalnum() for ch in text):
        raise QueryError("Type a question in words, e.g. “my partner won't go to therapy”.")
    notices: tuple[str, ...] = ()
    if len(text) > MAX_QUERY_CHARS:
        cut = text.rfind(" ", 0, MAX_QUERY_CHARS)
        text = text[: cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS]
        notices = (
            f"Your question was long, so only its first {len(text):,} characters were used.",
        )
    return text, notices


def prepare_earlier(raw: str | None) -> str | None:
    """The earlier question as context, or None when there is none to read (empty, no words).

    Cut like a question; a thread's first question carries its topic, so its start is kept.
    """
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise QueryError("The earlier question must be text.")
    try:
        return prepare_query(raw)[0]
    except QueryError:
        return None


def thread_text(earlier: str | None, question: str) -> str:
    """What a further follow-up follows: the thread so far, earliest first."""
    return f"{earlier} {question}" if earlier else question


def thread_vector(question: np.ndarray, earlier: np.ndarray, weight: float) -> np.ndarray:
    """The follow-up's vector leaning towards the earlier question's (``weight``: its own
    share), unit length."""
    vector = weight * question + (1 - weight) * earlier
    return (vector / (np.linalg.norm(vector) or 1.0)).astype(np.float32)


def thread_assessment(question: str, earlier: str | None) -> CrisisAssessment:
    """Danger spoken of in the follow-up or earlier in the thread: both count."""
    now = assess(question)
    before = assess(earlier) if earlier else None
    if before is None or not before.is_crisis:
        return now
    found = {*now.categories, *before.categories}
    categories = tuple(c for c in CATEGORIES if c in found)
    matched = tuple(dict.fromkeys((*now.matched, *before.matched)))
    return CrisisAssessment(True, categories, matched)


def thread_side(question: str, earlier: str | None) -> str:
    """The asker's side (``question.perspective``): the follow-up's, else the earlier one's."""
    return perspective(question) or (perspective(earlier) if earlier else "")


# Words that open a message continuing a conversation, in any topic ("and if...", "ok but",
# "what if he...", "so should I..."), and short messages that open on someone already named.
_CONTINUES = re.compile(
    r"^\W*(?:and|but|ok|okay|so|wait|also|then|still|or|what\ if|what\ about|how\ about|"
    r"even\ if)\b",
    re.IGNORECASE | re.VERBOSE,
)
_REFERS_BACK = re.compile(r"^\W*(?:he|she|they|it|that|this)\b", re.IGNORECASE)
_SHORT_WORDS = 12


def looks_like_follow_up(question: str) -> bool:
    """Whether the question reads as the next message of a thread, not a new one."""
    if _CONTINUES.search(question):
        return True
    return len(question.split()) <= _SHORT_WORDS and bool(_REFERS_BACK.search(question))


@dataclass(frozen=True)
class Thread:
    """A conversation as the page keeps it: the question asked last, the thread before it
    (offered as its context), and whether the asker read it as a follow-up."""

    last: str = ""
    offered: str | None = None
    followed: bool = False

    def ask(self, question: str) -> Thread:
        """The thread once ``question`` is asked; the same question again changes nothing."""
        if question == self.last:
            return self
        before = self.after if self.last else None
        return Thread(question, thread_text(before, self.last) if self.last else None)

    def follow(self, followed: bool) -> Thread:
        """The asker's choice: read the last question after the thread, or alone."""
        return replace(self, followed=followed and self.offered is not None)

    @property
    def after(self) -> str | None:
        """What the last question is searched after (None: alone)."""
        return self.offered if self.followed else None
