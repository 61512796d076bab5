"""Does the best passage *answer* the question, or only share its topic?

Similarity alone measures topic: "do they usually take insurance?" is as close to a library
about reluctant partners as "how do I get him to go?" is. Two signals go beyond topic:

- the question's *specific* words (not function words, not the library's own topic words,
  found from how many passages use them) should appear in the passages offered, spelled as
  the asker spelled them or one typo away. A question whose specific words the passages
  never use is probably about something they do not cover;
- a question that asks for *facts* (how much, how often, how long (not "how long do I
  wait"), what age, which app, the difference between X and Y, insurance, cost (not "what
  does it cost us"), what a named method or term is or what a quoted word means, whether it
  is real, a diagnosis or scientific, whether anyone has studied it, a statistic, whether
  such couples last, whether there is therapy for a named condition) is answered only by a
  passage that names what was asked; advice prose on the same topic is not an answer to it.

Pure: the question, the similarity scores and the passages' words in, a verdict out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .lexical import tokenize

# Words that carry no subject of their own: function words, pronouns, vague verbs, fillers.
FUNCTION_WORDS = frozenset(
    [
        "i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "you", "your", "yours",
        "he", "him", "his", "she", "her", "hers", "they", "them", "their", "it", "its", "this",
        "that", "these", "those", "what", "which", "who", "whom", "whose", "when", "where",
        "why", "how", "is", "am", "are", "was", "were", "be", "been", "being", "do", "does",
        "did", "doing", "have", "has", "had", "having", "will", "would", "shall", "should",
        "can", "could", "may", "might", "must", "a", "an", "the", "and", "but", "or", "nor",
        "so", "if", "then", "than", "too", "very", "just", "also", "not", "no", "yes", "any",
        "some", "all", "each", "every", "both", "either", "neither", "one", "ones", "about",
        "above", "after", "again", "against", "at", "before", "below", "between", "by", "down",
        "during", "for", "from", "in", "into", "of", "off", "on", "onto", "out", "over",
        "through", "to", "under", "until", "up", "upon", "with", "within", "without", "there",
        "here", "get", "gets", "got", "getting", "go", "goes", "going", "went", "gone", "want",
        "wants", "wanted", "think", "thinks", "know", "knew", "like", "really", "even",
        "still", "ever", "much", "many", "more", "most", "lot", "lots", "thing", "things",
        "anyone", "anything", "someone", "something", "way", "ok", "okay", "dont", "doesnt",
        "didnt", "cant", "wont", "im", "ive", "id", "isnt", "arent", "wasnt", "whats", "thats",
        "theres", "hes", "shes", "theyre", "youre", "actually", "honestly", "basically",
        "literally", "anyway", "maybe", "please", "thanks", "help", "tell", "say", "said",
        "says", "make", "makes", "made", "let", "lets", "need", "needs", "try", "tried",
        "trying", "good", "bad", "better", "best", "right", "wrong", "sure", "usually", "now",
        "then", "yet", "already", "always", "never", "sometimes", "often", "take", "takes",
        "come", "comes", "see", "use", "start", "keep", "give", "put", "find", "work", "feel",
        "look", "ask", "talk", "mean", "means", "show", "seem", "become",
    ]
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_FACTS = re.compile(
    r"""(?:
        \bhow\ (?:much|many|often|common|likely|soon)\b | \bwhat\ age\b
      | \bhow\ long\b(?!(?:\ (?:do|should|must|can|will|would|am|are|have\ to))?\ (?:i|we)\b
            (?:\ [a-z']+){0,3}?\ (?:wait|waiting|keep|supposed|give|hold\ on|put\ up|be\ patient)\b)
      | \b(?:success|divorce|failure)\ rates?\b
      | \bwhat(?:['’]s|\ is|\ are)\ (?:the\ )?(?:difference|differences|cost|price|rate|average|
            odds|chance)\b
      | \bdifference\ between\b | \bvs\.?\b | \bversus\b
      | \bwhich\ (?:one|is\ better|works\ better|app|type|kind|website|program)\b
      | \b(?<!real\ )(?<!actually\ )costs?\b(?!\ (?:me|us|you|him|her|them)\b)
      | \b(?:price|afford|fees?|insurance|covered|pay\ for|reimburs\w*)\b
      | \bwhat\ (?:is|are)\ [a-z-]+\ (?:counsel\w*|therapy|method|approach|treatment)\b
      | \bbest\ (?:[a-z-]+\ ){0,3}(?:apps?|websites?|books?|programs?|methods?|doctors?)\b
      | \bany\ good\b | \blegit\b | \bnear\ me\b | \bin\ my\ area\b
      | \bwhere\ (?:can|do)\ (?:i|we)\ find\b | \bhow\ do\ (?:i|we)\ find\ (?:a|an|someone)\b
      | \bdo\ (?:we|i|they|you)\ (?:have\ to|need\ to|usually)\b
      | \b(?:will|can|does|would)\ (?:it|therapy|counsel\w*|treatment)\ (?:show\ up|be\ on)\b
      | \bwh?at(?:['’]?s|\ is|\ are)\ (?:this\ |that\ |the\ |a\ |an\ )?['"‘“]
      | \bwh?at(?:['’]?s|\ is|\ are)\ (?:even\ )?(?!(?:the|a|an|it|its|that|this|wrong|going|
            happening|up|he|she|they|we|i|you|my|his|her|your|our|their|there|next|best|worst|
            point|more|most|so|really|actually|with|in|on|for|to|about|some|any|other|good|few|ways?|
            tips?|steps?|options?|signs?|reasons?)\b)[a-z-]+(?:\ [a-z-]+){0,2}
            (?:\ exactly)?\ ?(?:[,?]|\ and\b|$)
      | \bwh?at\ even\ is\ (?:that|this|it)\b | \bwh?at\ is\ (?:that|this)\ even\b
      | \bwh?at(?:['’]?s|\ is)\ (?:that|this)(?:\ exactly)?\s*(?:[?.!]|$)
      | \bwhat(?:['’]s|\ is|\ are)\ (?:this\ |that\ |the\ |a\ |an\ )?
            (?!(?:point|purpose|goal|aim|use|idea|benefit|harm)\b)[a-z0-9-]+(?:\ [a-z0-9-]+)?
            \ (?:rule|theory|technique|syndrome|method|exercise|model|therapy|approach|thing)\b
      | \b(?:a\ )?real\ thing\b | \b(?:actual|real)\ science\b | \bscientific\w*\b
      | \b(?:an?|the)\ (?:actual|real|legit|legitimate|recogni[sz]ed|official)
            \ (?:medical\ |psychological\ |clinical\ |mental\ health\ )?
            (?:thing|condition|diagnosis|disorder|illness)\b
      | \bwh?at\ (?:does|do|did)\ ['"‘“][^'"’”]{2,40}['"’”]\ (?:even\ |actually\ |really\ )?mean\b
      | \b(?:has|have)\ (?:anyone|anybody|someone|people|researchers|scientists)
            \ (?:ever\ |actually\ )?(?:studied|researched|measured)\b
      | \b(?:studies|research)\ (?:show|shows|say|says|found|suggests?)\b
      | \b(?:is|are)\ there\ (?:a\ |an\ |any\ |some\ )?(?:specific\ |special\ |speciali[sz]ed\ )?
            (?:couples?\ |marriage\ |family\ )?
            (?:therapy|therapists?|counsel\w*|treatments?|programs?|specialists?)
            (?:\ (?:specifically|especially|designed|made|meant))?\ for\b
            (?!\ (?:me|us|him|her|them|you|my|our|his|their|people|someone|anyone|couples|partners
              |a\ partner|the\ one)\b)
      | \bdo\ (?:[a-z]+\ ){1,5}(?:actually|ever|really|usually)\ (?:make\ it|last)\b
      | \b(?:is\ there|are\ there|any|the)\ (?:any\ )?(?:actual\ |real\ |good\ |hard\ )?
            (?:evidence|research|studies|data|proof)\b
      | \bside\ effects?\b | \b(?:more|less)\ (?:often|likely)\b
      | (?<![\d.])\d{1,2}(?:\.\d+)?\ ?(?:%|percent\b)
      | \b(?:how|what)\ is\ (?:it|that|this|[a-z-]+)\ different\b | \bdifferent\ from\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)


# The people advice is about, in groups of words that name the same relation. A question about
# a boss is not answered by passages that only ever speak of partners, however alike in tone;
# one that also names a partner may be ("I want to vent to my sister about my husband").
PEOPLE = {
    "partner": "partner partners husband husbands wife wives spouse spouses boyfriend girlfriend bf "
    "gf fiance fiancee hubby couple couples",
    "parent": "parent parents mother mom mum father dad mothers fathers",
    "child": "child children kid kids son sons daughter daughters teen teens teenager teenagers "
    "toddler baby",
    "sibling": "sibling siblings brother brothers sister sisters",
    "friend": "friend friends bestie",
    "work": "boss bosses manager managers coworker coworkers colleague colleagues employer "
    "employee employees",
    "home": "landlord landlady roommate roommates flatmate flatmates housemate neighbour neighbor "
    "neighbours neighbors",
    "school": "teacher teachers professor classmate classmates",
}
_PERSON_GROUP = {word: group for group, words in PEOPLE.items() for word in words.split()}
# A partner in something other than a relationship ("my business partner", "my tennis
# partner") is someone from work or from a pastime, not the asker's partner.
_NOT_ROMANTIC = {
    "work": "business co founding sales law practice research project lab study carpool "
    "carpooling lift",
    "pastime": "tennis doubles squash badminton golf dance dancing climbing running training "
    "workout gym sparring chess bridge card debate writing gaming duet singing scene acting "
    "skating rowing hiking quiz trivia",
}
_PARTNER_OF = {word: group for group, words in _NOT_ROMANTIC.items() for word in words.split()}


_FAMILY = frozenset(["parent", "sibling", "child"])
# A child named by age alone: "our two-year-old", "my 7 yr old", "a 15yo". Ages under 18 only;
# "my 41-year-old husband" names the husband.
_CHILD_AGE = re.compile(
    r"\b(?:[1-9]|1[0-7]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen)[\s-]?(?:years?|yrs?|y)[\s/-]?(?:old|o)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)  # the same passages are read for many questions
def people(text: str) -> frozenset[str]:
    """The groups of people ``text`` speaks of (see PEOPLE). "His mom", "her brother" and
    "mother-in-law" are the partner's family, so they speak of the partner too."""
    words = [w[:-2] if w.endswith(("'s", "’s")) else w for w in _WORD.findall(text.lower())]
    found = set()
    for i, (before, word) in enumerate(zip(["", *words], words, strict=False)):
        group = _PERSON_GROUP.get(word)
        if group == "partner" and word.startswith("partner") and before in _PARTNER_OF:
            group = _PARTNER_OF[before]
        if group in _FAMILY and (before in ("his", "her") or words[i + 1 : i + 3] == ["in", "law"]):
            found.add("partner")
        if group:
            found.add(group)
    if _CHILD_AGE.search(text):
        found.add("child")
    return frozenset(found)


@dataclass(frozen=True)
class Verdict:
    """Whether to present the best passages as the answer, and why not when they are not."""

    confident: bool
    reason: str  # "answers", "weak match", "asks for facts", "other people", "words not covered"
    coverage: float  # share of the question's specific words the offered passages use
    missing: tuple[str, ...]  # those they do not use (stems)
    asks_facts: bool


def asks_for_facts(text: str) -> bool:
    """Whether the question asks for a number, a price, a definition or a recommendation."""
    return bool(_FACTS.search(text))


def specific_terms(text: str, topic: Iterable[str] = ()) -> list[str]:
    """The stems of ``text``'s words that say what it is about, beyond the library's topic."""
    topic = frozenset(topic)
    words = [w.replace("’", "'").replace("'", "") for w in _WORD.findall(text.lower())]
    stems = tokenize(" ".join(w for w in words if w not in FUNCTION_WORDS))
    return [s for s in stems if s not in topic and not s.isdigit()]


def covered(term: str, vocabulary: set[str] | frozenset[str]) -> bool:
    """``term`` is used, or is one typo away from a word used (for words of 5+ letters)."""
    if term in vocabulary:
        return True
    if len(term) < 5:
        return False
    return any(
        abs(len(word) - len(term)) <= 1 and word[0] == term[0] and _one_edit(term, word)
        for word in vocabulary
    )


@lru_cache(maxsize=4096)
def passage_stems(text: str) -> frozenset[str]:
    """A passage's stems; remembered, as the same passages come first for many questions."""
    return frozenset(tokenize(text))


def missing_terms(terms: Iterable[str], passage_texts: Sequence[str]) -> tuple[str, ...]:
    """The ``terms`` none of the passages uses (a typo away counts as used: ``covered``)."""
    vocabulary = frozenset().union(*(passage_stems(text) for text in passage_texts))
    return tuple(t for t in terms if not covered(t, vocabulary))


def names_other_people(question: str, passage_texts: Sequence[str], story: str = "") -> bool:
    """The question speaks of people ("my boss") none of the passages speaks of. When its
    asking part names nobody ("how do I get her to rehearse?"), the ``story`` around it says
    who is meant ("my duet partner won't rehearse...")."""
    asked_about = people(question) or people(story)
    return bool(asked_about) and not asked_about & people(" ".join(passage_texts))


def _one_edit(a: str, b: str) -> bool:
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def judge(
    question: str,
    *,
    matched: bool,
    passage_texts: Sequence[str],
    topic: Iterable[str] = (),
    min_coverage: float = 0.0,
    check_people: bool = True,
    titles: Sequence[str] = (),
    story: str = "",
) -> Verdict:
    """The verdict for ``question`` given whether similarity found a match (``matched``) and
    the texts of the passages offered first (``titles``: their articles'; ``story``: the
    whole post when ``question`` is only its asking part)."""
    terms = specific_terms(question, topic)
    missing = missing_terms(terms, passage_texts)
    coverage = 1 - len(missing) / len(terms) if terms else 1.0
    facts = asks_for_facts(question)
    if not matched:
        return Verdict(False, "weak match", coverage, missing, facts)
    if facts and missing:
        return Verdict(False, "asks for facts", coverage, missing, facts)
    if check_people and names_other_people(question, [*passage_texts, *titles], story):
        return Verdict(False, "other people", coverage, missing, facts)
    if coverage < min_coverage:
        return Verdict(False, "words not covered", coverage, missing, facts)
    return Verdict(True, "answers", coverage, missing, facts)
