"""A learned verdict on whether the passages offered answer the question.

The rules of ``answerability`` catch questions that ask for facts or about other people;
most unanswerable questions are neither, and no single score separates them from answerable
ones (eval/EXPERIMENTS.md, section 4). Here a handful of measurements that mean the same in
any library (how well the best passages match, by how much they stand out, how much of the
question's rarer words they use) are weighed by a logistic model. Its few coefficients are
written below as a frozen record and refitted, reproducibly, by ``eval/fit_confidence.py``:
nothing is learned at run time and nothing names a word of the seed articles.

Off by default since lead session 9 (``RankSettings.learned_verdict``): on questions nobody
had tuned on, the rules of ``answerability`` made fewer mistakes (eval/README.md, fresh12).

Pure: values in (the question, scores, the passages' texts, document frequencies), a
probability out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from .answerability import asks_for_facts, missing_terms, names_other_people, specific_terms


@dataclass(frozen=True)
class AnswerFeatures:
    """What the verdict is computed from; every field is a number a person can check."""

    match: float  # fused score of the best passage, before roles reorder the list
    sentence: float  # cosine of the question with the best sentence
    dense: float  # cosine of the question with the best passage
    margin: float  # match minus the fifth-best passage's: does anything stand out?
    lexical: float  # best relative BM25 score
    coverage: float  # share of the question's specific words the first passages use
    rare_coverage: float  # the same, each word weighted by its rarity (idf) in the library
    unknown: float  # share of the specific words no passage of the library uses
    missing_rarity: float  # rarity of the rarest word not covered, over the rarest possible
    terms: float  # log(1 + number of specific words)
    words: float  # log(1 + number of words)
    facts: float  # 1 when it asks for a number, price, name... the passages do not name
    other_people: float  # 1 when the people it speaks of are absent from the passages

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.names()}  # astuple deep-copies


def answer_features(
    question: str,
    *,
    scores: Sequence[float],
    sentence: float,
    dense: float,
    lexical: float,
    passage_texts: Sequence[str],
    document_frequency: Mapping[str, int],
    n_passages: int,
    topic: frozenset[str] = frozenset(),
    titles: Sequence[str] = (),
) -> AnswerFeatures:
    """The features of one search: ``scores`` are the fused scores of the candidates before
    roles (any order), ``passage_texts`` the passages offered first (``titles``: their
    articles' titles, which name whom an article is about), ``document_frequency`` how many
    passages of the library use each stem of the question (absent: none)."""
    ranked = sorted((float(s) for s in scores), reverse=True)
    best = ranked[0] if ranked else 0.0
    fifth = ranked[min(4, len(ranked) - 1)] if ranked else 0.0
    terms = specific_terms(question, topic)
    ceiling = math.log(1 + max(1, n_passages))
    rarity = {t: _idf(document_frequency.get(t, 0), n_passages) for t in terms}
    missing = missing_terms(terms, passage_texts)
    total = sum(rarity.values())
    return AnswerFeatures(
        match=best,
        sentence=float(sentence),
        dense=float(dense),
        margin=best - fifth,
        lexical=float(lexical),
        coverage=1 - len(missing) / len(terms) if terms else 1.0,
        rare_coverage=1 - sum(rarity[t] for t in missing) / total if total else 1.0,
        unknown=(
            sum(document_frequency.get(t, 0) == 0 for t in terms) / len(terms) if terms else 0.0
        ),
        missing_rarity=max((rarity[t] for t in missing), default=0.0) / ceiling,
        terms=math.log1p(len(terms)),
        words=math.log1p(len(question.split())),
        facts=float(asks_for_facts(question) and bool(missing)),
        other_people=float(names_other_people(question, [*passage_texts, *titles])),
    )


def _idf(df: int, n: int) -> float:
    """Rarity of a word used by ``df`` of ``n`` passages (a word none uses is rarest)."""
    return math.log(1 + max(1, n) / (df + 1))


@dataclass(frozen=True)
class ConfidenceModel:
    """A logistic model over some features: standardised, weighed, compared to a threshold."""

    names: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float  # probability at or above which the passages count as an answer

    def probability(self, features: AnswerFeatures) -> float:
        values = features.as_dict()
        x = np.array([values[n] for n in self.names], dtype=np.float64)
        z = (x - np.asarray(self.means)) / np.asarray(self.scales)
        return float(1 / (1 + math.exp(-(float(z @ np.asarray(self.weights)) + self.bias))))

    def confident(self, features: AnswerFeatures) -> bool:
        return self.probability(features) >= self.threshold


# Fitted by `python eval/fit_confidence.py` on the tune halves (dev, own, forum-tune,
# paraphrase-tune): features chosen by cross-validation, threshold keeping 90% of the
# answerable questions confident. Refit and paste its printed model when a feature changes
# (lead session 11: refitted after the query adapter changed which passages come first).
VERDICT = ConfidenceModel(
    names=("dense", "facts", "other_people", "words"),
    means=(0.457091, 0.119565, 0.038043, 2.617961),
    scales=(0.192, 0.324452, 0.191301, 0.389008),
    weights=(0.865246, -1.109407, -0.971441, 0.251652),
    bias=1.227393,
    threshold=0.711032,
)  # refitted in lead session 15: the people check reads "a 14 year old" as a child (f083)
