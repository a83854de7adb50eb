"""The wheel carries every file of our packages that git tracks: templates, static files,
catalogues, migrations. Built once, from the tracked files alone, as a fresh clone builds it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIND = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]


def tracked() -> list[str]:
    """Every file git tracks (as it is in the work tree: a change not yet committed counts)."""
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [p for p in out.split("\0") if p and (ROOT / p).is_file()]


def in_packages(path: str) -> bool:
    top = path.split("/", 1)[0]
    return "/" in path and any(Path(top).match(pattern) for pattern in FIND["find"]["include"])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The names in the wheel built from a copy of the tracked files (no stale build/, no
    untracked file that happens to lie in the work tree)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    for path in tracked():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, src / path)
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp)],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (whl,) = tmp.glob("meter_gateway-*.whl")
    with zipfile.ZipFile(whl) as z:
        return set(z.namelist())


def test_every_tracked_file_of_the_packages_is_in_the_wheel(wheel: set[str]) -> None:
    files = [p for p in tracked() if in_packages(p)]
    data = [p for p in files if not p.endswith(".py")]
    # the files the code opens at run time, so this test cannot pass on an empty list
    assert {
        "gateway/http/templates/home.html",
        "gateway/http/templates/form.html",
        "gateway/http/static/app.css",
        "gateway/locale/ru/LC_MESSAGES/messages.mo",
        "storage/migrations/script.py.mako",
    } <= set(data)
    assert any(p.startswith("storage/migrations/versions/") for p in files)
    assert sorted(set(files) - wheel) == [], "add their kind to package-data in pyproject.toml"


def test_the_wheel_has_no_file_git_does_not_track(wheel: set[str]) -> None:
    ours = {p for p in wheel if ".dist-info/" not in p}
    assert sorted(ours - set(tracked())) == []
