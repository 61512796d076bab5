"""What the passages of one index do for a reader, read the first time a search needs them.

``roles`` reads one passage at a time (its role, whether it persuades, whom it addresses,
which of its sentences announce a lost list). Reading every passage when a large library
opens would take minutes (about 0.6 ms a passage), so each passage is read when it first
becomes a candidate and remembered; a search reads at most its few dozen new candidates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .records import Passage
from .roles import ROLES, addresses_asked, hollow_sentences, persuades, read_passage
from .text import is_list_item


class PassageReadings:
    """Per passage: role, persuasion, perspective; per sentence row: hollow. Filled lazily."""

    def __init__(self, passages: Sequence[Passage], sentence_rows: np.ndarray) -> None:
        n = len(passages)
        self._passages = passages
        self._sentence_rows = sentence_rows
        owners = sentence_rows[:, 0] if len(sentence_rows) else np.zeros(0, dtype=np.int64)
        self._bounds = np.searchsorted(owners, np.arange(n + 1))
        self._known = np.zeros(n, dtype=bool)
        self._role = np.zeros(n, dtype=np.int8)  # index into ROLES
        self.to_asked = np.zeros(n, dtype=bool)  # speaks to the one being asked to act
        self.persuasion = np.zeros(n, dtype=bool)  # advises bringing the other person round
        self.hollow = np.zeros(len(sentence_rows), dtype=bool)  # per sentence row

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
