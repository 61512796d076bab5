"""Read a question as a person wrote it: which sentences ask, and what kind of help they want.

Forum posts tell a story first ("Married 15 years. He shuts down whenever...") and ask at the
end ("How do I bring it up again?"). Embedded whole, the story dominates and a generic passage
wins; the asking sentences say what would help. The story is kept as context, not dropped.

Pure: text in, a reading out; nothing here knows the library's topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import split_sentences

# A sentence asks when it ends in "?" or holds a request for help ("how do i get him to go"
# typed without a question mark). Opening words alone mislead: "When I asked, he said no."
_ASKS = re.compile(
    r"""(?:
        \?\s*$
      | ^\W*(?:so\s+|but\s+|and\s+|ok\s+|okay\s+|now\s+)?(?:how|what|why|should|which|
            (?:do|does|did|can|could|would|will|is|are|am|should|shall)\s+(?:i|we|it|there|you)\b)
      | \b(?:how\ (?:do|can|should|would)\ (?:i|we)|what\ (?:can|should|do)\ (?:i|we)|
            should\ i|is\ it\ (?:ok|okay|normal|wrong|worth)|any\ (?:advice|tips|ideas|suggestions)|
            (?:i\ )?(?:need|want)\ (?:advice|help|to\ know)|wondering\ (?:if|whether|how|what))\b
      | ^\W*(?:please\ |pls\ |so\ |(?:can|could)\ (?:you|someone|anyone)\ |someone\ |anyone\ )?
            (?:help\ me|tell\ me\ (?:how|what|why)|give\ me)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_WORD = re.compile(r"[A-Za-z0-9']+")
# Where a typed sentence ends before a lower-case start ("...no. any advice?"); not after an
# abbreviation or an initial.
_LOWER_START = re.compile(r"(?<=[a-z]{3}[.!?])\s+(?=[a-z])|(?<=[?!])\s+(?=[a-z])")


@dataclass(frozen=True)
class QuestionReading:
    """The sentences of a question split into what it asks and the story around it."""

    text: str
    asking: tuple[str, ...]  # the sentences that ask, in order
    story: tuple[str, ...]  # the other sentences
    words: int

    @property
    def focus(self) -> str | None:
        """What to embed as the question itself, when it differs from the whole text.

        None for a one-sentence question, or when no sentence asks (then all of it matters)
        or every sentence does.
        """
        if not self.asking or not self.story:
            return None
        return " ".join(self.asking)


def typed_sentences(text: str) -> list[str]:
    """Sentences as people type them: "he said maybe. do i keep asking" is two."""
    pieces = []
    for sentence in split_sentences(text):
        pieces += [p.strip() for p in _LOWER_START.split(sentence) if p.strip()]
    return pieces


def read_question(text: str) -> QuestionReading:
    """Split ``text`` into asking sentences and story."""
    sentences = typed_sentences(text)
    asking = tuple(s for s in sentences if _ASKS.search(s))
    story = tuple(s for s in sentences if not _ASKS.search(s))
    return QuestionReading(text, asking, story, len(_WORD.findall(text)))


# The asker is the one being asked to do something ("my wife wants us to go", "I'm the one
# refusing", "it scares me"), not the one asking someone else.
_PARTNER = (
    r"(?:partner|wife|husband|spouse|girlfriend|boyfriend|gf|bf|fiance|fiancee|mum|mom|dad|"
    r"father|mother|parents?|kids|children|family|friends?|boss|doctor)"
)
_OTHER = rf"(?:{_PARTNER}|he|she|they)"
_ASKED_ONE = re.compile(
    rf"""(?:
        \b(?:my\ )?{_OTHER}\ (?:really\ |keeps?\ |has\ been\ |is\ |always\ )?
            (?:wants?|wanted|asking|asked|asks|pushing|pushes|pushed|begging|begs|insists|
               insisting|nagging|nags|pressur\w+)\ (?:me|us)(?:\ (?:to|into|for)\b|\W*$|\W*[.,;!?])
      | \b(?:my\ )?{_PARTNER}\ (?:really\ |keeps?\ |has\ been\ |is\ |always\ )?
            (?:wants?|pushing|pushes|keeps\ pushing)\ (?!me\b|us\b)[a-z]+\b
      | \bi(?:['’]?m|\ am)\ the\ (?:reluctant|skeptical|hesitant|resistant)\ one\b
      | \bi(?:['’]?m|\ am)\ the\ one\ (?:(?:who|that)(?:['’]s|\ is|\ has\ been)?\ )?
            (?:keeps?\ |still\ |always\ )?(?:not\ (?:going|ready|sure)|doesn['’]?t|does\ not|
            don['’]?t|didn['’]?t|did\ not|won['’]?t|will\ not|wasn['’]?t|refus\w*|sa(?:id|ying|ys)\ no|dragging|drags|
            resist\w*|holding\ out|being\ (?:asked|pushed|dragged)|hesitant|reluctant|
            skeptical|scared|nervous|afraid|unsure|against)
      | \b(?:i|i['’]m|i\ am)\ (?:really\ |so\ |honestly\ )?(?:scared|nervous|afraid|terrified|
            anxious|worried|skeptical|hesitant|reluctant)\ (?:of|about|to|that|i['’]ll)\b
      | \b(?:it|that|this)\ (?:really\ |honestly\ )?(?:scares|terrifies|frightens)\ me\b
      | \bbefore\ i\ (?:agree|say\ yes|go)\b
      | \bshould\ i\ (?:agree|say\ yes|give\ in|just\ go\b(?!\ (?:by|on)\ my|\ alone))\b
      | \bi\ (?:don['’]?t|do\ not|didn['’]?t)\ (?:want\ to\ (?:go|do|try|attend|see)|
            see\ the\ point|think\ i\ need)\b
      | \bi\ (?:kept|keep)\ saying\ no\b | \bchange\ my\ mind\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# The asker wants someone else to act: "he won't go", "how do I get her to".
_ASKING_ONE = re.compile(
    rf"""(?:
        \b{_OTHER}\ (?:still\ |just\ |absolutely\ |flat\ out\ )?(?:won['’]?t|wont|refuses|refused|
            doesn['’]?t\ want|does\ not\ want|will\ not|isn['’]?t\ willing|is\ not\ willing)\b
      | \b(?:get|convince|persuade|make|encourage|talk)\ (?:him|her|them|(?:my|our)\ [a-z]+)
            \ (?:to\b|into\b)
    )""",
    re.IGNORECASE | re.VERBOSE,
)


_WHY = re.compile(
    r"^\W*(?:so\s+|but\s+|and\s+)?why\b|\bwhat\ makes\b|\breasons?\ (?:why|for)\b|\bhow\ come\b",
    re.IGNORECASE | re.VERBOSE,
)


def asks_why(reading: QuestionReading) -> bool:
    """Whether the question asks for reasons: then describing the problem is an answer."""
    return any(_WHY.search(s) for s in reading.asking)


def perspective(text: str) -> str:
    """ "asked" when the asker is the one being asked to do something, "asking" when they
    want someone else to, "" when the question does not say."""
    asked = bool(_ASKED_ONE.search(text))
    asking = bool(_ASKING_ONE.search(text))
    if asked and not asking:
        return "asked"
    if asking and not asked:
        return "asking"
    return ""
