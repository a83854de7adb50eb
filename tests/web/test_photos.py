"""A message's photo served to logged-in staff only, as the type its bytes show, and the
registers the photo card loads; over HTTP, on both databases (docs/staff.md, "Photos")."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.domain.contacts import contact
from gateway.domain.rules import Rules
from gateway.service.contacts import ContactUseCases
from tests.e2e.conftest import NOW
from tests.helpers import uow_of
from tests.web.conftest import serve
from tests.web.photo_messages import JPEG, PNG, receive_photos
from tests.web.test_supplier_day import log_in


@pytest.fixture
async def base(engine: AsyncEngine) -> AsyncIterator[str]:
    async with serve(engine) as url:
        yield url


def jar() -> aiohttp.CookieJar:
    return aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1


async def test_a_stranger_gets_the_login_page_never_the_photo(
    base: str, engine: AsyncEngine
) -> None:
    telegram, email = await receive_photos(engine)
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        for path in (f"/staff/messages/{telegram}/photo", f"/staff/messages/{email}/photo/0"):
            async with client.get(f"{base}{path}", allow_redirects=False) as resp:
                body = await resp.read()
                assert resp.status == 303, path
                assert resp.headers["Location"].startswith("/staff/login?next=")
                assert PNG[:16] not in body and JPEG[:16] not in body
        async with client.get(f"{base}/staff/accounts/7654321/registers") as resp:
            assert resp.status == 401
            assert "Войдите" in (await resp.json())["error"]


async def test_staff_get_each_photo_with_its_real_type(base: str, engine: AsyncEngine) -> None:
    telegram, email = await receive_photos(engine)
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await log_in(client, base)
        async with client.get(f"{base}/staff/messages/{telegram}/photo") as resp:
            assert resp.status == 200
            assert await resp.read() == PNG
            assert resp.headers["Content-Type"] == "image/png"
            assert resp.headers["Content-Disposition"].startswith("inline;")
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert resp.headers["Cache-Control"].startswith("private")
        async with client.get(f"{base}/staff/messages/{email}/photo/0") as resp:
            assert (resp.status, resp.headers["Content-Type"]) == (200, "image/jpeg")
            assert await resp.read() == JPEG
        # declared image/png, bytes of HTML: never served as either
        async with client.get(f"{base}/staff/messages/{email}/photo/1") as resp:
            assert resp.status == 415
            assert "text/html" in resp.headers["Content-Type"]
            assert "<script>alert" not in await resp.text()
        for path in (f"{email}/photo/2", f"{email}/photo/999", "0/photo", "abc/photo",
                     f"{telegram}/photo/1", "99999999/photo"):  # fmt: skip
            async with client.get(f"{base}/staff/messages/{path}") as resp:
                assert resp.status == 404, path
                assert "Такого фото нет." in await resp.text(), path


async def test_the_queue_shows_the_photos_inline_and_names_other_attachments(
    base: str, engine: AsyncEngine
) -> None:
    telegram, email = await receive_photos(engine)
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await log_in(client, base)
        async with client.get(f"{base}/staff/review") as resp:
            page = await resp.text()
    assert f'<img src="/staff/messages/{telegram}/photo/0"' in page
    assert f'<img src="/staff/messages/{email}/photo/0"' in page
    assert f'src="/staff/messages/{email}/photo/1"' in page  # listed; the route answers 415
    assert "bill.pdf (application/pdf, 8 B)" in page
    assert "{'filename'" not in page  # the old link to a dict's text
    assert '<script src="/static/photo.js" defer></script>' in page


async def test_registers_of_an_account_for_the_photo_card(base: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await log_in(client, base)
        async with client.get(f"{base}/staff/accounts/7654321/registers") as resp:
            assert resp.status == 200
            found = await resp.json()
        async with client.get(f"{base}/staff/accounts/{'9' * 40}/registers") as resp:
            assert resp.status == 404
        async with client.get(f"{base}/staff/accounts/0000000/registers") as resp:
            answer = (resp.status, await resp.json())
        # the staff language chosen (and kept in the session) answers in English
        async with client.get(f"{base}/staff/accounts/1234567/registers?lang=en") as resp:
            english = await resp.json()
    assert answer == (404, {"error": "Лицевого счёта 0000000 нет."})
    assert [(r["key"], r["meter"], r["zone"], r["decimals"]) for r in found["registers"]] == [
        ("p1", "CW-1", 1, 3),
        ("p2", "HW-1", 1, 3),
    ]
    first = found["registers"][0]
    assert first["label"] == "CW-1 · Холодная вода"
    assert first["field_label"] == "Показание для CW-1 · Холодная вода"
    assert first["last"] == "последнее принятое: 100.000 (2026-10-20)"
    assert first["hint"] == "целых цифр: до 5, после точки: 3"
    assert [r["label"] for r in english["registers"]] == [
        "E-1 · Electricity, T1 (day)",
        "E-1 · Electricity, T2 (night)",
    ]


async def test_an_expired_form_is_refused_in_russian(base: str) -> None:
    async with (
        aiohttp.ClientSession(cookie_jar=jar()) as client,
        client.post(f"{base}/staff/logout", data={"csrf": "forged"}) as resp,
    ):
        assert resp.status == 403
        assert "Форма устарела" in await resp.text()


async def test_a_photo_from_a_verified_contact_comes_with_its_account(
    base: str, engine: AsyncEngine
) -> None:
    """The photo card loads the one account its sender is verified for (docs/staff.md)."""
    _, email = await receive_photos(engine)
    contacts = ContactUseCases(uow_of(engine), Rules(), lambda: NOW)
    assert await contacts.link_by_staff(
        "anna", contact("email", "pavel@mail.example.ru"), "1234567"
    )
    async with aiohttp.ClientSession(cookie_jar=jar()) as client:
        await log_in(client, base)
        async with client.get(f"{base}/staff/review") as resp:
            page = await resp.text()
    assert f'id="photo-uin-{email}" name="uin" value="1234567"' in page
