"""The gateway as people get it: the wheel built from this checkout, installed (not
editable) into a fresh virtualenv, and its ``meter-gateway`` command run as a subprocess
with nothing of the checkout on its path.

The wheel is built from a copy of the files git tracks (as they are in the work tree), as
a fresh clone builds it: a stale ``build/`` or ``*.egg-info`` of the checkout never leaks
into it, and a new file that is not added yet is missing, as it would be from the next
release. It is built by the locked setuptools of the test environment (no build isolation,
as ``scripts/test`` installs). Dependencies come from the lock ``requirements/runtime.txt``
(exact versions, ``--require-hashes``), the wheel itself then with ``--no-deps``, as
README's "Deploying" says.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "runtime.txt"
TRACEBACK = "Traceback"
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


def clean_env() -> dict[str, str]:
    """This environment without any configuration of the gateway or path into the checkout."""
    dropped = ("METER_GATEWAY_", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    return {k: v for k, v in os.environ.items() if not k.startswith(dropped)}


@dataclass(frozen=True)
class Installed:
    """The virtualenv the wheel went into."""

    venv: Path

    @property
    def command(self) -> str:
        return str(self.venv / "bin" / "meter-gateway")

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def run(
        self, *args: str, cwd: Path, stdin: str = "", timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """``meter-gateway <args>`` to its end; its output must hold no traceback."""
        done = subprocess.run(
            [self.command, *args], input=stdin, capture_output=True, text=True,
            env=clean_env(), cwd=cwd, timeout=timeout,
        )  # fmt: skip
        assert TRACEBACK not in done.stdout + done.stderr, (args, done.stdout, done.stderr)
        return done

    async def arun(
        self, *args: str, cwd: Path, stdin: str = "", timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """``run`` off the event loop: fake servers of the test keep answering meanwhile."""
        return await asyncio.to_thread(self.run, *args, cwd=cwd, stdin=stdin, timeout=timeout)

    def start(self, config: Path, cwd: Path, log: Path, port: int) -> Gateway:
        """``meter-gateway run --config <config>``, its output into ``log``."""
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [self.command, "run", "--config", str(config)],
                env=clean_env(), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        return Gateway(proc, log, port)


@dataclass
class Gateway:
    """A running ``meter-gateway run``."""

    proc: subprocess.Popen[bytes]
    log_path: Path
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def assert_clean_log(self) -> None:
        assert TRACEBACK not in self.log(), f"the gateway's log has a traceback:\n{self.log()}"

    async def wait_ready(self, timeout: float = 60) -> None:
        """Until ``/readyz`` answers 200; fails at once, with the log, if the process ends."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as s:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError(
                        f"meter-gateway run exited with {self.proc.returncode}:\n{self.log()}"
                    )
                try:
                    async with s.get(f"{self.base}/readyz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"not ready within {timeout} s:\n{self.log()}")

    async def stop(self, timeout: float = 30) -> int:
        """SIGTERM, and its exit status (waited for off the loop); killed if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.proc.wait, timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                await asyncio.to_thread(self.proc.wait, 10)
                raise AssertionError(
                    f"no exit within {timeout} s of SIGTERM:\n{self.log()}"
                ) from None
        return self.proc.returncode
