"""The installed command runs the wheel in its virtualenv, not the checkout, in the
environment the tier starts it in (that the wheel holds every file of the packages:
tests/test_package_data.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.gateway import process_env
from tests.support.installed import Installed

pytestmark = pytest.mark.installed

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
    env = process_env(command=installed.command)
    done = subprocess.run(
        [installed.python, "-c", WHERE], capture_output=True, text=True, env=env, cwd=tmp_path,
        timeout=60, check=True,
    )  # fmt: skip
    found = json.loads(done.stdout)
    site = installed.venv.resolve()
    assert all(Path(f).resolve().is_relative_to(site) for f in found["files"]), found
    assert "archive_info" in found["direct_url"], found  # installed from the wheel file
    assert not found["direct_url"].get("dir_info", {}).get("editable"), found
