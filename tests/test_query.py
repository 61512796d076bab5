"""Follow-up questions: read after the earlier question of the thread (query.py).

The library here is the five seed articles plus the three unseen articles on other topics (a
father who should stop driving, a teenager refusing the doctor, a roommate who won't pay), so
a follow-up that loses its topic can land on the wrong article.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from advice_search.query import (
    QueryError,
    Thread,
    looks_like_follow_up,
    prepare_earlier,
    thread_assessment,
    thread_side,
    thread_text,
    thread_vector,
)
from advice_search.ranking import RankSettings
from advice_search.search import Searcher

UNSEEN = Path(__file__).parent / "fixtures" / "unseen"
OPENER = "My husband won't go to couples counseling with me. How do I get him to reconsider?"
FOLLOW_UP = "and if he still says no after all that?"


@pytest.fixture(scope="module")
def mixed(seed_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Searcher, set]:
    """A library of eight articles on four topics, and the ids of the five on couples."""
    from advice_search.builder import ingest

    root = tmp_path_factory.mktemp("mixed")
    shutil.copytree(seed_corpus, root / "corpus")
    for article in UNSEEN.glob("*.md"):
        shutil.copy(article, root / "corpus" / article.name)
    ingest(root / "corpus", root / "index")
    return Searcher.open(root / "index"), {p.stem for p in seed_corpus.glob("*.md")}


def test_a_follow_up_alone_loses_its_topic_and_keeps_it_after_the_earlier_question(
    mixed,  # noqa: ANN001
) -> None:
    searcher, couples = mixed
    # Since lead session 18's refit the question memory (labelled questions, all on couples)
    # keeps short follow-ups on couples even alone. A library's new topics have no remembered
    # questions, so the problem is shown without the fitted memory and adapter: then only the
    # earlier question holds the topic.
    unfitted = searcher.with_settings(RankSettings(memory_weight=0.0, query_adapter=False))
    follow_up = "what if he still says no?"
    alone = unfitted.search(follow_up, k=5)
    after = unfitted.search(follow_up, k=5, after=OPENER)
    assert any(h.article.article_id not in couples for h in alone.hits)  # the problem
    assert all(h.article.article_id in couples for h in after.hits)
    shipped = searcher.search(follow_up, k=5, after=OPENER)
    assert all(h.article.article_id in couples for h in shipped.hits)
    assert after.after == OPENER and alone.after is None
    assert after.to_json()["after"] == OPENER


def test_the_earlier_question_changes_nothing_when_it_is_empty(searcher) -> None:  # noqa: ANN001
    alone = searcher.search(FOLLOW_UP, k=5)
    for empty in (None, "", "   ", "?!"):
        same = searcher.search(FOLLOW_UP, k=5, after=empty)
        assert [h.passage.passage_id for h in same.hits] == [
            h.passage.passage_id for h in alone.hits
        ]
        assert same.after is None


def test_danger_spoken_of_earlier_keeps_the_answer_safety_first(searcher) -> None:  # noqa: ANN001
    earlier = "he hits me when I bring up therapy"
    assert not searcher.search(FOLLOW_UP, k=5).crisis
    result = searcher.search(FOLLOW_UP, k=5, after=earlier)
    assert result.crisis and result.safety_first and not result.confident


def test_thread_assessment_merges_both_questions() -> None:
    both = thread_assessment("I want to hurt myself", "he hits me when I bring up therapy")
    assert both.is_crisis and set(both.categories) >= {"self_harm", "violence"}
    assert list(both.categories) == sorted(
        both.categories, key=("self_harm", "violence", "abuse", "unsafe").index
    )
    calm = thread_assessment(FOLLOW_UP, "he won't go to counseling")
    assert not calm.is_crisis and calm == thread_assessment(FOLLOW_UP, None)


def test_the_askers_side_comes_from_the_earlier_question_when_the_follow_up_does_not_say() -> None:
    reluctant = "My wife wants us in couples therapy and I'm the one who doesn't want to go."
    assert thread_side("what would we even talk about?", reluctant) == "asked"
    assert thread_side("what would we even talk about?", None) == ""
    assert thread_side("how do I get him to go?", reluctant) == "asking"  # its own side wins


def test_prepare_earlier() -> None:
    assert prepare_earlier(None) is None
    assert prepare_earlier("  \n ") is None
    assert prepare_earlier("...") is None
    assert prepare_earlier("  he  said\tno ") == "he said no"
    assert len(prepare_earlier("word " * 400) or "") <= 1000
    with pytest.raises(QueryError, match="earlier question"):
        prepare_earlier(42)  # type: ignore[arg-type]


def test_thread_vector_leans_towards_the_earlier_question() -> None:
    question, earlier = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    mixed = thread_vector(question, earlier, 0.6)
    assert np.isclose(np.linalg.norm(mixed), 1.0)
    assert mixed[0] > mixed[1] > 0


def test_a_thread_offers_what_came_before_and_remembers_the_choice() -> None:
    first = Thread().ask("my husband won't go to counseling")
    assert first.offered is None and first.after is None
    assert first.follow(True).after is None  # nothing to follow
    second = first.ask("and if he still says no?")
    assert second.offered == "my husband won't go to counseling" and second.after is None
    followed = second.follow(True)
    assert followed.after == "my husband won't go to counseling"
    assert followed.ask("and if he still says no?") is followed  # the same question again
    third = followed.ask("what do I say to him?")
    assert third.offered == "my husband won't go to counseling and if he still says no?"
    assert second.follow(False).ask("what do I say to him?").offered == "and if he still says no?"
    assert thread_text(None, "a") == "a" and thread_text("a", "b") == "a b"


@pytest.mark.parametrize(
    "question",
    [
        "and if he still says no after all that?",
        "ok but what do i actually say to him",
        "What if he only agrees to go to shut me up?",
        "so should I just go by myself then?",
        "he said maybe",
        "wait, does it matter what kind of therapist I see?",
    ],
)
def test_follow_ups_are_recognised_by_how_they_open(question: str) -> None:
    assert looks_like_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "My husband refuses couples therapy. What can I do?",
        "How do I convince my wife to try counseling?",
        "is couples counseling worth it",
        "He has refused couples therapy for two years and every time I bring it up he leaves "
        "the room, and now I don't know whether to go alone",
        "Android phones and other things",
    ],
)
def test_new_questions_are_not_taken_for_follow_ups(question: str) -> None:
    assert not looks_like_follow_up(question)
