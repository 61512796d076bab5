"""Compare ranking settings on several gold sets at once (the numbers in eval/EXPERIMENTS.md).

    .venv/bin/python eval/sweep.py 'no roles={"use_roles": false}' 'p.05={"problem_penalty": 0.05}'

Each argument is NAME=JSON, overrides of RankSettings; the first row is always the defaults.
Sets default to the dev set and the tune halves (never the holdout halves: pass them with
--sets only to confirm a finished change). Per set: hit@1, hit@5, MRR@10, then
flagged/asked for off-topic (f) and unanswerable (u) questions, confident/asked for
answerable ones (c), and how many answerable questions get a passage that does not advise
(problem, promotion, hollow, lead-in or bio) in first place (n).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from advice_search.evaluate import evaluate, load_questions
from advice_search.ranking import RankSettings
from advice_search.search import Searcher

ROOT = Path(__file__).resolve().parent.parent
TUNE = [
    ROOT.parent / "shared" / "eval" / "dev.jsonl",
    ROOT / "eval" / "own.jsonl",
    ROOT / "eval" / "forum-tune.jsonl",
    ROOT / "eval" / "paraphrase-tune.jsonl",
]
HOLDOUT = [ROOT / "eval" / "forum-holdout.jsonl", ROOT / "eval" / "paraphrase-holdout.jsonl"]
NOT_ADVICE = {"problem", "promotion", "hollow", "lead-in", "bio"}


def variant_arguments(description: str) -> argparse.ArgumentParser:
    """The arguments every settings-comparing script here takes: variants, sets, index."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("variants", nargs="*", help="NAME=JSON, e.g. 'off={\"use_roles\": false}'")
    parser.add_argument("--sets", nargs="+", type=Path, default=TUNE)
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    return parser


def main() -> None:
    args = variant_arguments(__doc__.split("\n")[0]).parse_args()
    searcher = Searcher.open(args.index)
    passages = searcher.index.passages
    roles = searcher.readings.roles(range(len(passages)))
    role = dict(zip((p.passage_id for p in passages), roles, strict=True))
    sets = {path.stem: load_questions(path) for path in args.sets}
    defaults = searcher.settings.to_json()
    for spec in ["defaults={}", *args.variants]:
        name, overrides = spec.split("=", 1)
        variant = searcher.with_settings(RankSettings(**{**defaults, **json.loads(overrides)}))
        cells, mrrs = [], []
        for stem, questions in sets.items():
            report = evaluate(variant, questions, name=name)
            answerable = [q for q in questions if q.category == "answerable"]
            firsts = [variant.search(q.text, k=1).hits for q in answerable]
            not_advice = sum(
                bool(h) and role[h[0].passage.passage_id] in NOT_ADVICE for h in firsts
            )
            f, nf = report.off_topic_flagged
            u, nu = report.unanswerable_flagged
            c, nc = report.on_topic_confident
            cells.append(
                f"{stem[:10]:>10} {report.hit_at_1:.2f} {report.hit_at_k:.2f} {report.mrr:.3f}"
                f" f{f}/{nf} u{u}/{nu} c{c}/{nc} n{not_advice}"
            )
            mrrs.append(report.mrr)
        print(f"{name:<16}" + " | ".join(cells) + f" | mean MRR {sum(mrrs) / len(mrrs):.3f}")


if __name__ == "__main__":
    main()
