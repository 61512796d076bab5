"""The serving load test (`make bench-serve`) in its small form: it runs and reports numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_load_test_measures_one_process_and_ray_replicas(
    ray_cluster, seed_index: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    out = tmp_path / "SERVE.md"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "serve_load.py"), "--quick", "--index",
         str(seed_index), "--out", str(out), "--ray-address", ray_cluster.address,
         "--ray-port", str(ray_cluster.serve_port)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in out.read_text().splitlines()
        if line.startswith("| ") and line[2].isdigit()
    ]
    assert [(setup, int(clients)) for setup, clients, *_ in rows] == [
        (setup, clients) for setup in ("1 process", "2 Ray replicas") for clients in (1, 4, 16)
    ]
    for _, _, requests, per_second, p50, p95, errors in rows:
        assert int(requests) == 20 and int(errors) == 0
        assert float(per_second) > 0 and 0 < float(p50) <= float(p95)
