"""What people are told, written once and used by both the page and the CLI.

Plain text only: the page escapes it for Markdown, the CLI prints it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import Article
from .safety import HELP_ELSEWHERE, HELP_HEADLINE, HELP_RESOURCES
from .staleness import CorpusStatus
from .store import REBUILD

__all__ = [
    "REBUILD",
    "HelpPanel",
    "attribution",
    "follow_up_line",
    "help_panel",
    "safety_line",
    "stale_warning",
]


@dataclass(frozen=True)
class HelpPanel:
    """The safety panel shown above the results of a question that speaks of danger."""

    headline: str
    resources: tuple[str, ...]  # one line per place to get help
    elsewhere: str


def help_panel() -> HelpPanel:
    return HelpPanel(
        HELP_HEADLINE,
        tuple(f"{r.name}: {r.contact} ({r.detail})" for r in HELP_RESOURCES),
        HELP_ELSEWHERE,
    )


def safety_line() -> str:
    """One quiet line under every answer that shows no help panel.

    The rules and the danger model catch 29 of the 60 crisis questions of a blind set
    (eval/crisis/README.md, blind3). Someone whose danger neither reads gets the ordinary answer, and
    this line with it.
    """
    where = " · ".join(f"{r.name}: {r.contact}" for r in HELP_RESOURCES)
    lead = "If you are afraid of your partner, or thinking of hurting yourself"
    return f"{lead}: {where}. {HELP_ELSEWHERE}"


def stale_warning(status: CorpusStatus) -> str:
    """The warning for an index older than the corpus (it keeps answering meanwhile)."""
    return f"{status.describe()}; results come from the old index. Run `{REBUILD}` to update it."


def attribution(article: Article) -> str:
    """ "Author · Site · Date", leaving out what the article does not say."""
    return " · ".join(x for x in (article.author, article.site, article.date) if x)


def follow_up_line(earlier: str, width: int = 90) -> str:
    """What a follow-up was read after, cut to ``width`` characters at a word."""
    shown = earlier if len(earlier) <= width else earlier[: width - 1].rsplit(" ", 1)[0] + "…"
    return f"Read as a follow-up to: “{shown}”"
