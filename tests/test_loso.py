"""eval/loso.py: the leave-one-set-out choice, and the encoder that remembers its answers."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
from loso import RememberingEncoder, leave_one_set_out  # noqa: E402


def test_each_set_is_judged_by_the_variant_best_on_the_other_sets() -> None:
    """A variant that wins only on the held-out set is not chosen for it; ties keep the
    baseline."""
    mrr = {
        "base": {"a": 0.5, "b": 0.5, "c": 0.5},
        "good_on_a": {"a": 0.9, "b": 0.4, "c": 0.4},  # best on average, thanks to a alone
        "good_on_bc": {"a": 0.3, "b": 0.6, "c": 0.6},
    }

    got = {held: (best, mine, base) for held, best, mine, base in leave_one_set_out(mrr, "base")}

    assert got["a"] == ("good_on_bc", 0.3, 0.5)  # chosen on b and c, loses on a
    assert got["b"] == ("good_on_a", 0.4, 0.5)  # a and c: 0.65 against 0.45 and 0.5
    assert got["c"] == ("good_on_a", 0.4, 0.5)
    tie = {"base": {"a": 0.5, "b": 0.5}, "other": {"a": 0.5, "b": 0.5}}
    assert [best for _, best, _, _ in leave_one_set_out(tie, "base")] == ["base", "base"]


def test_remembering_encoder_runs_the_model_once_per_text_and_ranks_the_same(
    unseen_searcher,  # noqa: ANN001
) -> None:
    """Other settings, same question: the second search is answered from memory, and the
    results are those of the plain encoder."""
    from advice_search.ranking import RankSettings
    from advice_search.search import Searcher

    calls: list[tuple[str, ...]] = []
    encoder = unseen_searcher.encoder

    class Counting:
        def __getattr__(self, name: str):  # noqa: ANN204
            return getattr(encoder, name)

        def encode_with_tokens(self, texts):  # noqa: ANN001, ANN202
            calls.append(tuple(texts))
            return encoder.encode_with_tokens(texts)

    remembering = Searcher(unseen_searcher.index, RememberingEncoder(Counting()))
    ask = "How do I get my dad to hand over his car keys?"
    first = remembering.search(ask)
    other = remembering.with_settings(RankSettings(word_weight=0.0)).search(ask)

    assert len(calls) == 1
    plain = unseen_searcher.search(ask)
    assert [h.passage.passage_id for h in first.hits] == [h.passage.passage_id for h in plain.hits]
    assert np.isclose(first.hits[0].score, plain.hits[0].score)
    assert other.hits[0].score != first.hits[0].score  # the settings did change the ranking
