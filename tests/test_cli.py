"""The advice-search command: output shapes, batch questions, friendly failures."""

from __future__ import annotations

import gc
import io
import json
import os
import signal
import subprocess
import sys
import time
import weakref
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from advice_search.cli import main

RESULT_KEYS = {
    "rank", "score", "text", "title", "author", "site", "date", "url", "section", "article",
    "passage_id",
}  # fmt: skip


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_search_json_has_the_documented_shape(
    capsys: pytest.CaptureFixture[str], seed_index: Path, seed_corpus: Path
) -> None:
    code, out, _ = _run(
        capsys, "search", "how do I suggest a trial session?", "--json", "--k", "3",
        "--index", str(seed_index), "--corpus", str(seed_corpus),
    )  # fmt: skip
    assert code == 0
    payload = json.loads(out)
    assert payload["query"] == "how do I suggest a trial session?"
    assert payload["confident"] is True and payload["crisis"] is False
    assert len(payload["results"]) == 3
    for rank, result in enumerate(payload["results"], start=1):
        assert set(result) == RESULT_KEYS
        assert result["rank"] == rank
        assert result["url"] is None  # the seed articles have no URL: null, not invented
        assert isinstance(result["score"], float)


def test_search_text_output_is_readable(
    capsys: pytest.CaptureFixture[str], seed_index: Path, seed_corpus: Path
) -> None:
    code, out, _ = _run(
        capsys, "search", "Can I go to therapy alone?", "--index", str(seed_index),
        "--corpus", str(seed_corpus),
    )  # fmt: skip
    assert code == 0
    assert out.startswith("1. ") and "§ " in out


def test_a_crisis_question_prints_help_first_and_offers_reading_not_answers(
    capsys: pytest.CaptureFixture[str], seed_index: Path, seed_corpus: Path
) -> None:
    code, out, _ = _run(
        capsys, "search", "he hits me when I bring up counseling, how do I convince him to go?",
        "--index", str(seed_index), "--corpus", str(seed_corpus),
    )  # fmt: skip
    assert code == 0
    assert out.startswith("You deserve to be safe") and "1-800-799-7233" in out
    assert "Safety first" in out and "Further reading from the library" in out
    assert out.index("Further reading") < out.index("\n1. ")


def test_queries_file_prints_one_line_per_question_in_order(
    capsys: pytest.CaptureFixture[str], seed_index: Path, seed_corpus: Path, tmp_path: Path
) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "a", "q": "How can I get my wife to try one session?"}\n'
        "\n"
        "plain line question about counseling\n"
        '{"id": "c", "q": "   "}\n'
    )
    code, out, _ = _run(
        capsys, "search", "--json", "--queries", str(questions), "--index", str(seed_index),
        "--corpus", str(seed_corpus),
    )  # fmt: skip
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line.get("id") for line in lines] == ["a", None, None, "c"]
    assert [line["line"] for line in lines] == [1, 2, 3, 4]
    assert lines[1]["error"] and lines[1]["results"] == []  # a blank line is answered too
    assert lines[2]["query"] == "plain line question about counseling"
    assert lines[3]["error"] and lines[3]["results"] == []  # a bad line loses nothing else


def test_queries_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], seed_index: Path,
    seed_corpus: Path,
) -> None:  # fmt: skip
    monkeypatch.setattr(sys, "stdin", io.StringIO("first question\nsecond question\n"))
    code, out, _ = _run(
        capsys, "search", "--json", "--queries", "-", "--index", str(seed_index),
        "--corpus", str(seed_corpus),
    )  # fmt: skip
    assert code == 0
    assert [json.loads(line)["query"] for line in out.splitlines()] == [
        "first question",
        "second question",
    ]


def test_missing_index_is_one_line_naming_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _run(capsys, "search", "anything", "--index", str(tmp_path / "none"))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "advice-search ingest" in err


def test_empty_question_is_a_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str], seed_index: Path
) -> None:
    code, _, err = _run(capsys, "search", "   ", "--index", str(seed_index))
    assert code == 1 and "Traceback" not in err and "question" in err


def test_eval_command_prints_metrics_and_baselines(
    capsys: pytest.CaptureFixture[str], seed_index: Path, tmp_path: Path
) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        '{"id": "d1", "q": "How can I get my wife to try just one session?", '
        '"gold": ["suggest a trial session"]}\n'
        '{"id": "x1", "q": "How do I fix a leaking kitchen faucet?", "gold": []}\n'
    )
    code, out, _ = _run(capsys, "eval", str(gold), "--compare", "--index", str(seed_index))
    assert code == 0
    assert "full" in out and "dense-only" in out and "bm25-only" in out
    code, out, _ = _run(capsys, "eval", str(gold), "--json", "--index", str(seed_index))
    report = json.loads(out)["reports"][0]
    assert report["hit@1"] == 1.0 and report["off_topic_not_confident"] == [1, 1]


def test_eval_rejects_a_malformed_gold_file(
    capsys: pytest.CaptureFixture[str], seed_index: Path, tmp_path: Path
) -> None:
    gold = tmp_path / "bad.jsonl"
    gold.write_text('{"id": "d1", "question": "no q field"}\n')
    code, _, err = _run(capsys, "eval", str(gold), "--index", str(seed_index))
    assert code == 1 and "line 1" in err


def test_installed_console_script_runs(seed_index: Path) -> None:
    exe = Path(sys.executable).with_name("advice-search")
    out = subprocess.run(
        [str(exe), "search", "--json", "counseling alone", "--index", str(seed_index)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert json.loads(out.stdout)["results"]


# ---------------------------------------------------------------- batch: one line out per line in


def _batch(capsys: pytest.CaptureFixture[str], sample_index: Path, source: str) -> list[dict]:
    corpus = sample_index.parent / "corpus"
    code, out, err = _run(
        capsys, "search", "--json", "--queries", source, "--index", str(sample_index),
        "--corpus", str(corpus),
    )  # fmt: skip
    assert code == 0 and "Traceback" not in err, err
    return [json.loads(line) for line in out.split("\n") if line]


def test_every_batch_line_gets_one_output_line_carrying_its_number(
    capsys: pytest.CaptureFixture[str], sample_index: Path, tmp_path: Path
) -> None:
    lines = [
        '{"q": "\\ud800"}',  # a lone surrogate, written the JSON way
        '{"id": "s", "q": "\\udfff sleep"}',
        "{{7*7}} sleep",  # plain text that happens to start with a brace
        "",
        "   ",
        '{"id": 7}',  # a JSON object without "q": an error on that line only
        '{"q": 5}',
        "[1, 2]",
        "{",
        "how do I talk about money",
    ]
    questions = tmp_path / "q.txt"
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = _batch(capsys, sample_index, str(questions))
    assert [row["line"] for row in rows] == list(range(1, len(lines) + 1))
    by_line = {row["line"]: row for row in rows}
    assert by_line[1]["error"].startswith("Type a question in words")
    assert by_line[2]["id"] == "s" and by_line[2]["results"]
    assert by_line[3]["query"] == "{{7*7}} sleep" and by_line[3]["results"]
    assert by_line[4]["error"] and by_line[5]["error"]
    assert '"q"' in by_line[6]["error"] and by_line[6]["id"] == "7"
    assert '"q"' in by_line[7]["error"]
    assert by_line[8]["query"] == "[1, 2]"  # JSON, but not an object: a plain question
    assert by_line[9]["error"]
    assert by_line[10]["results"] and "error" not in by_line[10]


def test_batch_from_stdin_survives_bytes_that_are_not_utf8(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sample_index: Path
) -> None:
    raw = io.BytesIO(b"sleep \xff\xfe better\n\xc3\x28\nmoney\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw, encoding="utf-8"))
    rows = _batch(capsys, sample_index, "-")
    assert [row["line"] for row in rows] == [1, 2, 3]
    assert rows[0]["results"] and rows[2]["results"]


def test_json_output_never_splits_a_line_on_unicode_line_separators(
    capsys: pytest.CaptureFixture[str], sample_index: Path, tmp_path: Path
) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"q": "\\u2028\\u2029"}\n{"q": "sleep\\u2028well"}\n', encoding="utf-8")
    corpus = sample_index.parent / "corpus"
    code, out, _ = _run(
        capsys, "search", "--json", "--queries", str(questions), "--index", str(sample_index),
        "--corpus", str(corpus),
    )  # fmt: skip
    assert code == 0
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1, 2]


TRACEBACKS: list[str] = []  # what interrupt_at saw when it reported a traceback


def interrupt_at(argv: list[str], delay: float) -> str:
    """Run the installed command, send it Ctrl-C (SIGINT) after ``delay`` s; what happened.

    "answered" or "one line" are what the program does. "killed before start" is SIGINT's
    default action on the launcher (/bin/sh) before it set its trap: no output at all.
    "interpreter startup" would be Python's own traceback from its start-up imports, which
    bin/advice-search prevents by holding Ctrl-C back until the handler is set.
    """
    exe = Path(sys.executable).with_name("advice-search")
    proc = subprocess.Popen([str(exe), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, raw = proc.communicate(timeout=300)
    err = raw.decode(errors="replace")
    if "Traceback" in err or "Fatal Python error" in err:
        TRACEBACKS.append(err)  # for the failure message
        return "traceback" if f"{os.sep}advice_search{os.sep}" in err else "interpreter startup"
    if proc.returncode == -signal.SIGINT and not err:
        return "killed before start"
    if proc.returncode == 130 and err == "advice-search: interrupted.\n":
        return "one line"
    return "answered" if proc.returncode == 0 else f"noisy: {proc.returncode} {err!r}"


@pytest.mark.slow  # real processes
def test_ctrl_c_at_any_moment_prints_one_line_and_no_traceback(sample_index: Path) -> None:
    argv = ["search", "--json", "money", "--index", str(sample_index)]
    # From the interpreter's first instructions to the answer, every 4 ms.
    outcomes = Counter(interrupt_at(argv, step * 0.004) for step in range(60))
    assert set(outcomes) <= {"one line", "answered", "killed before start"}, outcomes
    assert outcomes["one line"] >= 30, outcomes  # most runs were really interrupted


def test_eval_ablation_switches_each_issue_9_signal_off_and_reads_shapes(
    capsys: pytest.CaptureFixture[str], seed_index: Path, tmp_path: Path
) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        '{"id": "a1", "q": "How can I get my wife to try just one session?", '
        '"gold": ["suggest a trial session"], "kind": "answerable", "shape": "plain"}\n'
        '{"id": "u1", "q": "Does health insurance usually pay for couples counselling?", '
        '"gold": [], "kind": "unanswerable", "shape": "plain"}\n'
        '{"id": "c1", "q": "he pushed me again last night, how do I get him to go?", '
        '"gold": [], "kind": "crisis", "shape": "followup"}\n'
    )
    code, out, _ = _run(capsys, "eval", str(gold), "--ablation", "--index", str(seed_index))
    assert code == 0
    for row in (
        "no roles",
        "no perspective",
        "with focus",
        "no answer check",
        "no follow-ups",
        "no word match",
    ):
        assert row in out
    assert "before issue 9" in out
    assert "by question shape" in out and "followup" in out
    code, out, _ = _run(capsys, "eval", str(gold), "--json", "--index", str(seed_index))
    report = json.loads(out)["reports"][0]
    assert report["unanswerable_not_confident"] == [1, 1]
    assert report["crisis_safety_first"] == [1, 1]


def test_ctrl_c_swallowed_by_a_library_is_still_reported_as_ctrl_c(
    sample_index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ONNX Runtime, interrupted while it loads, fails with "initialization failed": that
    must read as an interruption, not as a damaged index to rebuild."""
    from advice_search import cli, search

    class SwallowingEncoder:
        def __init__(self, *args: object, **kwargs: object) -> None:
            try:
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the library loads
                time.sleep(1)
            except BaseException:  # noqa: BLE001 (what the library does)
                raise RuntimeError("initialization failed") from None

    monkeypatch.setattr(search, "OnnxEncoder", SwallowingEncoder)
    previous = signal.signal(signal.SIGINT, cli.interrupt)
    try:
        code = main(["search", "money", "--index", str(sample_index)])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 130 and capsys.readouterr().err == "advice-search: interrupted.\n"


def _pressed_in_a_finalizer(held: object) -> None:
    weakref.finalize(held, lambda: (os.kill(os.getpid(), signal.SIGINT), time.sleep(0.5)))


def _raised_in_a_weakref_callback(held: object) -> None:
    def callback(ref: object) -> None:
        raise KeyboardInterrupt  # a Ctrl-C that reached a callback of no known shape

    _raised_in_a_weakref_callback.ref = weakref.ref(held, callback)  # type: ignore[attr-defined]


@pytest.mark.parametrize("landing", [_pressed_in_a_finalizer, _raised_in_a_weakref_callback])
def test_ctrl_c_that_lands_in_a_finalizer_is_delivered_again_without_a_traceback(
    landing: Callable[[object], None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Python prints a KeyboardInterrupt raised in a finalizer or a weakref callback as
    "Exception ignored in" with a traceback and carries on. The command says nothing there
    and raises the Ctrl-C again in the code that runs next, which stops and cleans up."""
    from advice_search import cli

    class Held:
        pass

    monkeypatch.setattr(sys, "unraisablehook", cli.interrupt_again)
    previous = signal.signal(signal.SIGINT, cli.interrupt)
    reached = []
    try:
        with pytest.raises(KeyboardInterrupt):
            held = Held()
            landing(held)
            del held
            gc.collect()
            reached.append("after the finalizer")
            time.sleep(2)  # the Ctrl-C delivered again arrives here
            reached.append("never")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert reached == ["after the finalizer"]
    assert "Exception ignored" not in capsys.readouterr().err


# ---------------------------------------------------------------- follow-ups (--after)

EARLIER = "My husband won't go to couples counseling with me. How do I get him to reconsider?"
FOLLOW_UP = "and if he still says no after all that?"


def test_a_follow_up_is_read_after_the_earlier_question_and_says_so(
    capsys: pytest.CaptureFixture[str], seed_index: Path, seed_corpus: Path, searcher
) -> None:  # noqa: ANN001
    paths = ("--index", str(seed_index), "--corpus", str(seed_corpus))
    code, out, _ = _run(capsys, "search", FOLLOW_UP, "--after", EARLIER, *paths)
    assert code == 0 and out.startswith("Read as a follow-up to: “My husband won't go")
    code, out, _ = _run(capsys, "search", FOLLOW_UP, "--after", EARLIER, "--json", *paths)
    assert json.loads(out) == json.loads(
        json.dumps(searcher.search(FOLLOW_UP, after=EARLIER).to_json())
    )
    code, out, _ = _run(capsys, "search", FOLLOW_UP, "--json", *paths)
    assert json.loads(out)["after"] is None


def test_batch_lines_carry_their_own_earlier_question(
    capsys: pytest.CaptureFixture[str], sample_index: Path, tmp_path: Path
) -> None:
    questions = tmp_path / "q.jsonl"
    lines = [
        {"q": "and what about the bills?", "after": "how do we budget together"},
        {"q": "and what about the bills?"},
        {"q": "and what about the bills?", "after": ["not", "text"]},
    ]
    questions.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    rows = _batch(capsys, sample_index, str(questions))
    assert rows[0]["after"] == "how do we budget together" and rows[0]["results"]
    assert rows[1]["after"] is None and rows[1]["results"]
    assert '"after"' in rows[2]["error"] and rows[2]["results"] == []


def test_after_goes_with_one_question_not_a_batch(
    capsys: pytest.CaptureFixture[str], sample_index: Path, tmp_path: Path
) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("money\n", encoding="utf-8")
    code, _, err = _run(
        capsys, "search", "--json", "--queries", str(questions), "--after", "earlier",
        "--index", str(sample_index),
    )  # fmt: skip
    assert code != 0 and '"after" per line' in err and "Traceback" not in err
