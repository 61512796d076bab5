"""Which articles take first place, and how often they should (issue 9: "one article takes
first place for almost half of all questions").

    .venv/bin/python eval/firsts.py ['before={"use_roles": false, ...}' ...] [--sets FILE...]

Over the answerable questions of the sets (default: dev and the tune halves, as
``sweep.py``), per article: its passages, its first places, how many of those hold none of
the question's gold anchors (first, yet not an answer), and its share of the gold (each
question spreads one unit over the articles whose passages hold its anchors). An article
whose first places far exceed its gold share wins questions it does not answer.
Each argument is NAME=JSON, overrides of RankSettings; the first row is always the defaults.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sweep import variant_arguments

from advice_search.evaluate import Question, load_questions
from advice_search.ranking import RankSettings
from advice_search.search import Searcher
from advice_search.text import normalise


@dataclass(frozen=True)
class Firsts:
    """First places per article over some answerable questions."""

    questions: int
    first: Counter[str]  # article id -> first places
    not_gold: Counter[str]  # ...of which the first passage holds no gold anchor


def gold_articles(searcher: Searcher, question: Question) -> frozenset[str]:
    """The articles with a passage holding one of the question's anchors."""
    anchors = [normalise(g) for g in question.gold]
    return frozenset(
        p.article_id
        for p in searcher.index.passages
        if any(a in normalise(p.text) for a in anchors)
    )


def first_places(searcher: Searcher, questions: Sequence[Question]) -> Firsts:
    """Which article the first hit of each answerable question comes from."""
    first: Counter[str] = Counter()
    not_gold: Counter[str] = Counter()
    answerable = [q for q in questions if q.category == "answerable"]
    for question in answerable:
        hits = searcher.search(question.text, k=1).hits
        if not hits:
            continue
        article = hits[0].passage.article_id
        first[article] += 1
        not_gold[article] += article not in gold_articles(searcher, question)
    return Firsts(len(answerable), first, not_gold)


def gold_share(searcher: Searcher, questions: Sequence[Question]) -> Counter[str]:
    """Per article, the answerable questions it answers (split between articles)."""
    share: Counter[str] = Counter()
    for question in questions:
        if question.category != "answerable":
            continue
        articles = gold_articles(searcher, question)
        for article in articles:
            share[article] += 1 / len(articles)
    return share


def main() -> None:
    args = variant_arguments(__doc__.split("\n")[0]).parse_args()
    searcher = Searcher.open(args.index)
    questions = [q for path in args.sets for q in load_questions(path)]
    passages = Counter(p.article_id for p in searcher.index.passages)
    share = gold_share(searcher, questions)
    articles = sorted(passages, key=lambda a: -share[a])
    print(f"{'article':<40} {'passages':>8} {'gold':>6}")
    for article in articles:
        print(f"{article[:40]:<40} {passages[article]:>8} {share[article]:>6.1f}")
    defaults = searcher.settings.to_json()
    for spec in ["defaults={}", *args.variants]:
        name, overrides = spec.split("=", 1)
        variant = searcher.with_settings(RankSettings(**{**defaults, **json.loads(overrides)}))
        firsts = first_places(variant, questions)
        cells = [f"{firsts.first[a]} ({firsts.not_gold[a]})" for a in articles]
        print(f"{name:<16} first (not gold) of {firsts.questions}: " + " | ".join(cells))


if __name__ == "__main__":
    main()
