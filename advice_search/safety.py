"""Spot questions that speak of self-harm, suicide, violence, abuse or feeling unsafe.

A false positive shows a help panel above the normal results; a miss leaves someone in
danger. So the patterns lean towards triggering, and only common idioms and ordinary
conflict ("this argument is killing me", "he beat me at chess") are carved out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class CrisisAssessment:
    """What the detector found in one question."""

    is_crisis: bool
    categories: tuple[str, ...]  # subset of CATEGORIES, in that order
    matched: tuple[str, ...]  # normalised phrases that triggered it


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

CATEGORIES = ("self_harm", "violence", "abuse", "unsafe")

# Patterns run on normalised text: lower case, no accents, no apostrophes, words separated
# by single spaces and sentence ends written " . ". So "he'd" is "hed" and "don't" is "dont".
_PARTNER = r"(?:husband|wife|partner|spouse|boyfriend|girlfriend|fiancee?|ex|bf|gf|hubby|dh)"
_SUBJ = rf"(?:he|she|they|hes|shes|theyre|theyve|{_PARTNER})"
_WHO = rf"(?:{_SUBJ}|hed|shed|hell|shell|theyd|theyll|him|her)"  # may act on "me"
_KIDS = r"(?:(?:the|my|our|his|her) (?:kids?|children|child|son|daughter|babys?|babies|dog|cat))"
_VICTIM = rf"(?:me|us|{_KIDS})"
_TARGET = rf"(?:me|us|you|{_KIDS}|myself|himself|herself|themselves)"
# Up to three words between a person and the act, but not "it"/"that": "it hit me that".
_GAP = r"(?: (?!(?:it|its|this|that|what|news|truth|reality|realization|words?)\b)[a-z]+){0,3}"
_MODAL = (
    r"(?:would|will|might|could|may|is going to|was going to|going to|gonna|wants? to|"
    r"wanted to|tries to|tried to|trying to|try to|threatened to|threatens to|swore to|"
    r"physically)"
)
_HARM = r"(?:kill|hurt|harm|hit|beat|murder|stab|shoot|strangle|choke|burn)"

_PATTERNS: dict[str, tuple[str, ...]] = {
    "self_harm": (
        r"\bkil+(?:s|ed|ing)? ?(?:my ?self|myslef|him ?self|her ?self|themselves|themself)\b",
        r"\bsu+i?[cs]+i?d+(?:e|es|al|el|ally)?\b",  # suicide, suicidal, sucide, suicde, suiside
        r"\b(?:kms|kys|unalive|unaliving|noose|overdos(?:e|ed|ing))\b",
        r"\b(?:end|ends|ending|ended|take|taking|took) my (?:own )?life\b",
        r"\bend(?:ing)? it all\b",
        r"(?<!dont )(?<!do not )(?<!never )\b(?:wan+a|wan+t (?:to|2)|ready to) (?:just )?die\b"
        r"(?! on\b)",
        r"\bwish i could (?:just )?(?:die|disappear|not exist|stop existing)\b",
        r"\b(?:dont|do not|no longer|never) (?:really |even )?(?:want|wanna|wish) (?:to )?"
        r"(?:be alive|exist|wake up|be here anymore|live anymore|go on anymore|live(?= \.|$))",
        r"\b(?:sleep and|hope i|wish i (?:could|would)|want to|wanna) "
        r"(?:never|not|dont|wont|wouldnt) wake up\b",
        r"\bwish i (?:was|were|could be) dead\b|\bwish i (?:was|were|had) never (?:been )?born\b",
        r"\b(?:rather be|better off) dead\b|\bbetter off without me\b",
        r"\bif i (?:wasnt|werent|was not|were not) (?:here|around|alive)\b",
        r"\bpoint (?:in|of) (?:even )?(?:living|life|being alive|going on|existing|"
        r"staying alive|being here)\b",
        r"\b(?:no reason to live|nothing (?:left )?to live for|cant go on (?:anymore|living))\b",
        r"\b(?:not|isnt|no longer) worth living\b|\bfeel(?:s|ing)? like dying\b",
        r"\b(?:tired of|sick of|done with|done) (?:living|life|being alive)\b",
        r"\bwant (?:it all|everything) to (?:end|stop)\b|\bend it tonight\b",
        r"\b(?:no one|noone|nobody) would (?:miss me|care if i (?:died|was gone|disappeared))\b",
        r"\b(?:cut+|cut+s|cut+ing|hurt|hurts|hurting|harm|harms|harming|harmed|burn|burns|"
        r"burned|burnt|burning|starv(?:e|es|ed|ing)|hang|hanging|hanged|poison(?:ed|ing)?) "
        r"?my ?self\b",
        r"\bself ?(?:harm|harming|injur\w*|mutilat\w*)\b",
        r"\bslit(?:ting)? my (?:wrists?|throat)\b",
        r"\b(?:jump|jumping) (?:off|from) (?:a|the) (?:bridge|building|roof|cliff|balcony)\b",
        r"\b(?:jump|jumping|step|stepping|walk|walking) in front of (?:a|the) "
        r"(?:train|bus|car|truck)\b",
        r"\b(?:drive|driving|crash|crashing) (?:my car )?(?:into|off) (?:a|the) "
        r"(?:tree|wall|bridge|cliff|traffic)\b",
        r"\b(?:took|take|taking|swallowed|swallowing) (?:a (?:bunch|handful|lot|bottle|box) of |"
        r"all (?:of )?|too many |so many |(?:the|a|an) (?:whole|entire) bottle of )"
        r"(?:my |the |his |her )?(?:sleeping )?(?:pills|meds|medication|tablets|painkillers|"
        r"antidepressants)\b",
    ),
    "violence": (
        # "he pushed me again last night"; not "pushed me to open up", "pushed me away".
        rf"\b{_WHO}{_GAP} (?:pushed|shoved) {_VICTIM}\b(?! (?:to|into|toward|towards|away|aside|"
        r"off|too|for|about|on|hard|forward|out of my comfort)\b)",
        rf"\bkil+ (?:me|us|you|him|her|them|{_KIDS}|my (?:{_PARTNER}|family|mom|dad|parents))\b",
        rf"\b(?:almost|nearly|could have|couldve|would have|wouldve) kil+ed {_VICTIM}\b",
        rf"\b{_WHO}{_GAP} (?:hit|hits|hitting) {_VICTIM}\b(?! up\b)"
        r"(?! with (?:the|this|that|some) (?:news|question|idea|bill)\b)",
        rf"\b{_WHO}{_GAP} (?:beat|beats|beating|beaten) {_VICTIM}\b(?! (?:up|at|to)\b)"
        r"(?! in (?:a|an|the|every|our|this) (?:argument|game|race|debate|match|contest)\b)",
        rf"\bbeat(?:s|en)? (?:{_VICTIM} up|up (?:on )?{_VICTIM}\b|the (?:crap|shit|hell) out of)",
        rf"\b{_SUBJ}(?: [a-z]+){{0,2}} {_MODAL}(?: (?!never\b|not\b)[a-z]+)? {_HARM} {_TARGET}\b"
        r"(?! (?:up|at|to)\b)",
        rf"\b(?:hed|shed|hell|shell|theyd|theyll)(?: (?!never\b|not\b)[a-z]+)? {_HARM} "
        rf"{_TARGET}\b(?! (?:up|at|to)\b)",
        rf"\b{_SUBJ}{_GAP} (?:hurt|hurts|hurting|harms|harmed|harming) {_KIDS}\b(?! feelings)",
        # "he hurts me" is often physical; emotional phrasings and "would never" are carved out.
        rf"\b{_SUBJ}(?: (?!(?:never|not|wouldnt|wont|doesnt|didnt|it|that)\b)[a-z]+){{0,3}} "
        r"(?:hurt|hurts|hurting) (?:me|us)\b(?! (?:emotionally|by|deeply|so much|"
        r"a lot|with (?:his|her|their) words|when (?:he|she|they) (?:said|says))\b)",
        rf"\b(?:slap+(?:s|ed|ing)?|punch(?:es|ed|ing)?|smack(?:s|ed|ing)?|shov(?:e|es|ed|ing)|"
        r"strangl(?:e|es|ed|ing)|choc?k(?:e|es|ed|ing)|stab(?:s|bed|bing)?|headbutt(?:s|ed|ing)?|"
        r"kick(?:s|ed|ing)?|bit|bites|biting|spit on|spits on|spat on|burn(?:s|ed|t|ing)?|"
        rf"murder(?:s|ed|ing)?) {_VICTIM}\b"
        r"(?! (?:up|out|off)\b| in the back\b| with (?:a |the )?(?:divorce|lawsuit|papers|bill))",
        rf"\b(?:push|pushes|pushed|pushing|shove|shoves|shoved|shoving|slam|slams|slammed|"
        rf"slamming|pin|pins|pinned|pinning|knock|knocks|knocked|knocking) {_VICTIM} "
        r"(?:down|onto|against|across|over(?! the edge)|off (?:the|a)|to the (?:ground|floor)|"
        r"into (?:a |the )?(?:wall|door|table|floor|ground|car|counter|dresser|mirror|window))\b",
        r"\b(?:punch|punches|punched|punching|kick|kicks|kicked) (?:a hole|holes) in\b",
        r"\bpunch(?:es|ed|ing)? (?:the|a) (?:walls?|door)\b",
        rf"\bthr(?:ew|ow|ows|owing|own) {_VICTIM} (?:against|into|across|down|onto|to the)\b",
        r"\bthr(?:ew|ow|ows|owing) (?!(?:shade|a fit|fits|a tantrum|tantrums|insults|"
        r"accusations|words|questions|it|that|them back)\b)(?:[a-z]+ ){1,3}at "
        rf"(?:me|us|my (?:head|face)|{_KIDS})\b",
        rf"\b(?:grab|drag|pull|yank)(?:s|bed|ged|ed|ing|bing|ging)? (?:me|{_KIDS}) by\b",
        r"\b(?:grab|pull|yank)(?:s|bed|ed|ing|bing)? my (?:hair|throat|neck|arm|wrist)\b",
        r"\bhands? (?:around|round|on) my (?:throat|neck)\b",
        rf"\b(?:put|puts|putting|laid|lay|lays) (?:his |her |their |a )?hands? on {_VICTIM}\b",
        rf"\b(?:pinned|held|holds|holding) {_VICTIM} down\b",
        r"\bblack eye\b|\bbruises on (?:me|my)\b|\b(?:left|leaves|leaving) (?:me with )?bruises\b",
        r"\b(?:broke|broken|breaks|fractured|dislocated) my (?:arm|nose|ribs?|jaw|wrist|finger|"
        r"hand|leg|collarbone)\b",
        r"\b(?:gun|knife|weapon|blade|pistol|rifle) (?:to|at|against|on) (?:me|us|my)\b",
        r"\bpoint(?:s|ed|ing)? (?:a |his |her |the )?(?:gun|knife|rifle|pistol)\b",
        r"\b(?:came|comes|coming) at (?:me|us) with\b",
        rf"\b(?:shoot|shoots|shot|shooting) {_VICTIM}\b(?! (?:a|an|the|some|down|up)\b)",
        r"\bthreat(?:en|ens|ened|ening)? (?:me |us )?(?:to|that (?:he|she|they) (?:would|will|"
        r"might)|that (?:hed|shed|theyd|hell|shell|theyll)) (?:[a-z]+ )?"
        rf"(?:{_HARM}|break (?:my|his|her|your)|take (?:my|his|her) (?:own )?life)\b",
        r"\bthreat(?:en|ens|ened|ening)? (?:me |us )?with (?:a |his |her |the )?"
        r"(?:gun|knife|weapon|violence)\b",
        r"\b(?:wants?|wanted) (?:me|us) dead\b",
        r"\bdeath threats?\b|\bthreat(?:en|ens|ened|ening) (?:my|our) (?:life|lives|safety)\b",
        r"\bphysical(?:ly)? (?:hurt|harm|abus|attack|assault|violen|aggress|fight)\w*",
        r"\bhurt (?:me|us) physically\b|\bassault(?:s|ed|ing)? (?:me|us)\b",
        r"\b(?:get|gets|got|getting|is|was|becomes|became|turns|can be) (?:very |so |really )?"
        r"violent\b",
        r"\b(?:was|got|get|gets|getting|been|being) (?:hit|slapped|punched|kicked|choked|"
        r"strangled|beaten|beat up|shoved|pushed|smacked|stabbed|shot|attacked|thrown) by "
        rf"(?:him|her|them|he|she|(?:my |our )?{_PARTNER})\b",
        r"\b(?:was|got|been|being) (?:beaten|choked|strangled|stabbed)\b(?! up\b)",
    ),
    "abuse": (
        r"(?<!substance )(?<!drug )(?<!alcohol )\babus(?:e|es|ed|ing|ive|er|ers)\b"
        r"(?! (?:of|alcohol|drugs|substances|pills|power|his power|her power)\b)",
        r"\brap(?:e|ed|es|ing|ist)\b|\bmolest\w*|\bsexual(?:ly)? (?:assault|abus|coerc|violen)\w*",
        r"\b(?:domestic|family|intimate partner) (?:violence|abuse)\b|\bcoercive control\b",
        r"\b(?:force|forces|forced|forcing|make|makes|made|making|pressure|pressures|pressured|"
        r"pressuring|coerce|coerces|coerced|coercing) (?:me|us) (?:to |into )?(?:have |having )?"
        r"(?:sex|sleep with|sexual)\b",
        r"\bforc(?:e|es|ed|ing) (?:himself|herself|themselves) on me\b",
        r"\b(?:without|against) my (?:consent|will)\b",
        r"\b(?:wont|doesnt|didnt|dont|will not|does not|never|wouldnt) let me (?:leave|go out|"
        r"out of the house|see my|talk to my|call my|have (?:my )?(?:own )?(?:money|phone|car|"
        r"keys)|use (?:the|my) phone)\b",
        rf"\b(?:lock|locks|locked|locking) {_VICTIM} (?:in|out|inside)\b",
        rf"\b{_SUBJ}{_GAP} (?:takes|took|hides|hid|smashes|smashed|breaks|broke) my (?:phone|keys|"
        r"car keys|passport|id)\b",
        r"\bstalk(?:s|ed|ing|er)?\b|\b(?:tracks|tracking|tracked) my (?:phone|location|car)\b",
        r"\bisolat(?:es|ed|ing) me from\b",
    ),
    "unsafe": (
        r"\b(?:dont|do not|didnt|never|no longer|cant|cannot|not|rarely) (?:[a-z]+ )?"
        r"feel(?:s|ing)? safe\b",
        r"\bunsafe\b(?! sex\b)",
        r"\b(?:not|isnt|arent|never|no longer) safe (?:at|in|with|around|here|there|to go|"
        r"for (?:me|us|my|the|our))\b",
        r"\b(?:scared|afraid|terrified|frightened|petrified)(?: [a-z]+)? "
        r"(?:to (?:go|come|be|stay) (?:back )?(?:home|at home|alone with)|"
        rf"of (?:him|them|my {_PARTNER})\b(?! [a-z]+ing\b)|"
        r"of her\b(?= \.|$| (?:and|when|because|but|so|now|anymore|sometimes|too)\b)|"
        r"for (?:my|our|the kids|my kids) (?:life|lives|safety))",
        rf"\bof (?:him|her|them) (?:hurting|killing|hitting|harming|beating) {_VICTIM}\b",
        r"\bfear(?:ing|ed|s)? for (?:my|our|the kids|my kids) (?:life|lives|safety)\b",
        r"\b(?:im|i am|my life is|were|we are|(?:my|the|our) kids are|i might be|i may be|"
        r"i could be|i feel like im) in danger\b(?! of\b)",
        rf"\b{_SUBJ} (?:is |can be |gets |was )?(?:really |very |so |extremely )?dangerous\b",
        r"\b(?:restraining|protective|protection) order\b|\border of protection\b",
        r"\b(?:domestic violence|dv|womens|abuse) shelter\b|\bsafe house\b|\bsafety plan\b",
        r"\bcall(?:ed|ing|s)? (?:the )?(?:police|cops|911)\b|\bpolice (?:came|were called)\b",
        r"\b(?:hide|hiding|hid|escape|escaping|run away|get away|getting away) from "
        rf"(?:him|her|them|my {_PARTNER})\b",
    ),
}
_RULES = tuple((category, re.compile("|".join(_PATTERNS[category]))) for category in CATEGORIES)

# Removed before matching: "it would kill me", "that's going to kill me" (not a threat).
_IDIOMS = re.compile(
    r"\b(?:it|its|this|thats|that|which|itd|itll|thatd|thatll|thisll)(?: (?:would|will|might|"
    r"could|may|is|was|going to|gonna|literally|honestly|actually|just|really|probably|"
    r"seriously|totally|definitely|absolutely)){0,4} kil+ (?:me|us|you)\b"
)
_APOSTROPHES = dict.fromkeys(map(ord, "'\u2018\u2019\u02bc`\u00b4\uff07\u2032"))
_ACCENTS = re.compile(r"[\u0300-\u036f]+")
_NON_WORD = re.compile(r"[^\w.!?;]+|_+")
_SENTENCE_END = re.compile(r" ?[.!?;]+ ?")


def _normalise(text: str) -> str:
    """Lower-case, strip accents and apostrophes, single spaces, sentence ends as " . "."""
    text = text.lower().translate(_APOSTROPHES)
    text = _ACCENTS.sub("", unicodedata.normalize("NFKD", text))
    text = _NON_WORD.sub(" ", text)
    return _SENTENCE_END.sub(" . ", text).strip()


def assess(question: str) -> CrisisAssessment:
    """Say whether the question speaks of danger, in which categories, and which phrases."""
    text = _IDIOMS.sub(".", _normalise(question))
    categories: list[str] = []
    matched: dict[str, None] = {}  # ordered set
    for category, pattern in _RULES:
        found = [m.group(0) for m in pattern.finditer(text)]
        if found:
            categories.append(category)
            matched.update(dict.fromkeys(found))
    return CrisisAssessment(bool(categories), tuple(categories), tuple(matched))


def is_crisis(question: str) -> bool:
    """True when the question speaks of self-harm, violence, abuse or feeling unsafe."""
    return assess(question).is_crisis
