"""The scale report is written from what a run measured, whatever it left out."""

from __future__ import annotations

from pathlib import Path

from bench.scale_report import write_report


def _query_row(passages: int) -> dict:
    timings = {"p50_ms": 9.0, "p95_ms": 20.0, "samples": 9}
    return {
        "passages": passages,
        "articles": passages // 8,
        "vector_index": {"kind": "flat"},
        "disk_bytes": 5 * 2**20,
        "cold_s": [0.5, 0.6],
        "cold_exit_s": [0.6, 0.7],
        "rss_after_load_mb": 230.0,
        "rss_after_searches_mb": 240.0,
        "unfiltered": timings,
        "filtered": timings,
        "load_average": [1.0, 1.0, 1.0],
    }


def test_a_run_without_exact_search_has_no_agreement_figure(tmp_path: Path) -> None:
    """``--no-exact`` measures no agreement at one size: the report says so (nan) and draws
    the other figures instead of failing on an empty log-scaled plot."""
    out = tmp_path / "SCALE.md"
    write_report({"query": {"1k": _query_row(1_000)}}, out, command="bench")
    text = out.read_text()
    assert "![warm.png](scale/warm.png)" in text
    assert "agreement.png" not in text
    assert "| nan |" in text
    assert (tmp_path / "scale" / "warm.png").stat().st_size > 0
    assert not (tmp_path / "scale" / "agreement.png").exists()
