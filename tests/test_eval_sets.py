"""The labelled eval sets in eval/: their checker catches bad records and they all pass it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT, eval_script

EVAL = ROOT / "eval"
SEEDS = ROOT.parent / "shared" / "seeds"
LABELLED = sorted(p for p in EVAL.glob("*.jsonl") if p.name not in {"own.jsonl"})


check_gold = eval_script("check_gold")
split = eval_script("split")


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _problems(tmp_path: Path, record: dict) -> list[str]:
    corpus = check_gold.paragraphs(CORPUS)
    seeds = " ".join(check_gold.paragraphs(SEEDS))
    problems, _ = check_gold.check_file(_write(tmp_path / "q.jsonl", [record]), corpus, seeds)
    return problems


def test_every_labelled_set_and_the_old_ones_pass_the_checker() -> None:
    files = [*LABELLED, EVAL / "own.jsonl", ROOT.parent / "shared" / "eval" / "dev.jsonl"]
    names = {"forum.jsonl", "paraphrase.jsonl", "threads.jsonl"}
    names |= {"fresh.jsonl", "fresh2.jsonl", "fresh3.jsonl", "fresh4.jsonl", "fresh5.jsonl"}
    names |= {"fresh6.jsonl", "fresh7.jsonl", "fresh8.jsonl", "fresh9.jsonl", "fresh10.jsonl"}
    names |= {"fresh11.jsonl", "fresh12.jsonl", "fresh13.jsonl", "fresh14.jsonl"}
    names |= {"fresh15.jsonl", "fresh16.jsonl", "fresh17.jsonl", "fresh18.jsonl", "fresh19.jsonl"}
    names |= {"fresh20.jsonl", "fresh21.jsonl", "fresh22.jsonl", "fresh23.jsonl", "fresh24.jsonl"}
    names |= {"train18.jsonl", "train19.jsonl", "train20.jsonl", "train21.jsonl"}
    names |= {"fresh25.jsonl"}
    assert names <= {p.name for p in LABELLED}
    assert check_gold.main([str(p) for p in files]) == 0


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"gold": ["go to therapy"]}, "times in the corpus"),  # many places
        ({"gold": ["the sky is green today"]}, "not in the corpus"),
        ({"gold": ["find out why when your partner"]}, "paragraph break"),
        ({"gold": ["trial"]}, "1 words"),
        ({"kind": "maybe"}, "kind 'maybe'"),
        ({"shape": "poem"}, "shape 'poem'"),
        ({"gold": []}, "answerable but gold is empty"),
        ({"kind": "crisis"}, "crisis must have gold: []"),
        ({"after": 3}, "after, when given"),
        ({"after": "  "}, "after, when given"),
    ],
)
def test_checker_names_each_kind_of_bad_record(tmp_path: Path, record: dict, expected: str) -> None:
    base = {"id": "t1", "q": "how do I get him to try one session?", "kind": "answerable"}
    base |= {"shape": "plain", "gold": ["suggest a trial session"]}
    assert _problems(tmp_path, base) == []
    problems = _problems(tmp_path, base | record)
    assert any(expected in p for p in problems), problems


def test_every_anchor_lies_whole_in_exactly_one_indexed_passage(searcher) -> None:  # noqa: ANN001
    """Cleaning and splitting must not cut an anchor or make it ambiguous."""
    passages = [check_gold.norm(p.text) for p in searcher.index.passages]
    missing = []
    for path in LABELLED:
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            for anchor in rec["gold"]:
                if sum(check_gold.norm(anchor) in p for p in passages) != 1:
                    missing.append((rec["id"], anchor))
    assert missing == []


@pytest.mark.parametrize("name", ["forum", "paraphrase"])
def test_halves_are_disjoint_cover_the_set_and_keep_each_group_balanced(name: str) -> None:
    lines = (EVAL / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    tune, holdout = split.split(lines)
    assert sorted(tune + holdout) == sorted(lines) and not set(tune) & set(holdout)
    assert tune == (EVAL / f"{name}-tune.jsonl").read_text(encoding="utf-8").splitlines()
    assert holdout == (EVAL / f"{name}-holdout.jsonl").read_text(encoding="utf-8").splitlines()

    def groups(half: list[str]) -> Counter:
        return Counter((json.loads(x)["kind"], json.loads(x)["shape"]) for x in half)

    a, b = groups(tune), groups(holdout)
    assert all(abs(a[g] - b[g]) <= 1 for g in a | b)


@pytest.mark.parametrize(("name", "size"), [("blind.jsonl", 120), ("probe.jsonl", 125)])
def test_the_crisis_sets_are_labelled_and_their_halves_balanced(name: str, size: int) -> None:
    """eval/crisis/: every line a question with a unique id and a kind the checker reads;
    the blind set's odd and even ids (tune, holdout) hold 30 crisis questions each."""
    rows = [json.loads(line) for line in (EVAL / "crisis" / name).read_text().splitlines()]
    assert len(rows) == size == len({r["id"] for r in rows})
    assert all(r["q"].strip() and r["kind"] in ("crisis", "ordinary") for r in rows)
    if name == "blind.jsonl":
        halves = Counter((int(r["id"][1:]) % 2, r["kind"]) for r in rows)
        assert set(halves.values()) == {30}
