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
from collections.abc import Mapping
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gateway(
    tmp_path: Path, port: int, db_url: str, env: Mapping[str, str] = {}, log: str = "gateway.log"
) -> subprocess.Popen[bytes]:
    """Start ``python -m gateway run`` on ``port`` with only the given METER_GATEWAY_*
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
        [sys.executable, "-m", "gateway", "run"],
        env=base | dict(env),
        cwd=tmp_path,
        stdout=out,
        stderr=out,
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
