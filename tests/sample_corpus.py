"""A few short articles written for the tests, and helpers to write and copy corpora.

The real corpus takes ~15 s to embed on a small machine; these three articles take about a
second, so tests that build, damage or rebuild indexes use them (``sample_index`` in
conftest.py) instead.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BOUNDARIES = """\
---
title: "Setting Boundaries Without Starting a Fight"
author: "Dr. Jane Doe"
site: "Calm Couples"
date: 2024-03-01
url: "https://example.org/boundaries"
---

Why boundaries matter

A boundary tells your partner what you need to feel safe and respected. Without boundaries, \
resentment builds up quietly until it explodes in an argument.

How to state a boundary

Pick a calm moment, not the middle of a quarrel. Use an "I" statement: "I need us to stop \
talking about money after ten at night." Say what you will do, not what your partner must do.

  1. Name the behaviour, not the person.
  2. Say how it affects you in one sentence.
  3. Ask for one concrete change.

Expect some push-back at first. Repeat the boundary kindly and keep your own side of it.
"""

SLEEP = """\
---
title: "Sleeping Better When Your Mind Races"
author: "Sam Rivers"
---

Most racing thoughts at bedtime are unfinished business from the day. Write tomorrow's \
to-do list an hour before bed so your mind can let go of it.

Keep the bedroom cool, dark and quiet. Get up at the same time every morning, even after \
a bad night, because a steady wake-up time anchors your body clock.

If you lie awake for more than twenty minutes, get up and read something dull in dim light \
until you feel sleepy again.
"""

# The edit the incremental and crash tests apply to SLEEP: one new, easily found paragraph.
SLEEP_EDIT = """
A warm bath ninety minutes before bed helps too: your body cools down afterwards, and that \
drop in temperature is a signal for sleep.
"""
SLEEP_EDIT_QUESTION = "does a warm bath before bed help me fall asleep"

# Plain text as scraped from a web page: chrome above the title, metadata lines, calls to
# action, a bio. Only the advice sentences should survive cleaning.
MONEY_TXT = """\
top of page

Budget Buddies Logo

Talking About Money Without Blame

Written By Alex Kim, CFP

Posted On: June 5, 2023

Couples argue about money more than almost anything else. The fight is rarely about the \
numbers; it is about what money means to each of you.

Set a monthly money date. Sit down together, look at the accounts, and agree on one goal \
for the next month. Sign up for our newsletter to get more budgeting tips.

Keep a small personal allowance for each partner that needs no explanation. It removes \
most of the small daily fights.

For financial coaching, contact us here.

About Alex Kim

Alex Kim is a certified financial planner who has been a coach since 2010. In his free \
time Alex Kim bakes bread.

Related Posts

Leave a Comment

bottom of page
"""

ARTICLES = {
    "boundaries.md": BOUNDARIES,
    "sleep.md": SLEEP,
    "money-talks.txt": MONEY_TXT,
}


def write_corpus(directory: Path, articles: dict[str, str] | None = None) -> Path:
    """Write the sample articles (or ``articles``) into ``directory``; returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in (ARTICLES if articles is None else articles).items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def copy_index(source: Path, target: Path) -> Path:
    """A private copy of an index directory; the large model files are hard-linked."""

    def link_or_copy(src: str, dst: str) -> None:
        if "/models/" in src:
            try:
                Path(dst).hardlink_to(src)
                return
            except OSError:
                pass
        shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy)
    return target


class FakeEncoder:
    """Unit vectors derived from a hash of each text; records what it was asked to embed.

    For tests about *what* ingest embeds and writes, not about ranking: it costs nothing,
    where the real model takes seconds per rebuild on a busy two-core machine.
    """

    name = "fake"
    dimension = 384  # the real model's, so the real query encoder can search these builds

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: object = None
    ) -> np.ndarray:
        self.texts += texts
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            rows[i] = np.random.default_rng(seed).standard_normal(self.dimension)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)
