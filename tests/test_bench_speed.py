"""bench.speed's follow-up timing runs both searches it reports (no timing is asserted)."""

from __future__ import annotations

from bench.speed import follow_up_latency


def test_follow_ups_are_timed_alone_and_after_their_earlier_question(searcher) -> None:  # noqa: ANN001
    threads = [("and if he still says no?", "My husband won't go to couples counseling.")]
    timed = follow_up_latency(searcher, threads, rounds=2)
    assert timed["samples"] == 2
    assert set(timed) == {"alone_p50", "alone_p95", "after_p50", "after_p95", "samples"}
    assert all(timed[k] > 0 for k in ("alone_p50", "after_p50"))
