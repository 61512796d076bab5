"""A learned check that some passage near the question answers it (issue 9: honest confidence).

The rules verdict (answerability.py) sees topic, fact questions and people; an on-topic
question the library does not answer ("should I tell my husband his brother declared his
feelings?") passes it whenever a passage is near. This model reads a question and a passage
together, as far as two vectors allow: a logistic score over their elementwise product and
absolute difference, ``w . [q * p, |q - p|] + b``, fitted by ``eval/fit_answers.py`` on the eval
sets (positives: each answerable question with the passages holding its anchors; negatives:
each unanswerable question with its five nearest passages). The question is answered when the
best of its ten nearest passages scores at least ``threshold`` (since lead session 15 with the
question memory's answered share weighed in: memory.py).

Like the query adapter it knows the questions it was fitted on, so the search asks it only
about questions the adapter's gate lets in (adapter.py): on other topics the rules decide alone.
Measured leave-one-set-out (eval/EXPERIMENTS.md section 15).

Since lead session 17 the score is one reading among several: ``Combination`` weighs it with
the memory's answered shares, the nearest remembered question, the adapter's gate and the
rules' measurements (confidence.AnswerFeatures, the match bars, fact questions) in one
logistic model, fitted by ``eval/fit_answers.py`` on scores held out from the model and memory
that made them; a rule that is always right stays a rule (other people: verdict.py). A weak
match a strong answer score vouches for is then confident, and a near match the memory has
seen unanswered is not (EXPERIMENTS section 20).

Pure apart from ``load``: vectors in, a score out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from .files import arrays_from_bytes, arrays_to_bytes

MODEL_FILE = "answer_model.npz"
# What ``Combination`` reads, in order: the answer score (best of the nearest passages); the
# memory's answered shares of 20 and 5 neighbours, the cosine of the nearest remembered
# question and whether the library answered it; the adapter's gate; whether the match is under
# the rules' bars; confidence.AnswerFeatures; whether the people check fails (the story read
# too). Not the form of a fact question alone: this library never answers one, another may.
SHARE_FEW = 5  # the neighbours of "share5"
COMBINED = (
    "score", "share", "share5", "nearest", "nearest_answered", "gate", "weak",
    "match", "sentence", "dense", "margin", "lexical", "coverage", "rare_coverage", "unknown",
    "missing_rarity", "terms", "words", "facts", "other_people", "people_rule",
)  # fmt: skip


def pair_features(question: np.ndarray, passages: np.ndarray) -> np.ndarray:
    """Per passage row, the features of (question, passage): [q * p, |q - p|]."""
    question = np.asarray(question, np.float32)[None, :]
    passages = np.asarray(passages, np.float32).reshape(-1, question.shape[1])
    return np.concatenate([question * passages, np.abs(question - passages)], axis=1)


@dataclass(frozen=True, eq=False)
class Combination:
    """A logistic model over the readings named in COMBINED: standardised, weighed, and
    compared with the logit that kept COMBINED_KEEP (eval/fit_answers.py) of the held-out
    answerable questions."""

    means: np.ndarray  # float64 [len(COMBINED)]
    scales: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float

    def __post_init__(self) -> None:
        sizes = {len(self.means), len(self.scales), len(self.weights)}
        if sizes != {len(COMBINED)}:
            raise ValueError(
                f"the combination reads {len(COMBINED)} values, its arrays hold {sorted(sizes)}:"
                " refit it with eval/fit_answers.py --write"
            )

    def logit(self, values: Mapping[str, float]) -> float:
        """The model's logit for ``values`` (every name of COMBINED; KeyError otherwise)."""
        x = np.array([float(values[name]) for name in COMBINED])
        return float(((x - self.means) / self.scales) @ self.weights + self.bias)

    def answers(self, values: Mapping[str, float], margin: float = 0.0) -> tuple[bool, float]:
        """Whether the logit reaches the threshold (plus ``margin``), and the logit."""
        logit = self.logit(values)
        return logit >= self.threshold + margin, logit


@dataclass(frozen=True, eq=False)
class AnswerModel:
    """Weights over pair features, a bias, and the score at which a passage answers."""

    weights: np.ndarray  # float32 [2 * dim]
    bias: float
    threshold: float  # what the best score needs alone
    # Read with the question memory (memory.py): its answered share of this many neighbours,
    # times this weight, is added to the best score, which then needs ``memory_threshold``
    # (weight 0: the memory is not read)
    memory_weight: float = 0.0
    memory_neighbours: int = 20
    memory_threshold: float = 0.0
    combination: Combination | None = None  # None: the score and the rules decide apart

    def scores(self, question: np.ndarray, passages: np.ndarray) -> np.ndarray:
        features = pair_features(question, passages)
        if features.shape[1] != len(self.weights):
            raise ValueError(
                f"the answer model takes {len(self.weights) // 2}-d vectors, "
                f"got {features.shape[1] // 2}"
            )
        return features @ self.weights + self.bias

    def answers(
        self, question: np.ndarray, passages: np.ndarray, answered_share: float | None = None
    ) -> tuple[bool, float]:
        """Whether one of ``passages`` (unit rows) answers ``question``, and the score that
        decided (``weigh`` of the best passage's score)."""
        return self.weigh(self.best(question, passages), answered_share)

    def best(self, question: np.ndarray, passages: np.ndarray) -> float:
        """The best score of ``passages`` (-inf for none)."""
        return float(self.scores(question, passages).max()) if len(passages) else float("-inf")

    def weigh(self, best: float, answered_share: float | None = None) -> tuple[bool, float]:
        """Whether the ``best`` passage score answers, and the score that decided: ``best``
        against ``threshold``, or, given ``answered_share`` (the share of the remembered
        questions nearest it that the library answered) and a memory weight, that plus the
        weight times the share, against ``memory_threshold``."""
        if answered_share is None or not self.memory_weight:
            return best >= self.threshold, best
        best += self.memory_weight * answered_share
        return best >= self.memory_threshold, best

    def to_bytes(self) -> bytes:
        combined = {}
        if self.combination is not None:
            c = self.combination
            combined = {
                "combined": np.stack([c.means, c.scales, c.weights]).astype(np.float64),
                "combined_bias_threshold": np.asarray([c.bias, c.threshold], np.float64),
            }
        return arrays_to_bytes(
            weights=self.weights.astype(np.float32),
            bias_threshold=np.asarray([self.bias, self.threshold], np.float64),
            memory=np.asarray(
                [self.memory_weight, self.memory_neighbours, self.memory_threshold], np.float64
            ),
            **combined,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> AnswerModel:
        arrays = arrays_from_bytes(data)
        bias, threshold = (float(x) for x in arrays["bias_threshold"])
        weight, neighbours, memory_threshold = arrays.get("memory", (0.0, 20, 0.0))
        weights = arrays["weights"].astype(np.float32)
        combination = None
        if "combined" in arrays:
            means, scales, combined = arrays["combined"].astype(np.float64)
            c_bias, c_threshold = (float(x) for x in arrays["combined_bias_threshold"])
            combination = Combination(means, scales, combined, c_bias, c_threshold)
        return cls(
            weights,
            bias,
            threshold,
            float(weight),
            int(neighbours),
            float(memory_threshold),
            combination,
        )


@cache
def load() -> AnswerModel:
    """The fitted model shipped with the package (read once)."""
    return AnswerModel.from_bytes(resources.files(__package__).joinpath(MODEL_FILE).read_bytes())
