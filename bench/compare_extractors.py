"""Compare main-text extractors on our kind of page: `python bench/compare_extractors.py`.

Every corpus article is put into each page shell of ``tests/web_pages.py`` (WordPress, Wix,
Squarespace, Ghost-like, old table layout), with made-up but fixed metadata. For each
extractor we measure, against the article as written:

- recall: share of the article's words (as a multiset) found in the extracted text;
- precision: share of the extracted words that belong to the article;
- leaks: pages whose text carries a furniture phrase (menu, banner, sidebar, related posts...);
- metadata: title, author, date, site and canonical URL exactly right, out of all pages.

Only trafilatura reads metadata; readability-lxml gives a title, jusText nothing.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from advice_search.text import normalise  # noqa: E402
from tests.web_pages import FURNITURE, SHELLS, PageArticle, article_from_markdown  # noqa: E402

FIELDS = ("title", "author", "date", "site", "url")
Extractor = Callable[[str, str], dict[str, str | None]]


def words(text: str) -> Counter[str]:
    """The words of ``text``; list numbers ("1.") are markup, not words."""
    text = re.sub(r"(?m)^\s*\d{1,3}[.)]\s", " ", text)
    return Counter(re.findall(r"\w+", normalise(text)))


def run_trafilatura(html: str, url: str, **options: object) -> dict[str, str | None]:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
        **options,
    )  # fmt: skip
    if doc is None:
        return {"text": ""}
    return {
        "text": doc.text or "",
        "title": doc.title,
        "author": doc.author,
        "date": doc.date,
        "site": doc.sitename,
        "url": doc.url,
    }


def run_webpage(html: str, url: str) -> dict[str, str | None]:
    """Ours, end to end: advice_search.webpage, then the corpus reader on the file it makes."""
    from advice_search.corpus import parse_article
    from advice_search.webpage import PageError, extract

    try:
        page = extract(html, url=url)
    except PageError:
        return {"text": ""}
    article = parse_article(page.markdown(), path="page.md", article_id="page")
    return {"text": article.body, **{f: getattr(article, f) for f in FIELDS}}


def run_readability(html: str, url: str) -> dict[str, str | None]:
    import lxml.html
    from readability import Document

    doc = Document(html, url=url)
    text = lxml.html.fromstring(doc.summary(html_partial=True)).text_content()
    return {"text": text, "title": doc.short_title()}


def run_justext(html: str, url: str) -> dict[str, str | None]:
    import justext

    paragraphs = justext.justext(html.encode(), justext.get_stoplist("English"), encoding="utf-8")
    return {"text": "\n".join(p.text for p in paragraphs if not p.is_boilerplate)}


AUTHORS = ("Dr. Maya Lindqvist", "Ashley Gray, LCSW", "Tom Okafor", "Priya Raman", "Jordan Ellis")
SITES = ("Harbour Couples Clinic", "Kind Couples Counseling", "The Relationship Room",
         "Okafor Family Therapy", "Second Chapter Counselling")  # fmt: skip

EXTRACTORS: dict[str, Extractor] = {
    "trafilatura": run_trafilatura,
    "trafilatura (favor_precision)": lambda h, u: run_trafilatura(h, u, favor_precision=True),
    "readability-lxml": run_readability,
    "jusText": run_justext,
}


def pages(shells: dict[str, Callable[[PageArticle], str]]) -> list[tuple[str, PageArticle, str]]:
    """(shell, article, html) for every corpus article in every shell."""
    out = []
    for i, path in enumerate(sorted((ROOT / "corpus").glob("*.md"))):
        article = article_from_markdown(
            path,
            author=AUTHORS[i % len(AUTHORS)],
            date=f"2023-0{i % 9 + 1}-1{i % 9}",
            site=SITES[i % len(SITES)],
            url=f"https://blog{i}.example/posts/{path.stem}/",
        )
        out += [(name, article, shell(article)) for name, shell in shells.items()]
    return out


def score(extractor: Extractor, corpus: list[tuple[str, PageArticle, str]]) -> dict[str, object]:
    found = gold_total = out_total = leaks = 0
    right = Counter()
    per_shell: dict[str, list[float]] = {}
    started = time.perf_counter()
    for shell, article, html in corpus:
        result = extractor(html, "http://127.0.0.1:8000/served/here")
        gold, out = words("\n".join(article.texts)), words(result.get("text") or "")
        hit = sum((gold & out).values())
        found += hit
        gold_total += sum(gold.values())
        out_total += sum(out.values())
        leaks += any(normalise(f) in normalise(result.get("text") or "") for f in FURNITURE)
        per_shell.setdefault(shell, []).append(
            2 * hit / (sum(gold.values()) + sum(out.values()) or 1)
        )
        for field in FIELDS:
            right[field] += (result.get(field) or None) == getattr(article, field)
    return {
        "recall": found / gold_total,
        "precision": found / max(out_total, 1),
        "leaks": leaks,
        "pages": len(corpus),
        "metadata": {f: right[f] for f in FIELDS},
        "per_shell_f1": {s: sum(v) / len(v) for s, v in per_shell.items()},
        "ms_per_page": 1000 * (time.perf_counter() - started) / len(corpus),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ours", action="store_true", help="also score advice_search.webpage")
    parser.add_argument(
        "--heldout", action="store_true", help="the shells of bench/heldout_pages.py instead"
    )
    args = parser.parse_args()
    if args.heldout:
        from heldout_pages import HELDOUT

        shells_used = HELDOUT
    else:
        shells_used = SHELLS
    corpus = pages(shells_used)
    extractors = dict(EXTRACTORS)
    if args.ours:
        extractors["advice_search.webpage (chosen)"] = run_webpage
    shells = list(shells_used)
    print(f"{len(corpus)} pages: {len(corpus) // len(shells)} articles x {len(shells)} shells\n")
    print("| extractor | recall | precision | pages with furniture | " + " | ".join(FIELDS) + " | "
          + " | ".join(f"F1 {s}" for s in shells) + " | ms/page |")  # fmt: skip
    print("|---" * (5 + len(FIELDS) + len(shells)) + "|")
    for name, extractor in extractors.items():
        r = score(extractor, corpus)
        meta = " | ".join(f"{r['metadata'][f]}/{r['pages']}" for f in FIELDS)
        f1 = " | ".join(f"{r['per_shell_f1'][s]:.3f}" for s in shells)
        print(f"| {name} | {r['recall']:.3f} | {r['precision']:.3f} | {r['leaks']}/{r['pages']} "
              f"| {meta} | {f1} | {r['ms_per_page']:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
