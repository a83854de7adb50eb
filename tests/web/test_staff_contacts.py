"""Staff link and unlink contacts on the account page (POST with CSRF, through the use case)
and see in the queue which message came from a verified contact. In-process HTTP, no
browser."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_sessionmaker
from storage.models import ContactAudit
from tests.web.conftest import serve
from tests.web.test_supplier_day import csrf, log_in, sms

JUMP = "1234567 09000 02010"


async def post(client: aiohttp.ClientSession, url: str, **form: str) -> tuple[int, str]:
    async with client.post(url, data=form, allow_redirects=True) as resp:
        return resp.status, await resp.text()


async def test_staff_link_and_unlink_a_contact_and_the_queue_marks_it(
    engine: AsyncEngine,
) -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # the session cookie of 127.0.0.1
    async with serve(engine) as base, aiohttp.ClientSession(cookie_jar=jar) as client:
        await log_in(client, base)
        page = f"{base}/staff/accounts/1234567"
        token = await csrf(client, page)
        url = f"{page}/contacts/link"
        status, _ = await post(client, url, kind="phone", address="89990000001")
        assert status == 403  # no CSRF token: refused before anything is read
        status, html = await post(client, url, csrf=token, kind="phone", address="8 999 000-00-01")
        assert status == 200 and "<code>+79990000001</code>" in html
        assert "+79990000001 привязан к 1234567" in html
        status, html = await post(client, url, csrf=token, kind="phone", address="12ab")
        assert status == 200 and "Это не контакт: 12ab." in html
        # the verified phone's message is marked in the queue, a stranger's is not
        await sms(client, base, "v1", JUMP)  # from +79990000001
        async with client.get(f"{base}/staff/review") as resp:
            queue = await resp.text()
        assert queue.count("проверенный контакт") == 1
        unlink = f"{page}/contacts/unlink"
        status, html = await post(client, unlink, csrf=token, kind="phone", address="+79990000001")
        assert status == 200 and "<code>+79990000001</code>" not in html
    async with make_sessionmaker(engine)() as s:
        audit = (await s.execute(select(ContactAudit.actor, ContactAudit.action))).all()
    assert [tuple(a) for a in audit] == [("rita", "link"), ("rita", "unlink")]
