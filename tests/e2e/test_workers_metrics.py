"""``/metrics`` with ``run --workers 2`` reports the whole gateway: whichever worker takes
the scrape, the messages counted are all of them (prometheus_client's multiprocess mode, in
a directory the supervisor makes before the first import and removes at the end)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Databases
from tests.e2e.test_workers import N, postgresql, send_all, start
from tests.helpers import meter, seed

SCRAPES = 12


def messages_counted(text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "meter_gateway_messages_total"
    )


def metrics_dir(pid: int) -> Path:
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    found = [
        v for k, _, v in (e.partition(b"=") for e in environ) if k == b"PROMETHEUS_MULTIPROC_DIR"
    ]
    assert len(found) == 1, "run --workers sets PROMETHEUS_MULTIPROC_DIR for its workers"
    return Path(found[0].decode())


async def test_every_scrape_counts_every_workers_messages(
    tmp_path: Path, databases: Databases
) -> None:
    url, sessions = await postgresql(databases)
    await seed(sessions, [meter(str(1000000 + i), "E-1") for i in range(N)])
    gateway, workers = await start(tmp_path, url)
    try:
        directory = metrics_dir(workers[0])
        sent = await send_all(gateway.port)
        assert {status for status, _ in sent.values()} == {200}
        # both workers counted some of them (the kernel spread the fresh connections)
        assert all((directory / f"counter_{pid}.db").exists() for pid in workers)
        connector = aiohttp.TCPConnector(force_close=True)  # each scrape a new connection
        async with aiohttp.ClientSession(connector=connector) as client:
            counted = []
            for _ in range(SCRAPES):
                async with client.get(f"{gateway.url}/metrics") as r:
                    assert r.status == 200
                    counted.append(messages_counted(await r.text()))
    finally:
        code = await gateway.stop()  # waited for, with a deadline; its log has no traceback
    assert counted == [N] * SCRAPES
    assert code == 0
    assert not directory.exists()  # the supervisor removed it
