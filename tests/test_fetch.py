"""Fetching one page from a local server: redirects, robots.txt, limits, clear errors."""

from __future__ import annotations

import functools
import gzip
import time
from collections.abc import Iterator

import pytest

from advice_search.fetch import FetchError, FetchSettings, check_web_address, fetch_page
from tests.web_server import Route, Site, endless, serve, slow, trickle

PAGE = "<!doctype html><html><body><article><p>Hello.</p></article></body></html>"
QUICK = FetchSettings(connect_timeout=2, read_timeout=0.5, total_timeout=1.5, max_bytes=200_000)


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def test_page_is_fetched_with_its_type_and_charset(site: Site) -> None:
    url = site.page("/a", PAGE, **{"Content-Type": "text/html; charset=ISO-8859-1"})
    fetched = fetch_page(url)
    assert (fetched.url, fetched.body, fetched.media_type, fetched.charset) == (
        url, PAGE.encode(), "text/html", "iso-8859-1",
    )  # fmt: skip


def test_redirects_are_followed_and_the_final_address_kept(site: Site) -> None:
    site.page("/final", PAGE)
    site.redirect("/b", "/final", status=301)
    start = site.redirect("/a", site.url("/b"))
    fetched = fetch_page(start)
    assert fetched.url == site.url("/final")
    assert fetched.redirects == (site.url("/b"), site.url("/final"))


def test_robots_txt_is_asked_once_per_site(site: Site) -> None:
    site.page("/final", PAGE)
    fetch_page(site.redirect("/a", "/final"))
    assert site.requests == ["/robots.txt", "/a", "/final"]


def test_robots_txt_rules_for_everyone_and_for_us_are_respected(site: Site) -> None:
    site.routes["/robots.txt"] = Route(
        200,
        b"User-agent: *\nDisallow: /private/\n\nUser-agent: advice-search\nDisallow: /nobots/\n",
        {"Content-Type": "text/plain"},
    )
    site.page("/nobots/a", PAGE)
    site.page("/open/a", PAGE)
    assert fetch_page(site.url("/open/a")).body == PAGE.encode()
    with pytest.raises(FetchError, match=r"robots.txt does not allow programs to fetch /nobots/a"):
        fetch_page(site.url("/nobots/a"))
    # A redirect into a forbidden place is checked too.
    with pytest.raises(FetchError, match="robots.txt"):
        fetch_page(site.redirect("/open/jump", "/nobots/a"))
    assert "/nobots/a" not in site.requests


def test_robots_txt_that_fails_forbids_for_now(site: Site) -> None:
    site.routes["/robots.txt"] = Route(503, b"", {"Content-Type": "text/plain"})
    with pytest.raises(FetchError, match=r"cannot be read \(HTTP 503\); try again later"):
        fetch_page(site.page("/a", PAGE))


def test_robots_check_can_be_turned_off(site: Site) -> None:
    site.routes["/robots.txt"] = Route(200, b"User-agent: *\nDisallow: /\n", {})
    assert fetch_page(site.page("/a", PAGE), FetchSettings(robots=False)).body


def test_gzip_body_is_decompressed_within_the_size_limit(site: Site) -> None:
    site.routes["/z"] = Route(
        200, gzip.compress(PAGE.encode()), {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    )
    assert fetch_page(site.url("/z")).body == PAGE.encode()
    bomb = gzip.compress(b"<p>" + b"a" * 5_000_000)
    site.routes["/bomb"] = Route(
        200, bomb, {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchError, match="larger than 0.2 MB"):
        fetch_page(site.url("/bomb"), QUICK)


def test_page_without_declared_type_is_accepted_when_it_is_html(site: Site) -> None:
    site.routes["/n"] = Route(200, PAGE.encode(), {})
    assert fetch_page(site.url("/n")).media_type == "text/plain"  # as declared: nothing
    site.routes["/t"] = Route(200, b"just words", {})
    with pytest.raises(FetchError, match="not a web page"):
        fetch_page(site.url("/t"))


def test_non_html_body_is_not_downloaded(site: Site) -> None:
    site.routes["/doc.pdf"] = Route(
        200, b"%PDF-1.7" + b"x" * 100_000, {"Content-Type": "application/pdf"}
    )
    with pytest.raises(
        FetchError, match=r"not a web page \(the server says it is application/pdf\)"
    ):
        fetch_page(site.url("/doc.pdf"))


def test_huge_body_is_cut_off_while_streaming(site: Site) -> None:
    site.routes["/big"] = Route(write=functools.partial(endless, megabytes=50))
    started = time.monotonic()
    with pytest.raises(FetchError, match="larger than 0.2 MB"):
        fetch_page(site.url("/big"), QUICK)
    assert time.monotonic() - started < 10  # far from reading 50 MB: stopped at the limit


def test_slow_server_times_out(site: Site) -> None:
    site.routes["/slow"] = Route(write=functools.partial(slow, seconds=3))
    with pytest.raises(FetchError, match=r"did not answer within 0.5 s"):
        fetch_page(site.url("/slow"), QUICK)


def test_trickling_server_hits_the_overall_deadline(site: Site) -> None:
    site.routes["/drip"] = Route(write=functools.partial(trickle, seconds=4))
    with pytest.raises(FetchError, match=r"too slow \(the page took more than 1.5 s\)"):
        fetch_page(site.url("/drip"), QUICK)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, r"page not found \(HTTP 404 Not Found\); check the address"),
        (410, r"page not found \(HTTP 410 Gone\)"),
        (
            403,
            r"refuses to give this page to a program \(HTTP 403 Forbidden\); open it in a browser",
        ),
        (429, r"asks to slow down"),
        (500, r"failed to send the page \(HTTP 500 Internal Server Error\); try again later"),
        (204, r"answered HTTP 204 No Content instead of a page"),
    ],
)
def test_http_errors_have_one_clear_line(site: Site, status: int, message: str) -> None:
    site.routes["/x"] = Route(status, b"<html>err</html>")
    with pytest.raises(FetchError, match=message) as caught:
        fetch_page(site.url("/x"))
    assert "\n" not in str(caught.value)


def test_redirect_loop_and_too_many_redirects(site: Site) -> None:
    site.redirect("/a", "/b")
    site.redirect("/b", "/a")
    with pytest.raises(FetchError, match="redirect loop"):
        fetch_page(site.url("/a"))
    for i in range(10):
        site.redirect(f"/r{i}", f"/r{i + 1}")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch_page(site.url("/r0"))


@pytest.mark.parametrize(
    ("location", "scheme"),
    [("file:///etc/passwd", "file"), ("javascript:alert(1)", "javascript"), ("ftp://x/y", "ftp")],
)
def test_redirect_to_another_kind_of_address_is_never_followed(
    site: Site, location: str, scheme: str
) -> None:
    with pytest.raises(
        FetchError, match=f"redirects to a {scheme}: address, which is never followed"
    ):
        fetch_page(site.redirect("/a", location))


def test_redirect_without_a_target(site: Site) -> None:
    site.routes["/a"] = Route(302, b"", {})
    with pytest.raises(FetchError, match="redirect without a target"):
        fetch_page(site.url("/a"))


def test_closed_port_is_a_refused_connection() -> None:
    with serve() as gone:
        url = gone.url("/a")
    with pytest.raises(FetchError, match="refused the connection"):
        fetch_page(url, QUICK)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "give the file's path instead"),
        ("javascript:alert(1)", "not javascript: addresses"),
        ("ftp://example.org/a.html", "not ftp: addresses"),
        ("http://", "not a web address"),
        ("http://exa mple.org/", "not a web address"),
    ],
)
def test_only_http_addresses_are_fetched(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        check_web_address(url)


def test_addresses_with_spaces_and_other_scripts_are_quoted() -> None:
    assert check_web_address("https://bücher.example/a b?q=ü#frag") == (
        "https://xn--bcher-kva.example/a%20b?q=%C3%BC"
    )
