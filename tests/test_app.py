"""The Streamlit page, run headless with AppTest against real indexes built in tmp dirs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from advice_search import messages, page

pytestmark = pytest.mark.slow  # each test runs the whole page script

APP = Path(__file__).resolve().parent.parent / "app.py"
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
WORD_JOINER = "\u2060"

ON_TOPIC = "My husband refuses couples therapy. What can I do?"
OFF_TOPIC = "How do I fix a leaking kitchen faucet?"
CRISIS = "he hits me when I bring up therapy"
LIGHTHOUSE = "the lighthouse keeper and the logbook"
# What the hostile article must show as typed, on the page and in a real browser.
HOSTILE_LITERALS = (
    "The Lighthouse Keeper <b>Who Would Not</b> [click](http://evil.example)",
    "Section: When the keeper will not come ashore <script>alert(1)</script>",
    "<script>alert(1)</script> I wrote it in the logbook with <b>bold</b> words",
    "<img src=x onerror=alert(1)>",
    "[click](http://evil.example)",
    "![x](http://evil.example/x.png)",
    ":smile: faces, $x^2$ sums, **stars** and :red[red] lamps at www.evil.example",
)


def unescape(markdown: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


def build_hostile_library(seed_corpus: Path, root: Path) -> tuple[Path, Path]:
    """(corpus, index): the seed corpus plus the hostile article, ingested under ``root``."""
    from advice_search.builder import ingest

    corpus = root / "corpus"
    shutil.copytree(seed_corpus, corpus)
    for article in HOSTILE.glob("*.md"):
        shutil.copy(article, corpus / article.name)
    ingest(corpus, root / "index")
    return corpus, root / "index"


@pytest.fixture(scope="module")
def hostile_library(seed_corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    return build_hostile_library(seed_corpus, tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def use_index(monkeypatch: pytest.MonkeyPatch):
    def point(corpus: Path, index: Path) -> None:
        monkeypatch.setenv("ADVICE_SEARCH_CORPUS", str(corpus))
        monkeypatch.setenv("ADVICE_SEARCH_INDEX", str(index))

    return point


@pytest.fixture
def seeded(use_index, seed_corpus: Path, seed_index: Path) -> None:  # noqa: ANN001
    use_index(seed_corpus, seed_index)


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    return at.run()


def ask(at: AppTest, question: str) -> AppTest:
    at.text_input(key="question").input(question)
    at.button[0].click()  # the form's Search button
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> list[str]:
    """Every text the main area shows, in page order, as a reader would see it."""
    out = []
    for node in at.main:
        value = getattr(node, "value", None)
        if isinstance(value, str):
            out.append(unescape(value))
        label = getattr(node, "label", None)
        if isinstance(label, str):
            out.append(label)
    return out


def cards(at: AppTest) -> list:
    return [node for node in at.main if (getattr(node, "key", None) or "").startswith("result-")]


def card_texts(card) -> list[str]:  # noqa: ANN001
    return [unescape(n.value) for n in card if isinstance(getattr(n, "value", None), str)]


# ---------------------------------------------------------------- searching


def test_a_question_shows_attributed_cards_with_the_best_sentence_highlighted(
    seeded,
    searcher,  # noqa: ANN001
) -> None:
    at = ask(start(), ON_TOPIC)
    expected = searcher.search(ON_TOPIC, k=5)
    assert len(cards(at)) == len(expected.hits) == 5
    first = card_texts(cards(at)[0])
    hit = expected.hits[0]
    assert first[0] == f"**{hit.article.title}**"
    assert page.score_label(hit.score) in first[1]
    attribution = messages.attribution(hit.article)
    if attribution:
        assert attribution in first[1]
    if hit.passage.section:
        assert f"Section: {hit.passage.section}" in first
    passage_md = next(n.value for n in cards(at)[0] if getattr(n, "type", None) == "markdown"
                      and ":orange-background[" in n.value)  # fmt: skip
    if hit.highlight:
        a, b = hit.highlight
        assert f":{page.HIGHLIGHT}[{page.escape_markdown(hit.passage.text[a:b])}]" in passage_md
    assert at.subheader[0].value == "What the articles say"
    assert not at.error and not at.warning
    assert at.query_params["q"] == ON_TOPIC


def test_read_more_shows_neighbours_and_the_whole_article_with_the_passage_marked(
    seeded,
    searcher,  # noqa: ANN001
) -> None:
    at = ask(start(), ON_TOPIC)
    hit = searcher.search(ON_TOPIC, k=5).hits[0]
    card = cards(at)[0]
    expander = next(n for n in card if getattr(n, "type", None) == "expander")
    assert expander.label == "Read more"
    tabs = [n for n in expander if getattr(n, "type", None) == "tab"]
    assert [t.label for t in tabs] == ["Before and after", "Whole article"]
    before, after = searcher.index.neighbours(hit.passage)
    around = " ".join(card_texts(tabs[0]))
    for neighbour, edge in ((before, "start"), (after, "end")):
        if neighbour is None:
            assert f"This is the {edge} of the article." in around
        else:
            assert " ".join(neighbour.text.split()) in around
    view = page.whole_article(hit, searcher.index.by_article(hit.article.article_id))
    whole = [n.value for n in tabs[1] if getattr(n, "type", None) in ("markdown", "caption")]
    assert whole == [
        *([view.before] if view.before else []),
        "The passage that matched",
        view.matched,
        *([view.after] if view.after else []),
    ]
    assert view.matched == page.passage_markdown(hit.passage, hit.highlight)


def test_off_topic_question_says_so_and_labels_the_closest_passages(seeded) -> None:  # noqa: ANN001
    at = ask(start(), OFF_TOPIC)
    shown = texts(at)
    assert "The library has no article that answers this well." in shown
    closest = shown.index("Closest we have")
    assert closest < shown.index(next(t for t in shown if t.startswith("**")))
    assert cards(at)
    assert "What the articles say" not in shown


def test_crisis_question_pins_the_help_panel_above_the_results(seeded) -> None:  # noqa: ANN001
    at = ask(start(), CRISIS)
    assert len(at.error) == 1
    panel = unescape(at.error[0].value)
    for needle in ("You deserve to be safe", "911", "988", "1-800-799-7233", "findahelpline"):
        assert needle in panel
    nodes = list(at.main)
    panel_at = next(i for i, n in enumerate(nodes) if getattr(n, "key", None) == "help-panel")
    first_card = next(i for i, n in enumerate(nodes) if getattr(n, "key", None) == "result-1")
    assert panel_at < first_card
    assert len(cards(at)) == 5  # the results stay visible below the panel
    # Safety first: the passages are not presented as the answer, and the page says why.
    assert [h.value for h in at.subheader] == ["Further reading"]
    assert any("Safety first" in n.value for n in at.info)
    assert "What the articles say" not in " ".join(texts(at))


def test_ordinary_question_shows_no_help_panel(seeded) -> None:  # noqa: ANN001
    at = ask(start(), ON_TOPIC)
    assert not at.error


def test_every_answer_ends_with_a_quiet_line_of_help(seeded) -> None:  # noqa: ANN001
    """The rules miss danger told in words they have not seen (eval/README.md, fresh6): the
    line under every other answer says where help is; a crisis answer has the panel instead."""
    for question in (ON_TOPIC, OFF_TOPIC):
        at = ask(start(), question)
        nodes = list(at.main)
        line_at = next(i for i, n in enumerate(nodes) if getattr(n, "key", None) == "safety-line")
        last_card = max(
            i for i, n in enumerate(nodes) if str(getattr(n, "key", "")).startswith("result-")
        )
        assert line_at > last_card
        line = unescape(" ".join(c.value for c in at.caption))
        for needle in ("afraid of your partner", "988", "1-800-799-7233", "findahelpline"):
            assert needle in line
    at = ask(start(), CRISIS)
    assert not any(getattr(n, "key", None) == "safety-line" for n in at.main)


def test_danger_no_rule_names_pins_the_help_panel_too(seeded) -> None:  # noqa: ANN001
    """danger.py reads danger the rules do not name: the same panel, and no line below."""
    at = ask(start(), "she keeps saying the kids would be safer if something happened to me")
    assert len(at.error) == 1 and "988" in unescape(at.error[0].value)
    assert any("what may be a dangerous situation" in n.value for n in at.info)
    assert not any(getattr(n, "key", None) == "safety-line" for n in at.main)


def test_url_with_a_question_runs_that_search(seeded) -> None:  # noqa: ANN001
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["q"] = ON_TOPIC
    at.run()
    assert not at.exception
    assert at.text_input(key="question").value == ON_TOPIC
    assert len(cards(at)) == 5


FOLLOW_UP = "and if he still says no after all that?"
NEW_QUESTION = "Is it normal to feel nervous before a first couples therapy session?"


def shows(at: AppTest, result) -> bool:  # noqa: ANN001
    """Whether the cards show ``result``'s passages, in its order, as the page renders them."""
    shown = [[getattr(n, "value", None) for n in card] for card in cards(at)]
    wanted = [page.passage_markdown(h.passage, h.highlight) for h in result.hits]
    return len(shown) == len(wanted) and all(w in s for w, s in zip(wanted, shown, strict=True))


def test_a_second_question_is_offered_as_a_follow_up_of_the_first(seeded, searcher) -> None:  # noqa: ANN001
    at = ask(start(), ON_TOPIC)
    assert not at.checkbox  # nothing to follow yet
    at = ask(at, FOLLOW_UP)
    box = at.checkbox[0]
    assert box.value is True  # it reads as a follow-up: ticked at first
    assert box.label == page.plain(messages.follow_up_line(ON_TOPIC))
    assert at.query_params["after"] == ON_TOPIC
    threaded = searcher.search(FOLLOW_UP, k=5, after=ON_TOPIC)
    alone = searcher.search(FOLLOW_UP, k=5)
    assert [h.passage.text for h in threaded.hits] != [h.passage.text for h in alone.hits]
    assert shows(at, threaded)

    box.uncheck().run()  # the asker says it is a new question
    assert not at.exception and at.checkbox[0].value is False
    assert "after" not in at.query_params
    assert shows(at, alone)

    at = ask(at, NEW_QUESTION)  # a new question: offered, but not ticked
    assert at.checkbox[0].value is False
    assert at.checkbox[0].label == page.plain(messages.follow_up_line(FOLLOW_UP))


def test_a_follow_up_read_after_a_follow_up_follows_the_whole_thread(seeded) -> None:  # noqa: ANN001
    at = ask(ask(start(), ON_TOPIC), FOLLOW_UP)
    at = ask(at, "ok but what do i actually say to him")
    assert at.checkbox[0].value is True
    assert at.query_params["after"] == f"{ON_TOPIC} {FOLLOW_UP}"


def test_a_shared_follow_up_url_runs_the_same_search(seeded, searcher) -> None:  # noqa: ANN001
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["q"] = FOLLOW_UP
    at.query_params["after"] = ON_TOPIC
    at.run()
    assert not at.exception
    assert at.checkbox[0].value is True
    expected = searcher.search(FOLLOW_UP, k=5, after=ON_TOPIC)
    assert shows(at, expected)


def test_first_visit_offers_examples_that_search_when_clicked(seeded) -> None:  # noqa: ANN001
    at = start()
    assert not cards(at)
    assert "Type a question above, or start with one of these:" in texts(at)
    labels = [b.label for b in at.button]
    assert all(q in labels for q in page.EXAMPLE_QUESTIONS)
    at.button(key="example-0").click().run()
    assert not at.exception
    assert at.text_input(key="question").value == page.EXAMPLE_QUESTIONS[0]
    assert at.query_params["q"] == page.EXAMPLE_QUESTIONS[0]
    assert cards(at)


@pytest.mark.parametrize("question", ["", "   \n\t  "])
def test_empty_question_runs_no_search_and_gives_a_hint(seeded, question: str) -> None:  # noqa: ANN001
    at = ask(start(), question)
    assert not cards(at)
    assert not at.warning and not at.error
    assert "Type a question above, or start with one of these:" in texts(at)
    assert "q" not in at.query_params


def test_question_without_words_gets_a_calm_warning(seeded) -> None:  # noqa: ANN001
    at = ask(start(), "?!?! ...")
    assert len(at.warning) == 1
    assert "Type a question in words" in at.warning[0].value
    assert not cards(at)


NASTY = [
    "why " * 25_000,  # 100,000 characters
    "my partner\x00\x07\x1b[31m won't\u200b go\ufeff to therapy\x7f",
    "😭😭 my wife won't go to counselling 💔🙏",
    "زوجي يرفض العلاج الزوجي \u202e my partner refuses \u202c",
    "<script>alert(1)</script> '; DROP TABLE articles; -- [x](javascript:alert(1))",
    "{{7*7}} ${jndi:ldap://x} %s%n :red[x] $$x$$",
]


@pytest.mark.parametrize(
    "question", NASTY, ids=["long", "control", "emoji", "rtl", "html-sql", "templates"]
)
def test_any_typed_input_gets_a_page_not_a_traceback(seeded, question: str) -> None:  # noqa: ANN001
    at = ask(start(), question)
    assert not at.exception
    assert not at.error  # neither the crash message nor a false crisis panel
    assert cards(at) or at.warning


def test_long_question_is_cut_with_a_notice(seeded) -> None:  # noqa: ANN001
    at = ask(start(), "my partner will not go to therapy " * 3000)
    assert len(at.info) == 1
    assert "only its first" in at.info[0].value
    assert cards(at)


# ---------------------------------------------------------------- sidebar


def test_filters_restrict_results_to_the_chosen_author(seeded, searcher) -> None:  # noqa: ANN001
    at = start()
    authors = page.filter_options(searcher.index.catalogue)[1]
    author = authors[0]
    at.sidebar.multiselect[1].select(author).run()
    at.sidebar.slider[0].set_value(3).run()
    ask(at, ON_TOPIC)
    found = cards(at)
    assert 1 <= len(found) <= 3
    for card in found:
        assert author in card_texts(card)[1]


def test_filters_that_match_nothing_say_so(use_index, hostile_library, searcher) -> None:  # noqa: ANN001
    use_index(*hostile_library)
    at = start()
    at.sidebar.multiselect[2].select("Test Harbour").run()  # the hostile article's site
    at.sidebar.multiselect[1].select(page.filter_options(searcher.index.catalogue)[1][0]).run()
    ask(at, ON_TOPIC)
    assert not cards(at)
    assert "No passages match these filters" in at.info[0].value


def test_library_panel_shows_counts_build_time_and_model(seeded, searcher) -> None:  # noqa: ANN001
    at = start()
    facts = page.library_facts(searcher.index.manifest)
    shown = [unescape(n.value) for n in at.sidebar if isinstance(getattr(n, "value", None), str)]
    assert f"{facts.articles} articles, {facts.passages} passages" in shown
    assert f"Index built {facts.built} with {facts.model}" in shown
    assert not at.sidebar.warning


def test_changed_corpus_warns_with_the_command_to_run(
    use_index,
    seed_corpus: Path,
    seed_index: Path,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(seed_corpus, corpus)
    (corpus / "new-article.md").write_text("# A new article\n\nSomething new to read here.\n")
    use_index(corpus, seed_index)
    at = start()
    assert len(at.sidebar.warning) == 1
    warning = at.sidebar.warning[0].value
    assert "1 new" in warning and f"`{messages.REBUILD}`" in warning


# ---------------------------------------------------------------- failure and hostile text


def test_missing_index_shows_how_to_build_it(use_index, seed_corpus: Path, tmp_path: Path) -> None:  # noqa: ANN001
    use_index(seed_corpus, tmp_path / "no-index-here")
    at = start()
    assert not at.exception
    assert "The library is not ready yet" in at.error[0].value
    assert [c.value for c in at.code] == [messages.REBUILD]
    assert "advice-search ingest" in " ".join(texts(at))
    assert not at.text_input  # no question box over an index that is not there


def test_damaged_index_shows_how_to_rebuild_it(
    use_index, seed_corpus: Path, seed_index: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    build = next((index / "builds").iterdir())
    (build / "passages.jsonl").write_text("damaged\n")
    use_index(seed_corpus, index)
    at = start()
    assert not at.exception
    assert "advice-search ingest" in unescape(at.error[0].value)
    assert [c.value for c in at.code] == [messages.REBUILD]


def test_hostile_article_text_is_shown_as_plain_text(use_index, hostile_library) -> None:  # noqa: ANN001
    use_index(*hostile_library)
    at = ask(start(), LIGHTHOUSE)
    hostile_cards = [c for c in cards(at) if "Lighthouse Keeper" in card_texts(c)[0]]
    assert len(hostile_cards) == 2  # both passages of the article
    markdown = [
        n.value for c in hostile_cards for n in c if isinstance(getattr(n, "value", None), str)
    ]
    raw = "\n".join(markdown)
    # What the parser receives: no live tag, link, image, emphasis or Streamlit directive.
    for live in (r"<(?:script|b|img|i)\b", r"\]\(", r"!\[", r"\*\*stars", r":red", r"\$x"):
        assert not re.search(r"(?<!\\)" + live, raw), live
    # What a reader sees: the article's characters, literally.
    shown = unescape(raw)
    for literal in (*HOSTILE_LITERALS, "Hostile <i>Tester</i> · Test Harbour · 2024-01-01"):
        assert literal in shown, literal
    assert not at.link_button  # its url is javascript:, which is never linked


def test_article_with_a_web_address_links_to_its_source(use_index, tmp_path: Path) -> None:  # noqa: ANN001
    from advice_search.builder import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "linked.md").write_text(
        '---\ntitle: "Talking about therapy"\nurl: "https://example.org/therapy-talk"\n---\n\n'
        "When your partner will not go to couples therapy, start by listening to their fears "
        "about it. Ask what worries them, and say what you hope therapy could change.\n"
    )
    ingest(corpus, tmp_path / "index")
    use_index(corpus, tmp_path / "index")
    at = ask(start(), "my partner will not go to couples therapy")
    assert len(cards(at)) == 1
    assert [(b.label, b.proto.url) for b in at.link_button] == [
        ("Read the original article", "https://example.org/therapy-talk")
    ]
