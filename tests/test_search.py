"""Search on the real corpus with the real model: the right article, attributed, in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from advice_search.candidates import candidates
from advice_search.evaluate import load_questions
from advice_search.ranking import RankSettings
from advice_search.search import Filters, QueryError, Searcher, prepare_query

from .conftest import DEV_SET

PLAIN_QUESTIONS = [
    # (question, article the answer is in, words the answering passage contains)
    ("How can I get my wife to try just one session?", "what-if-my-partner-doesnt-want-to-go-to-counseling", "trial session"),
    ("Is there a support group for families of people with an addiction?", "what-if-my-partner-wont-go-to-therapy", "Al-Anon"),
    ("Can I go to a couples therapist on my own?", "what-to-do-when-your-partner-wont-go-to-couples-therapy", "on your own"),
    ("Should I raise therapy in the middle of a fight?", "encourage-your-partner-to-attend-sex-or-relationship-therapy", "calm"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "article", "words"), PLAIN_QUESTIONS)
def test_plain_questions_find_the_answering_article(
    searcher: Searcher, question: str, article: str, words: str
) -> None:
    result = searcher.search(question, k=5)
    assert result.confident
    top_articles = [hit.article.article_id for hit in result.hits[:3]]
    assert article in top_articles
    assert any(words.lower() in hit.passage.text.lower() for hit in result.hits[:5])


def test_hits_carry_attribution_and_a_highlight_inside_the_passage(searcher: Searcher) -> None:
    result = searcher.search("my partner thinks therapy is a punishment", k=5)
    assert [h.rank for h in result.hits] == [1, 2, 3, 4, 5]
    for hit in result.hits:
        assert hit.article.title
        assert hit.passage.article_id == hit.article.article_id
        start, end = hit.highlight
        assert 0 <= start < end <= len(hit.passage.text)
        assert len(hit.passage.text) <= 1000
    assert any(h.article.author or h.article.site for h in result.hits)


def test_off_topic_questions_are_not_confident(searcher: Searcher) -> None:
    for question in ("How do I reset my router?", "When is the best time to plant tomatoes?"):
        result = searcher.search(question)
        assert not result.confident, question
        assert result.hits  # the closest passages are still offered, labelled by the caller


def test_at_most_two_passages_from_one_article_in_the_top_five(searcher: Searcher) -> None:
    result = searcher.search("my partner won't go to therapy, what can I do?", k=5)
    counts: dict[str, int] = {}
    for hit in result.hits:
        counts[hit.article.article_id] = counts.get(hit.article.article_id, 0) + 1
    assert max(counts.values()) <= 2


def test_bios_do_not_crowd_out_advice(searcher: Searcher) -> None:
    questions = [q.text for q in load_questions(DEV_SET) if q.on_topic]
    slots = [hit.passage.kind for q in questions for hit in searcher.search(q, k=5).hits]
    first = [searcher.search(q, k=1).hits[0].passage.kind for q in questions]
    assert first.count("advice") == len(first)
    assert slots.count("advice") >= 0.9 * len(slots)


def test_filters_restrict_results_to_the_chosen_articles(searcher: Searcher) -> None:
    chosen = "what-if-my-partner-wont-go-to-therapy"
    result = searcher.search("support groups", k=5, filters=Filters(articles=frozenset({chosen})))
    assert result.hits and {h.article.article_id for h in result.hits} == {chosen}


def test_search_results_are_deterministic(searcher: Searcher) -> None:
    first = searcher.search("he is nervous about starting therapy")
    second = searcher.search("he is nervous about starting therapy")
    assert [h.passage.passage_id for h in first.hits] == [h.passage.passage_id for h in second.hits]
    assert np.allclose([h.score for h in first.hits], [h.score for h in second.hits])


def test_crisis_questions_are_flagged_and_still_answered(searcher: Searcher) -> None:
    result = searcher.search("he hits me when I bring up therapy")
    assert result.crisis and result.hits
    assert not searcher.search("we fight about money").crisis


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "?!", "\x00\x01"])
def test_empty_questions_are_refused_with_a_message(question: str) -> None:
    with pytest.raises(QueryError, match="question"):
        prepare_query(question)


def test_overlong_questions_are_shortened_with_a_notice(searcher: Searcher) -> None:
    result = searcher.search("my partner refuses therapy " * 5000)
    assert result.hits
    assert len(result.query) <= 1000
    assert result.notices and "characters" in result.notices[0]


def test_large_libraries_score_only_vector_and_bm25_candidates(searcher: Searcher) -> None:
    # The seed library is small enough to score whole; with 10 candidates per retriever it
    # takes the path a large library takes: FAISS top-10 ∪ BM25 top-10.
    narrow = searcher.with_settings(RankSettings(candidates=10))
    question = "How can I get my wife to try just one session?"
    vector = narrow.ranking_vector(question)  # as the search ranks it (the adapter's move)
    rows = candidates(narrow.index, vector, narrow.index.lexical.match(question), None, 10)
    assert 10 <= len(rows) <= 20
    result = narrow.search(question, k=5)
    assert {h.passage.passage_id for h in result.hits} <= {
        narrow.index.passages[r].passage_id for r in rows
    }
    assert "trial session" in result.hits[0].passage.text


def test_a_search_process_gives_blas_one_thread(seed_index: Path) -> None:
    """Opening a Searcher limits numpy's BLAS to one thread (cpu.py): a second one only
    contends with ONNX Runtime and BM25. Checked in a fresh process, where nothing else set
    it (OpenBLAS starts with one thread per core)."""
    script = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from threadpoolctl import threadpool_info\n"
        "from advice_search.search import Searcher\n"
        "before = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
        "Searcher.open(Path(sys.argv[1]))\n"
        "after = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
        "print(json.dumps([before, after]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    done = subprocess.run(
        [sys.executable, "-c", script, str(seed_index)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    before, after = json.loads(done.stdout)
    assert after and set(after) == {1}, f"BLAS threads {before} before opening, {after} after"
