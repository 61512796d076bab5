"""A learned map from how people ask to how advice is written, applied to the question vector.

MiniLM places "he says counseling is pointless" nearer the passages that restate a refusal
than the ones that answer it: people and articles word the same need differently, and every
ranking signal of issue 9 reorders what the model already scores well (eval/EXPERIMENTS.md,
*What limits it*). The adapter moves the question vector before it is matched:

    q' = unit(q + g(q) (q @ down) @ up.T)

a residual of low rank (``down``, ``up``: [dim, rank]) fitted by ``eval/fit_adapter.py`` on the
answerable questions of the eval sets, so that a question lands nearer the passages (and the
sentences) that answer it than the rest of the library. Only the question moves: passages keep
the vectors ingest gave them, so a new article needs nothing, and the verdict, the danger model
and the follow-up reading still see the plain question vector.

It knows only the questions it was fitted on. Applied to "How do I get my dad to hand over his
car keys?" over articles on other topics it flattened every cosine (the best from 0.61 to 0.22)
and lost the right first passage. So a gate ``g`` gives it a share of the move that grows with
the question's cosine to the mean of the questions it was fitted on: nothing below ``low``,
all of it above ``high``.

Measured leave-one-set-out (each set ranked with an adapter fitted without it) and once on a
set written blind after it (eval/README.md, *`fresh16.jsonl`*); a library of several topics
checks what it does to articles it never saw (eval/EXPERIMENTS.md, section 14).

Pure apart from ``load``: a vector in, a vector out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from .files import arrays_from_bytes, arrays_to_bytes

MODEL_FILE = "adapter_model.npz"


def gate(vectors: np.ndarray, centre: np.ndarray, low: float, high: float) -> np.ndarray:
    """How much of the move each unit vector gets: none far from the questions the adapter
    was fitted on (whose unit mean is ``centre``), all of it among them."""
    near = (np.asarray(vectors, np.float32) @ centre - low) / (high - low)
    return np.clip(near, 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True, eq=False)
class QueryAdapter:
    """The residual map ``q -> unit(q + g(q) (q @ down) @ up.T)``, where the gate ``g`` rises
    from 0 to 1 as the question's cosine with ``centre`` goes from ``low`` to ``high``."""

    down: np.ndarray  # float32 [dim, rank]
    up: np.ndarray  # float32 [dim, rank]
    centre: np.ndarray  # float32 [dim]: unit mean of the questions it was fitted on
    low: float  # the gate's cosine bounds
    high: float

    def __post_init__(self) -> None:
        if self.down.ndim != 2 or self.down.shape != self.up.shape:
            raise ValueError(
                f"adapter matrices must share one [dim, rank] shape, got "
                f"{self.down.shape} and {self.up.shape}"
            )
        if self.centre.shape != (self.down.shape[0],) or not self.low < self.high:
            raise ValueError(
                f"the adapter's centre must be a {self.down.shape[0]}-d vector and its gate "
                f"rise (low {self.low}, high {self.high}) must go upwards"
            )

    @property
    def dim(self) -> int:
        return int(self.down.shape[0])

    @property
    def rank(self) -> int:
        return int(self.down.shape[1])

    def gate(self, vectors: np.ndarray) -> np.ndarray:
        return gate(vectors, self.centre, self.low, self.high)

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """``vectors`` (one [dim] or several [n, dim], unit length) moved and scaled to unit
        length again."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape[-1] != self.dim:
            raise ValueError(f"the adapter takes {self.dim}-d vectors, got {vectors.shape[-1]}")
        gate = self.gate(vectors)[..., None]
        moved = vectors + gate * ((vectors @ self.down) @ self.up.T)
        norms = np.linalg.norm(moved, axis=-1, keepdims=True)
        return (moved / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def to_bytes(self) -> bytes:
        return arrays_to_bytes(
            down=self.down.astype(np.float32),
            up=self.up.astype(np.float32),
            centre=self.centre.astype(np.float32),
            gate=np.asarray([self.low, self.high], np.float32),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> QueryAdapter:
        arrays = arrays_from_bytes(data)
        low, high = (float(x) for x in arrays["gate"])
        matrices = (arrays[name].astype(np.float32) for name in ("down", "up", "centre"))
        return cls(*matrices, low, high)


@cache
def load() -> QueryAdapter:
    """The fitted adapter shipped with the package (read once)."""
    return QueryAdapter.from_bytes(resources.files(__package__).joinpath(MODEL_FILE).read_bytes())
