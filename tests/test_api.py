"""The HTTP API through a real server: one uvicorn process, and 2 Ray Serve replicas.

Every test runs against both; the index is the real corpus built with the real model.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import servers
from tests.conftest import DEV_SET, OWN_SET

BACKENDS = ["process", "ray"]
LONG_QUESTION = "my partner refuses therapy " * 50  # 1,350 characters: shortened, with a notice


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, seed_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[servers.Server]:
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    if request.param == "process":
        server = servers.start(["--index", str(seed_index)], log=log)
    else:
        cluster = request.getfixturevalue("ray_cluster")
        server = servers.start(
            ["--ray", cluster.address, "--replicas", "2", "--index", str(seed_index)],
            log=log, port=cluster.serve_port,
        )  # fmt: skip
        server.extra_logs = (cluster.logs / "serve",)
    yield server
    assert servers.stop(server) == 0, server.log_text()


@pytest.fixture(scope="session")
def cli_answers(seed_index: Path, seed_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """`search --json --queries` on the dev and own eval questions: (question, answer) pairs."""
    questions = [json.loads(line)["q"] for f in (DEV_SET, OWN_SET) for line in f.open()]
    questions.append(LONG_QUESTION)
    source = tmp_path_factory.mktemp("questions") / "q.jsonl"
    source.write_text("".join(json.dumps({"q": q}) + "\n" for q in questions))
    out = subprocess.run(
        [*servers.CLI, "search", "--json", "--queries", str(source), "--index", str(seed_index),
         "--corpus", str(seed_corpus)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(answers) == len(questions) >= 80
    # Each batch line carries its input's line number; the API answers one question.
    assert [answer.pop("line") for answer in answers] == list(range(1, len(questions) + 1))
    return list(zip(questions, answers, strict=True))


def test_every_eval_question_gets_exactly_the_cli_answer(server, cli_answers) -> None:  # noqa: ANN001
    with server.client() as client:
        for question, expected in cli_answers:
            response = client.post("/search", json={"q": question})
            assert response.status_code == 200, response.text
            assert response.json() == expected, question
    assert expected["notices"], "the long question is shortened with a notice, as in the CLI"


def test_get_and_post_agree_and_filters_restrict(server) -> None:  # noqa: ANN001
    with server.client() as client:
        catalog = client.get("/articles").json()
        author = catalog["authors"][0]
        get = client.get(
            "/search", params={"q": "should I go to therapy alone?", "k": 3, "author": author}
        )
        post = client.post(
            "/search",
            json={"q": "should I go to therapy alone?", "k": 3, "filters": {"authors": [author]}},
        )
    assert get.status_code == post.status_code == 200
    assert get.json() == post.json()
    results = post.json()["results"]
    assert 1 <= len(results) <= 3 and {r["author"] for r in results} == {author}


def test_articles_health_ready_and_docs(server, seed_index: Path, searcher) -> None:  # noqa: ANN001
    build = (seed_index / "CURRENT").read_text().strip()
    with server.client() as client:
        catalog = client.get("/articles")
        ready = client.get("/ready")
        health = client.get("/health")
        docs = client.get("/docs")
        schema = client.get("/openapi.json").json()
    assert catalog.status_code == 200 and catalog.headers["x-index-build"] == build
    articles = catalog.json()["articles"]
    assert {a["article"] for a in articles} == set(searcher.index.article_by_id)
    assert set(articles[0]) == {"article", "title", "author", "site", "date", "url"}
    assert ready.status_code == 200 and ready.json()["ready"] is True
    assert ready.json()["build"] == build
    assert health.json() == {"status": "ok"}
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert {"/search", "/articles", "/health", "/ready"} <= set(schema["paths"])


def test_cors_is_off_unless_configured(server) -> None:  # noqa: ANN001
    with server.client() as client:
        response = client.get(
            "/search", params={"q": "therapy"}, headers={"Origin": "https://example.org"}
        )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_a_huge_declared_body_is_refused_without_being_read(server) -> None:  # noqa: ANN001
    host, port = server.url.removeprefix("http://").split(":")
    head = (
        f"POST /search HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000000000\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(head.encode() + b'{"q": "' + b"a" * 1000)  # then nothing more is sent
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    status_line, _, rest = reply.partition(b"\r\n")
    assert b" 413 " in status_line, reply[:300]
    assert json.loads(rest.split(b"\r\n\r\n", 1)[1])["error"].startswith(
        "The request body is larger"
    )


def test_malformed_requests_get_4xx_json_and_leave_no_traceback(server) -> None:  # noqa: ANN001
    from tests.malformed import malformed_requests

    with server.client() as client:
        catalog = client.get("/articles").json()
        cases = malformed_requests(catalog)
        assert len(cases) >= 100
        for case in cases:
            response = client.request(case.method, case.path, **case.options)
            assert 400 <= response.status_code < 500, (
                case.name,
                response.status_code,
                response.text,
            )
            assert response.headers["content-type"].startswith("application/json"), case.name
            error = response.json()["error"]
            assert isinstance(error, str) and error and "Traceback" not in error, case.name
        still = client.post("/search", json={"q": "can therapy help if he won't come?"})
    assert still.status_code == 200 and still.json()["results"]
    for folder in server.extra_logs:  # the replicas' own logs are read, and saw these requests
        assert "/search" in "".join(p.read_text() for p in folder.glob("**/*.log")), folder
    log = server.log_text()
    assert "Traceback" not in log and "Exception in ASGI" not in log, log[-3000:]


def test_a_follow_up_reads_the_earlier_question_as_the_cli_does(server, searcher) -> None:  # noqa: ANN001
    earlier = "My husband won't go to couples counseling with me. How do I get him to reconsider?"
    follow_up = "and if he still says no after all that?"
    expected = json.loads(json.dumps(searcher.search(follow_up, k=5, after=earlier).to_json()))
    with server.client() as client:
        post = client.post("/search", json={"q": follow_up, "after": earlier})
        get = client.get("/search", params={"q": follow_up, "after": earlier})
        alone = client.post("/search", json={"q": follow_up})
        twice = client.get("/search", params=[("q", follow_up), ("after", "a"), ("after", "b")])
        too_long = client.post("/search", json={"q": follow_up, "after": "why " * 600})
        not_text = client.post("/search", json={"q": follow_up, "after": 3})
    assert post.status_code == get.status_code == 200, post.text
    assert post.json() == get.json() == expected
    assert post.json()["after"] == earlier and alone.json()["after"] is None
    assert post.json()["results"] != alone.json()["results"]
    assert twice.status_code == 422 and "once each" in twice.json()["error"]
    assert too_long.status_code == 422 and "earlier question" in too_long.json()["error"]
    assert not_text.status_code == 422 and "error" in not_text.json()
