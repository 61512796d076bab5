"""The crisis detector's rules: one pattern per row, each with a question only it catches.

Patterns run on ``text.normalise_for_patterns`` output: lower case, no accents, no
apostrophes, words separated by single spaces and sentence ends written " . ". So "he'd" is
"hed" and "don't" is "dont". A rule's example is a question that this rule alone matches, so
removing the rule would let that question through (tests/test_safety.py holds every row to
it). Rules of a category are tried in table order at each point of the question: the first
to match names the phrase reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORIES = ("self_harm", "violence", "abuse", "unsafe")


@dataclass(frozen=True)
class Rule:
    """One pattern of the detector, and a question that it alone catches."""

    category: str  # one of CATEGORIES
    name: str
    example: str
    pattern: str


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

# Removed before the rules run: "it would kill me", "that's going to kill me" (not a threat).
IDIOMS = re.compile(
    r"\b(?:it|its|this|thats|that|which|itd|itll|thatd|thatll|thisll)(?: (?:would|will|might|"
    r"could|may|is|was|going to|gonna|literally|honestly|actually|just|really|probably|"
    r"seriously|totally|definitely|absolutely)){0,4} kil+ (?:me|us|you)\b"
)

# fmt: off
RULES: tuple[Rule, ...] = (
    # category, name, example, pattern
    Rule("self_harm", "kill_myself", "I want to kill myself",
         r"\bkil+(?:s|ed|ing)? ?(?:my ?self|myslef|him ?self|her ?self|themselves|themself)\b"),
    Rule("self_harm", "suicide", "I've been having suicidal thoughts since the separation",
         r"\bsu+i?[cs]+i?d+(?:e|es|al|el|ally)?\b"),  # suicide, suicidal, sucide, suiside
    Rule("self_harm", "slang_and_overdose", "I'm going to overdose",
         r"\b(?:kms|kys|unalive|unaliving|noose|overdos(?:e|ed|ing))\b"),
    Rule("self_harm", "end_my_life", "I want to end my life",
         r"\b(?:end|ends|ending|ended|take|taking|took) my (?:own )?life\b"),
    Rule("self_harm", "end_it_all", "I keep thinking about ending it all",
         r"\bend(?:ing)? it all\b"),
    Rule("self_harm", "want_to_die", "I just wanna die",
         r"(?<!dont )(?<!do not )(?<!never )\b(?:wan+a|wan+t (?:to|2)|ready to) (?:just )?die\b"
         r"(?! on\b)"),
    Rule("self_harm", "wish_i_could_disappear", "I wish I could just disappear",
         r"\bwish i could (?:just )?(?:die|disappear|not exist|stop existing)\b"),
    Rule("self_harm", "dont_want_to_live", "I don't want to be alive anymore",
         r"\b(?:dont|do not|no longer|never) (?:really |even )?(?:want|wanna|wish) (?:to )?"
         r"(?:be alive|exist|wake up|be here anymore|live anymore|go on anymore|live(?= \.|$))"),
    Rule("self_harm", "never_wake_up", "I want to go to sleep and never wake up",
         r"\b(?:sleep and|hope i|wish i (?:could|would)|want to|wanna) "
         r"(?:never|not|dont|wont|wouldnt) wake up\b"),
    Rule("self_harm", "wish_i_was_dead", "I wish I was dead",
         r"\bwish i (?:was|were|could be) dead\b"),
    Rule("self_harm", "wish_never_born", "I wish I had never been born",
         r"\bwish i (?:was|were|had) never (?:been )?born\b"),
    Rule("self_harm", "better_off_dead", "Honestly I'd rather be dead than go back to him",
         r"\b(?:rather be|better off) dead\b"),
    Rule("self_harm", "better_off_without_me", "Everyone would be better off without me",
         r"\bbetter off without me\b"),
    Rule("self_harm", "if_i_wasnt_here", "Sometimes I think it'd be easier if I wasn't here",
         r"\bif i (?:wasnt|werent|was not|were not) (?:here|around|alive)\b"),
    Rule("self_harm", "point_of_living", "what's the point of living",
         r"\bpoint (?:in|of) (?:even )?(?:living|life|being alive|going on|existing|"
         r"staying alive|being here)\b"),
    Rule("self_harm", "nothing_to_live_for", "I have nothing left to live for",
         r"\b(?:no reason to live|nothing (?:left )?to live for|cant go on (?:anymore|living))\b"),
    Rule("self_harm", "not_worth_living", "life isn't worth living anymore",
         r"\b(?:not|isnt|no longer) worth living\b"),
    Rule("self_harm", "feel_like_dying", "I feel like dying every time we fight",
         r"\bfeel(?:s|ing)? like dying\b"),
    Rule("self_harm", "tired_of_living", "I'm so tired of living like this",
         r"\b(?:tired of|sick of|done with|done) (?:living|life|being alive)\b"),
    Rule("self_harm", "want_it_all_to_end", "I just want it all to end",
         r"\bwant (?:it all|everything) to (?:end|stop)\b"),
    Rule("self_harm", "end_it_tonight", "I'm going to end it tonight",
         r"\bend it tonight\b"),
    Rule("self_harm", "nobody_would_miss_me", "nobody would miss me if I was gone",
         r"\b(?:no one|noone|nobody) would (?:miss me|care if i (?:died|was gone|disappeared))\b"),
    Rule("self_harm", "hurt_myself", "I've been cutting myself again",
         r"\b(?:cut+|cut+s|cut+ing|hurt|hurts|hurting|harm|harms|harming|harmed|burn|burns|"
         r"burned|burnt|burning|starv(?:e|es|ed|ing)|hang|hanging|hanged|poison(?:ed|ing)?) "
         r"?my ?self\b"),
    Rule("self_harm", "self_harm_word", "I've started self-harming again since the separation",
         r"\bself ?(?:harm|harming|injur\w*|mutilat\w*)\b"),
    Rule("self_harm", "slit_wrists", "I thought about slitting my wrists",
         r"\bslit(?:ting)? my (?:wrists?|throat)\b"),
    Rule("self_harm", "jump_off", "I keep thinking about jumping off a bridge",
         r"\b(?:jump|jumping) (?:off|from) (?:a|the) (?:bridge|building|roof|cliff|balcony)\b"),
    Rule("self_harm", "in_front_of_a_train", "I wanted to step in front of a train",
         r"\b(?:jump|jumping|step|stepping|walk|walking) in front of (?:a|the) "
         r"(?:train|bus|car|truck)\b"),
    Rule("self_harm", "crash_the_car", "I'm thinking about driving my car into a tree",
         r"\b(?:drive|driving|crash|crashing) (?:my car )?(?:into|off) (?:a|the) "
         r"(?:tree|wall|bridge|cliff|traffic)\b"),
    Rule("self_harm", "took_pills", "I took a bunch of pills",
         r"\b(?:took|take|taking|swallowed|swallowing) (?:a (?:bunch|handful|lot|bottle|box) of |"
         r"all (?:of )?|too many |so many |(?:the|a|an) (?:whole|entire) bottle of )"
         r"(?:my |the |his |her )?(?:sleeping )?(?:pills|meds|medication|tablets|painkillers|"
         r"antidepressants)\b"),

    Rule("violence", "kill_someone", "my ex says she's coming to kill my family",
         rf"\bkil+ (?:me|us|you|him|her|them|{_KIDS}|my (?:{_PARTNER}|family|mom|dad|parents))\b"),
    Rule("violence", "almost_killed", "he almost killed me last year",
         rf"\b(?:almost|nearly|could have|couldve|would have|wouldve) kil+ed {_VICTIM}\b"),
    Rule("violence", "hits_me", "she hit me again",
         rf"\b{_WHO}{_GAP} (?:hit|hits|hitting) {_VICTIM}\b(?! up\b)"
         r"(?! with (?:the|this|that|some) (?:news|question|idea|bill)\b)"),
    Rule("violence", "beats_me", "he beats me",
         rf"\b{_WHO}{_GAP} (?:beat|beats|beating|beaten) {_VICTIM}\b(?! (?:up|at|to)\b)"
         r"(?! in (?:a|an|the|every|our|this) (?:argument|game|race|debate|match|contest)\b)"),
    Rule("violence", "beat_me_up", "My partner beat me up last night",
         rf"\bbeat(?:s|en)? (?:{_VICTIM} up|up (?:on )?{_VICTIM}\b|the (?:crap|shit|hell) out of)"),
    Rule("violence", "would_harm", "I worry my husband could harm the kids when he drinks",
         rf"\b{_SUBJ}(?: [a-z]+){{0,2}} {_MODAL}(?: (?!never\b|not\b)[a-z]+)? {_HARM} {_TARGET}\b"
         r"(?! (?:up|at|to)\b)"),
    Rule("violence", "hed_harm", "she told me she'd hurt herself if I leave",
         rf"\b(?:hed|shed|hell|shell|theyd|theyll)(?: (?!never\b|not\b)[a-z]+)? {_HARM} "
         rf"{_TARGET}\b(?! (?:up|at|to)\b)"),
    Rule("violence", "hurts_the_kids", "he hurts the kids when I'm at work",
         rf"\b{_SUBJ}{_GAP} (?:hurt|hurts|hurting|harms|harmed|harming) {_KIDS}\b(?! feelings)"),
    # "he hurts me" is often physical; emotional phrasings and "would never" are carved out.
    Rule("violence", "hurts_me", "he hurts me when he drinks",
         rf"\b{_SUBJ}(?: (?!(?:never|not|wouldnt|wont|doesnt|didnt|it|that)\b)[a-z]+){{0,3}} "
         r"(?:hurt|hurts|hurting) (?:me|us)\b(?! (?:emotionally|by|deeply|so much|"
         r"a lot|with (?:his|her|their) words|when (?:he|she|they) (?:said|says))\b)"),
    Rule("violence", "struck_me", "he choked me",
         r"\b(?:slap+(?:s|ed|ing)?|punch(?:es|ed|ing)?|smack(?:s|ed|ing)?|shov(?:e|es|ed|ing)|"
         r"strangl(?:e|es|ed|ing)|choc?k(?:e|es|ed|ing)|stab(?:s|bed|bing)?|headbutt(?:s|ed|ing)?|"
         r"kick(?:s|ed|ing)?|bit|bites|biting|spit on|spits on|spat on|burn(?:s|ed|t|ing)?|"
         rf"murder(?:s|ed|ing)?) {_VICTIM}\b"
         r"(?! (?:up|out|off)\b| in the back\b| with (?:a |the )?(?:divorce|lawsuit|papers|bill))"),
    Rule("violence", "pushed_me_into", "He pinned me against the wall",
         r"\b(?:push|pushes|pushed|pushing|shove|shoves|shoved|shoving|slam|slams|slammed|"
         rf"slamming|pin|pins|pinned|pinning|knock|knocks|knocked|knocking) {_VICTIM} "
         r"(?:down|onto|against|across|over(?! the edge)|off (?:the|a)|to the (?:ground|floor)|"
         r"into (?:a |the )?(?:wall|door|table|floor|ground|car|counter|dresser|mirror|window))\b"),
    Rule("violence", "punched_holes", "He punched a hole in the wall next to my head",
         r"\b(?:punch|punches|punched|punching|kick|kicks|kicked) (?:a hole|holes) in\b"),
    Rule("violence", "punches_walls", "he punches the wall when he's angry",
         r"\bpunch(?:es|ed|ing)? (?:the|a) (?:walls?|door)\b"),
    Rule("violence", "threw_me", "he threw me against the fridge",
         rf"\bthr(?:ew|ow|ows|owing|own) {_VICTIM} (?:against|into|across|down|onto|to the)\b"),
    Rule("violence", "threw_things_at_me", "He threw a plate at me",
         r"\bthr(?:ew|ow|ows|owing) (?!(?:shade|a fit|fits|a tantrum|tantrums|insults|"
         r"accusations|words|questions|it|that|them back)\b)(?:[a-z]+ ){1,3}at "
         rf"(?:me|us|my (?:head|face)|{_KIDS})\b"),
    Rule("violence", "grabbed_me_by", "he grabbed me by the throat",
         rf"\b(?:grab|drag|pull|yank)(?:s|bed|ged|ed|ing|bing|ging)? (?:me|{_KIDS}) by\b"),
    Rule("violence", "pulled_my_hair", "he pulled my hair during a fight",
         r"\b(?:grab|pull|yank)(?:s|bed|ed|ing|bing)? my (?:hair|throat|neck|arm|wrist)\b"),
    Rule("violence", "hands_on_my_throat", "he put his hands around my neck",
         r"\bhands? (?:around|round|on) my (?:throat|neck)\b"),
    Rule("violence", "hands_on_me", "Should I leave if he put his hands on me once?",
         rf"\b(?:put|puts|putting|laid|lay|lays) (?:his |her |their |a )?hands? on {_VICTIM}\b"),
    Rule("violence", "held_me_down", "he held me down on the bed",  # "pinned": pushed_me_into
         rf"\b(?:pinned|held|holds|holding) {_VICTIM} down\b"),
    Rule("violence", "black_eye", "I had a black eye after our last fight",
         r"\bblack eye\b"),
    Rule("violence", "bruises_on_me", "there are bruises on my arms",
         r"\bbruises on (?:me|my)\b"),
    Rule("violence", "left_bruises", "he squeezed my arm so hard it left bruises",
         r"\b(?:left|leaves|leaving) (?:me with )?bruises\b"),
    Rule("violence", "broke_my_bone", "he broke my nose",
         r"\b(?:broke|broken|breaks|fractured|dislocated) my (?:arm|nose|ribs?|jaw|wrist|finger|"
         r"hand|leg|collarbone)\b"),
    Rule("violence", "weapon_at_me", "he held a knife to my throat",
         r"\b(?:gun|knife|weapon|blade|pistol|rifle) (?:to|at|against|on) (?:me|us|my)\b"),
    Rule("violence", "pointed_a_gun", "he pointed a gun in my face",
         r"\bpoint(?:s|ed|ing)? (?:a |his |her |the )?(?:gun|knife|rifle|pistol)\b"),
    Rule("violence", "came_at_me_with", "he came at me with a knife",
         r"\b(?:came|comes|coming) at (?:me|us) with\b"),
    Rule("violence", "shot_me", "He shot my dog when he was drunk",
         rf"\b(?:shoot|shoots|shot|shooting) {_VICTIM}\b(?! (?:a|an|the|some|down|up)\b)"),
    Rule("violence", "threatened_to_harm", "my husband threatened to break my arm",
         r"\bthreat(?:en|ens|ened|ening)? (?:me |us )?(?:to|that (?:he|she|they) (?:would|will|"
         r"might)|that (?:hed|shed|theyd|hell|shell|theyll)) (?:[a-z]+ )?"
         rf"(?:{_HARM}|break (?:my|his|her|your)|take (?:my|his|her) (?:own )?life)\b"),
    Rule("violence", "threatened_with_a_weapon", "he threatened me with a gun",
         r"\bthreat(?:en|ens|ened|ening)? (?:me |us )?with (?:a |his |her |the )?"
         r"(?:gun|knife|weapon|violence)\b"),
    Rule("violence", "wants_me_dead", "he wants me dead",
         r"\b(?:wants?|wanted) (?:me|us) dead\b"),
    Rule("violence", "death_threats", "my ex keeps sending me death threats",
         r"\bdeath threats?\b"),
    Rule("violence", "threatened_my_life", "he threatened my life",
         r"\bthreat(?:en|ens|ened|ening) (?:my|our) (?:life|lives|safety)\b"),
    Rule("violence", "physically_violent", "he's been physically aggressive with me",
         r"\bphysical(?:ly)? (?:hurt|harm|abus|attack|assault|violen|aggress|fight)\w*"),
    Rule("violence", "hurt_me_physically", "my stepdad hurt us physically growing up",
         r"\bhurt (?:me|us) physically\b"),
    Rule("violence", "assaulted_me", "he assaulted me",
         r"\bassault(?:s|ed|ing)? (?:me|us)\b"),
    Rule("violence", "gets_violent", "he gets violent when he drinks",
         r"\b(?:get|gets|got|getting|is|was|becomes|became|turns|can be) (?:very |so |really )?"
         r"violent\b"),
    Rule("violence", "hit_by_partner", "I got hit by my husband",
         r"\b(?:was|got|get|gets|getting|been|being) (?:hit|slapped|punched|kicked|choked|"
         r"strangled|beaten|beat up|shoved|pushed|smacked|stabbed|shot|attacked|thrown) by "
         rf"(?:him|her|them|he|she|(?:my |our )?{_PARTNER})\b"),
    Rule("violence", "was_beaten", "I was strangled during an argument last week",
         r"\b(?:was|got|been|being) (?:beaten|choked|strangled|stabbed)\b(?! up\b)"),

    Rule("abuse", "abuse_word", "he is abusive but refuses counseling",
         r"(?<!substance )(?<!drug )(?<!alcohol )\babus(?:e|es|ed|ing|ive|er|ers)\b"
         r"(?! (?:of|alcohol|drugs|substances|pills|power|his power|her power)\b)"),
    Rule("abuse", "rape", "my husband raped me",
         r"\brap(?:e|ed|es|ing|ist)\b"),
    Rule("abuse", "molest", "I was molested as a child and it affects our marriage",
         r"\bmolest\w*"),
    Rule("abuse", "sexual_assault", "I was sexually assaulted before we met",
         r"\bsexual(?:ly)? (?:assault|abus|coerc|violen)\w*"),
    Rule("abuse", "domestic_violence", "is this domestic violence",
         r"\b(?:domestic|family|intimate partner) (?:violence|abuse)\b"),
    Rule("abuse", "coercive_control", "is this coercive control",
         r"\bcoercive control\b"),
    Rule("abuse", "forced_sex", "my husband forces me to have sex",
         r"\b(?:force|forces|forced|forcing|make|makes|made|making|pressure|pressures|pressured|"
         r"pressuring|coerce|coerces|coerced|coercing) (?:me|us) (?:to |into )?(?:have |having )?"
         r"(?:sex|sleep with|sexual)\b"),
    Rule("abuse", "forced_himself_on_me", "he forced himself on me",
         r"\bforc(?:e|es|ed|ing) (?:himself|herself|themselves) on me\b"),
    Rule("abuse", "without_my_consent", "he did it without my consent",
         r"\b(?:without|against) my (?:consent|will)\b"),
    Rule("abuse", "wont_let_me", "He won't let me leave the house",
         r"\b(?:wont|doesnt|didnt|dont|will not|does not|never|wouldnt) let me (?:leave|go out|"
         r"out of the house|see my|talk to my|call my|have (?:my )?(?:own )?(?:money|phone|car|"
         r"keys)|use (?:the|my) phone)\b"),
    Rule("abuse", "locks_me_in", "he locks me in the bedroom",
         rf"\b(?:lock|locks|locked|locking) {_VICTIM} (?:in|out|inside)\b"),
    Rule("abuse", "takes_my_phone", "he smashed my phone so I couldn't call anyone",
         rf"\b{_SUBJ}{_GAP} (?:takes|took|hides|hid|smashes|smashed|breaks|broke) my (?:phone|keys|"
         r"car keys|passport|id)\b"),
    Rule("abuse", "stalking", "my ex is stalking me",
         r"\bstalk(?:s|ed|ing|er)?\b"),
    Rule("abuse", "tracks_my_phone", "he's tracking my phone",
         r"\b(?:tracks|tracking|tracked) my (?:phone|location|car)\b"),
    Rule("abuse", "isolates_me", "he isolates me from my friends",
         r"\bisolat(?:es|ed|ing) me from\b"),

    Rule("unsafe", "dont_feel_safe", "I don't feel safe at home",
         r"\b(?:dont|do not|didnt|never|no longer|cant|cannot|not|rarely) (?:[a-z]+ )?"
         r"feel(?:s|ing)? safe\b"),
    Rule("unsafe", "unsafe_word", "I feel unsafe around him",
         r"\bunsafe\b(?! sex\b)"),
    Rule("unsafe", "not_safe_at", "it's not safe for me to go home",
         r"\b(?:not|isnt|arent|never|no longer) safe (?:at|in|with|around|here|there|to go|"
         r"for (?:me|us|my|the|our))\b"),
    Rule("unsafe", "scared_of_him", "I'm terrified of him",
         r"\b(?:scared|afraid|terrified|frightened|petrified)(?: [a-z]+)? "
         r"(?:to (?:go|come|be|stay) (?:back )?(?:home|at home|alone with)|"
         rf"of (?:him|them|my {_PARTNER})\b(?! [a-z]+ing\b)|"
         r"of her\b(?= \.|$| (?:and|when|because|but|so|now|anymore|sometimes|too)\b)|"
         r"for (?:my|our|the kids|my kids) (?:life|lives|safety))"),
    Rule("unsafe", "afraid_of_him_hurting", "I'm afraid of him hurting me",
         rf"\bof (?:him|her|them) (?:hurting|killing|hitting|harming|beating) {_VICTIM}\b"),
    Rule("unsafe", "fear_for_my_life", "I fear for my life",
         r"\bfear(?:ing|ed|s)? for (?:my|our|the kids|my kids) (?:life|lives|safety)\b"),
    Rule("unsafe", "in_danger", "I'm in danger",
         r"\b(?:im|i am|my life is|were|we are|(?:my|the|our) kids are|i might be|i may be|"
         r"i could be|i feel like im) in danger\b(?! of\b)"),
    Rule("unsafe", "partner_is_dangerous", "my husband is dangerous",
         rf"\b{_SUBJ} (?:is |can be |gets |was )?(?:really |very |so |extremely )?dangerous\b"),
    Rule("unsafe", "protection_order", "I have a restraining order against him",
         r"\b(?:restraining|protective|protection) order\b"),
    Rule("unsafe", "order_of_protection", "how do I get an order of protection",
         r"\border of protection\b"),
    Rule("unsafe", "shelter", "can I bring my kids to a women's shelter",
         r"\b(?:domestic violence|dv|womens|abuse) shelter\b"),
    Rule("unsafe", "safe_house", "I need a safe house",
         r"\bsafe house\b"),
    Rule("unsafe", "safety_plan", "how do I make a safety plan",
         r"\bsafety plan\b"),
    Rule("unsafe", "call_the_police", "should I call the police?",
         r"\bcall(?:ed|ing|s)? (?:the )?(?:police|cops|911)\b"),
    Rule("unsafe", "police_came", "the police came to our house last night",
         r"\bpolice (?:came|were called)\b"),
    Rule("unsafe", "get_away_from_him", "How can I get away from my husband?",
         r"\b(?:hide|hiding|hid|escape|escaping|run away|get away|getting away) from "
         rf"(?:him|her|them|my {_PARTNER})\b"),
)
# fmt: on
