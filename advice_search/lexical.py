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
        # The best score each term reaches in any document: the yardstick for a query.
        data, indptr = model.scores["data"], model.scores["indptr"]
        self.term_best = np.array(
            [
                data[a:b].max() if b > a else 0.0
                for a, b in zip(indptr[:-1], indptr[1:], strict=True)
            ],
            dtype=np.float32,
        )

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

    def relative_scores(self, query: str) -> np.ndarray:
        """BM25 as a share of the best a document could reach for this query, in [0, 1].

        Dividing by the query's own best possible score (each term at its best) keeps a
        passage that matches only one common word low, where dividing by the top
        document's score would lift it to 1.
        """
        words = tokenize([query])[0]
        tokens = [t for t in words if t in self.model.vocab_dict]
        if not tokens:
            return np.zeros(self.n_docs, dtype=np.float32)
        # A word the library never uses counts as a rare word nothing matched: "symptoms of
        # diabetes" matching only "early" must not score like a full match.
        unseen = (len(words) - len(tokens)) * float(np.percentile(self.term_best, 50))
        ceiling = float(sum(self.term_best[self.model.vocab_dict[t]] for t in tokens)) + unseen
        raw = np.asarray(self.model.get_scores(tokens), dtype=np.float32)
        return raw / ceiling if ceiling > 0 else raw * 0

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.model.save(str(directory), show_progress=False)
        (directory / "docs.json").write_text(json.dumps({"n_docs": self.n_docs}))

    @classmethod
    def load(cls, directory: Path) -> Lexical:
        model = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        n_docs = json.loads((directory / "docs.json").read_text())["n_docs"]
        return cls(model, n_docs)
