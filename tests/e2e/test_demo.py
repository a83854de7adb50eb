"""The README's first command: `run --demo` prints a curl, and that curl gets "accepted"."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import aiohttp

from tests.support.gateway import Gateway
from tests.support.waiting import until


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
    # no database setting: the demo makes its own SQLite file in the working directory
    demo = Gateway(tmp_path, args=["--demo"]).start()
    try:
        # its output goes to a file read without blocking: the deadline holds even when
        # the demo prints nothing at all
        def started() -> bool:
            assert demo.running(), f"the demo exited:\n{demo.log_text()}"
            return "Running on" in demo.log_text()

        await until(started, "the demo's 'Running on' line", 60)
        lines = demo.log_text().splitlines()
        curls = [line for line in lines if line.strip().startswith("curl ")]
        assert len(curls) == 2, lines
        assert f":{demo.port}/" in curls[0]
        status, body = await replay(curls[0])
        assert status == 200 and '"status": "accepted"' in body, body
        status, body = await replay(curls[1])
        assert status == 200 and re.search(r'"external_id": "demo-1"', body), body
    finally:
        await demo.close()
    assert (tmp_path / "meter-gateway.sqlite3").exists()
