"""A learned reader of danger beside the safety rules of ``safety.py``.

The rules catch the wordings they were written from: on a blind set (eval/crisis/blind.jsonl)
16 of 60 crisis questions, and twenty rules written from one half's misses caught none of the
other half's. This model reads words and meaning together: a logistic score over the
question's stems and stem pairs (tf-idf) and its MiniLM vector (free: the search embeds the
question anyway), fitted by ``eval/fit_danger.py`` on every labelled text there is (6,246),
many of them short ordinary ones ("she yelled at me in front of her friends"). Its threshold
lets through 1% of the ordinary examples, scored out of fold. On eval/crisis/blind3.jsonl
(another writer; never fitted on, looked at since its one measurement): the rules catch 17 of
60 crisis questions and flag 5 of 60 ordinary ones; with the model, 29 and 7 (refitted since
with more examples and rules: with today's rules 24 and 4, with the model 43 and 5;
eval/crisis/README.md).
In a long post the sentence that tells the danger is diluted by the story around it, so the
model also reads each sentence alone, against its threshold plus a margin
(``RankSettings.danger_sentence_margin``, 1.0): on eval/crisis/blind4.jsonl, judged once
against eval/crisis/PREREGISTERED3.md, 29 -> 34 of 60 crisis questions caught, ordinary
flagged 3 of 60 either way; only in a text that as a whole comes within 2.0 of the threshold
(added after a refit read "She says she has it under control." as danger in a post about an
eating disorder). On eval/crisis/blind5.jsonl (eval/crisis/PREREGISTERED4.md) the gate cost
nothing (26 of 60 caught with it or without), so it stays; sentences are split as the question
reader splits them (``question.typed_sentences``). On eval/crisis/blind7.jsonl
(eval/crisis/PREREGISTERED6.md) the sentence reading caught 40 of 60 against 37 without it,
at 7 of 60 ordinary flagged against 6, so it stays; on eval/crisis/blind8.jsonl
(PREREGISTERED7.md) 33 against 30, at 8 against 7; on eval/crisis/blind9.jsonl
(PREREGISTERED8.md) 33 against 30, at 3 either way; on eval/crisis/blind10.jsonl
(PREREGISTERED9.md) 41 against 34, at 3 against 2.
When the rules find nothing and the model reads danger, the search answers in crisis mode
as for a rule (crisis.py), with a notice that names no category.

Pure apart from ``load``: text and unit vectors in (``encode`` gives a sentence's), a score out.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from .lexical import tokenize
from .query import thread_assessment
from .question import typed_sentences
from .safety import CrisisAssessment

MODEL_FILE = "danger_model.json"


def terms(text: str) -> list[str]:
    """The stems of ``text`` and each pair of neighbouring stems ("hit_me")."""
    stems = tokenize(text)
    return stems + [f"{a}_{b}" for a, b in zip(stems, stems[1:], strict=False)]


@dataclass(frozen=True)
class DangerModel:
    """Weights over tf-idf terms and a question vector, a bias and a threshold."""

    idf: dict[str, float]  # the terms known, with their idf
    term_weights: dict[str, float]
    vector_weights: np.ndarray  # float32 [dim]
    bias: float
    threshold: float

    def score(self, text: str, vector: np.ndarray | None) -> float:
        """The logit: above ``threshold``, the text reads as speaking of danger."""
        counts = Counter(t for t in terms(text) if t in self.idf)
        values = {t: (1 + math.log(n)) * self.idf[t] for t, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        lexical = sum(self.term_weights.get(t, 0.0) * v for t, v in values.items()) / norm
        meaning = float(self.vector_weights @ vector) if vector is not None else 0.0
        return lexical + meaning + self.bias

    def flags(self, text: str, vector: np.ndarray | None) -> bool:
        return self.score(text, vector) > self.threshold

    def as_json(self) -> dict:
        return {
            "bias": self.bias,
            "threshold": self.threshold,
            "vector_weights": [round(float(w), 6) for w in self.vector_weights],
            "terms": {t: [self.idf[t], self.term_weights.get(t, 0.0)] for t in sorted(self.idf)},
        }

    @classmethod
    def from_json(cls, data: dict) -> DangerModel:
        return cls(
            idf={t: float(v[0]) for t, v in data["terms"].items()},
            term_weights={t: float(v[1]) for t, v in data["terms"].items() if v[1]},
            vector_weights=np.asarray(data["vector_weights"], np.float32),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
        )


@cache
def load() -> DangerModel:
    """The fitted model shipped with the package (read once)."""
    text = resources.files(__package__).joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return DangerModel.from_json(json.loads(text))


def sentences(text: str, *, min_words: int = 4, limit: int = 12) -> list[str]:
    """The sentences of ``text`` long enough to say something alone, when there are two or
    more of them (a one-sentence question is read whole already); at most ``limit``. Split
    as the question reader splits them (``question.typed_sentences``)."""
    found = [s for s in typed_sentences(text) if len(s.split()) >= min_words]
    return found[:limit] if len(found) > 1 else []


def thread_danger(
    question: str,
    earlier: str | None,
    vectors: np.ndarray,
    model: DangerModel | None,
    *,
    encode: Callable[[list[str]], np.ndarray],
    sentence_margin: float | None,
    sentence_reach: float,
) -> CrisisAssessment:
    """The safety rules on the question and the earlier one; when they find nothing, the
    ``model`` on each (``vectors``: their plain unit vectors, the question's first).

    Unless ``sentence_margin`` is None, the model also reads each sentence of a longer text
    alone (``encode`` gives the plain unit vectors of texts), against its threshold plus that
    margin: in a long post the one sentence that tells the danger is diluted by the story around it. Only
    a text that as a whole comes within ``sentence_reach`` of the threshold is read so: one
    that reads as far from danger is not flagged for a short sentence like "she says she has
    it under control".
    """
    assessment = thread_assessment(question, earlier)
    if assessment.is_crisis or model is None:
        return assessment
    read = [(question, vectors[0])] + ([(earlier, vectors[-1])] if earlier else [])
    scores = {text: model.score(text, vector) for text, vector in read}
    if max(scores.values()) > model.threshold:
        return CrisisAssessment(True, (), (), learned=True)
    if sentence_margin is not None:
        near = model.threshold - sentence_reach
        parts = [part for text, score in scores.items() if score > near for part in sentences(text)]
        bar = model.threshold + sentence_margin
        if parts and any(
            model.score(part, vector) > bar
            for part, vector in zip(parts, encode(parts), strict=True)
        ):
            return CrisisAssessment(True, (), (), learned=True)
    return assessment
