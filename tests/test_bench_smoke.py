"""The period close benchmark runs end to end (a small run: the figure itself is in bench/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import PG_ADMIN_URL

BENCH = Path(__file__).resolve().parent.parent / "bench" / "period_close.py"


def test_period_close_bench_prints_one_json_line() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--registers", "2000", "--pg", PG_ADMIN_URL],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    result = json.loads(line)
    assert result["bench"] == "period_close" and result["registers"] == 2000
    assert result["target_seconds"] == 60 and result["seconds"] > 0
    assert sum(result["by_method"].values()) == 2000
