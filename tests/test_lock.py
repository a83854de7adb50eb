"""The lock (requirements.txt and requirements-test.txt, made by scripts/lock) agrees with
pyproject.toml. No network."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
EXTRAS = PROJECT["optional-dependencies"]
TEST = [*RUNTIME, *(Requirement(r) for extra in ("test", "ocr") for r in EXTRAS[extra])]
LOCKS = {"runtime": (RUNTIME, ROOT / "requirements.txt"),
         "test": (TEST, ROOT / "requirements-test.txt")}  # fmt: skip
SELF = "meter-gateway (pyproject.toml)"  # pip-compile's "# via" for our own requirements
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)\s*(?:\\)?$")
VIA = re.compile(r"^\s*#\s+(?:via\s+)?(\S.*?)\s*$")


class Pin:
    def __init__(self, version: str) -> None:
        self.version = Version(version)
        self.hashes = 0
        self.via: set[str] = set()


def parse(lock: str) -> dict[str, Pin]:
    """The pins of a pip-compile output: name -> version, hash count and ``# via`` sources."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for line in lock.splitlines():
        if m := PIN.match(line):
            current = pins[canonicalize_name(m[1])] = Pin(m[2])
        elif current and line.strip().startswith("--hash=sha256:"):
            current.hashes += 1
        elif current and line.lstrip().startswith("#") and line.startswith(" "):
            via = VIA.match(line)
            if via and via[1] != "via":
                current.via.add(via[1])
        elif line.strip() and not line.startswith(" "):
            current = None
    return pins


def problems(requirements: list[Requirement], lock: str) -> list[str]:
    """Where a lock file and the requirements it was compiled from disagree."""
    pins = parse(lock)
    wanted = {canonicalize_name(r.name) for r in requirements}
    found = []
    for req in requirements:
        if req.marker is not None and not req.marker.evaluate():
            continue
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            found.append(f"{req.name} is not in the lock")
        elif not req.specifier.contains(pin.version, prereleases=True):
            found.append(f"{req.name}=={pin.version} is outside {req}")
    for name, pin in pins.items():
        if SELF in pin.via and name not in wanted:
            found.append(f"{name} is pinned for meter-gateway but not in pyproject.toml")
        if pin.hashes == 0:
            found.append(f"{name} has no hash")
    return found


@pytest.mark.parametrize("which", LOCKS)
def test_the_lock_pins_what_pyproject_asks(which: str) -> None:
    requirements, path = LOCKS[which]
    assert problems(requirements, path.read_text()) == [], "run scripts/lock"


def test_the_test_lock_has_the_runtime_locks_versions() -> None:
    runtime = parse(LOCKS["runtime"][1].read_text())
    test = parse(LOCKS["test"][1].read_text())
    assert len(runtime) > 20
    differ = {n: (p.version, test[n].version if n in test else None) for n, p in runtime.items()}
    assert {n: v for n, v in differ.items() if v[0] != v[1]} == {}, "run scripts/lock"


def test_the_extras_we_ask_for_are_locked() -> None:
    """--strip-extras drops ``[asyncio]`` from the lock: what the extra brings must be there."""
    pins = parse(LOCKS["runtime"][1].read_text())
    needed = {
        canonicalize_name(dep.name): f"{req.name}[{extra}]"
        for req in RUNTIME
        for extra in req.extras
        for dep in map(Requirement, metadata.requires(req.name) or [])
        if dep.marker and dep.marker.evaluate({"extra": extra}) and not dep.marker.evaluate()
    }
    assert "greenlet" in needed  # SQLAlchemy[asyncio]
    assert {name: extra for name, extra in needed.items() if name not in pins} == {}


LOCK = """\
aiohttp==3.14.5 \\
    --hash=sha256:0133c3c3b54a0bf1e71fa5c1ad95c93f07fd54e24ef1fe182f5122e1573d2bf1
    # via
    #   -c requirements.txt
    #   meter-gateway (pyproject.toml)
yarl==1.25.1 \\
    --hash=sha256:0133c3c3b54a0bf1e71fa5c1ad95c93f07fd54e24ef1fe182f5122e1573d2bf1
    # via aiohttp
"""


@pytest.mark.parametrize(
    ("requirements", "lock", "problem"),
    [
        pytest.param(["aiohttp>=3.9,<4"], LOCK, None, id="agree"),
        pytest.param(["aiohttp>=3.15,<4"], LOCK, "aiohttp==3.14.5 is outside", id="range"),
        pytest.param(["aiohttp", "httpx"], LOCK, "httpx is not in the lock", id="added"),
        pytest.param([], LOCK, "aiohttp is pinned for meter-gateway", id="removed"),
        pytest.param(
            ["aiohttp"], LOCK.replace("    --hash", "    # ", 1), "aiohttp has no hash", id="hash"
        ),
        pytest.param(["aiohttp", "yarl"], LOCK, None, id="transitive-asked"),
    ],
)
def test_a_disagreement_is_found(requirements: list[str], lock: str, problem: str | None) -> None:
    found = problems([Requirement(r) for r in requirements], lock)
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(problem), found
