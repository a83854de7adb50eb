"""The real gateway as a separate process (``python -m gateway run``), for the tests that
kill it, start two of them, or take its database away."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gateway(
    tmp_path: Path,
    port: int,
    db_url: str,
    env: Mapping[str, str] = {},
    log: str = "gateway.log",
    args: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    """Start ``python -m gateway run [args]`` on ``port`` with only the given METER_GATEWAY_*
    settings (the SMTP listener off unless ``env`` turns it on); this checkout's code is
    the one run, whichever is installed."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("METER_GATEWAY_")}
    base |= {
        "PYTHONPATH": str(ROOT),
        "METER_GATEWAY_HTTP_PORT": str(port),
        "METER_GATEWAY_DATABASE_URL": db_url,
        "METER_GATEWAY_SMTP_ENABLED": "false",
    }
    out = (tmp_path / log).open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "gateway", "run", *args],
        env=base | dict(env),
        cwd=tmp_path,
        stdout=out,
        stderr=out,
        start_new_session=True,  # its own process group: a test can kill it with its workers
    )


async def wait_ready(port: int, timeout: float = 30) -> None:
    async with aiohttp.ClientSession() as s:
        for _ in range(int(timeout * 10)):
            try:
                async with s.get(f"http://127.0.0.1:{port}/readyz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"gateway on port {port} did not become ready")


def signed_sms(secret: str, external_id: str, sender: str, text: str) -> tuple[str, str]:
    """A generic-provider webhook body and its X-Signature header."""
    raw = json.dumps({"id": external_id, "from": sender, "text": text})
    return raw, "sha256=" + hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()


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


def connections_held(port: int, pids: Iterable[int]) -> dict[int, int]:
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
