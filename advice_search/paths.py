"""Where the corpus and the index live. Environment variables override, for deployments."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The checkout this package runs from, or the working directory when installed elsewhere."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "pyproject.toml").is_file() else Path.cwd()


def corpus_dir() -> Path:
    return Path(os.environ.get("ADVICE_SEARCH_CORPUS") or project_root() / "corpus")


def index_dir() -> Path:
    return Path(os.environ.get("ADVICE_SEARCH_INDEX") or project_root() / "index")
