"""The rankings `advice-search eval --compare/--ablation` sets side by side.

Each variant is the loaded searcher with other ``RankSettings``: one stage switched off, or
one signal alone, so every stage shows what it earns on a gold set.
"""

from __future__ import annotations

from .ranking import RankSettings
from .search import Searcher

# Every signal issue 9 added, switched off: the ranking as it was before.
ISSUE_9_OFF = {
    "use_roles": False,
    "perspective_weight": 0.0,
    "focus_weight": 0.0,
    "answer_check": False,
    "safety_first": False,
    "danger_model": False,
    "diversity_margin": 1.0,
    "follow_ups": False,
    "word_weight": 0.0,
    "query_adapter": False,
    "memory_weight": 0.0,
    "answer_memory": False,
    "answer_model": False,
    "answer_combined": False,
}


def baselines(searcher: Searcher) -> dict[str, Searcher]:
    """The full ranking and the two single-signal rankings it is compared against."""
    full = searcher.settings
    off = {"use_sentence": False, "diversify": False, "word_weight": 0.0}
    return {
        "full": searcher,
        "dense-only": searcher.with_settings(
            RankSettings(**{**full.to_json(), **off, "use_lexical": False})
        ),
        "bm25-only": searcher.with_settings(
            RankSettings(**{**full.to_json(), **off, "use_dense": False})
        ),
    }


def ablation(searcher: Searcher) -> dict[str, Searcher]:
    """The full ranking with each stage switched off in turn, and the single-signal baselines."""
    base = searcher.settings.to_json()

    def variant(**changes: float) -> Searcher:
        return searcher.with_settings(RankSettings(**{**base, **changes}))

    return {
        "full": searcher,
        "no roles": variant(use_roles=False),
        "no perspective": variant(perspective_weight=0.0),
        "with focus": variant(focus_weight=0.5),  # measured, not kept (README)
        "no answer check": variant(answer_check=False),
        "no answer model": variant(answer_model=False),  # answer_model.py
        "no combination": variant(answer_combined=False),  # ...its score and the rules apart
        "fitted verdict": variant(learned_verdict=True),  # confidence.py, the default until fresh12
        "no safety-first": variant(safety_first=False),
        "no danger model": variant(danger_model=False),  # danger.py: the rules alone
        "no follow-ups": variant(follow_ups=False),  # questions given `after` read alone
        "no word match": variant(word_weight=0.0),  # words.py
        "no adapter": variant(query_adapter=False),  # adapter.py
        "no memory": variant(memory_weight=0.0),  # memory.py: no votes for passages...
        "no memory in answers": variant(answer_memory=False),  # ...nor in the answer check
        "before issue 9": variant(**ISSUE_9_OFF),
        "no sentence": variant(use_sentence=False),
        "no bm25": variant(use_lexical=False),
        "no dense": variant(use_dense=False),
        "no diversity": variant(diversify=False),
        **{name: s for name, s in baselines(searcher).items() if name != "full"},
    }
