"""The gateway as people get it: the wheel built from this checkout, installed (not
editable) into a fresh virtualenv, and its ``meter-gateway`` command run as a subprocess
(``tests/support/gateway.py``'s ``Gateway`` and ``run_cli`` with ``command``), with nothing
of the checkout on its path.

The wheel is built from a copy of the files git tracks (as they are in the work tree), as
a fresh clone builds it: a stale ``build/`` or ``*.egg-info`` of the checkout never leaks
into it, and a new file that is not added yet is missing, as it would be from the next
release. It is built by the locked setuptools of the test environment (no build isolation,
as ``scripts/test`` installs). Dependencies come from the lock ``requirements.txt``
(exact versions, ``--require-hashes``), the wheel itself then with ``--no-deps``, as
README's "Deploying" says.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.gateway import Gateway, run_cli, tracebacks

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.txt"
# pip installs some forty packages: minutes on a loaded machine at worst
PIP_TIMEOUT = 600


def _run(args: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=PIP_TIMEOUT)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def source_copy(dest: Path) -> Path:
    """The files of the checkout a fresh clone has, with the changes not committed yet."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet staged is listed too
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def build_wheel(workdir: Path) -> Path:
    """``python -m build --wheel`` of a clean copy of the checkout; the one wheel made."""
    source = source_copy(workdir / "src")
    out = workdir / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
         cwd=source)  # fmt: skip
    [wheel] = out.glob("meter_gateway-*.whl")
    return wheel


def install(wheel: Path, venv: Path) -> Installed:
    """A fresh virtualenv with ``wheel`` installed, as the README tells users to."""
    _run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    _run([*pip, "--require-hashes", "-r", str(LOCK)])
    _run([*pip, "--no-deps", str(wheel)])
    return Installed(venv)


@dataclass(frozen=True)
class Installed:
    """The virtualenv the wheel went into."""

    venv: Path

    @property
    def command(self) -> tuple[str]:
        """The installed ``meter-gateway`` script, as ``Gateway`` and ``run_cli`` take it."""
        return (str(self.venv / "bin" / "meter-gateway"),)

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def gateway(self, cwd: Path, config: Path, port: int, env: Mapping[str, str] = {}) -> Gateway:
        """``meter-gateway run --config <config>`` on ``port`` (which the config names too),
        not started; ``env`` as in ``Gateway`` (its default turns the SMTP listener off)."""
        args: Sequence[str] = ("--config", str(config))
        return Gateway(cwd, port=port, args=args, env=env, command=self.command)

    async def cli(self, *args: str, cwd: Path, stdin: str = "") -> str:
        """``meter-gateway <args>`` to its end, off the event loop (the test's fake servers
        keep answering); its standard output, after exit 0 and no traceback."""
        done = await asyncio.to_thread(run_cli, *args, cwd=cwd, stdin=stdin, command=self.command)
        assert not tracebacks(done.stdout + done.stderr), (args, done.stdout, done.stderr)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout
