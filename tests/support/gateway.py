"""The real gateway as a separate process, as an operator runs it: ``meter-gateway run``
for the tests that kill it, start two of them, or take its database away, and the other
commands (``accounts import``, ``period close``...) as a user types them.

``command`` is what runs the gateway; by default this checkout's code
(``python -m gateway`` with the checkout first on ``PYTHONPATH``, whatever is installed),
or e.g. an installed wheel's ``meter-gateway`` script. Only the given ``METER_GATEWAY_*``
settings reach the process: the developer's own (``METER_GATEWAY_CONFIG`` too) never do.

A gateway's log is checked when it is stopped or killed: a Python traceback in it fails
the test (an error the gateway handles is logged as one line, never as a traceback)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiohttp

from tests.support.ports import free_port
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[2]
CHECKOUT = (sys.executable, "-m", "gateway")
STOP_TIMEOUT = 30.0  # seconds a stopped gateway may take to exit on a loaded machine


def process_env(
    settings: Mapping[str, str] = {}, command: Sequence[str] | None = None
) -> dict[str, str]:
    """This environment without any METER_GATEWAY_* variable, plus ``settings``; this
    checkout on PYTHONPATH when ``command`` is the default one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("METER_GATEWAY_")}
    if command is None:
        env["PYTHONPATH"] = str(ROOT)
    return env | dict(settings)


def run_cli(
    *args: str,
    db_url: str = "",
    env: Mapping[str, str] = {},
    cwd: Path | None = None,
    stdin: str | None = None,
    command: Sequence[str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``meter-gateway <args>`` to its end, its output captured as text."""
    settings = {"METER_GATEWAY_DATABASE_URL": db_url} if db_url else {}
    return subprocess.run(
        [*(command or CHECKOUT), *args],
        env=process_env(settings | dict(env), command),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


async def start_cli(
    cwd: Path, db_url: str, *args: str, command: Sequence[str] | None = None
) -> asyncio.subprocess.Process:
    """``meter-gateway <args>`` on ``db_url``, started in this loop, output piped."""
    return await asyncio.create_subprocess_exec(
        *(command or CHECKOUT),
        *args,
        env=process_env({"METER_GATEWAY_DATABASE_URL": db_url}, command),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def tracebacks(log: str) -> list[str]:
    """The tracebacks in a log, each cut to its first and last lines."""
    found = []
    lines = log.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            end = next(
                (m for m in range(n + 1, len(lines)) if not lines[m].startswith((" ", "\t"))),
                len(lines) - 1,
            )
            found.append("\n".join([*lines[max(0, n - 1) : n + 1], "  ...", lines[end]]))
    return found


class Gateway:
    """``meter-gateway run [args]`` on ``port`` (a free one unless given), in ``tmp_path``,
    its output appended to ``tmp_path / log``; the SMTP listener is off unless ``env``
    turns it on. It runs in its own process group: a test can kill it with its workers."""

    def __init__(
        self,
        tmp_path: Path,
        db_url: str = "",
        env: Mapping[str, str] = {},
        *,
        port: int | None = None,
        log: str = "gateway.log",
        args: Sequence[str] = (),
        command: Sequence[str] | None = None,
    ) -> None:
        self.tmp_path = tmp_path
        self.port = port or free_port()
        self.log = tmp_path / log
        self.argv = [*(command or CHECKOUT), "run", *args]
        settings = {
            "METER_GATEWAY_HTTP_PORT": str(self.port),
            "METER_GATEWAY_SMTP_ENABLED": "false",
        }
        if db_url:
            settings["METER_GATEWAY_DATABASE_URL"] = db_url
        self.env = process_env(settings | dict(env), command)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def start(self) -> Gateway:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.tmp_path,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def ready(self, timeout: float = 60) -> Gateway:
        """Wait until /readyz answers 200; fails at once if the process exits."""
        async with aiohttp.ClientSession() as s:

            async def answers() -> bool:
                if not self.running():
                    raise AssertionError(f"the gateway exited:\n{self.log_text()[-3000:]}")
                try:
                    async with s.get(f"{self.url}/readyz") as r:
                        return r.status == 200
                except aiohttp.ClientError:
                    return False

            await until(answers, f"the gateway on port {self.port} ready", timeout, 0.1)
        return self

    async def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        """Its exit code, waited for in a thread (this loop keeps serving the fakes)."""
        assert self.proc is not None
        return await asyncio.to_thread(self.proc.wait, timeout)

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Signal it and wait for its exit (killed with its group past ``timeout``, and the
        test fails); then its log is checked. Returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                await self.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill_group()
                raise AssertionError(f"the gateway did not exit within {timeout} s") from None
        self.check_log()
        return self.proc.returncode

    async def kill(self) -> None:
        """SIGKILL to its whole process group (a power cut, the OOM killer); the log up to
        then is checked."""
        self._kill_group()
        await self.wait()
        self.check_log()

    def _kill_group(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(STOP_TIMEOUT)

    def check_log(self) -> None:
        found = tracebacks(self.log_text())
        assert not found, f"{len(found)} traceback(s) in {self.log.name}:\n" + "\n".join(found[:5])

    async def close(self) -> None:
        """For ``finally``: stop it if it still runs (its log is checked either way)."""
        if self.proc is not None:
            await self.stop()

    async def __aenter__(self) -> Gateway:
        self.start()
        await self.ready()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if exc[0] is None:
            await self.close()
        elif self.running():  # the test failed already: stop, without hiding its error
            self._kill_group()


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def connections_held(port: int, pids: Sequence[int]) -> dict[int, int]:
    """How many established TCP connections to local ``port`` each of ``pids`` holds (the
    server's side of them): which worker process accepted which connection."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    held = {}
    for pid in pids:
        targets = []
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                targets.append(os.readlink(fd))
            except OSError:
                continue
        held[pid] = sum(1 for t in targets if t in inodes)
    return held
