"""The wheel holds every file the code needs at run time, and the installed command runs
it from its virtualenv, not the checkout."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.support.installed import ROOT, Installed, clean_env

pytestmark = pytest.mark.installed

PACKAGES = ["channels", "gateway", "parsers", "storage"]
# in the packages' folders but not needed at run time
NOT_SHIPPED = {"gateway/locale/messages.pot"}  # the catalogue template, for translators

WHERE = """
import importlib.metadata, json
import channels, gateway, parsers, storage
dist = importlib.metadata.distribution("meter-gateway")
print(json.dumps({"files": [m.__file__ for m in (channels, gateway, parsers, storage)],
                  "direct_url": json.loads(dist.read_text("direct_url.json") or "{}")}))
"""


def test_the_installed_packages_are_the_wheels_not_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    done = subprocess.run(
        [installed.python, "-c", WHERE], capture_output=True, text=True, env=clean_env(),
        cwd=tmp_path, timeout=60, check=True,
    )  # fmt: skip
    found = json.loads(done.stdout)
    site = installed.venv.resolve()
    assert all(Path(f).resolve().is_relative_to(site) for f in found["files"]), found
    assert "archive_info" in found["direct_url"], found  # installed from the wheel file
    assert not found["direct_url"].get("dir_info", {}).get("editable"), found


def test_the_wheel_ships_every_file_of_the_packages(wheel: Path) -> None:
    """Templates, static files, catalogues, migrations: what the code loads by path is
    package data, easy to leave out of the wheel while the checkout's tests pass. Every file
    git knows in the packages' folders is in the wheel (and each catalogue compiled)."""
    known = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *PACKAGES],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    shipped = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(set(known) - NOT_SHIPPED - shipped)
    assert missing == [], f"in the checkout, not in {wheel.name}: {missing}"
    catalogues = {name for name in shipped if name.endswith("/messages.po")}
    assert catalogues and {c[:-2] + "mo" for c in catalogues} <= shipped
