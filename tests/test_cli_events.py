"""``replacements import``, ``acts import``, ``residents import`` on both databases: the real
command once per database, then the same ``main`` in-process for the table of errors and the
repeats (a subprocess per case would cost seconds each)."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from gateway.cli.main import main
from tests.helpers import meter, seed
from tests.support.gateway import run_cli

ACCOUNTS = [
    meter("8300102", "CW1", service="cold_water", decimals=3),
    meter("8300102", "E1", position=2, zones=2),
    meter("8300102", "CW2", position=3, service="cold_water", decimals=3),
    meter("8300501", "CW51", service="cold_water", decimals=3),
    meter("8300777", "G1", service="gas"),
]
HISTORY = [
    ("8300102", "CW1", 1, date(2025, 3, 20), "120.5"),
    ("8300102", "E1", 1, date(2025, 3, 20), "1000"),
    ("8300102", "E1", 2, date(2025, 3, 20), "500"),
    ("8300777", "G1", 1, date(2025, 3, 20), "99950"),
]
HEAD = {
    "replacements": "uin,meter,zone,removed_on,removal_value,new_meter,installed_on,"
    "installation_value,verified_until,digits,decimals\n",
    "acts": "uin,meter,zone,date,act,value\n",
    "residents": "uin,date,residents,owners\n",
}
GOOD = {
    "replacements": """8300102,CW1,1,2025-04-16,133.000,CW1N,2025-05-16,0.000,2031-05-16,,
8300102,E1,1,2025-04-20,1010,,,,,,
8300102,E1,2,2025-04-20,505,,,,,,
8300777,G1,1,2025-04-02,20,G1N,2025-04-02,0,,6,
""",  # E1: removed, nothing installed yet; G1: its counter went round (rollover)
    "acts": """8300501,CW51,1,2025-03-05,access_refused,
8300501,CW51,1,2025-07-10,inspection,102.000
8300501,CW51,1,2025-04-11,failed,
8300501,CW51,1,2025-06-01,recommissioned,80.000
""",
    "residents": """8300102,2025-04-16,3,
8300501,2025-05-01,0,2
""",
}
# E1's installation, a later file: completes the replacement rows of 2025-04-20
COMPLETED = """8300102,E1,1,2025-04-20,1010,E1N,2025-04-25,0,,,
8300102,E1,2,2025-04-20,505,E1N,2025-04-25,0,,,
"""
TABLES = {
    "meters": "name, position, service, zones, digits, decimals, verified_until, status, "
    "removed_on, installed_on, (SELECT name FROM meters o WHERE o.id = m.replaces_meter_id)",
    "meter_replacements": "old_meter_id, zone, removed_on, removal_value, new_meter_id, "
    "installed_on, installation_value",
    "meter_acts": "meter_id, zone, acted_on, act, value",
    "residents_history": "account_id, since, residents, owners",
    "readings": "meter_id, zone, value, period, taken_on, status, source, message_id",
}


async def snapshot(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    async with engine.connect() as conn:
        for table, columns in TABLES.items():
            rows = await conn.execute(text(f"SELECT {columns} FROM {table} m ORDER BY 1, 2, 3"))
            out[table] = [tuple(str(v) for v in r) for r in rows]
    return out


@pytest.fixture
async def seeded(engine: Any, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    await seed(engine, ACCOUNTS, HISTORY)
    monkeypatch.setenv("METER_GATEWAY_DATABASE_URL", db_url)
    monkeypatch.delenv("METER_GATEWAY_CONFIG", raising=False)
    return engine


async def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``meter-gateway <args>`` in-process (``main`` runs its own event loop, off ours)."""
    code = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, kind: str, body: str) -> str:
    path = tmp_path / f"{kind}.csv"
    path.write_text(HEAD[kind] + body)
    return str(path)


async def test_the_commands_import_each_file_and_a_repeat_changes_nothing(
    seeded: Any, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = await asyncio.to_thread(
        run_cli, "replacements", "import", write(tmp_path, "replacements", GOOD["replacements"]),
        db_url=db_url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "imported 4 replacement row(s)" in done.stdout
    for kind in ("acts", "residents"):
        code, out, err = await run(capsys, kind, "import", write(tmp_path, kind, GOOD[kind]))
        assert code == 0 and "imported" in out, err
    first = await snapshot(seeded)
    meters = {m[0]: m for m in first["meters"]}
    # the new meter in the old one's place: position, service, zones; digits and decimals
    # inherited when empty; the old one removed
    assert meters["CW1N"] == (
        "CW1N", "1", "cold_water", "1", "5", "3", "2031-05-16", "active", "None", "2025-05-16",
        "CW1",
    )  # fmt: skip
    assert meters["CW1"][7:9] == ("removed", "2025-04-16")
    assert meters["E1"][7:9] == ("removed", "2025-04-20") and "E1N" not in meters
    assert meters["G1N"][4] == "6"
    sources = {(r[3], r[4], r[6]) for r in first["readings"] if r[6] != "import"}
    assert sources == {
        ("2025-04", "2025-04-16", "removal"),
        ("2025-05", "2025-05-16", "installation"),  # the calendar month, no cut-off
        ("2025-04", "2025-04-20", "removal"),
        ("2025-04", "2025-04-02", "removal"),
        ("2025-04", "2025-04-02", "installation"),
        ("2025-07", "2025-07-10", "inspection"),
        ("2025-06", "2025-06-01", "recommissioning"),  # failed without a value: no reading
    }
    assert len(first["meter_acts"]) == 4 and len(first["residents_history"]) == 2
    assert [r[3] for r in first["residents_history"]] == ["None", "2"]
    for kind in ("replacements", "acts", "residents"):
        code, _, err = await run(capsys, kind, "import", write(tmp_path, kind, GOOD[kind]))
        assert code == 0, err
    # the accounts file again: a removed meter stays removed
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "uin,meter,position,service,zones,digits,decimals,verified_until,residents,status\n"
        "8300102,CW1,1,cold_water,1,5,3,,1,open\n"
    )
    code, _, err = await run(capsys, "accounts", "import", str(accounts))
    assert code == 0, err
    assert await snapshot(seeded) == first

    # a later file completes E1's replacement; the first file again keeps the installation
    code, _, err = await run(
        capsys, "replacements", "import", write(tmp_path, "replacements", COMPLETED)
    )
    assert code == 0, err
    completed = await snapshot(seeded)
    assert len(completed["meter_replacements"]) == 4
    assert all(r[4] != "None" for r in completed["meter_replacements"])
    e1n = next(m for m in completed["meters"] if m[0] == "E1N")
    assert e1n[1:4] == ("2", "electricity", "2") and e1n[-1] == "E1"
    code, _, _ = await run(
        capsys, "replacements", "import", write(tmp_path, "replacements", GOOD["replacements"])
    )
    assert code == 0 and await snapshot(seeded) == completed


BAD = [
    ("replacements", "8300102,XX,1,2025-04-16,133,,,,,,\n", "row 2: no meter 'XX' on account"),
    ("replacements", "8300102,CW1,1,2025-04-16,133,CW1N,2025-04-01,0,,,\n",
     "row 2: installed on 2025-04-01, before removed on 2025-04-16"),
    ("replacements", "8300102,CW1,1,2025-04-16,100,,,,,,\n",
     "row 2: removal_value 100 is below the last accepted reading 120.5"),
    ("replacements", "8300102,CW1,1,2025-04-16,133,E1,2025-04-16,0,,,\n",
     "row 2: new meter E1 has 2 zone(s), CW1 1"),
    ("replacements", "8300102,CW1,1,2025-04-16,133,CW1N,,,,,\n",
     "row 2: new_meter, installed_on and installation_value go together"),
    ("replacements", "8300102,CW1,2,2025-04-16,133,,,,,,\n", "row 2: meter CW1 has 1 zone(s)"),
    ("replacements", "8300102,E1,1,2025-04-20,1010,E1N,2025-04-25,0,,,\n"
     "8300102,E1,2,2025-04-20,505,E1X,2025-04-25,0,,,\n",
     "row 3: new_meter or installed_on differ from row 2 of E1"),
    ("replacements", "8300102,CW1,1,2025-04-16,133,CW2,2025-04-16,0,,,\n",
     "row 2: meter CW2 is already meter 3 of the account"),
    # all or nothing: the good first row is not kept
    ("replacements", "8300102,CW1,1,2025-04-16,133,,,,,,\n8300102,E1,1,2025-04-16,x,,,,,,\n",
     "row 3: removal_value must be a number, got 'x'"),
    ("acts", "8300501,CW51,1,2025-07-10,inspection,\n", "row 2: an inspection act needs a value"),
    ("acts", "8300501,CW51,1,2025-07-10,recommissioned,\n", "needs a value"),
    ("acts", "8300501,CW51,1,2025-03-05,access_refused,5\n", "row 2: an access_refused act has"),
    ("acts", "8300501,CW51,1,2025-03-05,audit,\n", "row 2: act must be one of inspection|"),
    ("acts", "8300501,CW9,1,2025-03-05,failed,\n", "row 2: no meter 'CW9'"),
    ("acts", "8300501,CW51,1,2025-03-05,failed,\n8300501,CW51,1,2025-03-05,failed,1\n",
     "row 3: the same 8300501/CW51/1/2025-03-05/failed as row 2"),
    ("residents", "9999999,2025-04-16,3,\n", "row 2: no account '9999999'"),
    ("residents", "8300102,2025-04-16,-1,\n", "row 2: residents must be between 0 and 1000"),
    ("residents", "8300102,16.04.2025,3,\n", "row 2: date must be a date YYYY-MM-DD"),
]  # fmt: skip


async def test_a_bad_row_is_one_line_naming_it_and_imports_nothing(
    seeded: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = await snapshot(seeded)
    for kind, body, message in BAD:
        path = write(tmp_path, kind, body)
        code, _, err = await run(capsys, kind, "import", path)
        assert code == 1, (kind, body)
        [line] = err.strip().splitlines()
        assert line.startswith(f"meter-gateway: error: {path}: ") and message in line, line
        assert await snapshot(seeded) == before, (kind, body)
    code, _, err = await run(capsys, "acts", "import", str(tmp_path / "none.csv"))
    assert code == 1 and err.strip().endswith("none.csv: no such file")
