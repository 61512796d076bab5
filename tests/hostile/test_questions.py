"""Fuzzed questions through `advice-search search --json --queries`: every input line gets
exactly one output line, matched to it by its number, and no question stops the batch."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advice_search.cli import main

from ..test_robustness import HOSTILE
from .conftest import Ledger, scale

ATTACK = "fuzzed questions, batch CLI (in-process)"
RAW = "random bytes on stdin, batch CLI (real process)"
ROOT = Path(__file__).resolve().parents[2]

ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=200)  # surrogates too
LONE_SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
CONTROL = st.characters(categories=["Cc", "Cf", "Zl", "Zp"])
QUESTION = st.one_of(
    ANY_TEXT,
    st.tuples(st.text(max_size=30), LONE_SURROGATE, st.text(max_size=30)).map("".join),
    st.tuples(CONTROL, st.text(max_size=30), CONTROL).map("".join),
    st.text(max_size=80),
    st.sampled_from(HOSTILE),
    st.sampled_from(["", "{", "{{7*7}}", "[1, 2]", '{"id": 1}', '{"q": null}', "{'q': 'x'}"]),
)
FORM = st.sampled_from(["json", "json with id", "plain"])


def _line(question: str, form: str, number: int) -> str:
    if form == "json":
        return json.dumps({"q": question})
    if form == "json with id":
        return json.dumps({"id": f"q{number}", "q": question})
    return question.replace("\r", " ").replace("\n", " ")  # a plain line is one line


def _run_batch(
    capsys: pytest.CaptureFixture[str], index: Path, lines: list[str], tmp: Path
) -> list[str]:
    questions = tmp / "questions.txt"
    # Plain lines are written as they are: lone surrogates become bytes that are not UTF-8.
    questions.write_bytes("".join(line + "\n" for line in lines).encode("utf-8", "surrogatepass"))
    corpus = index.parent / "corpus"
    argv = ["search", "--json", "--queries", str(questions), "--index", str(index)]
    code = main([*argv, "--corpus", str(corpus), "--k", "3"])
    captured = capsys.readouterr()
    assert code == 0 and captured.err == "", captured.err
    return captured.out.split("\n")[:-1]


@settings(
    max_examples=scale(6, 200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(batch=st.lists(st.tuples(QUESTION, FORM), min_size=20, max_size=60))
def test_every_fuzzed_question_gets_its_own_output_line(
    batch: list[tuple[str, str]],
    sample_index: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    ledger: Ledger,
) -> None:
    lines = [_line(question, form, i) for i, (question, form) in enumerate(batch, start=1)]
    surrogates = sum(any("\ud800" <= ch <= "\udfff" for ch in q) for q, _ in batch)
    try:
        out = _run_batch(capsys, sample_index, lines, tmp_path_factory.mktemp("batch"))
    except Exception:
        ledger.record(ATTACK, attacks=len(lines), tracebacks=1)
        raise
    rows = [json.loads(line) for line in out]
    matched = sum(
        row.get("line") == number
        and (form != "json with id" or row.get("id") == f"q{number}")
        and (isinstance(row.get("results"), list) or isinstance(row.get("error"), str))
        for number, (row, (_, form)) in enumerate(zip(rows, batch, strict=False), start=1)
    )
    ledger.record(
        ATTACK,
        attacks=len(lines),
        counts={"output lines matched to their input": matched, "with lone surrogates": surrogates},
    )
    assert len(rows) == len(lines) and matched == len(lines), (lines, out)


def test_random_bytes_on_stdin_get_one_output_line_each(sample_index: Path, ledger: Ledger) -> None:
    rng = random.Random(13)
    alphabet = bytes(b for b in range(256) if b not in b"\r\n")
    count = scale(150, 2000)
    lines = [bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 60))) for _ in range(count)]
    lines[::7] = [b"sleep " + line for line in lines[::7]]  # some questions with words in
    proc = subprocess.run(
        [
            sys.executable, "-m", "advice_search", "search", "--json", "--queries", "-",
            "--index", str(sample_index), "--corpus", str(sample_index.parent / "corpus"),
        ],
        input=b"".join(line + b"\n" for line in lines),
        capture_output=True,
        timeout=600,
        cwd=ROOT,
    )  # fmt: skip
    err = proc.stderr.decode(errors="replace")
    out = proc.stdout.decode("utf-8").split("\n")[:-1]
    numbers = [json.loads(line)["line"] for line in out]
    ledger.record(
        RAW,
        attacks=count,
        tracebacks=int("Traceback" in err),
        counts={
            "output lines matched to their input": sum(
                a == b for a, b in zip(numbers, range(1, count + 1), strict=False)
            )
        },
    )
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert numbers == list(range(1, count + 1))
