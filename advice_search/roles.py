"""What a passage does for a reader: advises, restates the problem, sells, introduces the author.

Advice articles follow a common shape whatever their topic: an opening that mirrors the
reader's worry back ("Have you found yourself...? If so, you are not alone"), the advice
(imperatives, "you can...", "try...", numbered steps), and a closing that sells ("Reach out
to us", a phone number) or introduces the author. Openings and closings share the reader's
words, so meaning and keywords both favour them, yet they answer nothing. These rules read
the *shape* of the writing (who is addressed, in which mood, with which stock phrases), never
a topic, so they hold for articles about teenagers, money or pets as well as for couples.

Scraped pages also lose lists: "Common reasons include:" followed by nothing is a *hollow*
sentence; a passage ending in one cannot answer on its own.

Pure: text in, a reading out. Cheap enough to run over every passage when an index loads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .boilerplate import BIO_CUES
from .text import is_list_item, sentence_spans

ROLES = ("advice", "info", "problem", "promotion", "bio", "hollow", "lead-in")

# Base-form verbs that open an instruction ("Ask them...", "Take time for yourself").
_IMPERATIVE_VERBS = frozenset(
    [
        "accept", "acknowledge", "add", "admit", "agree", "allow", "apologise", "apologize",
        "approach", "arrange", "ask", "attend", "avoid", "be", "begin", "book", "breathe",
        "bring", "build", "buy", "call", "cancel", "celebrate", "change", "check", "choose",
        "clear", "commit", "compare", "consider", "contact", "count", "create", "cut",
        "decide", "delegate", "describe", "discuss", "do", "don't", "drink", "drop", "eat",
        "encourage", "end", "explain", "explore", "express", "find", "fix", "focus", "follow",
        "forgive", "get", "give", "go", "hand", "help", "highlight", "hold", "imagine",
        "include", "invite", "join", "keep", "learn", "leave", "let", "limit", "list",
        "listen", "look", "make", "mention", "move", "name", "note", "notice", "offer", "open",
        "pause", "pay", "pick", "plan", "practice", "practise", "prepare", "prioritise",
        "prioritize", "promise", "propose", "protect", "put", "reach", "read", "reassure",
        "recognise", "recognize", "record", "reduce", "reflect", "remember", "remind",
        "remove", "repeat", "replace", "respect", "respond", "rest", "resist", "review",
        "reward", "save", "say", "schedule", "see", "seek", "send", "set", "share", "show",
        "sit", "skip", "sleep", "slow", "speak", "spend", "split", "start", "state", "stay",
        "step", "stick", "stop", "suggest", "switch", "take", "talk", "teach", "tell", "thank",
        "think", "track", "treat", "try", "turn", "use", "validate", "visit", "wait", "walk",
        "watch", "work", "write",
    ]
)  # fmt: skip
# Words that may come before the verb of an instruction: "First, ask...", "Lastly, remember...".
_LEAD = re.compile(
    r"^(?:(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|next|then|finally|lastly|also|instead|"
    r"above all|most importantly|again|so|now|and|but|or|in (?:the )?meantime|meanwhile|"
    r"after (?:a )?while|if (?:that|this|it) (?:fails|doesn't work)|at (?:first|the start))"
    r"\b[,:]?\s+)+",
    re.IGNORECASE,
)
_ADVICE = re.compile(
    r"""\b(?:
        you\ (?:can|could|might|may|should|need\ to|have\ to|must|will\ want\ to|want\ to)
            (?:\ (?:also|still|always|then|even|simply|gently|first|try\ to))?\ (?!be\ (?:wondering|feeling)\b)[a-z]+
      | try\ (?:to|not\ to|[a-z]+ing)\b | consider\ [a-z]+ing\b
      | it\ (?:is|'s|’s|can\ be|may\ be|might\ be|would\ be|could\ be)\ (?:also\ |very\ |really\ |so\ )?
            (?:important|helpful|useful|essential|crucial|vital|okay|ok|fine|normal|natural|
               worth|best|wise|better|a\ good\ idea|key)\b
      | (?:i|we)\ (?:would\ )?(?:suggest|recommend|encourage|advise|urge|invite)\b
      | make\ sure\b | be\ sure\ to\b | don['’]t\ forget\b | the\ (?:best|first|key|main)\ (?:thing|step|way)\b
      | (?:this|that|it)\ (?:can|will|may|might|could)\ (?:help|allow|give|make)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_PROBLEM = re.compile(
    r"""(?:
        \byou(?:['’]re|\ are)\ (?:not|far\ from)\ (?:alone|the\ only)\b
      | \bif\ (?:so|this\ sounds\ (?:familiar|like\ you))\b | \bsounds?\ familiar\b
      | \bin\ this\ (?:blog\ )?(?:post|article|guide|piece|episode)\b
      | \b(?:we|i)(?:['’]ll|\ will|\ are\ going\ to|['’]re\ going\ to|\ am\ going\ to)
            \ (?:explore|discuss|look\ at|cover|share|walk\ you|go\ over|talk\ about|explain)\b
      | \b(?:read|keep\ reading)\ on\b
      | \b(?:are\ you|you\ (?:may|might)\ be|you['’]re)\ wondering\b
      | \b(?:it|this|that)\ can\ (?:feel|be)\ (?:so\ |very\ |incredibly\ |really\ |particularly\ |
            endlessly\ |deeply\ )?(?:difficult|hard|frustrating|painful|lonely|overwhelming|
            confusing|maddening|exhausting|scary|stressful|upsetting|heartbreaking|complicated|
            befuddling|disheartening|discouraging|infuriating)\b
      | \bthat\ (?:[a-z]+,\ )*[a-z]+\ feeling\ when\b
      | \b(?:many|some|most)\ (?:of\ (?:our|my)\ )?(?:readers|people|clients|couples|parents|
            patients|listeners)\ (?:ask|write|wonder|contact|come\ to|reach\ out)\b
      | \bi\ (?:often\ |always\ )?(?:get|am)\ (?:asked|contacted)\b
      | \b(?:at\ least\ )?(?:a\ few|several|many)\ times\ a\ (?:week|month|year)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Selling: a strong cue counts twice, a weak one ("learn more", "located in") once.
_PROMOTION_STRONG = re.compile(
    r"""(?:
        \breach\ out\b | \(\d{3}\)\s*\d{3}[-.\s]\d{4} | \b\d{3}[-.]\d{3}[-.]\d{4}\b
      | \b(?:call|text|email|e-mail|contact|message)\ (?:us|me)\b(?!\ (?:when|if|because|about)\b)
      | \bour\ (?:[a-z-]+\ )?(?:team|practice|clinic|office|services?|therapists|counsel+ors|staff|website|
            centre|center|program|programme|coaches|experts|front\ desk)\b
      | \b(?:we|i)\ (?:have|['’]ve)\ helped\ (?:many|hundreds|thousands|countless)\b
      | \b(?:book|schedule)\ (?:a|an|your)\b | \b(?:accepting\ )?new\ (?:clients|patients)\b
      | \bget\ started\b | \bsign\ up\b | \bnewsletter\b
      | \bfree\ (?:consultation|call|session|trial)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_PROMOTION_WEAK = re.compile(
    r"\b(?:(?:we|i)\ (?:offer|provide|specialise|specialize)|(?:located|based)\ in|learn\ more)\b",
    re.IGNORECASE | re.VERBOSE,
)
_SUBORDINATE = re.compile(
    r"^(?:if|when|whenever|once|before|after|while|to|instead of|rather than|as soon as|until|"
    r"even if|whether|unless)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[\"“][^\"”]*[\"”]")
_FIRST_WORD = re.compile(r"[A-Za-z'’]+")


@dataclass(frozen=True)
class RoleReading:
    """Sentence counts of each kind of cue, and the role they add up to."""

    role: str  # one of ROLES
    advice: int
    problem: int
    promotion: int  # strong cues count 2
    bio: int
    hollow: tuple[bool, ...]  # per sentence of the passage: introduces a list that is missing


def sentence_cues(sentence: str) -> tuple[int, int, int, int]:
    """(advice, problem, promotion, bio) cues of one sentence; quoted speech is ignored.

    Each is 0 or 1, except promotion: 2 for a strong cue (a phone number, "reach out").
    """
    text = _QUOTED.sub('""', sentence).strip()
    bare = re.sub(r"^\s*(?:\d{1,3}[.)]|[-*•])\s+", "", text)
    asks_reader = bare.endswith("?") and bool(re.search(r"\b(?:you|your|yours)\b", bare, re.I))
    advice = not bare.endswith("?") and (_is_instruction(bare) or bool(_ADVICE.search(bare)))
    problem = asks_reader or bool(_PROBLEM.search(bare))
    promotion = 2 if _PROMOTION_STRONG.search(bare) else int(bool(_PROMOTION_WEAK.search(bare)))
    return int(advice), int(problem), promotion, int(bool(BIO_CUES.search(bare)))


def _is_instruction(sentence: str) -> bool:
    """Opens with a base-form verb, as an instruction does ("Ask them why", "Don't rush")."""
    rest = _LEAD.sub("", sentence)
    if _SUBORDINATE.match(rest):
        # "If they still refuse, look for...", "To ease them in, suggest...": the main clause
        # starts after one of the commas.
        return any(_opens_instruction(part) for part in rest.split(", ")[1:])
    return _opens_instruction(rest)


def _opens_instruction(rest: str) -> bool:
    match = _FIRST_WORD.match(rest)
    if not match:
        return False
    word = match.group().lower().replace("’", "'")
    following = rest[match.end() :].lstrip().lower()
    if word == "let" and following.startswith(("me ", "us ")):
        return False  # "Let me start by saying": the author speaking, not an instruction
    return word in _IMPERATIVE_VERBS or word in ("don't", "never", "always") and bool(following)


def hollow_sentences(sentences: Sequence[str]) -> tuple[bool, ...]:
    """Per sentence: it announces a list ("...include:") and no list item follows it here."""
    flags = []
    for i, sentence in enumerate(sentences):
        announces = sentence.rstrip().endswith(":")
        follows = i + 1 < len(sentences) and is_list_item(sentences[i + 1])
        flags.append(announces and not follows)
    return tuple(flags)


def read_passage(text: str, *, kind: str = "advice") -> RoleReading:
    """The role of one passage; ``kind`` is what cleaning found (``bio``/``disclaimer``)."""
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    hollow = hollow_sentences(sentences)
    # A hollow sentence advises nothing, whatever its wording ("options you can try:").
    cues = [(0, 0, 0, 0) if h else sentence_cues(s) for s, h in zip(sentences, hollow, strict=True)]
    advice, problem, promotion, bio = (sum(c[i] for c in cues) for i in range(4))
    if kind in ("bio", "disclaimer") or (bio and bio >= advice):
        role = "bio"
    elif promotion > advice:
        role = "promotion"
    elif any(hollow) and (hollow[-1] or not advice):
        role = "hollow"  # ends announcing what is not there, or has little else
    elif problem > advice:
        role = "problem"
    elif advice:
        role = "advice"
    else:
        role = "info"
    return RoleReading(role, advice, problem, promotion, bio, hollow)


# Perspective: whom a passage addresses. Most advice speaks to the one who wants change ("if
# your partner refuses..."); some speaks to the one being asked ("If you're the one who feels
# skeptical", "it is okay to feel scared about starting").
_TO_ASKED_HEADING = re.compile(
    r"\bif\ you(?:['’]re|\ are)\ the\ (?:[a-z]+\ ){0,2}(?:who|being|that)\b"
    r"|\bfor\ the\ (?:reluctant|hesitant|skeptical|nervous)\b",
    re.IGNORECASE | re.VERBOSE,
)
_FEELINGS = (
    r"(?:scared|nervous|afraid|anxious|frightened|hesitant|skeptical|reluctant|worried|angry|"
    r"trepidation|nerves|fears?|doubts|hesitations?)"
)
_TO_ASKED = re.compile(
    rf"""(?:
        \bit(?:['’]s|\ is)\ (?:also\ )?(?:okay|ok|normal|natural|understandable|fine)\ to
            \ (?:feel|be|do\ it)\b
      | \byou\ (?:may|might|probably)?\ ?(?:have|feel|are\ feeling|still\ have)\ (?:some\ |a\ lot\ of\ )?
            {_FEELINGS}\b
      | \byour\ (?:own\ )?(?:nerves|fears|worries|doubts|hesitation|nervousness)\b
      | \bwhen\ you\ go\ when\ you['’]re\b | \bwhile\ you['’]re\ scared\b
      | \bif\ you(?:['’]re|\ are)\ the\ (?:[a-z]+\ ){{0,2}}(?:who|being|that)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def addresses_asked(text: str, section: str | None) -> bool:
    """Whether a passage speaks to the one being asked to act, not the one asking."""
    if section and _TO_ASKED_HEADING.search(section):
        return True
    return len(_TO_ASKED.findall(text)) >= 1


# Persuasion: advice on getting the other person to agree or attend. Sound advice in general,
# the wrong answer where there is abuse or danger (crisis.py holds it back there).
_PERSUADES = re.compile(
    r"""(?:
        \b(?:convinc|persuad|coax|get|encourag|invit|ask|urg|pressur|talk)[a-z]*\ (?:your\ [a-z-]+|
            him|her|them|the\ other\ person)\b[^.;:]{0,60}?\b(?:to|into)\ (?:go|attend|join|come|
            try|agree|see|start|consider|couple|couples|marriage|therapy|counsel)
      | \b(?:present|rais|bring\ up|bringing\ up|introduc|propos|pitch|float|broach)[a-z]*
            \s+(?:the\s+)?(?:idea|topic|subject|question)\b
      | \bsuggest(?:ing)?\ (?:a|an|one)\ (?:trial|single|first|short)\b
      | \b(?:emphasi[sz]e|highlight|stress|point\ out)\ (?:the\ )?(?:positive|benefits|advantages|
            upsides|good)\b
      | \bshare\ (?:success\ stories|research|studies)\b
      | \bmake\ (?:them|him|her|your\ [a-z-]+)\ (?:feel\ )?(?:more\ )?(?:comfortable|willing|likely)\b
      | \bto\ ease\ (?:your\ [a-z-]+|him|her|them)\ into\b
      | \b(?:warm|come)\ (?:up\ to\ the\ idea|around)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)


_UNABLE = re.compile(r"\b(?:unable|not\ able|can['’]?t|cannot|fail|failed)\ to\ $", re.I | re.X)


def persuades(text: str) -> bool:
    """Whether a passage advises on bringing another person round to something."""
    return any(
        not _UNABLE.search(text[max(0, m.start() - 16) : m.start()])
        for m in _PERSUADES.finditer(text)
    )
