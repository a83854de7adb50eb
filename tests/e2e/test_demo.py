"""The README's first command: `run --demo` prints a curl, and that curl gets "accepted"."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_demo(tmp_path: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("METER_GATEWAY_")}
    env["METER_GATEWAY_HTTP_PORT"] = str(port)
    env["METER_GATEWAY_SMTP_ENABLED"] = "false"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway", "run", "--demo"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Running on" in line:
            return proc, lines
    proc.kill()
    raise AssertionError("gateway did not start:\n" + "".join(lines))


async def replay(curl: str) -> tuple[int, str]:
    """Do what the printed curl line does (curl itself may not be installed)."""
    args = shlex.split(curl.strip())
    url = next(a for a in args if a.startswith("http"))
    headers = dict(h.split(": ", 1) for h in (args[i + 1] for i, a in enumerate(args) if a == "-H"))
    data = args[args.index("--data-binary") + 1] if "--data-binary" in args else None
    async with aiohttp.ClientSession() as s:
        method = s.post if data is not None else s.get
        async with method(url, data=data, headers=headers) as resp:
            return resp.status, await resp.text()


async def test_demo_prints_a_curl_that_gets_accepted(tmp_path: Path) -> None:
    port = free_port()
    proc, lines = start_demo(tmp_path, port)
    try:
        curls = [line for line in lines if line.strip().startswith("curl ")]
        assert len(curls) == 2, lines
        status, body = await replay(curls[0])
        assert status == 200 and '"status": "accepted"' in body, body
        status, body = await replay(curls[1])
        assert status == 200 and re.search(r'"external_id": "demo-1"', body), body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert (tmp_path / "meter-gateway.sqlite3").exists()
