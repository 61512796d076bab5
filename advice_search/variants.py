"""The rankings `advice-search eval --compare/--ablation` sets side by side.

Each variant is the loaded searcher with other ``RankSettings``: one stage switched off, or
one signal alone, so every stage shows what it earns on a gold set.
"""

from __future__ import annotations

from .ranking import RankSettings
from .search import Searcher


def baselines(searcher: Searcher) -> dict[str, Searcher]:
    """The full ranking and the two single-signal rankings it is compared against."""
    full = searcher.settings
    off = {"use_sentence": False, "diversify": False}
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

    def variant(**changes: bool) -> Searcher:
        return searcher.with_settings(RankSettings(**{**base, **changes}))

    return {
        "full": searcher,
        "no sentence": variant(use_sentence=False),
        "no bm25": variant(use_lexical=False),
        "no dense": variant(use_dense=False),
        "no diversity": variant(diversify=False),
        **{name: s for name, s in baselines(searcher).items() if name != "full"},
    }
