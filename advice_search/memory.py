"""Questions answered before: the nearest ones vote for the passages that answered them.

The query adapter (adapter.py) learns one map from how people ask to how advice is written;
it has to serve every question with the same low-rank move, so what it learns is the common
part. The memory keeps the labelled questions themselves (the answerable questions of the eval
sets, each with the gold anchors that mark the passages helping it): a new question's
``neighbours`` nearest labelled questions whose cosine passes ``floor`` vote, each by its
cosine above the floor, for the passages holding their anchors. The votes sum to one and the
search adds ``RankSettings.memory_weight`` times them to the candidates' scores, so a question
asked before in other words ("he won't even talk about seeing someone") finds what helped it.

The memory also keeps questions the library does not answer (unanswerable and off-topic ones,
without anchors): the share of a question's nearest neighbours that were answerable is read
beside the answer model's score (answer_model.py) when deciding whether to call it answered.

Anchors are kept, not passage rows: a passage is found again after a rebuild or a change in
how articles are split, and on a library without the articles the questions were asked about
no candidate holds an anchor and the memory changes nothing. It knows only the questions it
was fitted on; a question unlike all of them (below the floor) gets no votes.

Measured leave-one-set-out (each set ranked with an adapter and a memory made without it):
eval/EXPERIMENTS.md, section 18. Pure apart from ``load``: a vector in, votes out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import NamedTuple

import numpy as np

from .files import arrays_from_bytes, arrays_to_bytes

MODEL_FILE = "memory_model.npz"
# How much more a nearer neighbour counts in ``answered_share``: its cosine to this power.
SHARPNESS = 4


class MemoryReading(NamedTuple):
    """What the memory says of a question: the answered shares of its nearest remembered
    questions (two neighbourhoods), and the nearest one's cosine and whether it was answered."""

    share: float
    share_few: float
    nearest: float
    nearest_answered: bool


@dataclass(frozen=True, eq=False)
class QuestionMemory:
    """Labelled questions: unit vectors and, for each, the normalised anchors of its answer."""

    vectors: np.ndarray  # float32 [n, dim], unit length (the plain question vectors)
    # per question: normalised gold anchors (text.normalise); none for a question the library
    # does not answer (unanswerable or off-topic), which votes only in ``answered_share``
    anchors: tuple[tuple[str, ...], ...]

    @cached_property
    def answered(self) -> np.ndarray:
        """Which remembered questions the library answers (they have anchors)."""
        return np.asarray([bool(a) for a in self.anchors], dtype=bool)

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or len(self.vectors) != len(self.anchors):
            raise ValueError(
                f"the memory needs one [n, dim] vector row per question, got "
                f"{self.vectors.shape} for {len(self.anchors)} questions"
            )

    def __len__(self) -> int:
        return len(self.anchors)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def neighbours(self, vector: np.ndarray, count: int, floor: float) -> list[tuple[int, float]]:
        """The ``count`` remembered questions nearest ``vector`` with a cosine above ``floor``,
        each with its share of the vote (cosine above the floor; the shares sum to one)."""
        if not len(self) or count <= 0:
            return []
        vector = np.asarray(vector, dtype=np.float32)
        if vector.shape != (self.dim,):
            raise ValueError(f"the memory takes {self.dim}-d vectors, got {vector.shape}")
        rows, vectors = self._answered_vectors
        if not len(rows):
            return []
        cosines = vectors @ vector
        count = min(count, len(rows))
        nearest = np.argpartition(-cosines, count - 1)[:count]
        nearest = nearest[np.argsort(-cosines[nearest], kind="stable")]
        margins = cosines[nearest] - floor
        total = float(margins[margins > 0].sum())
        return [
            (int(rows[i]), float(m) / total) for i, m in zip(nearest, margins, strict=True) if m > 0
        ]

    @cached_property
    def _answered_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the answered questions and their vectors (the ones that vote)."""
        rows = np.flatnonzero(self.answered)
        return rows, np.ascontiguousarray(self.vectors[rows])

    def answered_share(self, vector: np.ndarray, count: int) -> float:
        """Of the ``count`` remembered questions nearest ``vector``, weighed by their cosine to
        the power SHARPNESS, the share the library answers (1.0 when nothing is remembered):
        a question like those asked before that the articles did not answer likely is not
        answered either (answer_model.py reads it beside its own score)."""
        return self.readings(vector, count, count).share

    def readings(self, vector: np.ndarray, count: int, few: int) -> MemoryReading:
        """``answered_share`` of ``count`` and of ``few`` neighbours, and the nearest remembered
        question's cosine and whether it was answered ((0.0, True) when nothing is
        remembered), from one product with the remembered questions (what the answer check's
        combination reads)."""
        if not len(self):
            return MemoryReading(1.0, 1.0, 0.0, True)
        cosines = self.vectors @ np.asarray(vector, dtype=np.float32)
        widest = min(max(count, few, 1), len(self))
        nearest = np.argpartition(-cosines, widest - 1)[:widest]
        nearest = nearest[np.argsort(-cosines[nearest], kind="stable")]
        weights = np.maximum(cosines[nearest], 0.0) ** SHARPNESS
        answered = self.answered[nearest]

        def share(n: int) -> float:
            total = float(weights[:n].sum())
            return float(weights[:n][answered[:n]].sum()) / total if n > 0 and total > 0 else 1.0

        first = int(nearest[0])
        return MemoryReading(
            share(count), share(few), float(cosines[first]), bool(self.answered[first])
        )

    def holds(self, question: int, text: str) -> bool:
        """Whether ``text`` (a normalised passage text) holds one of ``question``'s anchors."""
        return any(anchor in text for anchor in self.anchors[question])

    def votes(
        self,
        vector: np.ndarray,
        candidates: int,
        holds: Callable[[int, int], bool],
        count: int,
        floor: float,
    ) -> np.ndarray:
        """Each of ``candidates`` passages' share of the vote of the questions near ``vector``:
        a question's share is split among the candidates ``holds(question, candidate)`` says
        hold its anchors (``self.holds`` on their texts, remembered by the caller), and a
        question none of them answers gives nothing."""
        out = np.zeros(candidates, dtype=np.float32)
        for question, share in self.neighbours(vector, count, floor):
            holding = [i for i in range(candidates) if holds(question, i)]
            for i in holding:
                out[i] += share / len(holding)
        return out

    def to_bytes(self) -> bytes:
        flat = "\n".join(a for anchors in self.anchors for a in anchors)  # normalised: no newlines
        return arrays_to_bytes(
            vectors=self.vectors.astype(np.float16),
            anchors=np.frombuffer(flat.encode("utf-8"), dtype=np.uint8),
            counts=np.asarray([len(a) for a in self.anchors], dtype=np.int32),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> QuestionMemory:
        arrays = arrays_from_bytes(data)
        text = arrays["anchors"].tobytes().decode("utf-8")
        flat = text.split("\n") if text else []
        bounds = np.concatenate([[0], np.cumsum(arrays["counts"])]).astype(int)
        if bounds[-1] != len(flat):
            raise ValueError(f"the memory names {bounds[-1]} anchors but holds {len(flat)}")
        anchors = tuple(tuple(flat[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True))
        vectors = arrays["vectors"].astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return cls((vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32), anchors)


@cache
def load() -> QuestionMemory:
    """The memory shipped with the package (read once)."""
    return QuestionMemory.from_bytes(resources.files(__package__).joinpath(MODEL_FILE).read_bytes())
