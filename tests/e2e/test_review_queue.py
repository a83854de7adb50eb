"""The staff review queue over HTTP, in process, on both databases (issue 20): keyset pages
that keep the filter, counts per reason and channel, a card's consumption and usual monthly
average, the post/redirect/get to the next card of the same filter, and a decision that
fails (409, 422) answered inside the staff layout with a link to the next item."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.http.staff import queue
from tests.e2e.test_review_api import AMBIGUOUS, JUMP, submit
from tests.helpers import meter, seed, uow_of
from tests.hostile.test_http_edge import client, log_in
from tests.web.photo_messages import receive_photos

__all__ = ["client"]

# 5555555: six months of 100 a month, so a usual monthly average exists (docs/billing.md)
STEADY = [("5555555", "E-5", 1, date(2026, m, 20), str(1000 + 100 * (m - 5))) for m in range(5, 11)]
STEADY_JUMP = "5555555 3500"  # 2000 in a month where 100 is usual: implausible_jump


async def messages_in_review(client: TestClient, texts: list[str]) -> list[int]:
    ids = []
    for i, text in enumerate(texts):
        answer = await submit(client, text, f"q{i}")
        assert answer["status"] == "review", answer
        ids.append(answer["id"])
    return ids


def cards(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="card[^"]*" id="m(\d+)"', html)]


def link(html: str, rel: str) -> str:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', html)
    assert found is not None, f"no {rel} link"
    return found.group(1).replace("&amp;", "&")


async def test_keyset_pages_keep_the_filter_and_show_counts(
    client: TestClient, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "QUEUE_LIMIT", 2)
    ids = await messages_in_review(client, [JUMP, AMBIGUOUS, JUMP, JUMP, JUMP])
    jumps = [ids[0], *ids[2:]]
    await log_in(client, engine)
    first = await (await client.get("/staff/review", params={"reason": "implausible_jump"})).text()
    assert cards(first) == jumps[:2]
    assert 'rel="prev"' not in first
    second = await (await client.get(link(first, "next"))).text()
    assert dict(parse_qsl(urlsplit(link(first, "next")).query))["reason"] == "implausible_jump"
    assert cards(second) == jumps[2:]
    assert 'rel="next"' not in second
    back = await (await client.get(link(second, "prev"))).text()
    assert cards(back) == jumps[:2]
    # counts per reason and channel, of the whole queue whatever page is shown
    assert re.search(r'reason=implausible_jump"[^>]*>[^<]*<span class="tag">4</span>', first)
    assert re.search(r'reason=ambiguous"[^>]*>[^<]*<span class="tag">1</span>', first)
    assert re.search(r'<option value="sms" >[^<]*\(4\)</option>', first)  # within the reason
    assert "(4)</small>" in first  # the heading: the items of this filter


async def test_confirmed_first_pages_by_the_same_keyset_and_decides_on_in_that_order(
    client: TestClient, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "QUEUE_LIMIT", 2)
    ids = await messages_in_review(client, [JUMP, JUMP, JUMP, JUMP])
    async with uow_of(engine)() as uow:
        for confirmed in (ids[1], ids[3]):
            await uow.messages.set_meta(confirmed, {"confirmed_by_customer": True})
        await uow.commit()
    csrf = await log_in(client, engine)
    first = await (await client.get("/staff/review", params={"sort": "confirmed"})).text()
    assert cards(first) == [ids[1], ids[3]]
    assert "подтвердил эти показания" in first
    second = await (await client.get(link(first, "next"))).text()
    assert cards(second) == [ids[0], ids[2]]
    form = {"csrf": csrf, "mode": "parsed", "q-sort": "confirmed"}
    resp = await client.post(f"/staff/review/{ids[3]}/accept", data=form, allow_redirects=False)
    assert resp.headers["Location"] == f"/staff/review?sort=confirmed&focus={ids[0]}#m{ids[0]}"


async def test_a_card_shows_consumption_the_usual_average_and_the_ratio(
    client: TestClient, engine: AsyncEngine
) -> None:
    await seed(engine, [meter("5555555", "E-5")], STEADY)
    [message] = await messages_in_review(client, [STEADY_JUMP])
    await log_in(client, engine)
    html = await (await client.get(f"/staff/messages/{message}")).text()
    row = re.search(r"<tr>\s*<td>E-5.*?</tr>", html, re.S)
    assert row is not None, html
    cells = [
        " ".join(re.sub(r"<[^>]+>", " ", c).split())
        for c in re.findall(r"<td>(.*?)</td>", row[0], re.S)
    ]
    assert cells[1] == "1500 (2026-10-20)"
    assert cells[3] == "2000"  # consumption: 3500 - 1500
    assert cells[4] == "100 ×20.0"  # the average billing would estimate with, and the ratio
    assert 'href="/staff/accounts/5555555"' in html


async def test_a_decision_redirects_to_the_next_card_of_the_same_filter(
    client: TestClient, engine: AsyncEngine
) -> None:
    ids = await messages_in_review(client, [JUMP, AMBIGUOUS, JUMP, JUMP])
    csrf = await log_in(client, engine)
    form = {"csrf": csrf, "mode": "parsed", "q-reason": "implausible_jump", "after": str(ids[0])}
    resp = await client.post(f"/staff/review/{ids[2]}/accept", data=form, allow_redirects=False)
    assert resp.status == 303
    location = resp.headers["Location"]
    assert (
        location == f"/staff/review?reason=implausible_jump&after={ids[0]}&focus={ids[3]}#m{ids[3]}"
    )
    html = await (await client.get(location.split("#")[0])).text()
    assert cards(html) == [ids[3]]  # the page after ids[0] of the filter
    focused = re.search(r'<input name="value-1" id="value-(\d+)-1"[^>]*autofocus', html, re.S)
    assert focused is not None and int(focused.group(1)) == ids[3]
    assert "принято" in html  # the flash


async def test_a_second_decision_is_409_inside_the_staff_layout_with_the_next_item(
    client: TestClient, engine: AsyncEngine
) -> None:
    ids = await messages_in_review(client, [JUMP, JUMP])
    csrf = await log_in(client, engine)
    form = {"csrf": csrf, "mode": "parsed"}
    assert (await client.post(f"/staff/review/{ids[0]}/accept", data=form)).status == 200
    resp = await client.post(f"/staff/review/{ids[0]}/reject", data={**form, "reason": "x"})
    assert resp.status == 409 and resp.content_type == "text/html"
    html = await resp.text()
    assert f"Сообщение {ids[0]} уже обработано." in html
    assert 'action="/staff/logout"' in html  # the staff layout, logged in
    assert f'href="/staff/review?focus={ids[1]}#m{ids[1]}" id="next-item"' in html
    assert "Content-Security-Policy" in resp.headers


async def test_an_ambiguous_message_accepted_as_parsed_is_422_with_its_card_again(
    client: TestClient, engine: AsyncEngine
) -> None:
    ids = await messages_in_review(client, [AMBIGUOUS, JUMP])
    csrf = await log_in(client, engine)
    form = {"csrf": csrf, "mode": "parsed", "q-reason": "ambiguous"}
    resp = await client.post(f"/staff/review/{ids[0]}/accept", data=form)
    assert resp.status == 422
    html = await resp.text()
    assert "неоднозначно" in html or "ambiguous" in html
    assert cards(html) == [ids[0]]  # the card again, to give the values
    assert 'name="q-reason" value="ambiguous"' in html  # the filter travels on
    assert "next-item" not in html  # no other ambiguous item


async def test_a_card_for_another_uin_shows_that_accounts_registers(
    client: TestClient, engine: AsyncEngine
) -> None:
    [message] = await messages_in_review(client, [JUMP])
    csrf = await log_in(client, engine)
    html = await (
        await client.get("/staff/review", params={"card": message, "uin": "7654321"})
    ).text()
    assert "CW-1" in html and "HW-1" in html and "E-1" not in html
    assert f'data-reassign="{message}" value="7654321"' in html
    form = {"csrf": csrf, "mode": "values", "uin": "7654321", "meter-1": "CW-1", "zone-1": "1",
            "value-1": "101.5", "meter-2": "HW-1", "zone-2": "1", "value-2": "41"}  # fmt: skip
    resp = await client.post(f"/staff/review/{message}/accept", data=form, allow_redirects=False)
    assert resp.status == 303
    item = await (await client.get(f"/staff/messages/{message}")).text()
    assert "Показания приняты" in item


async def test_a_query_that_names_nothing_is_400_and_a_card_needs_a_login_and_a_message(
    client: TestClient, engine: AsyncEngine
) -> None:
    resp = await client.get("/staff/messages/1", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/staff/login")
    await log_in(client, engine)
    for query in [{"channel": "pigeon"}, {"reason": "whim"}, {"after": "x"}, {"uin": "12a"}]:
        resp = await client.get("/staff/review", params=query)
        assert resp.status == 400 and resp.content_type == "text/html", query
    assert (await client.get("/staff/messages/999")).status == 404
    assert (await client.get("/staff/messages/0")).status == 404


async def test_a_refused_photo_decision_comes_back_with_the_uin_typed_on_the_photo(
    client: TestClient, engine: AsyncEngine
) -> None:
    telegram, _ = await receive_photos(engine)
    csrf = await log_in(client, engine)
    form = {"csrf": csrf, "mode": "values", "uin": "7654321", "meter-p1": "CW-1", "zone-p1": "1",
            "value-p1": "99", "meter-p2": "HW-1", "zone-p2": "1", "value-p2": "41"}  # fmt: skip
    resp = await client.post(f"/staff/review/{telegram}/accept", data=form)
    assert resp.status == 422  # 99 is lower than the last accepted 100
    html = await resp.text()
    assert re.search(r'name="uin" value="7654321"[^>]*data-photo-uin', html), html
    assert f'name="value-1" id="value-{telegram}-1" class="value" value="99"' in html
