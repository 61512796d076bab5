"""Fit the learned confidence verdict (advice_search/confidence.py) and print its numbers.

    .venv/bin/python eval/fit_confidence.py            # tune sets: selection, CV, the fit
    .venv/bin/python eval/fit_confidence.py --holdout  # ...and the frozen model on the holdout
    .venv/bin/python eval/fit_confidence.py --index index --index /tmp/mixed/index  # 2 libraries

Positives are answerable questions; negatives are unanswerable and off-topic ones (crisis
questions are never confident and are left out). Features are chosen by forward selection on
repeated stratified 5-fold cross-validation of the whole procedure (fit, then a threshold that
keeps 90% of the training fold's answerable questions confident), judged by the unanswerable
questions flagged in the held-out folds. The final model is fitted on all tune questions; its
threshold keeps at least 90% of them confident. Logistic regression by Newton's method with an
L2 penalty on standardised features: numpy only, deterministic.

With ``--index`` given more than once (e.g. the seeds' library and the many-topic one of
eval/mixed.py), rows come from every library, each question with its kind there
(``mixed.questions_in``), eval/mixed/tune.jsonl joins the tune sets, the folds keep a
question's rows in one library together, and ``--holdout`` judges every set never tuned on
(``mixed.FINAL``: the holdout halves, eval/mixed/holdout.jsonl, fresh, near-off-topic).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from advice_search.confidence import VERDICT, AnswerFeatures, ConfidenceModel
from advice_search.evaluate import load_questions
from advice_search.search import Searcher

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the eval scripts beside this one
from mixed import FINAL, MIXED, load_labels, questions_in, set_name  # noqa: E402
from sweep import HOLDOUT, ROOT, TUNE  # noqa: E402

KEEP = 0.90  # share of answerable questions that must stay confident
L2 = 1.0
FOLDS, REPEATS = 5, 20
MAX_FEATURES = 6


def collect(searcher: Searcher, paths: list[Path], library: str = "") -> list[dict]:
    """One row per question: its set, kind (in this library), the rules' verdict, features."""
    rows = []
    names = AnswerFeatures.names()
    labels = load_labels()
    searcher = searcher.with_settings(replace(searcher.settings, learned_verdict=False))
    for path in paths:
        for q in questions_in(searcher, path, labels) if library else load_questions(path):
            if q.category in ("crisis", "arguable"):
                continue
            result = searcher.search(q.text, k=5)
            rows.append(
                {
                    "set": f"{library}:{set_name(path)}" if library else path.stem,
                    "id": q.qid,
                    "kind": q.category,
                    "rules": result.confident,
                    "x": [result.signals[n] for n in names],
                }
            )
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-penalised logistic regression (x already standardised)."""
    a = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(a.shape[1])
    penalty = np.full(a.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(a @ w)))
        grad = a.T @ (p - y) + penalty * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return w[:-1], float(w[-1])


def train(x: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> ConfidenceModel:
    """The model fitted on ``x``, with the threshold that keeps KEEP of its positives."""
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales = np.where(scales > 1e-9, scales, 1.0)
    w, b = fit((x - means) / scales, y)
    z = ((x - means) / scales) @ w + b
    p = 1 / (1 + np.exp(-z[y == 1]))
    keep = math.ceil(KEEP * len(p))
    threshold = float(np.sort(p)[::-1][keep - 1])  # the keep-th most confident positive
    return ConfidenceModel(
        names=names,
        means=tuple(round(float(v), 6) for v in means),
        scales=tuple(round(float(v), 6) for v in scales),
        weights=tuple(round(float(v), 6) for v in w),
        bias=round(b, 6),
        threshold=round(threshold - 1e-6, 6),
    )


def same_model(a: ConfidenceModel, b: ConfidenceModel, tolerance: float = 1e-4) -> bool:
    """The same features and coefficients, up to the last digits a rebuilt index moves."""
    numbers = ("means", "scales", "weights")
    return (
        a.names == b.names
        and all(np.allclose(getattr(a, n), getattr(b, n), atol=tolerance) for n in numbers)
        and abs(a.bias - b.bias) <= tolerance
        and abs(a.threshold - b.threshold) <= tolerance
    )


def probabilities(model: ConfidenceModel, x: np.ndarray) -> np.ndarray:
    z = (x - np.asarray(model.means)) / np.asarray(model.scales)
    return 1 / (1 + np.exp(-(z @ np.asarray(model.weights) + model.bias)))


def matrix(rows: list[dict], names: tuple[str, ...]) -> np.ndarray:
    every = AnswerFeatures.names()
    return np.array([[r["x"][every.index(n)] for n in names] for r in rows], dtype=np.float64)


def cross_validate(rows: list[dict], names: tuple[str, ...]) -> dict[str, float]:
    """Out-of-fold shares: answerable kept, unanswerable and off-topic flagged."""
    x = matrix(rows, names)
    y = np.array([r["kind"] == "answerable" for r in rows], dtype=np.float64)
    kinds = np.array([r["kind"] for r in rows])
    kept = {k: 0 for k in ("answerable", "unanswerable", "off-topic")}
    # A question asked of two libraries, with one kind in both, is one group: never on both
    # sides of a fold. With one library every row is its own group (the folds as before).
    groups = [(r["set"].split(":")[-1], r["id"], r["kind"]) for r in rows]
    order = list(dict.fromkeys(groups))
    members = {g: [] for g in order}
    for i, g in enumerate(groups):
        members[g].append(i)
    for repeat in range(REPEATS):
        rng = np.random.default_rng(repeat)
        fold = np.empty(len(rows), dtype=int)
        for kind in kept:  # stratified: each kind spread evenly over the folds
            of_kind = [g for g in order if g[2] == kind]
            for place, at in enumerate(rng.permutation(len(of_kind))):
                fold[members[of_kind[at]]] = place % FOLDS
        for f in range(FOLDS):
            model = train(x[fold != f], y[fold != f], names)
            sure = probabilities(model, x[fold == f]) >= model.threshold
            for kind in kept:
                kept[kind] += int(sure[kinds[fold == f] == kind].sum())
    count = {k: int((kinds == k).sum()) * REPEATS for k in kept}
    return {
        "kept": kept["answerable"] / count["answerable"],
        "unanswerable": 1 - kept["unanswerable"] / count["unanswerable"],
        "off-topic": 1 - kept["off-topic"] / count["off-topic"],
    }


def forward_select(rows: list[dict]) -> tuple[str, ...]:
    """Add the feature that flags most unanswerable questions out of fold, while any does."""
    chosen: tuple[str, ...] = ()
    best = -1.0
    while len(chosen) < MAX_FEATURES:
        trials = {
            name: cross_validate(rows, (*chosen, name))
            for name in AnswerFeatures.names()
            if name not in chosen
        }
        name, score = max(trials.items(), key=lambda item: _merit(item[1]))
        print(f"  + {name:<15} {_describe(score)}")
        if _merit(score) <= best + 0.01:  # less than a quarter of a question more: stop
            break
        chosen, best = (*chosen, name), _merit(score)
    return chosen


def _merit(score: dict[str, float]) -> float:
    """Both kinds of negatives count alike: off-topic ones must stay flagged too."""
    return score["unanswerable"] + score["off-topic"]


def _describe(score: dict[str, float]) -> str:
    return (
        f"CV: answerable kept {score['kept']:.3f}, unanswerable flagged "
        f"{score['unanswerable']:.3f}, off-topic flagged {score['off-topic']:.3f}"
    )


def report(rows: list[dict], verdicts: np.ndarray, label: str) -> None:
    """Counts per set, as eval/sweep.py prints them (c: confident, u/f: flagged)."""
    for stem in dict.fromkeys(r["set"] for r in rows):
        cells = []
        for kind, tag, flag in (("answerable", "c", False), ("unanswerable", "u", True),
                                ("off-topic", "f", True)):  # fmt: skip
            idx = [i for i, r in enumerate(rows) if r["set"] == stem and r["kind"] == kind]
            if idx:
                n = int(sum(verdicts[i] != flag for i in idx))
                cells.append(f"{tag}{n}/{len(idx)}")
        print(f"  {label:<8} {stem:<20} {' '.join(cells)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--index", type=Path, action="append", help="a library (again for more); default index/"
    )
    parser.add_argument("--holdout", action="store_true", help="also judge the holdout halves")
    parser.add_argument("--features", nargs="*", help="skip selection: use these features")
    parser.add_argument("--verbose", action="store_true", help="list the tune questions missed")
    args = parser.parse_args()
    indexes = args.index or [ROOT / "index"]
    several = len(indexes) > 1
    searchers = [(f"{i}" if several else "", Searcher.open(path)) for i, path in enumerate(indexes)]
    tune = [*TUNE, MIXED / "tune.jsonl"] if several else TUNE
    rows = [row for name, searcher in searchers for row in collect(searcher, tune, name)]
    print(f"tune: {len(rows)} questions; " + ", ".join(
        f"{k} {sum(r['kind'] == k for r in rows)}" for k in ("answerable", "unanswerable",
                                                            "off-topic")))  # fmt: skip
    names = tuple(args.features) if args.features else forward_select(rows)
    print(f"features: {', '.join(names)}")
    print("  " + _describe(cross_validate(rows, names)))
    y = np.array([r["kind"] == "answerable" for r in rows], dtype=np.float64)
    model = train(matrix(rows, names), y, names)
    print(f"model: {model!r}")
    same = same_model(model, VERDICT)
    print("the model in confidence.py: " + ("the same" if same else "DIFFERENT: paste this one"))
    report(rows, np.array([r["rules"] for r in rows]), "rules")
    fitted = probabilities(model, matrix(rows, names)) >= model.threshold
    report(rows, fitted, "fitted")
    if args.verbose:
        for row, sure in zip(rows, fitted, strict=True):
            if sure != (row["kind"] == "answerable"):
                print(f"  missed: {row['set']} {row['id']} {row['kind']} (rules: {row['rules']})")
    if args.holdout:
        holdout = FINAL if several else HOLDOUT
        held = [row for name, searcher in searchers for row in collect(searcher, holdout, name)]
        report(held, np.array([r["rules"] for r in held]), "rules")
        report(held, probabilities(model, matrix(held, names)) >= model.threshold, "fitted")


if __name__ == "__main__":
    main()
