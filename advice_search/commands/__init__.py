"""What each ``advice-search`` command does, behind the parser of ``cli``.

``library``: ingest, add, list, remove, verify (what the library holds); ``questions``:
search, eval, serve (answering). A command takes the parsed arguments and returns the exit
code; an expected problem is a ``CliError``, printed by ``cli.main`` as one line.
"""

from __future__ import annotations

import sys
from typing import Any

from ..batch import json_line

EXIT_OK, EXIT_ERROR = 0, 1


class CliError(Exception):
    """An expected problem: printed as one line, exit code 1."""


def print_json(payload: dict[str, Any]) -> None:
    """One JSON line; plain ASCII escapes when stdout cannot encode the text as it is."""
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    print(json_line(payload, ascii_only=encoding != "utf8"), flush=True)
