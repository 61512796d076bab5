"""BM25 over passages (bm25s), with English stemming and stop words.

Exact words matter where the embedding is vague: names ("Al-Anon"), numbers, rare terms.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_STEMMER = Stemmer.Stemmer("english")
# bm25s' own English list minus words that carry the meaning of a question here:
# "not"/"no"/"won't" are what "my partner won't go" is about.
_KEEP = {"not", "no", "nor", "don", "won", "against", "alone", "again", "off"}
STOPWORDS = sorted(set(bm25s.stopwords.STOPWORDS_EN) - _KEEP)
PARAMS = {"k1": 1.2, "b": 0.75, "method": "lucene"}


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stemmed word tokens of each text (stop words removed)."""
    return bm25s.tokenize(
        list(texts),
        stopwords=STOPWORDS,
        stemmer=_STEMMER.stemWords,
        return_ids=False,
        show_progress=False,
    )


class Lexical:
    """A BM25 ranking over a fixed list of documents."""

    def __init__(self, model: bm25s.BM25, n_docs: int) -> None:
        self.model = model
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: Sequence[str]) -> Lexical:
        model = bm25s.BM25(k1=PARAMS["k1"], b=PARAMS["b"], method=PARAMS["method"])
        model.index(tokenize(texts), show_progress=False)
        return cls(model, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (zeros when no word matches)."""
        tokens = [t for t in tokenize([query])[0] if t in self.model.vocab_dict]
        if not tokens:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.model.get_scores(tokens), dtype=np.float32)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.model.save(str(directory), show_progress=False)
        (directory / "docs.json").write_text(json.dumps({"n_docs": self.n_docs}))

    @classmethod
    def load(cls, directory: Path) -> Lexical:
        model = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        n_docs = json.loads((directory / "docs.json").read_text())["n_docs"]
        return cls(model, n_docs)
