"""Leave-one-set-out choice of ranking settings over every spent gold set (issue 9).

    .venv/bin/python eval/loso.py run --out /tmp/loso.json               # one at a time
    .venv/bin/python eval/loso.py run --out /tmp/loso.json --grid joint  # then together
    .venv/bin/python eval/loso.py run --out /tmp/loso.json --grid near   # near the best
    .venv/bin/python eval/loso.py run --out /tmp/loso.json 'NAME={...}'  # more variants
    .venv/bin/python eval/loso.py report /tmp/loso.json

``run`` scores each variant (NAME=JSON overrides of RankSettings; without any, those of a
grid: ``GRIDS``) on every set of ``SETS`` and adds the rows to ``--out`` (variants
already there are skipped, so a run can be resumed or extended). ``report`` then chooses,
for each set, the variant with the best mean MRR@10 over the other sets (each set weighs
the same) and shows its MRR@10 on the held-out set against the defaults': what a choice
made on the sets we have would be worth on a new one.

Question vectors do not depend on the settings, so the encoder's answers are remembered
per text (``RememberingEncoder``): a variant costs only the ranking.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from advice_search.evaluate import evaluate, load_questions
from advice_search.files import write_text_atomic
from advice_search.ranking import RankSettings
from advice_search.search import Searcher

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "eval"
# Every set that has been looked at (never a blind one: fresh10 and later stay out).
SETS = [
    ROOT.parent / "shared" / "eval" / "dev.jsonl",
    EVAL / "own.jsonl",
    EVAL / "forum-tune.jsonl",
    EVAL / "forum-holdout.jsonl",
    EVAL / "paraphrase-tune.jsonl",
    EVAL / "paraphrase-holdout.jsonl",
    EVAL / "fresh.jsonl",
    *(EVAL / f"fresh{n}.jsonl" for n in range(2, 10)),
    EVAL / "threads.jsonl",
]
FLAGS = ("off", "unans", "conf", "crisis")


class RememberingEncoder:
    """An encoder that answers each list of texts once: the ranking settings never change
    a question's vectors, so a sweep need not run the model again for them."""

    def __init__(self, encoder: Any) -> None:
        self._encoder = encoder
        self._with_tokens: dict[tuple[str, ...], Any] = {}
        self._plain: dict[tuple[str, ...], np.ndarray] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._encoder, name)

    def encode_with_tokens(self, texts: Sequence[str]) -> Any:
        key = tuple(texts)
        if key not in self._with_tokens:
            self._with_tokens[key] = self._encoder.encode_with_tokens(texts)
        return self._with_tokens[key]

    def encode(self, texts: Sequence[str], **options: Any) -> np.ndarray:
        key = tuple(texts)
        if key not in self._plain:
            self._plain[key] = self._encoder.encode(texts, **options)
        return self._plain[key]


def coordinate_sweeps() -> Iterator[tuple[str, dict[str, Any]]]:
    """One setting at a time around today's defaults (the sentence weight stays 0.5: only
    the weights' ratios and the additive terms matter)."""
    grid: dict[str, Sequence[Any]] = {
        "dense_weight": (0.0, 0.25, 0.35, 0.65, 0.75, 1.0),
        "lexical_weight": (0.0, 0.25, 0.35, 0.65, 0.75, 1.0),
        "word_weight": (0.0, 0.25, 0.5, 0.6, 0.9, 1.0, 1.25, 1.5),
        "problem_penalty": (0.0, 0.04, 0.06, 0.1, 0.12, 0.16),
        "promotion_penalty": (0.0, 0.04, 0.12, 0.16),
        "hollow_penalty": (0.0, 0.04, 0.12, 0.16),
        "lead_in_penalty": (0.02, 0.05),
        "perspective_weight": (0.0, 0.03, 0.08, 0.1),
        "diversity_margin": (0.0, 0.05, 0.15, 0.2, 1.0),
        "per_article": (1, 3, 5),
        "candidates": (20, 30, 60, 80),
        "focus_weight": (0.3, 0.5),
        "follow_up_weight": (0.5, 0.7, 0.8),
        "duplicate_cosine": (0.9, 1.01),
    }
    for key, values in grid.items():
        for value in values:
            yield f"{key}:{value}", {key: value}


def joint_grid() -> Iterator[tuple[str, dict[str, Any]]]:
    """A few settings together, around the best of the coordinate sweeps."""
    for dense, lexical, word, focus, perspective in itertools.product(
        (0.35, 0.5, 0.65), (0.35, 0.5), (0.75, 1.0, 1.25), (0.0, 0.3), (0.05, 0.08)
    ):
        overrides = {
            "dense_weight": dense,
            "lexical_weight": lexical,
            "word_weight": word,
            "focus_weight": focus,
            "perspective_weight": perspective,
        }
        yield " ".join(f"{k.split('_')[0]}:{v}" for k, v in overrides.items()), overrides


def near_best() -> Iterator[tuple[str, dict[str, Any]]]:
    """Around the best of the joint grid (dense 0.5, perspective 0.05 as today)."""
    best = {"lexical_weight": 0.35, "word_weight": 1.0, "focus_weight": 0.3}
    for lexical, word, focus in itertools.product((0.25, 0.35), (1.0, 1.25, 1.5), (0.2, 0.3, 0.4)):
        overrides = {"lexical_weight": lexical, "word_weight": word, "focus_weight": focus}
        yield f"d0.5 l{lexical} w{word} f{focus} p0.05", overrides
    for name, extra in (
        ("min25", {"focus_min_words": 25}),
        ("min60", {"focus_min_words": 60}),
        ("fu0.5", {"follow_up_weight": 0.5}),
        ("dm0.05", {"diversity_margin": 0.05}),
    ):
        yield f"d0.5 l0.35 w1.0 f0.3 p0.05 {name}", {**best, **extra}


GRIDS = {"one": coordinate_sweeps, "joint": joint_grid, "near": near_best}


def score_variant(searcher: Searcher, sets: dict[str, list[Any]], name: str) -> dict[str, Any]:
    """Per set: hit@1, hit@5, MRR@10 on answerable questions and the flags (done, asked)."""
    rows: dict[str, Any] = {}
    for stem, questions in sets.items():
        report = evaluate(searcher, questions, name=name)
        rows[stem] = {
            "hit1": report.hit_at_1,
            "hit5": report.hit_at_k,
            "mrr": report.mrr,
            "off": list(report.off_topic_flagged),
            "unans": list(report.unanswerable_flagged),
            "conf": list(report.on_topic_confident),
            "crisis": list(report.crisis_flagged),
        }
    return rows


def leave_one_set_out(
    mrr: dict[str, dict[str, float]], baseline: str
) -> list[tuple[str, str, float, float]]:
    """For each set: the variant best on the mean MRR@10 of the other sets, its MRR@10 on
    the held-out set and the baseline's there. ``mrr[variant][set]``."""
    stems = list(mrr[baseline])
    out = []
    for held in stems:
        others = [s for s in stems if s != held]
        best = max(mrr, key=lambda v: (np.mean([mrr[v][s] for s in others]), v == baseline))
        out.append((held, best, mrr[best][held], mrr[baseline][held]))
    return out


def run(args: argparse.Namespace) -> None:
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    base = Searcher.open(args.index)
    searcher = Searcher(base.index, RememberingEncoder(base.encoder), settings=base.settings)
    defaults = searcher.settings.to_json()
    sets = {path.stem: load_questions(path) for path in SETS}
    specs = [tuple(s.split("=", 1)) for s in args.variants]
    variants = [(n, json.loads(o)) for n, o in specs] or list(GRIDS[args.grid]())
    for name, overrides in [("defaults", {}), *variants]:
        if name in results:
            continue
        variant = searcher.with_settings(RankSettings(**{**defaults, **overrides}))
        results[name] = {"overrides": overrides, "sets": score_variant(variant, sets, name)}
        write_text_atomic(args.out, json.dumps(results, indent=1))  # a stopped run: no half file
        mean = np.mean([r["mrr"] for r in results[name]["sets"].values()])
        print(f"{name:<40} mean MRR@10 {mean:.4f}", flush=True)


def flag_totals(rows: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Each flag summed over the sets: (done, asked)."""
    return {f: tuple(int(sum(r[f][i] for r in rows.values())) for i in (0, 1)) for f in FLAGS}


def report(args: argparse.Namespace) -> None:
    results = json.loads(args.results.read_text())
    mrr = {v: {s: r["mrr"] for s, r in d["sets"].items()} for v, d in results.items()}
    loso = leave_one_set_out(mrr, "defaults")
    print("| held-out set | chosen on the other sets | its MRR@10 | defaults | delta |")
    print("|---|---|---:|---:|---:|")
    deltas = []
    for held, best, got, base in loso:
        deltas.append(got - base)
        print(f"| {held} | {best} | {got:.3f} | {base:.3f} | {got - base:+.3f} |")
    print(
        f"\nmean delta {np.mean(deltas):+.4f}; > 0 on {sum(d > 1e-9 for d in deltas)},"
        f" < 0 on {sum(d < -1e-9 for d in deltas)}, = 0 on"
        f" {sum(abs(d) <= 1e-9 for d in deltas)} of {len(deltas)}"
    )
    means = {v: np.mean(list(m.values())) for v, m in mrr.items()}
    ranked = sorted(means, key=means.get, reverse=True)
    print(f"\n{len(means)} variants; best on all sets:")
    for v in ranked[: args.top]:
        print(f"  {v:<48} {means[v]:.4f} ({means[v] - means['defaults']:+.4f})")
    best = ranked[0] if args.variant is None else args.variant
    print(f"\n{best} against defaults (hit@1 / hit@5 / MRR@10; flags off, unans, conf, crisis):")
    print("| set | defaults | variant |\n|---|---|---|")
    for stem in mrr["defaults"]:
        cells = []
        for v in ("defaults", best):
            r = results[v]["sets"][stem]
            cells.append(f"{r['hit1']:.2f} / {r['hit5']:.2f} / {r['mrr']:.3f}")
        print(f"| {stem} | {cells[0]} | {cells[1]} |")
    for v in ("defaults", best):
        totals = flag_totals(results[v]["sets"])
        print(v, " ".join(f"{f} {a}/{b}" for f, (a, b) in totals.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("variants", nargs="*", help="NAME=JSON overrides of RankSettings")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--grid", choices=GRIDS, default="one", help="without variants: which sweep")
    r.add_argument("--index", type=Path, default=ROOT / "index")
    p = sub.add_parser("report")
    p.add_argument("results", type=Path)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--variant", help="the variant to compare with the defaults (else the best)")
    args = parser.parse_args()
    run(args) if args.command == "run" else report(args)


if __name__ == "__main__":
    main()
