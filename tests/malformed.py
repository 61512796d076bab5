"""A hundred requests a careless or hostile client might send to the API."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Bad:
    name: str
    method: str
    path: str
    options: dict[str, Any] = field(default_factory=dict)


def raw(name: str, body: bytes | str, headers: dict[str, str] | None = None) -> Bad:
    content = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return Bad(
        name,
        "POST",
        "/search",
        {"content": content, "headers": JSON if headers is None else headers},
    )


def post(name: str, payload: Any) -> Bad:
    return raw(name, json.dumps(payload))  # ensure_ascii: lone surrogates travel as \\udXXX


def get(name: str, params: Any) -> Bad:
    return Bad(name, "GET", "/search", {"params": params})


def malformed_requests(catalog: dict[str, Any]) -> list[Bad]:
    article = catalog["articles"][0]["article"]
    bad_json = [
        b"", b"{", b'{"q": "x",}', b'{"q": "x"', b"{'q': 'x'}", b'{"q": NaN}', b"nul",
        b'{"q": "x"} trailing', b"\xff\xfe\x00{", b'{"q": "\xc3\x28"}', b"[1, 2", b'"unterminated',
        b"\x00\x00\x00", b'{"q": "x", "k": 01}', b'\xef\xbb\xbf{"q": 1',
    ]  # fmt: skip
    cases = [raw(f"bad json {i}", body) for i, body in enumerate(bad_json)]
    cases += [
        raw("body over the limit", b'{"q": "' + b"a" * 70_000 + b'"}'),
        raw("body far over the limit", b"{" * 300_000),
        raw("chunked body over the limit", iter_chunks(200_000)),
        raw("deeply nested arrays", b"[" * 30_000 + b"]" * 30_000),
        raw("deeply nested objects", b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
        raw("k overflows to infinity", b'{"q": "therapy", "k": 1e999999}'),
        raw("k in exponent form", b'{"q": "therapy", "k": 1e2}'),
        raw("q given twice, last empty", b'{"q": "therapy", "q": ""}'),
        raw("not json content type", b'{"q": "therapy"}', {"Content-Type": "text/plain"}),
        raw(
            "form content type", b"q=therapy", {"Content-Type": "application/x-www-form-urlencoded"}
        ),
        raw("no content type", b'{"q": "therapy"}', {}),
    ]
    wrong_types: list[Any] = [
        [], [1, 2], "therapy", 42, None, True, {"q": 3}, {"q": ["therapy"]}, {"q": None},
        {"q": {"text": "therapy"}}, {"q": True}, {"q": 1.5}, {"q": "therapy", "k": "5"},
        {"q": "therapy", "k": 2.5}, {"q": "therapy", "k": True}, {"q": "therapy", "k": None},
        {"q": "therapy", "k": [5]}, {"q": "therapy", "filters": "authors"},
        {"q": "therapy", "filters": ["x"]}, {"q": "therapy", "filters": {"authors": "x"}},
        {"q": "therapy", "filters": {"articles": [1, 2]}}, {"q": "therapy", "filters": None},
        {"q": "therapy", "filters": {"sites": [None]}}, {"q": "therapy", "filters": {"authors": [["x"]]}},
    ]  # fmt: skip
    cases += [post(f"wrong type {i}", payload) for i, payload in enumerate(wrong_types)]
    unknown: list[Any] = [
        {"authors": ["Nobody Atall"]}, {"sites": ["example.invalid"]}, {"articles": ["no-such"]},
        {"articles": [article, "no-such"]}, {"tags": ["x"]}, {"author": ["x"]},
        {"authors": ["\ud800"]}, {"sites": ["x" * 5000]}, {"articles": [""]},
        {"authors": [" " + (catalog["authors"] or ["x"])[0]]},
    ]  # fmt: skip
    cases += [
        post(f"unknown filter {i}", {"q": "therapy", "filters": f}) for i, f in enumerate(unknown)
    ]
    for i, k in enumerate([0, -1, 51, 1000, 10**30, -(10**30)]):
        cases.append(post(f"bad k {i}", {"q": "therapy", "k": k}))
    empty = ["", " ", "\n\t", "!!!", "…", "🙂🙂", "\u200b", "\ud800", "\udc00\ud800", "\x00\x01"]
    cases += [post(f"empty question {i}", {"q": q}) for i, q in enumerate(empty)]
    cases += [
        post("question too long", {"q": "why " * 600}),
        post("unknown field", {"q": "therapy", "top_k": 3}),
        post("unknown field with odd name", {"q": "therapy", "\ud800" * 3: 1}),
        post("missing q", {"k": 3}),
        post("empty object", {}),
    ]
    cases += [
        get("no q", {}),
        get("empty q", {"q": ""}),
        get("punctuation q", {"q": "?!"}),
        get("k not a number", {"q": "therapy", "k": "five"}),
        get("k fraction", {"q": "therapy", "k": "1.5"}),
        get("k zero", {"q": "therapy", "k": "0"}),
        get("k too big", {"q": "therapy", "k": "51"}),
        get("unknown parameter", {"q": "therapy", "limit": "3"}),
        get("q twice", [("q", "therapy"), ("q", "again")]),
        get("unknown author", {"q": "therapy", "author": "Nobody Atall"}),
        get("unknown site", {"q": "therapy", "site": "nowhere"}),
        get("unknown article", {"q": "therapy", "article": "no-such"}),
        get("question too long", {"q": "why " * 600}),
        Bad("percent-encoded surrogate", "GET", "/search?q=%ED%A0%80"),
        Bad("percent-encoded bad UTF-8", "GET", "/search?q=%FF%FE"),
        Bad("wrong method", "PUT", "/search", {"json": {"q": "therapy"}}),
        Bad("delete", "DELETE", "/search"),
        Bad("unknown path", "GET", "/nope"),
        Bad("post to articles", "POST", "/articles", {"json": {}}),
        Bad("path traversal", "GET", "/../../etc/passwd"),
        Bad("post to health", "POST", "/health"),
    ]
    return cases


def iter_chunks(total: int, size: int = 8192):  # noqa: ANN201 (a generator: sent chunked)
    sent = 0
    while sent < total:
        yield b"a" * size
        sent += size
