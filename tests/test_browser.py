"""The page in a real browser: `streamlit run` in a subprocess, driven by headless Chromium.

Screenshots go to tests/output/screenshots/ (git-ignored); look at them after a change.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from advice_search import page
from tests.test_app import (
    CRISIS,
    HOSTILE_LITERALS,
    LIGHTHOUSE,
    OFF_TOPIC,
    ON_TOPIC,
    build_hostile_library,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
STARTUP_SECONDS = 60
WAIT_MS = 30_000
WORD_JOINER = "\u2060"
CARD = "[class*='st-key-result-']"  # st.container(key="result-<rank>")
HELP_PANEL = ".st-key-help-panel"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"streamlit did not answer within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(seed_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser")
    corpus, index = build_hostile_library(seed_corpus, root)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        ADVICE_SEARCH_CORPUS=str(corpus),
        ADVICE_SEARCH_INDEX=str(index),
        HF_HUB_OFFLINE="1",
    )
    log = root / "streamlit.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_until_healthy(url, process, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1200})
    # Any alert() that article text managed to run is recorded here.
    context.add_init_script("window.__alerts = []; window.alert = m => window.__alerts.push(m);")
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def open_page(tab: Page, server: str, question: str | None = None) -> None:
    tab.goto(server + (f"/?q={quote(question)}" if question else "/"))
    expect(tab.get_by_role("heading", name="Advice search")).to_be_visible(timeout=WAIT_MS)


def search(tab: Page, question: str) -> None:
    box = tab.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")


def shot(tab: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(path))
    return path


def visible_text(tab: Page) -> str:
    return tab.locator("[data-testid='stMain']").inner_text().replace(WORD_JOINER, "")


def test_a_search_shows_cards_with_attribution_highlight_and_read_more(
    tab: Page, server: str
) -> None:
    open_page(tab, server)
    expect(tab.get_by_text("not therapy or medical advice")).to_be_visible()
    expect(tab.get_by_role("button", name="Should I go to therapy on my own?")).to_be_visible()
    shot(tab, "first-visit")
    search(tab, ON_TOPIC)
    cards = tab.locator(CARD)
    expect(cards).to_have_count(5, timeout=WAIT_MS)
    first = cards.first
    expect(cards.get_by_text("Section:").first).to_be_visible()
    expect(first.locator("[data-testid='stCaptionContainer']").first).to_contain_text("match ")
    highlight = cards.locator(".stMarkdownColoredBackground")
    expect(highlight.first).to_be_visible()
    assert highlight.first.inner_text().strip()
    assert parse_qs(urlsplit(tab.url).query)["q"] == [ON_TOPIC]  # the search can be shared
    tab.mouse.move(0, 0)
    shot(tab, "search")

    first.get_by_text("Read more").click()
    expect(first.get_by_text("Before", exact=True)).to_be_visible()
    expect(first.get_by_text("After", exact=True)).to_be_visible()
    first.get_by_role("tab", name="Whole article").click()
    marked = first.locator(".st-key-matched-1")
    expect(marked).to_be_visible()
    expect(marked).to_contain_text("The passage that matched")
    marked.scroll_into_view_if_needed()
    shot(tab, "read-more")


def test_a_shared_link_runs_its_search(tab: Page, server: str) -> None:
    open_page(tab, server, ON_TOPIC)
    expect(tab.locator(CARD)).to_have_count(5, timeout=WAIT_MS)
    expect(tab.get_by_label("Your question")).to_have_value(ON_TOPIC)


def test_off_topic_question_is_answered_calmly_with_the_closest_passages(
    tab: Page, server: str
) -> None:
    open_page(tab, server)
    search(tab, OFF_TOPIC)
    expect(tab.get_by_text("The library has no article that answers this well.")).to_be_visible(
        timeout=WAIT_MS
    )
    expect(tab.get_by_role("heading", name="Closest we have")).to_be_visible()
    expect(tab.locator(CARD)).to_have_count(5, timeout=WAIT_MS)
    expect(tab.get_by_role("button", name=page.EXAMPLE_QUESTIONS[0])).to_have_count(0)
    heading = tab.get_by_role("heading", name="Closest we have").bounding_box()
    assert heading["y"] < tab.locator(CARD).first.bounding_box()["y"]
    shot(tab, "no-good-answer")


def test_crisis_question_shows_the_help_panel_above_the_results(tab: Page, server: str) -> None:
    open_page(tab, server)
    search(tab, CRISIS)
    panel = tab.locator(HELP_PANEL)
    expect(panel).to_be_visible(timeout=WAIT_MS)
    for needle in ("You deserve to be safe", "988", "1-800-799-7233", "911"):
        expect(panel).to_contain_text(needle)
    cards = tab.locator(CARD)
    expect(cards).to_have_count(5)
    assert panel.bounding_box()["y"] < cards.first.bounding_box()["y"]
    shot(tab, "crisis")


def test_hostile_article_text_stays_literal_text(tab: Page, server: str) -> None:
    open_page(tab, server, LIGHTHOUSE)
    cards = tab.locator(CARD).filter(has_text="Lighthouse Keeper")
    expect(cards).to_have_count(2, timeout=WAIT_MS)
    card = cards.first
    card.get_by_text("Read more").click()
    card.get_by_role("tab", name="Whole article").click()
    expect(card.locator("[class*='st-key-matched-']")).to_be_visible()

    text = visible_text(tab)
    for literal in HOSTILE_LITERALS:
        assert literal in text, literal
    # Nothing in the article became markup.
    main = tab.locator("[data-testid='stMain']")
    assert main.locator("script").count() == 0
    assert main.locator("img").count() == 0
    assert main.locator("[onerror]").count() == 0
    assert main.locator("a[href*='evil'], a[href^='javascript']").count() == 0
    assert main.locator("b", has_text="bold").count() == 0
    assert main.locator("i", has_text="Tester").count() == 0
    assert main.locator("strong", has_text="stars").count() == 0
    assert main.locator(".katex, .stMarkdownColoredText").count() == 0
    assert "😄" not in text
    assert tab.evaluate("window.__alerts") == []
    shot(tab, "hostile")

    # The title is plain text in the sidebar's article filter too.
    tab.get_by_role("combobox", name="Articles").click()
    title = "The Lighthouse Keeper <b>Who Would Not</b> [click](http://evil.example)"
    expect(tab.get_by_role("option", name=title)).to_be_visible()
    assert tab.locator("b", has_text="Who Would Not").count() == 0
    assert tab.locator("a[href*='evil']").count() == 0
