"""``meter-gateway period close|export`` as a user runs them: a subprocess, on both databases."""

from __future__ import annotations

import csv
import io
import json

from tests.support.gateway import run_cli
from tests.test_cli import ACCOUNTS, cli

READINGS = """uin,meter,zone,date,value
1234567,E-1,1,2026-06-20,4600
1234567,E-1,1,2026-07-20,4700
1234567,E-1,1,2026-08-20,4800
1234567,E-1,1,2026-09-20,4900
1234567,E-1,1,2026-10-20,5000
1234567,E-1,2,2026-10-20,1975
7654321,CW-1,1,2026-09-20,98.5
7654321,CW-1,1,2026-10-20,100.5
"""
TODAY = "2026-12-01"
COLUMNS = (
    "uin,meter,zone,period,method,volume,correction,reading_start,reading_end,estimate,factor,basis"
)


def prepared(tmp_path, db_url) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.csv").write_text(ACCOUNTS)
    (tmp_path / "r.csv").write_text(READINGS)
    assert cli("accounts", "import", str(tmp_path / "a.csv"), db_url=db_url).returncode == 0
    assert cli("readings", "import", str(tmp_path / "r.csv"), db_url=db_url).returncode == 0


def close(db_url: str, period: str, *extra: str):  # type: ignore[no-untyped-def]
    return cli("period", "close", period, "--today", TODAY, *extra, db_url=db_url)


async def test_close_prints_a_summary_and_export_writes_the_spec_columns(tmp_path, db_url) -> None:
    prepared(tmp_path, db_url)
    done = close(db_url, "2026-10")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "period 2026-10 closed: 4 register(s): actual 2, average 0, normative 2",
        "  cold_water: 2",
        "  electricity: 100",
        "  hot_water: 0",
    ]
    assert close(db_url, "2026-10").stdout == done.stdout  # idempotent

    exported = cli("period", "export", "2026-10", "--format", "csv", db_url=db_url)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.splitlines()[0] == COLUMNS
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["uin"], r["meter"], r["zone"], r["method"], r["volume"]) for r in rows] == [
        ("1234567", "E-1", "1", "actual", "100"),
        ("1234567", "E-1", "2", "normative", "0"),
        ("7654321", "CW-1", "1", "actual", "2"),
        ("7654321", "HW-1", "1", "normative", "0"),
    ]
    assert rows[0]["reading_start"] == "4900" and rows[0]["reading_end"] == "5000"

    out = tmp_path / "v.json"
    done = cli(
        "period", "export", "2026-10", "--format", "json", "--output", str(out), db_url=db_url
    )
    assert done.returncode == 0 and "exported 4 volume(s)" in done.stdout
    items = json.loads(out.read_text())
    assert list(items[0]) == COLUMNS.split(",")
    assert items[2]["reading_start"] == "98.5"
    # a first reading is the baseline (billed by normative); no reading at all: nothing
    assert (items[1]["reading_start"], items[1]["reading_end"]) == (None, "1975")
    assert (items[3]["reading_start"], items[3]["reading_end"]) == (None, None)


async def test_refusals_are_one_line_errors(tmp_path, db_url) -> None:
    prepared(tmp_path, db_url)
    for args, message in [
        (("2026-13",), "period must be YYYY-MM"),
        (("2027-01",), "period 2027-01 has not begun yet"),
    ]:
        done = close(db_url, *args)
        assert done.returncode == 1 and message in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    missing = cli("period", "export", "2026-09", db_url=db_url)
    assert missing.returncode == 1 and "is not closed" in missing.stderr

    assert close(db_url, "2026-11").returncode == 0
    assert cli("period", "export", "2026-11", db_url=db_url).returncode == 0
    final = close(db_url, "2026-11")
    assert final.returncode == 1 and "--reopen" in final.stderr
    assert close(db_url, "2026-11", "--reopen").returncode == 0


async def test_close_in_worker_processes_or_in_its_own(tmp_path, db_url) -> None:
    """Chunks of one meter: PostgreSQL bills them in two worker processes unless
    ``period.close_workers`` is 1; SQLite always in the command's own. Same rows either way."""
    prepared(tmp_path, db_url)
    pooled = db_url.startswith("postgresql")
    summaries = []
    for workers in ("2", "1"):
        env = {"METER_GATEWAY_PERIOD_CLOSE_CHUNK": "1",
               "METER_GATEWAY_PERIOD_CLOSE_WORKERS": workers}  # fmt: skip
        done = run_cli("period", "close", "2026-10", "--today", TODAY, "--reopen", db_url=db_url,
                       env=env)  # fmt: skip
        assert done.returncode == 0, done.stderr
        said = "billed in 2 worker process(es)" in done.stdout
        assert said == (pooled and workers == "2"), done.stdout
        summaries.append(done.stdout.replace("billed in 2 worker process(es)\n", ""))
        exported = cli("period", "export", "2026-10", "--format", "csv", db_url=db_url)
        assert exported.returncode == 0, exported.stderr
        summaries.append(exported.stdout)
    assert summaries[0:2] == summaries[2:4]
