"""Hubness correction (CSLS), measured and not kept: the numbers of eval/EXPERIMENTS.md §8.

    .venv/bin/python eval/hubness.py [--kinds pp ps ss] [--k 3 10] [--beta 0.05 0.5] [--sets ...]

A passage (or sentence window) near everything is a hub. Its hub score r is the mean cosine
to its ``k`` nearest rows of a reference set, leaving out rows of its own passage
(``self``) or its own article (``article``), centred on the library's mean; the search then
ranks by cos(q, x) - beta * r. A kind is two letters: what is corrected (``p`` the dense
signal, passages; ``s`` the sentence signal, sentence windows) and the reference (``p``
passages, ``s`` sentence windows, ``t`` the articles' titles, ``q`` the eval questions
themselves: an in-sample upper bound, not something a library has).

The package is unchanged: the dense correction is added to the penalty the searcher
subtracts (the same ordering), the sentence one wraps ``sentence_scores``. Confidence still
reads the uncorrected match. Per row: each set's hit@1, hit@5, MRR@10, the mean MRR, the
largest drop of a set against the defaults, and the first places of the article most often
first (over the answerable questions of all sets).
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from firsts import first_places
from sweep import ROOT, TUNE

import advice_search.search as search_module
from advice_search.evaluate import Question, evaluate, load_questions
from advice_search.question import QuestionReading
from advice_search.ranking import SentenceScores
from advice_search.search import Searcher

_PLAIN_SCORES = search_module.sentence_scores


def hub_scores(
    items: np.ndarray,
    reference: np.ndarray,
    k: int,
    item_groups: np.ndarray,
    reference_groups: np.ndarray,
) -> np.ndarray:
    """Per item row, its mean cosine to its ``k`` nearest reference rows of another group,
    minus the mean over items (so corrected scores keep their scale)."""
    out = np.empty(len(items), np.float32)
    for start in range(0, len(items), 2048):
        sims = items[start : start + 2048] @ reference.T
        same = item_groups[start : start + 2048, None] == reference_groups[None, :]
        sims = np.where(same, -np.inf, sims)
        kk = min(k, int((~same).sum(axis=1).min()))
        out[start : start + 2048] = np.sort(sims, axis=1)[:, -kk:].mean(axis=1)
    return (out - out.mean()).astype(np.float32)


class HubSearcher(Searcher):
    """A Searcher that ranks by cosine minus beta times the hub score."""

    hub: np.ndarray | None = None  # per passage row (dense) ...
    beta = 0.0
    sentence_hub: np.ndarray | None = None  # ... per sentence row (sentence signal)
    sentence_beta = 0.0

    def _adjustment(
        self,
        rows: np.ndarray,
        roles: Sequence[str] | None,
        reading: QuestionReading,
        earlier: str | None,
    ) -> np.ndarray:
        penalty = super()._adjustment(rows, roles, reading, earlier)
        if self.hub is None or not self.beta or not self.settings.use_dense:
            return penalty
        st = self.settings
        total = (
            st.dense_weight
            + st.sentence_weight * st.use_sentence
            + st.lexical_weight * st.use_lexical
        )
        return penalty + self.beta * self.hub[rows] * st.dense_weight / total

    def search(self, question: str, **options):  # type: ignore[no-untyped-def]
        offset = None if self.sentence_hub is None else self.sentence_beta * self.sentence_hub

        def scores(vectors, lo, hi, query, *, hollow=None) -> SentenceScores:  # type: ignore[no-untyped-def]
            if offset is None:
                return _PLAIN_SCORES(vectors, lo, hi, query, hollow=hollow)
            plain = _PLAIN_SCORES(vectors, lo, hi, query)
            sims = plain.sims - offset[plain.picked]
            if hollow is not None:
                sims = np.where(hollow[plain.picked], np.minimum(sims, 0.0), sims)
            best = np.zeros(len(plain.counts), np.float32)
            has = plain.counts > 0
            if has.any():
                best[has] = np.maximum.reduceat(sims, plain.offsets[has])
            return SentenceScores(best, sims, plain.picked, plain.offsets, plain.counts)

        search_module.sentence_scores = scores
        try:
            return super().search(question, **options)
        finally:
            search_module.sentence_scores = _PLAIN_SCORES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kinds", nargs="+", default=["pp", "ps", "ss", "sp"])
    parser.add_argument("--groups", nargs="+", default=["self", "article"])
    parser.add_argument("--k", nargs="+", type=int, default=[3, 10, 30])
    parser.add_argument("--beta", nargs="+", type=float, default=[0.05, 0.25, 0.5, 1.0])
    parser.add_argument("--sets", nargs="+", type=Path, default=TUNE)
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    args = parser.parse_args()
    base = Searcher.open(args.index)
    searcher = HubSearcher(base.index, base.encoder, settings=base.settings)
    index = searcher.index
    n = len(index.passages)
    sets = {path.stem: load_questions(path) for path in args.sets}
    every: list[Question] = [q for qs in sets.values() for q in qs]
    rows = {"p": index.passage_vectors(np.arange(n))}
    windows = index.sentence_vectors.floats()
    rows["s"] = windows / np.linalg.norm(windows, axis=1, keepdims=True)
    article = np.asarray(index.passage_article, dtype=np.int64)
    owner = np.asarray(index.sentence_rows[:, 0], dtype=np.int64)
    passage_of = {"p": np.arange(n), "s": owner}
    rows["t"] = searcher.encoder.encode([a.title or "" for a in index.articles])
    rows["q"] = searcher.encoder.encode([q.text for q in every])
    passage_of["t"] = np.full(len(index.articles), -1)
    passage_of["q"] = np.full(len(every), -1)
    article_of = {
        "p": article,
        "s": article[owner],
        "t": np.arange(len(index.articles)),
        "q": np.full(len(every), -1),
    }

    def row(name: str) -> np.ndarray:
        mrrs, cells = [], []
        for stem, questions in sets.items():
            report = evaluate(searcher, questions, name=name)
            mrrs.append(report.mrr)
            cells.append(
                f"{stem[:10]:>10} {report.hit_at_1:.2f} {report.hit_at_k:.2f} {report.mrr:.3f}"
            )
        firsts = first_places(searcher, every)
        drop = min(np.array(mrrs) - baseline) if baseline is not None else 0.0
        print(
            f"{name:<22}" + " | ".join(cells) + f" | mean {np.mean(mrrs):.3f} worst {drop:+.3f}"
            f" | top article {max(firsts.first.values())}/{firsts.questions}",
            flush=True,
        )
        return np.array(mrrs)

    baseline = None
    baseline = row("defaults")
    for kind, group, k in itertools.product(args.kinds, args.groups, args.k):
        source, reference = kind
        groups = passage_of if group == "self" else article_of
        if reference in "tq" and group == "self":
            continue  # titles and questions belong to no passage: only ``article`` applies
        hub = hub_scores(rows[source], rows[reference], k, groups[source], groups[reference])
        for beta in args.beta:
            if source == "p":
                searcher.hub, searcher.beta = hub, beta
            else:
                searcher.sentence_hub, searcher.sentence_beta = hub, beta
            row(f"{kind}-{group[:3]}-k{k}-b{beta}")
            searcher.hub = searcher.sentence_hub = None


if __name__ == "__main__":
    main()
