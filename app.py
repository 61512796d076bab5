"""The page people use: a question box over the library. Run with `make run`.

Thin on purpose: it reads the input, asks the package, and renders. Retrieval lives in
``advice_search.search``; what to show, and how to show article text safely, lives in
``advice_search.page``. Every piece of article text goes through ``page`` escaping, and no
call here allows raw HTML.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import streamlit as st

from advice_search import messages, page, paths
from advice_search.index import current_build
from advice_search.query import Thread, looks_like_follow_up
from advice_search.records import Hit
from advice_search.search import Filters, QueryError, Searcher, SearchResult
from advice_search.staleness import CorpusStatus
from advice_search.store import IndexUnavailable

log = logging.getLogger("advice_search.app")

TITLE = "Advice search"
SUBTITLE = "Ask in your own words, and read what therapists have written about it."
NOTICE = (
    "This is a library of articles, not therapy or medical advice. If you are in danger, "
    "call your local emergency number (911 in the US)."
)
NO_GOOD_ANSWER = "The library has no article that answers this well."
CLOSEST = "Closest we have"
FURTHER_READING = "Further reading"


@st.cache_resource(max_entries=2, show_spinner="Opening the library…")
def load_searcher(index_dir: str, build: str) -> Searcher:
    """One Searcher per index build: a new ingest is picked up without a restart."""
    return Searcher.open(Path(index_dir))


@st.cache_data(ttl=60, show_spinner=False)
def corpus_status(index_dir: str, build: str, corpus_dir: str) -> CorpusStatus:
    """Hashing the corpus costs a read of every file: once a minute is enough."""
    return load_searcher(index_dir, build).corpus_status(Path(corpus_dir))


def main() -> None:
    st.set_page_config(page_title=TITLE, layout="centered")
    st.title(TITLE)
    st.markdown(SUBTITLE)
    st.caption(NOTICE)

    index_dir = paths.index_dir()
    build = current_build(index_dir)
    try:
        searcher = load_searcher(str(index_dir), build)
    except IndexUnavailable as error:
        show_unavailable(str(error))
        return
    except Exception as error:  # a damaged install must not show a traceback to a visitor
        log.exception("loading the index failed")
        show_unavailable(f"The index could not be loaded ({type(error).__name__}).")
        return

    filters, k = sidebar(searcher, str(index_dir), build)
    question = question_box()
    if not question.strip():
        first_visit()
        return
    after = follow_up(question)
    wanted = page.params_for(question, after)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    try:
        result = searcher.search(question, k=k, filters=filters, after=after)
    except QueryError as error:
        st.warning(str(error))
        return
    except Exception:
        log.exception("search failed for a question of %d characters", len(question))
        st.error("Something went wrong while searching. Please try again in a moment.")
        return
    show_result(result, searcher, filtered=bool(filters))


def show_unavailable(message: str) -> None:
    st.error(
        "The library is not ready yet: its search index is missing or cannot be used.\n\n"
        + page.plain(message)
    )
    st.markdown("To build it, run this in the project folder, then reload the page:")
    st.code(messages.REBUILD, language="bash")
    st.caption("(`make ingest` does the same with the project's own virtualenv.)")


def sidebar(searcher: Searcher, index_dir: str, build: str) -> tuple[Filters, int]:
    index = searcher.index
    catalogue = index.catalogue
    articles, authors, sites = page.filter_options(catalogue)
    with st.sidebar:
        st.header("Filters")
        chosen_articles = st.multiselect(
            "Articles",
            articles,
            format_func=lambda a: catalogue.titles[catalogue.row_of[a]],
            placeholder="All articles",
        )
        chosen_authors = st.multiselect("Authors", authors, placeholder="All authors")
        chosen_sites = st.multiselect("Sites", sites, placeholder="All sites")
        k = st.slider("Number of results", min_value=1, max_value=10, value=5)

        st.header("Library")
        facts = page.library_facts(index.manifest)
        st.markdown(f"{facts.articles} articles, {facts.passages} passages")
        if facts.built or facts.model:
            built = f"Index built {facts.built}" if facts.built else "Index built"
            model = f" with {page.plain(facts.model)}" if facts.model else ""
            st.caption(built + model)
        status = corpus_status(index_dir, build, str(paths.corpus_dir()))
        if status.stale:
            st.warning(messages.stale_warning(status))  # counts only: no article text
    filters = Filters(
        articles=frozenset(chosen_articles),
        authors=frozenset(chosen_authors),
        sites=frozenset(chosen_sites),
    )
    return filters, k


def question_box() -> str:
    """The question: typed, clicked from the examples, or carried in by the URL (?q=...)."""
    if "question" not in st.session_state:
        params = st.query_params.to_dict()
        question = page.question_from_params(params)
        after = page.question_from_params(params, "after")  # a shared follow-up's thread
        st.session_state["question"] = question
        st.session_state["thread"] = Thread(question, after or None, followed=bool(after))
    with st.form("ask", border=False):
        st.text_input(
            "Your question",
            key="question",
            placeholder="For example: my partner won't go to couples therapy",
        )
        st.form_submit_button("Search")
    question: str = st.session_state["question"]
    if not question.strip() and st.query_params.to_dict():
        st.query_params.clear()
    return question


def follow_up(question: str) -> str | None:
    """What the question is read after: the earlier questions, when the asker ticks it.

    Offered from the second question on; ticked at first when the question reads as a
    follow-up ("and if he still says no?"). The asker decides, as a new question read after
    the old ones matches worse (advice_search/query.py).
    """
    thread = st.session_state.get("thread", Thread()).ask(question)
    if thread.offered:
        seen = hashlib.sha256(f"{thread.offered}\0{question}".encode()).hexdigest()[:16]
        followed = st.checkbox(
            page.plain(messages.follow_up_line(thread.offered)),
            value=thread.followed or looks_like_follow_up(question),
            key=f"follow-{seen}",
            help="Ticked, your question is searched together with the earlier ones, so a "
            "short follow-up keeps its topic. Untick it for a new question.",
        )
        thread = thread.follow(followed)
    st.session_state["thread"] = thread
    return thread.after


def use_example(question: str) -> None:
    st.session_state["question"] = question


def first_visit() -> None:
    st.markdown("Type a question above, or start with one of these:")
    for i, example in enumerate(page.EXAMPLE_QUESTIONS):
        st.button(example, key=f"example-{i}", on_click=use_example, args=(example,))


def show_result(result: SearchResult, searcher: Searcher, *, filtered: bool) -> None:
    if result.crisis:
        with st.container(key="help-panel"):
            st.error(page.help_markdown())
    for notice in result.notices:
        st.info(notice)
    if not result.hits:
        st.info(
            "No passages match these filters. Try removing one in the sidebar."
            if filtered
            else "The library has no passages to show for this question."
        )
        return
    if result.safety_first:
        st.subheader(FURTHER_READING)
        st.caption("Passages from the library, for reading: not advice for a situation like yours.")
    elif result.confident:
        st.subheader("What the articles say")
    else:
        st.markdown(NO_GOOD_ANSWER)
        st.subheader(CLOSEST)
        st.caption("These passages are the nearest we found, but they may not fit your question.")
    for hit in result.hits:
        show_card(hit, searcher)
    if not result.crisis:  # the help panel above says it already
        with st.container(key="safety-line"):
            st.caption(page.safety_line_markdown())


def show_card(hit: Hit, searcher: Searcher) -> None:
    article, passage = hit.article, hit.passage
    with st.container(border=True, key=f"result-{hit.rank}"):
        st.markdown(f"**{page.plain(article.title)}**")
        details = [page.plain(messages.attribution(article)), page.score_label(hit.score)]
        st.caption(" · ".join(d for d in details if d))
        if passage.section:
            st.caption(f"Section: {page.plain(passage.section)}")
        st.markdown(page.passage_markdown(passage, hit.highlight))
        url = page.safe_url(article.url)
        if url:
            st.link_button("Read the original article", url)
        with st.expander("Read more"):
            around, whole = st.tabs(["Before and after", "Whole article"])
            with around:
                before, after = searcher.index.neighbours(passage)
                st.caption("Before")
                st.markdown(
                    page.passage_markdown(before)
                    if before
                    else "*This is the start of the article.*"
                )
                st.caption("After")
                st.markdown(
                    page.passage_markdown(after) if after else "*This is the end of the article.*"
                )
            with whole:
                view = page.whole_article(hit, searcher.index.by_article(article.article_id))
                if view.before:
                    st.markdown(view.before)
                if view.matched:
                    with st.container(border=True, key=f"matched-{hit.rank}"):
                        st.caption("The passage that matched")
                        st.markdown(view.matched)
                if view.after:
                    st.markdown(view.after)


main()
