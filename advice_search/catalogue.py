"""The articles' metadata as columns: what filters and lists need, without article bodies.

A million passages come from some hundred thousand articles; restricting a search to an
author or a site must not read every article. The catalogue holds, per article row, its
id, title, author and site (authors and sites as codes into a list of names), in one small
JSON file read only when a filter or a list needs it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import orjson

from .records import Article


@dataclass(frozen=True, eq=False)
class Catalogue:
    ids: tuple[str, ...]
    titles: tuple[str, ...]
    author_codes: np.ndarray  # int32 per article: index into ``authors``, -1 if none
    site_codes: np.ndarray  # int32 per article: index into ``sites``, -1 if none
    authors: tuple[str, ...]
    sites: tuple[str, ...]

    @classmethod
    def of(cls, articles: Sequence[Article]) -> Catalogue:
        authors = sorted({a.author for a in articles if a.author})
        sites = sorted({a.site for a in articles if a.site})
        author_code = {name: i for i, name in enumerate(authors)}
        site_code = {name: i for i, name in enumerate(sites)}
        return cls(
            tuple(a.article_id for a in articles),
            tuple(a.title for a in articles),
            np.array([author_code.get(a.author or "", -1) for a in articles], np.int32),
            np.array([site_code.get(a.site or "", -1) for a in articles], np.int32),
            tuple(authors),
            tuple(sites),
        )

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def row_of(self) -> dict[str, int]:
        return {article_id: row for row, article_id in enumerate(self.ids)}

    def mask(
        self,
        *,
        articles: Collection[str] = (),
        authors: Collection[str] = (),
        sites: Collection[str] = (),
    ) -> np.ndarray:
        """Per article row: whether it is among ``articles`` and by one of ``authors`` and
        on one of ``sites`` (an empty collection does not restrict)."""
        allowed = np.ones(len(self), dtype=bool)
        if articles:
            chosen = np.zeros(len(self), dtype=bool)
            chosen[[self.row_of[a] for a in articles if a in self.row_of]] = True
            allowed &= chosen
        for wanted, names, codes in (
            (authors, self.authors, self.author_codes),
            (sites, self.sites, self.site_codes),
        ):
            if wanted:
                allowed &= np.isin(codes, [i for i, name in enumerate(names) if name in wanted])
        return allowed

    def save(self, path: Path) -> None:
        data = {
            "ids": list(self.ids),
            "titles": list(self.titles),
            "author": self.author_codes.tolist(),
            "site": self.site_codes.tolist(),
            "authors": list(self.authors),
            "sites": list(self.sites),
        }
        Path(path).write_bytes(orjson.dumps(data))

    @classmethod
    def load(cls, path: Path) -> Catalogue:
        data = orjson.loads(Path(path).read_bytes())
        catalogue = cls(
            tuple(data["ids"]),
            tuple(data["titles"]),
            np.array(data["author"], np.int32),
            np.array(data["site"], np.int32),
            tuple(data["authors"]),
            tuple(data["sites"]),
        )
        n = len(catalogue.ids)
        if (
            not len(catalogue.titles)
            == len(catalogue.author_codes)
            == len(catalogue.site_codes)
            == n
        ):
            raise ValueError(f"{path}: columns of different lengths")
        return catalogue


class LazyCatalogue:
    """A saved Catalogue, read on first use: filters and lists need it, answers do not (at a
    hundred thousand articles it is megabytes of JSON)."""

    def __init__(self, path: Path, articles: int) -> None:
        self._path = Path(path)
        self._articles = articles

    @cached_property
    def loaded(self) -> Catalogue:
        catalogue = Catalogue.load(self._path)
        if len(catalogue) != self._articles:
            raise ValueError(f"{self._path}: {len(catalogue)} articles, expected {self._articles}")
        return catalogue

    def __len__(self) -> int:
        return self._articles

    def __getattr__(self, name: str) -> object:
        return getattr(self.loaded, name)


class ArticlesById(Mapping[str, Article]):
    """Articles by id, each read from its row when asked for (ids from the catalogue)."""

    def __init__(self, catalogue: Catalogue | LazyCatalogue, articles: Sequence[Article]) -> None:
        self.catalogue = catalogue
        self.articles = articles

    def __getitem__(self, article_id: str) -> Article:
        row = self.catalogue.row_of.get(article_id)
        if row is None:
            raise KeyError(article_id)
        return self.articles[row]

    def __iter__(self) -> Iterator[str]:
        return iter(self.catalogue.ids)

    def __len__(self) -> int:
        return len(self.catalogue)
