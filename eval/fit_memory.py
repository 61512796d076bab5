"""Make the question memory (advice_search/memory.py) from the eval sets and measure it.

    .venv/bin/python eval/fit_memory.py            # leave-one-set-out, nothing written
    .venv/bin/python eval/fit_memory.py --write    # ...then make it of every set and ship it
    .venv/bin/python eval/fit_memory.py --no-loso --write

The memory holds the questions of the sets of eval/fit_adapter.py (SKIP there) that have
answerable ones, each as the plain vector the search reads it with (follow-up lean included,
no adapter): the answerable ones with their gold anchors, the unanswerable and off-topic ones
without (they count in the answered share eval/fit_answers.py weighs in; crisis questions are
left out). Leave-one-set-out: each set is ranked with an adapter fitted without it
(fit_adapter.fit) and a memory made without it, then with the memory's weight at 0: what the
memory adds for a set of questions it never saw, on top of the adapter.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from advice_search import memory
from advice_search.evaluate import evaluate
from advice_search.memory import QuestionMemory
from advice_search.search import Searcher
from advice_search.text import normalise

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the eval scripts beside this one
from fit_adapter import Examples, arguments, every_set, fit, same_writer, ship  # noqa: E402

NOT_ANSWERED = ("unanswerable", "off-topic")


def remember(sets: list[Examples], searcher: Searcher | None = None) -> QuestionMemory:
    """The memory of the answerable questions of ``sets`` (those whose anchors the library
    has) and, given the ``searcher`` to read them with, of their unanswerable and off-topic
    ones (no anchors)."""
    vectors = [s.vectors for s in sets]
    anchors = [tuple(normalise(g) for g in q.gold) for s in sets for q in s.questions]
    if searcher is not None:
        plain = searcher.with_settings(replace(searcher.settings, query_adapter=False))
        others = [q for s in sets for q in s.every if q.category in NOT_ANSWERED]
        if others:
            vectors.append(np.stack([plain.ranking_vector(q.text, q.after) for q in others]))
            anchors += [()] * len(others)
    return QuestionMemory(np.concatenate(vectors).astype(np.float32), tuple(anchors))


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__.split("\n")[0], argv)
    searcher = Searcher.open(args.index)
    data = every_set(searcher)
    print(f"{sum(len(d.questions) for d in data)} answerable questions in {len(data)} sets; "
          f"weight {searcher.settings.memory_weight}, {searcher.settings.memory_neighbours} "
          f"neighbours, floor {searcher.settings.memory_floor}")  # fmt: skip
    folds = [] if args.no_loso else [d for d in data if not args.sets or d.name in args.sets]
    off = replace(searcher.settings, memory_weight=0.0)
    totals = np.zeros((2, 3))
    print(f"{'held out':20} {'adapter alone: hit@1 hit@5 MRR@10':>34}   with the memory")
    for held in folds:
        others = [d for d in data if not same_writer(d.name, held.name)]
        ranked = searcher.with_adapter(fit(searcher, others)).with_memory(remember(others))
        before = evaluate(ranked.with_settings(off), held.every)
        after = evaluate(ranked, held.every)
        for j, report in enumerate((before, after)):
            totals[j] += (report.hit_at_1, report.hit_at_k, report.mrr)
        print(f"{held.name:20} {before.hit_at_1:.2f} {before.hit_at_k:.2f} {before.mrr:.3f}"
              f"{'':16}{after.hit_at_1:.2f} {after.hit_at_k:.2f} {after.mrr:.3f}  "
              f"{after.mrr - before.mrr:+.3f}", flush=True)  # fmt: skip
    if folds:
        (b1, b5, bm), (a1, a5, am) = totals / len(folds)
        print(f"mean of {len(folds)} sets: {b1:.3f} / {b5:.3f} / {bm:.3f} -> "
              f"{a1:.3f} / {a5:.3f} / {am:.3f}")  # fmt: skip
    if args.write:
        ship(memory.MODEL_FILE, remember(data, searcher).to_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main())
