"""The command line as a user runs it: a subprocess, on both databases."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select, text

from storage.models import Account, Meter, Reading
from tests.support.db import count
from tests.support.gateway import run_cli

ACCOUNTS = """uin,meter,position,service,zones,digits,decimals,verified_until,residents,status
1234567,E-1,1,electricity,2,5,0,2030-01-01,2,open
7654321,CW-1,1,cold_water,1,5,3,,3,open
7654321,HW-1,2,hot_water,1,5,3,,3,open
"""
READINGS = """uin,meter,zone,date,value
1234567,E-1,1,2026-09-20,4900
1234567,E-1,1,2026-10-20,5000
1234567,E-1,2,2026-10-20,1975
7654321,CW-1,1,2026-10-20,100.5
"""


def cli(*args: str, db_url: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, db_url=db_url, cwd=cwd)


async def counts(sessions) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple([await count(sessions, m) for m in (Account, Meter, Reading)])


async def test_imports_are_all_or_nothing_and_repeatable(tmp_path, db_url, sessions) -> None:
    (tmp_path / "a.csv").write_text(ACCOUNTS)
    (tmp_path / "r.csv").write_text(READINGS)
    done = cli("accounts", "import", str(tmp_path / "a.csv"), db_url=db_url)
    assert done.returncode == 0, done.stderr
    assert "2 account(s), 3 meter(s)" in done.stdout
    assert cli("readings", "import", str(tmp_path / "r.csv"), db_url=db_url).returncode == 0
    assert cli("readings", "import", str(tmp_path / "r.csv"), db_url=db_url).returncode == 0
    assert await counts(sessions) == (2, 3, 4)


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("accounts", ACCOUNTS + "1111111,E-1,1,water,1,5,0,,1,open\n", "row 5: service must be"),
        (
            "accounts",
            ACCOUNTS + "1111111,E-1,1,electricity,4,5,0,,1,open\n",
            "row 5: zones must be between 1 and 3",
        ),
        ("accounts", ACCOUNTS.replace("2030-01-01", "01.01.2030"), "row 2: verified_until"),
        ("accounts", "uin,meter\n1,2\n", "row 1: missing column(s) position"),
        ("readings", READINGS + "1234567,E-1,3,2026-10-20,1\n", "row 6: meter E-1 has 2 zone(s)"),
        ("readings", READINGS + "9999999,E-1,1,2026-10-20,1\n", "row 6: no meter 'E-1'"),
        ("readings", READINGS + "1234567,E-1,1,2026-10-21,abc\n", "row 6: value must be a number"),
        ("readings", READINGS + "1234567,E-1,1,2026-10-21,123456\n", "row 6: value 123456 does"),
    ],
)
async def test_bad_csv_is_one_line_naming_the_row_and_imports_nothing(
    tmp_path, db_url, sessions, kind, content, message
) -> None:
    (tmp_path / "a.csv").write_text(ACCOUNTS)
    if kind == "readings":
        assert cli("accounts", "import", str(tmp_path / "a.csv"), db_url=db_url).returncode == 0
    before = await counts(sessions)
    (tmp_path / "bad.csv").write_text(content)
    done = cli(kind, "import", str(tmp_path / "bad.csv"), db_url=db_url)
    assert done.returncode == 1
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert await counts(sessions) == before


def test_missing_file_is_a_one_line_error(tmp_path) -> None:
    done = cli(
        "accounts",
        "import",
        str(tmp_path / "nope.csv"),
        db_url=f"sqlite+aiosqlite:///{tmp_path}/x.sqlite3",
    )
    assert done.returncode == 1 and "no such file" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_config_after_the_command_name(tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/via-config.sqlite3"\n')
    (tmp_path / "a.csv").write_text(ACCOUNTS)
    done = cli("accounts", "import", str(tmp_path / "a.csv"), "--config", str(cfg))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "via-config.sqlite3").exists()
    missing = cli("db", "upgrade", "--config", str(tmp_path / "missing.toml"))
    assert missing.returncode == 1 and "config file not found" in missing.stderr


def test_parse_json_shape() -> None:
    done = cli("parse", "--json", "ЛС 123456 Х 56,8 Г 47.3")
    assert json.loads(done.stdout) == {
        "uin": "123456",
        "readings": [{"label": "cold", "value": "56.8"}, {"label": "hot", "value": "47.3"}],
        "error": None,
    }
    assert json.loads(cli("parse", "--json", "").stdout)["error"] == "empty"


def test_parse_explains_in_words() -> None:
    done = cli("parse", "1234567 05123 02010")
    assert "UIN:      1234567" in done.stdout and "by position" in done.stdout


def test_default_database_is_a_local_sqlite_file(tmp_path) -> None:
    done = cli("db", "upgrade", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "meter-gateway.sqlite3").exists()


async def test_optional_failed_on_column_marks_a_failed_meter(tmp_path, db_url, sessions) -> None:
    lines = ACCOUNTS.splitlines()
    content = (
        "\n".join(
            [lines[0] + ",failed_on", lines[1] + ",2026-09-01", *(line + "," for line in lines[2:])]
        )
        + "\n"
    )
    (tmp_path / "a.csv").write_text(content)
    done = cli("accounts", "import", str(tmp_path / "a.csv"), db_url=db_url)
    assert done.returncode == 0, done.stderr
    async with sessions() as s:
        rows = (
            await s.execute(select(Meter.name, Meter.status, Meter.failed_on).order_by(Meter.id))
        ).all()
    assert [(n, st, str(f) if f else None) for n, st, f in rows] == [
        ("E-1", "failed", "2026-09-01"),
        ("CW-1", "active", None),
        ("HW-1", "active", None),
    ]
    # a meter replaced later: importing without the date makes it active again
    (tmp_path / "a.csv").write_text(ACCOUNTS)
    assert cli("accounts", "import", str(tmp_path / "a.csv"), db_url=db_url).returncode == 0
    async with sessions() as s:
        assert set((await s.execute(select(Meter.status))).scalars()) == {"active"}


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_an_import_leaves_fresh_planner_statistics(tmp_path, db_url, sessions) -> None:
    """Intake right after a bulk import must not be planned on an empty table's
    statistics (the account lookup became a scan of every meter until autovacuum came)."""
    (tmp_path / "a.csv").write_text(ACCOUNTS)
    (tmp_path / "r.csv").write_text(READINGS)
    assert cli("accounts", "import", str(tmp_path / "a.csv"), db_url=db_url).returncode == 0
    assert cli("readings", "import", str(tmp_path / "r.csv"), db_url=db_url).returncode == 0
    async with sessions() as s:
        analyzed = await s.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
                " AND relname IN ('accounts', 'meters', 'readings')"
            )
        )
        assert sorted(analyzed.scalars()) == ["accounts", "meters", "readings"]
