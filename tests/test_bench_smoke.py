"""The benchmarks run end to end (small runs: the figures themselves are in bench/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PG_ADMIN_URL

BENCH = Path(__file__).resolve().parent.parent / "bench" / "period_close.py"


def test_period_close_bench_prints_one_json_line() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--registers",
            "2000",
            "--pg",
            PG_ADMIN_URL,
            "--workers",
            "2",
            "--chunk",
            "300",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    result = json.loads(line)
    assert result["bench"] == "period_close" and result["registers"] == 2000
    assert result["target_seconds"] == 20 and result["seconds"] > 0
    # the replaced meters' successors add rows; every event shows in the bases
    assert sum(result["by_method"].values()) == result["rows"] > 2000
    assert {"replacement", "meter_failed", "inspection"} <= set(result["by_basis"])
    assert result["workers"] == 2  # four chunks of 300 meters: billed by the worker processes


INTAKE = BENCH.with_name("intake.py")


def test_intake_bench_without_wrk_says_how_to_install_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(INTAKE)],
        env={**os.environ, "PATH": str(tmp_path)},  # no wrk on this PATH
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line == "bench/intake.py: wrk is not installed: apt-get install wrk"
    assert done.stdout == ""


def test_intake_bench_prints_one_json_line_per_configuration() -> None:
    """A short run of both configurations (wrk comes with scripts/test, like PostgreSQL)."""
    done = subprocess.run(
        [sys.executable, str(INTAKE), "--workers", "1", "2", "--seconds", "1",
         "--messages", "20000", "--rate", "50", "--seconds-at-rate", "1", "--pg", PG_ADMIN_URL],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["workers"] for r in results] == [1, 2]
    for r in results:
        assert r["bench"] == "intake" and r["gateway_errors"] == {} and r["repeats"] == 0
        assert r["accepted_per_second"] > 0 and r["bare_per_second"] > 0 and r["ratio"] > 0
        assert r["failed_at_rate"] == {} and 0 < r["p50_ms_at_rate"] <= r["p99_ms_at_rate"]
        # the parent and each worker (one process with --workers 1)
        assert len(r["peak_rss_mb_by_process"]) == (1 if r["workers"] == 1 else 3)
        assert r["accepted_stored"] >= 50


QUEUE = BENCH.with_name("review_queue.py")


def test_review_queue_bench_prints_one_json_line() -> None:
    done = subprocess.run(
        [sys.executable, str(QUEUE), "--items", "150", "--repeat", "2", "--registers", "300",
         "--pg", PG_ADMIN_URL],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    [line] = done.stdout.splitlines()
    result = json.loads(line)
    assert result["bench"] == "review_queue" and result["items_in_review"] == 150
    assert result["target_ms"] == 150
    assert result["page"]["median_ms"] > 0 and result["decision"]["median_ms"] > 0


OCR = BENCH.with_name("ocr.py")


def test_ocr_bench_prints_one_json_line() -> None:
    done = subprocess.run(
        [sys.executable, str(OCR), "--count", "3"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    result = json.loads(line)
    assert (result["bench"], result["photos"]) == ("ocr", 3)
    assert 0 <= result["exact"] <= result["integer_part"] <= 1 and result["seconds_per_photo"] > 0
