"""``meter-gateway staff``: add (password from standard input), list, disable."""

from __future__ import annotations

import subprocess

from gateway.service.staff import authenticate
from tests.helpers import uow_of
from tests.support.gateway import run_cli


def staff(*args: str, db_url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli("staff", *args, db_url=db_url, stdin=stdin)


async def test_add_list_disable(engine, db_url) -> None:
    added = staff("add", "anna", "--role", "admin", db_url=db_url, stdin="correct horse\n")
    assert added.returncode == 0, added.stderr
    assert staff("add", "boris", db_url=db_url, stdin="battery staple\n").returncode == 0
    again = staff("add", "anna", db_url=db_url, stdin="whatever123\n")
    assert again.returncode == 1 and "exists already" in again.stderr
    short = staff("add", "carl", db_url=db_url, stdin="short\n")
    assert short.returncode == 1 and "at least 8" in short.stderr
    listed = staff("list", db_url=db_url)
    assert listed.stdout.splitlines() == ["anna\tadmin\tactive", "boris\treviewer\tactive"]
    user = await authenticate(uow_of(engine), "anna", "correct horse")
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert await authenticate(uow_of(engine), "anna", "wrong horse") is None
    assert staff("disable", "anna", db_url=db_url).returncode == 0
    assert await authenticate(uow_of(engine), "anna", "correct horse") is None
    assert staff("disable", "nobody", db_url=db_url).returncode == 1
