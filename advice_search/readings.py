"""What the passages of one index do for a reader: read at ingest and stored with the build.

``roles`` reads one passage at a time (its role, whether it persuades, whom it addresses,
which of its sentences announce a lost list), about 0.6 ms a passage: at a million passages
a search reading its new candidates spent 25 ms doing it. Ingest reads every passage once
(``read_all``; reused passages keep their readings, ``adopt``) and the build stores the
arrays (``arrays``/``stored``). An index built by hand is still read lazily, per candidate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .records import Passage
from .roles import ROLES, addresses_asked, hollow_sentences, persuades, read_passage
from .text import is_list_item


class PassageReadings:
    """Per passage: role, persuasion, perspective; per sentence row: hollow. Filled lazily."""

    def __init__(
        self,
        passages: Sequence[Passage],
        sentence_rows: np.ndarray,
        *,
        bounds: np.ndarray | None = None,
    ) -> None:
        """``bounds``: each passage's first sentence row (the index stores them; without
        them they are found by a search through every sentence row)."""
        n = len(passages)
        self._passages = passages
        self._sentence_rows = sentence_rows
        if bounds is None:
            owners = sentence_rows[:, 0] if len(sentence_rows) else np.zeros(0, dtype=np.int64)
            bounds = np.searchsorted(owners, np.arange(n + 1))
        self._bounds = bounds
        self._known = np.zeros(n, dtype=bool)
        self._role = np.zeros(n, dtype=np.int8)  # index into ROLES
        self.to_asked = np.zeros(n, dtype=bool)  # speaks to the one being asked to act
        self.persuasion = np.zeros(n, dtype=bool)  # advises bringing the other person round
        self.hollow = np.zeros(len(sentence_rows), dtype=bool)  # per sentence row

    ARRAYS = ("role", "to_asked", "persuasion", "hollow")

    @classmethod
    def stored(
        cls,
        passages: Sequence[Passage],
        sentence_rows: np.ndarray,
        bounds: np.ndarray,
        arrays: dict[str, np.ndarray],
    ) -> PassageReadings:
        """Readings a build stored (see ``arrays``): every passage known, none read again."""
        readings = cls.__new__(cls)
        readings._passages, readings._sentence_rows, readings._bounds = (
            passages,
            sentence_rows,
            bounds,
        )
        readings._role = arrays["role"]
        readings.to_asked, readings.persuasion = arrays["to_asked"], arrays["persuasion"]
        readings.hollow = arrays["hollow"]
        readings._known = np.ones(len(passages), dtype=bool)
        if not len(readings._role) == len(readings.to_asked) == len(readings.persuasion) == len(
            passages
        ) or len(readings.hollow) != len(sentence_rows):
            raise ValueError("readings and passages disagree")
        return readings

    def arrays(self) -> dict[str, np.ndarray]:
        """What a build stores (every passage must have been read: ``read_all``)."""
        if not self._known.all():
            raise ValueError("some passages were not read yet")
        return {
            "role": self._role,
            "to_asked": self.to_asked,
            "persuasion": self.persuasion,
            "hollow": self.hollow,
        }

    def read_all(self) -> PassageReadings:
        self.ensure(np.flatnonzero(~self._known))
        return self

    def adopt(self, other: PassageReadings, rows: np.ndarray, other_rows: np.ndarray) -> None:
        """Take the readings of ``other_rows`` in ``other`` for ``rows`` here: the same
        passages (same text and sentences, same neighbour within their article)."""
        rows, other_rows = np.asarray(rows, np.int64), np.asarray(other_rows, np.int64)
        if not len(rows):
            return
        other.ensure(other_rows)
        self._role[rows] = other._role[other_rows]
        self.to_asked[rows] = other.to_asked[other_rows]
        self.persuasion[rows] = other.persuasion[other_rows]
        lo, hi = self._bounds[rows], self._bounds[rows + 1]
        other_lo = other._bounds[other_rows]
        counts = (hi - lo).astype(np.int64)
        step = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        self.hollow[np.repeat(lo, counts) + step] = other.hollow[np.repeat(other_lo, counts) + step]
        self._known[rows] = True

    def ensure(self, rows: np.ndarray | Sequence[int]) -> None:
        """Read the passages of ``rows`` not read yet (the arrays are valid for them after)."""
        rows = np.asarray(rows, dtype=np.int64)
        for row in rows[~self._known[rows]]:
            self._read(int(row))

    def roles(self, rows: np.ndarray | Sequence[int]) -> list[str]:
        self.ensure(rows)
        return [ROLES[i] for i in self._role[np.asarray(rows, dtype=np.int64)]]

    def _read(self, row: int) -> None:
        passage = self._passages[row]
        role = read_passage(passage.text, kind=passage.kind).role
        following = self._passages[row + 1] if row + 1 < len(self._passages) else None
        if (
            role == "hollow"
            and following is not None
            and following.article_id == passage.article_id
            and following.section == passage.section
            and is_list_item(following.text)
        ):
            role = "lead-in"  # "...here is what you can do:" and the list is the next passage
        lo, hi = int(self._bounds[row]), int(self._bounds[row + 1])
        spans = self._sentence_rows[lo:hi, 1:]
        self.hollow[lo:hi] = hollow_sentences([passage.text[a:b] for a, b in spans])
        self._role[row] = ROLES.index(role)
        self.to_asked[row] = addresses_asked(passage.text, passage.section)
        self.persuasion[row] = persuades(passage.text)
        self._known[row] = True
