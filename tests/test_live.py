"""LiveSearcher: which build a server answers from, while ingest writes new ones.

The loading itself is stubbed here (a stub opener that can be made slow or failing); that
real builds load and swap is tested through a real server in test_api_reload.py.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from advice_search.api import ApiSettings, create_app
from advice_search.live import LiveSearcher, NotReady
from advice_search.store import IndexUnavailable


def _switch(index: Path, name: str) -> None:
    """What ingest's atomic switch leaves behind: a build folder and CURRENT naming it."""
    (index / "builds" / name).mkdir(parents=True, exist_ok=True)
    (index / "CURRENT").write_text(name + "\n")


class StubOpener:
    """Returns a stand-in searcher naming the build it read; can block or fail on request."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.release.set()
        self.fail: set[str] = set()
        self.calls = 0

    def __call__(self, index: Path):  # noqa: ANN204
        self.calls += 1
        name = (index / "CURRENT").read_text().strip()
        self.release.wait(10)
        if name in self.fail:
            raise IndexUnavailable(f"build {name} is damaged: run `advice-search ingest`.")
        return SimpleNamespace(build=name, label=f"searcher of {name}")


def test_no_index_is_not_ready_with_the_command_that_builds_one(tmp_path: Path) -> None:
    live = LiveSearcher(tmp_path / "index", check_every=0)
    live.start()
    assert not live.wait(1)
    with pytest.raises(NotReady, match="advice-search ingest"):
        live.current()
    assert live.status()["ready"] is False


def test_the_old_build_answers_while_the_new_one_loads(tmp_path: Path) -> None:
    opener = StubOpener()
    _switch(tmp_path, "b1")
    live = LiveSearcher(tmp_path, check_every=0, opener=opener)
    live.start()
    assert live.wait(5) and live.current().searcher.label == "searcher of b1"
    opener.release.clear()  # the next load hangs until released
    _switch(tmp_path, "b2")
    for _ in range(20):
        assert live.current().build == "b1"  # never a half-loaded b2
    assert live.status()["loading"] is True
    opener.release.set()
    assert live.wait(5)
    assert live.current().build == "b2" and live.current().searcher.label == "searcher of b2"


def test_a_build_that_fails_to_load_leaves_the_old_one_in_service(tmp_path: Path) -> None:
    opener = StubOpener()
    _switch(tmp_path, "b1")
    live = LiveSearcher(tmp_path, check_every=0, opener=opener)
    live.start()
    live.wait(5)
    opener.fail.add("b2")
    _switch(tmp_path, "b2")
    live.current()
    live.wait(5)
    calls = opener.calls
    for _ in range(5):
        assert live.current().build == "b1"
    assert opener.calls == calls, "a failed build is not retried until CURRENT changes"
    assert "damaged" in live.status()["error"] and live.status()["ready"] is True
    _switch(tmp_path, "b3")
    live.current()
    live.wait(5)
    assert live.current().build == "b3" and live.status()["error"] is None


def test_current_is_read_at_most_once_per_interval(tmp_path: Path) -> None:
    opener = StubOpener()
    _switch(tmp_path, "b1")
    live = LiveSearcher(tmp_path, check_every=3600, opener=opener)
    live.start()
    live.wait(5)
    _switch(tmp_path, "b2")
    assert live.current().build == "b1"  # noticed at the next check, an hour from now
    assert opener.calls == 1


def test_cors_headers_only_for_the_configured_origins(seed_index: Path) -> None:
    settings = ApiSettings(cors_origins=("https://library.example",))
    with TestClient(create_app(seed_index, settings)) as client:
        client.app.state.live.wait(60)
        allowed = client.options(
            "/search",
            headers={"Origin": "https://library.example", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type"},
        )  # fmt: skip
        other = client.get(
            "/search", params={"q": "therapy"}, headers={"Origin": "https://x.example"}
        )
        refused = client.post(
            "/search", json={"q": ""}, headers={"Origin": "https://library.example"}
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://library.example"
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
    assert refused.headers["access-control-expose-headers"] == "X-Index-Build"
    assert refused.status_code == 422  # errors carry the header too, so the page can show them
    assert refused.headers["access-control-allow-origin"] == "https://library.example"
