"""A careful HTTP GET for one web page: only http(s), bounded in time and size, polite.

- timeouts for connecting and for each read, and one deadline for the whole fetch, so a
  server that trickles bytes cannot hold the command forever;
- the body is streamed and cut at ``max_bytes`` (a 50 MB "page" is never held in memory);
- redirects are followed one by one, at most ``max_redirects``, each target checked again
  (http/https only: never ``file:`` or ``javascript:``; no loops; robots.txt);
- the site's robots.txt is respected for our user agent (RFC 9309: a missing robots.txt
  allows everything, one the server fails to give forbids everything for now);
- only web pages (``text/html``, ``application/xhtml+xml``) are accepted.

Errors are ``FetchError`` with one line a person can act on.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from email.message import Message
from urllib.parse import quote, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from . import __version__

AGENT = "advice-search"
USER_AGENT = f"{AGENT}/{__version__} (personal library of advice articles)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
SAVE_INSTEAD = "open it in a browser, save the page (.html) and add that file"


class FetchError(Exception):
    """The page could not be fetched; the message says why and what to do next."""


@dataclass(frozen=True)
class FetchSettings:
    connect_timeout: float = 10.0
    read_timeout: float = 15.0  # silence allowed between two pieces of the answer
    total_timeout: float = 45.0  # for everything, robots.txt and redirects included
    max_bytes: int = 5_000_000  # as for a corpus file: an article page is far smaller
    max_redirects: int = 5
    robots: bool = True


@dataclass(frozen=True)
class Fetched:
    url: str  # where the page was finally found, after redirects
    body: bytes
    media_type: str
    charset: str | None
    redirects: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Response:
    status: int
    reason: str
    headers: Message
    body: bytes


def check_web_address(url: str) -> str:
    """``url`` made safe to request (spaces and non-ASCII quoted), or FetchError why not."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise FetchError(f"not a web address: {url!r}") from None
    scheme = parts.scheme.lower()
    if scheme == "file":
        raise FetchError("file: addresses are not fetched; give the file's path instead")
    if scheme not in ("http", "https"):
        what = f"{scheme}: addresses" if scheme else "addresses without http:// or https://"
        raise FetchError(f"only http:// and https:// pages can be added, not {what}")
    if not re.fullmatch(r"[\w.-]+|[0-9a-fA-F:.]+", parts.hostname or "") or any(
        ord(ch) < 32 for ch in url
    ):
        raise FetchError(f"not a web address: {url!r}")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError):
        raise FetchError(f"not a web address (bad host or port): {url!r}") from None
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port else ""
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=~?")
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def fetch_page(url: str, settings: FetchSettings | None = None) -> Fetched:
    """GET one web page, following redirects; FetchError for anything that is not one."""
    settings = settings or FetchSettings()
    deadline = time.monotonic() + settings.total_timeout
    current = check_web_address(url)
    seen = [current]
    robots: dict[str, RobotFileParser] = {}
    for _ in range(settings.max_redirects + 1):
        if settings.robots:
            _check_robots(current, robots, settings, deadline)
        response = _get(current, settings, deadline, max_bytes=settings.max_bytes, page=True)
        if response.status in (301, 302, 303, 307, 308):
            current = _redirect_target(current, response, seen)
            seen.append(current)
            continue
        _check_status(response)
        media_type = response.headers.get_content_type()
        return Fetched(
            url=current,
            body=response.body,
            media_type=media_type,
            charset=response.headers.get_content_charset(),
            redirects=tuple(seen[1:]),
        )
    raise FetchError(
        f"more than {settings.max_redirects} redirects (last: {current}); open the address "
        "in a browser to find the article's own address"
    )


def _redirect_target(current: str, response: _Response, seen: list[str]) -> str:
    location = response.headers.get("Location")
    if not location:
        raise FetchError(f"HTTP {response.status} redirect without a target at {current}")
    target = urljoin(current, location.strip())
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(
            f"{current} redirects to a {scheme or 'relative'}: address, which is never "
            "followed; only http(s) pages can be added"
        )
    target = check_web_address(target)
    if target in seen:
        raise FetchError(
            f"redirect loop: {current} leads back to {target}; open the address in a browser "
            "to find the article's own address"
        )
    return target


def _check_status(response: _Response) -> None:
    status, reason = response.status, response.reason
    if status == 200:
        if response.headers.get("Content-Type") is None and _looks_like_html(response.body):
            return
        if response.headers.get_content_type() not in HTML_TYPES:
            raise FetchError(_not_html(response.headers))
        return
    code = f"HTTP {status}{' ' + reason if reason else ''}"
    if status in (404, 410):
        raise FetchError(f"page not found ({code}); check the address")
    if status in (401, 403, 451):
        raise FetchError(
            f"the site refuses to give this page to a program ({code}); {SAVE_INSTEAD}"
        )
    if status == 429:
        raise FetchError(f"the site asks to slow down ({code}); try again in a few minutes")
    if status >= 500:
        raise FetchError(f"the site failed to send the page ({code}); try again later")
    raise FetchError(f"the site answered {code} instead of a page; {SAVE_INSTEAD}")


def _not_html(headers: Message) -> str:
    declared = headers.get("Content-Type")
    kind = headers.get_content_type() if declared else "of no declared type"
    hint = {
        "text/plain": "save it as a .txt file and add that",
        "text/markdown": "save it as a .md file and add that",
    }.get(kind, "give the address of the article's web page")
    return f"not a web page (the server says it is {kind}); {hint}"


def _check_robots(
    url: str, cache: dict[str, RobotFileParser], settings: FetchSettings, deadline: float
) -> None:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin not in cache:
        robots_url = origin + "/robots.txt"
        parser = RobotFileParser(robots_url)
        response = None
        for _ in range(settings.max_redirects + 1):
            response = _get(robots_url, settings, deadline, max_bytes=500_000, page=False)
            location = response.headers.get("Location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                break
            robots_url = urljoin(robots_url, location)
            if urlsplit(robots_url).scheme not in ("http", "https"):
                break
        assert response is not None
        if response.status >= 500:
            raise FetchError(
                f"the site's rules for programs ({origin}/robots.txt) cannot be read (HTTP "
                f"{response.status}); try again later, or {SAVE_INSTEAD}"
            )
        if response.status == 200:
            parser.parse(response.body.decode("utf-8", "replace").splitlines())
        else:  # no robots.txt (4xx) or an unfollowable redirect: nothing is forbidden
            parser.parse([])
        cache[origin] = parser
    if not cache[origin].can_fetch(AGENT, url):
        raise FetchError(
            f"the site's robots.txt does not allow programs to fetch {parts.path or '/'}; "
            f"{SAVE_INSTEAD}"
        )


def _get(
    url: str, settings: FetchSettings, deadline: float, *, max_bytes: int, page: bool
) -> _Response:
    """One GET without following redirects; the body is read only for 200 and redirects."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(_too_slow(host, settings))
    timeout = min(settings.connect_timeout, remaining)
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    target = parts.path or "/"
    target += f"?{parts.query}" if parts.query else ""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1" if page else "text/plain",
        "Accept-Encoding": "identity",
        "Accept-Language": "en;q=1.0, *;q=0.5",
    }
    try:
        try:
            connection.request("GET", target, headers=headers)
            if connection.sock is not None:
                connection.sock.settimeout(min(settings.read_timeout, _left(deadline)))
            response = connection.getresponse()
            body = b""
            if response.status == 200 and (not page or _is_html(response.headers)):
                body = _read_body(response, connection, settings, deadline, max_bytes, host)
            return _Response(response.status, response.reason, response.headers, body)
        finally:
            connection.close()
    except FetchError:
        raise
    except TimeoutError:
        if _left(deadline) <= 0.05:
            raise FetchError(_too_slow(host, settings)) from None
        raise FetchError(
            f"{host} did not answer within {settings.read_timeout:g} s; try again later, or "
            f"{SAVE_INSTEAD}"
        ) from None
    except ssl.SSLError as error:
        raise FetchError(f"secure connection to {host} failed ({error.reason or error})") from None
    except socket.gaierror:
        raise FetchError(f"cannot find {host}; check the address and the connection") from None
    except ConnectionRefusedError:
        raise FetchError(f"{host} refused the connection; check the address or try later") from None
    except (OSError, http.client.HTTPException) as error:
        raise FetchError(
            f"the connection to {host} failed ({type(error).__name__}: {error})"
        ) from None


def _read_body(
    response: http.client.HTTPResponse,
    connection: http.client.HTTPConnection,
    settings: FetchSettings,
    deadline: float,
    max_bytes: int,
    host: str,
) -> bytes:
    """The body, streamed: cut at ``max_bytes`` (after decompression), bounded in time."""
    too_large = FetchError(
        f"the page is larger than {max_bytes / 1e6:g} MB, far more than an article; check "
        "the address, or save only the article"
    )
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise too_large
    encoding = (response.getheader("Content-Encoding") or "identity").lower()
    inflate = zlib.decompressobj(47) if encoding in ("gzip", "x-gzip", "deflate") else None
    chunks: list[bytes] = []
    size = 0
    while True:
        left = _left(deadline)
        if left <= 0:
            raise FetchError(_too_slow(host, settings))
        if connection.sock is not None:
            connection.sock.settimeout(min(settings.read_timeout, left))
        chunk = response.read1(65536)
        if not chunk:
            break
        if inflate is not None:
            try:
                chunk = inflate.decompress(chunk, max_bytes + 1 - size)
            except zlib.error:
                raise FetchError(f"the page from {host} is damaged (bad compression)") from None
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _looks_like_html(body: bytes) -> bool:
    """For a server that declares no type: does the body start the way HTML does?"""
    start = body[:1024].lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<!--")) or b"<body" in start


def _is_html(headers: Message) -> bool:
    return headers.get("Content-Type") is None or headers.get_content_type() in HTML_TYPES


def _left(deadline: float) -> float:
    return deadline - time.monotonic()


def _too_slow(host: str, settings: FetchSettings) -> str:
    return (
        f"{host} is too slow (the page took more than {settings.total_timeout:g} s); try "
        f"again later, or {SAVE_INSTEAD}"
    )
