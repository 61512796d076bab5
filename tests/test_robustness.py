"""Never lose the index, never crash on a question: kills, concurrent readers, hostile input."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from advice_search.chunking import chunk_article
from advice_search.cli import main
from advice_search.corpus import parse_article
from advice_search.search import QueryError, Searcher, SearchResult
from advice_search.text import clean_control

from .sample_corpus import SLEEP, SLEEP_EDIT, SLEEP_EDIT_QUESTION
from .write_steps import leftovers

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = {"old": SLEEP, "new": SLEEP + SLEEP_EDIT}
OTHER = {"old": "new", "new": "old"}
SLEEP_PASSAGES = {
    version: [p.text for p in chunk_article(parse_article(text, path="s", article_id="sleep"))]
    for version, text in VERSIONS.items()
}

# Ingest in a fresh interpreter, as `advice-search ingest` would run. Optionally it kills
# itself with SIGKILL just before or just after one step that changes the index directory
# (a file opened for writing, a folder made, an fsync, a rename, a link, a deletion: see
# tests/write_steps.py): a crash placed exactly on any step of writing, switching and
# pruning. ``kill_at`` is a step number, or "replace:3" for the third rename; with "0" it
# runs to the end and prints the steps it took, one a line.
INGEST = """
import os, signal, sys
corpus, index, kill_at, when = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
kind, _, nth = kill_at.rpartition(":")
from tests.write_steps import traced
steps = []
def on_step(number, what, path, moment):
    if moment == "before":
        steps.append(what + " " + path)
    seen = sum(step.startswith(what + " ") for step in steps) if kind else number
    if (not kind or what == kind) and seen == int(nth) and moment == when:
        os.kill(os.getpid(), signal.SIGKILL)
from advice_search.builder import ingest
with traced(index, on_step):
    ingest(corpus, index)
print("\\n".join(steps))
"""


def start_ingest(
    corpus: Path, index: Path, kill_at: int | str = 0, when: str = ""
) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", INGEST, str(corpus), str(index), str(kill_at), when or "-"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def ingest_steps(corpus: Path, index: Path) -> list[str]:
    """Run a whole ingest in a fresh process; the steps it took ("replace CURRENT", ...)."""
    proc = start_ingest(corpus, index)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return [
        re.sub(r"[0-9T]{21}-\d+|\.\d+\.tmp|tmp-\d+", "…", line)
        for line in out.decode().splitlines()
    ]


def observe(index: Path) -> str:
    """Open the index as a new reader would and ask; "old" or "new": whose answer it was."""
    searcher = Searcher.open(index)
    hits = searcher.search(SLEEP_EDIT_QUESTION, k=3).hits
    assert hits
    sleep = [p.text for p in searcher.index.passages if p.article_id == "sleep"]
    version = "new" if any("warm bath" in text for text in sleep) else "old"
    # The passages are exactly one build's, and only the new one can answer with the bath.
    assert sleep == SLEEP_PASSAGES[version]
    assert {p.article_id for p in searcher.index.passages} == {"boundaries", "sleep", "money-talks"}
    assert ("warm bath" in hits[0].passage.text) == (version == "new")
    return version


def assert_clean_after_a_full_run(corpus: Path, index: Path) -> None:
    proc = start_ingest(corpus, index)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert leftovers(index) == []


# ---------------------------------------------------------------- crashes


# The renames of one ingest, in order, and the build a reader must find after a crash there.
SWITCH_STEPS = [
    (1, "before", "kept"),  # manifest.json about to be renamed into the temporary build
    (1, "after", "kept"),
    (2, "before", "kept"),  # the complete build about to be renamed into builds/
    (2, "after", "kept"),  # ... renamed (an orphan build now), but CURRENT not switched
    (3, "before", "kept"),  # the new CURRENT in a temporary file, not yet renamed
    (3, "after", "switched"),  # CURRENT switched: the new build is the index
]


@pytest.mark.slow  # real processes, killed or racing
def test_a_crash_at_each_step_of_the_switch_leaves_one_whole_build(
    workspace: tuple[Path, Path],
) -> None:
    corpus, index = workspace
    state = observe(index)
    for rename, when, expected in SWITCH_STEPS:
        target = OTHER[state]
        (corpus / "sleep.md").write_text(VERSIONS[target])
        proc = start_ingest(corpus, index, f"replace:{rename}", when)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == -9, err.decode()  # it did reach that step and die there
        got = observe(index)
        assert got == (target if expected == "switched" else state), (rename, when)
        state = got
    # The next ingest clears what the crashes left (orphan build, temporary pointer).
    (corpus / "sleep.md").write_text(VERSIONS[OTHER[state]])
    assert_clean_after_a_full_run(corpus, index)
    assert observe(index) == OTHER[state]


@pytest.mark.slow  # real processes, killed or racing
def test_ingest_killed_at_random_moments_never_loses_the_index(
    workspace: tuple[Path, Path],
) -> None:
    corpus, index = workspace
    assert observe(index) == "old"
    (corpus / "sleep.md").write_text(VERSIONS["new"])
    started = time.monotonic()
    proc = start_ingest(corpus, index)
    _, err = proc.communicate(timeout=120)
    duration = time.monotonic() - started
    assert proc.returncode == 0, err.decode()
    state = observe(index)
    assert state == "new"

    kills = int(os.environ.get("ADVICE_SEARCH_KILL_ROUNDS", "20"))  # `make bench` runs 200
    rng = random.Random(20240601)
    # One random moment in each twentieth of a run (and a little past its end).
    delays = [1.1 * duration * (i + rng.random()) / kills for i in range(kills)]
    rng.shuffle(delays)
    outcomes: Counter[str] = Counter()
    for delay in delays:
        target = OTHER[state]
        (corpus / "sleep.md").write_text(VERSIONS[target])
        proc = start_ingest(corpus, index)
        time.sleep(delay)
        proc.kill()
        proc.communicate(timeout=60)
        assert proc.returncode in (0, -9)
        got = observe(index)  # opens, verifies every checksum, answers
        assert got in (state, target)
        outcomes["killed" if proc.returncode == -9 else "finished"] += 1
        outcomes["switched" if got == target else "kept"] += 1
        state = got
    assert outcomes["killed"] >= kills // 2, outcomes
    assert_clean_after_a_full_run(corpus, index)


@pytest.mark.slow  # real processes, killed or racing
def test_searches_keep_answering_while_ingest_replaces_the_index(
    workspace: tuple[Path, Path],
) -> None:
    corpus, index = workspace
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from advice_search.builder import ingest\n"
        "for text in sys.argv[3:]:\n"
        "    Path(sys.argv[1], 'sleep.md').write_text(text)\n"
        "    ingest(sys.argv[1], sys.argv[2])\n"
        "time.sleep(0.5)\n"
    )
    texts = [VERSIONS["new"], VERSIONS["old"]]
    already_open = Searcher.open(index)
    builds = {already_open.index.manifest.build_id}
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(corpus), str(index), *texts],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )
    answered = 0
    while proc.poll() is None:
        fresh = Searcher.open(index)  # what every new CLI call or page start does
        builds.add(fresh.index.manifest.build_id)
        assert fresh.search(SLEEP_EDIT_QUESTION).hits
        assert already_open.search(SLEEP_EDIT_QUESTION).hits  # loaded before: unaffected
        answered += 1
    assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
    assert answered >= 3 and len(builds) >= 2, (answered, builds)


# ---------------------------------------------------------------- questions

HOSTILE = [
    "",
    "   \n\t  ",
    "x" * 100_000,
    "why won't my partner go " * 5_000,
    "partner\x00 \x07refuses\x1b[31m therapy\x7f",
    "😀😀😀",
    "😀 my partner won't go to therapy 💔",
    "شريكي يرفض الذهاب إلى العلاج",
    "בן הזוג שלי מסרב ללכת לטיפול",
    "'; DROP TABLE passages; --",
    "<script>alert('x')</script>",
    "<b>money</b> &amp; budget",
    "Mein Partner will nicht zur Therapie gehen",
    "私のパートナーはセラピーに行きたがらない",
    "\u202eevil RTL override\u202c sleep",
    "\ud800 lone surrogate sleep",
    "?",
    "a",
    "the and of",
    "\u200b\u200b\u200b",
    "Z̷̢͉a̸l̵g̶o̷ sleep",
    "%s %n {0} ${HOME} \\u0000 \\\\",
]


@pytest.fixture(scope="module")
def searcher(sample_index: Path) -> Searcher:
    return Searcher.open(sample_index)


def check_answer(searcher: Searcher, question: str) -> SearchResult | QueryError:
    """A result with hits, or a QueryError that tells the person what to type."""
    try:
        result = searcher.search(question)
    except QueryError as error:
        assert str(error) and "\n" not in str(error)
        assert not any(ch.isalnum() for ch in clean_control(question))  # only for no words
        return error
    assert result.hits and len(result.query) <= 1000
    shortened = [n for n in result.notices if n.startswith("Your question was long")]
    assert bool(shortened) == (len(" ".join(clean_control(question).split())) > 1000)
    # the only other notice says why a question about danger is answered safety-first
    assert len(result.notices) == len(shortened) + result.safety_first
    json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")  # printable as JSON
    return result


@pytest.mark.parametrize("question", HOSTILE, ids=range(len(HOSTILE)))
def test_any_question_gets_results_or_a_clear_query_error(
    searcher: Searcher, question: str
) -> None:
    check_answer(searcher, question)


def test_empty_questions_are_refused_and_long_ones_shortened_with_a_notice(
    searcher: Searcher,
) -> None:
    for empty in ("", "  \n ", "😀😀", "\x00\x01"):
        with pytest.raises(QueryError, match="Type a question in words"):
            searcher.search(empty)
    result = searcher.search("x" * 100_000)
    assert len(result.query) == 1000
    assert result.notices == (
        "Your question was long, so only its first 1,000 characters were used.",
    )


@pytest.mark.parametrize(
    "question",
    ["", "x" * 100_000, "partner\x00\x1b[31m", "😀", "العلاج", "'; DROP TABLE x; --", "<script>"],
    ids=["empty", "100k", "control", "emoji", "arabic", "sql", "html"],
)
def test_the_cli_answers_a_hostile_question_with_json_or_one_line(
    sample_index: Path,
    question: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus = sample_index.parent / "corpus"
    code = main(
        ["search", question, "--json", "--index", str(sample_index), "--corpus", str(corpus)]
    )
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if code == 0:
        assert json.loads(out)["results"] and err == ""
    else:
        assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
        assert err.startswith("advice-search: Type a question in words")


def test_the_cli_answers_many_hostile_questions_from_a_file(
    sample_index: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    queries = tmp_path / "questions.jsonl"
    queries.write_text(
        "\n".join(json.dumps({"id": i, "q": q}) for i, q in enumerate(HOSTILE)), encoding="utf-8"
    )
    corpus = sample_index.parent / "corpus"
    args = ["search", "--queries", str(queries), "--json", "--index", str(sample_index)]
    assert main([*args, "--corpus", str(corpus)]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["id"] for row in rows] == [str(i) for i in range(len(HOSTILE))]
    for row in rows:
        assert row["results"] or row["error"].startswith("Type a question in words")


@pytest.mark.slow  # real processes, killed or racing
def test_a_real_command_line_with_undecodable_bytes_does_not_crash(sample_index: Path) -> None:
    corpus = sample_index.parent / "corpus"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "advice_search.cli",
            "search",
            b"\xff\xfe budget \xc3\x28",
            "--json",
            "--index",
            str(sample_index),
            "--corpus",
            str(corpus),
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["results"]


_ANY_CHAR = st.characters(blacklist_categories=())  # surrogates and controls included
QUESTIONS = st.one_of(
    st.text(max_size=300),
    st.text(_ANY_CHAR, max_size=300),
    st.text(st.sampled_from(" \n\t?!.😀éשל中"), max_size=50),
    st.integers(900, 1200).map(lambda n: ("sleep " * n)[:n]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(QUESTIONS)
@example("CALL:911")  # a danger: answered safety-first, with the notice that says so
def test_any_text_is_answered_or_refused_with_a_query_error(
    searcher: Searcher, question: str
) -> None:
    check_answer(searcher, question)
