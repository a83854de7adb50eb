"""The account page and the Russian staff UI over HTTP, on both databases: charts per
service in their units with a labelled scale, readings with their register's labels and
decimals (what was typed for an ambiguous one), messages linked to their cards, and no raw
code (reason, status, channel, label) left as visible text on any staff page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import load_config
from gateway.domain.model import Channel, Reason, Status
from gateway.http.staff.charts import bar_chart, nice_step
from gateway.http.texts import CHANNEL_NAMES, LABEL_NAMES, REASON_NAMES, figure
from gateway.service import account_queries
from gateway.service.closing import close_period
from parsers.words import LABELS
from tests.e2e.conftest import ACCOUNTS, HISTORY, NOW
from tests.e2e.test_review_api import JUMP
from tests.helpers import seed, uow_of
from tests.web.conftest import serve
from tests.web.photo_messages import receive_photos
from tests.web.test_helpers import sms
from tests.web.test_supplier_day import log_in

# every code a staff page could show raw: reasons, statuses, channels, the parser's labels
CODES = {*(str(r) for r in Reason), *(str(s) for s in Status), *(str(c) for c in Channel),
         *LABELS, "superseded", "import"}  # fmt: skip
RAW = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, CODES), key=len)[::-1]) + r")(?![\w-])"
)


class VisibleText(HTMLParser):
    """A page's visible text, less what customers typed (``pre``, ``code``): attribute
    values (URLs, field names) are not text."""

    HIDDEN = {"pre", "code", "script", "style"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.depth += tag in self.HIDDEN

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag in self.HIDDEN

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
async def base(engine: AsyncEngine) -> AsyncIterator[str]:
    async with serve(engine, METER_GATEWAY_SMS_GENERIC_SEND_URL="http://127.0.0.1:9/send") as url:
        yield url


async def pages(base: str, paths: list[str]) -> dict[str, str]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await log_in(client, base)
        out = {}
        for path in paths:
            async with client.get(f"{base}{path}") as resp:
                assert resp.status == 200, path
                out[path] = await resp.text()
        return out


async def test_no_raw_code_is_shown_on_the_russian_staff_pages(
    base: str, engine: AsyncEngine
) -> None:
    sent = [
        await sms(base, JUMP, "c1"),  # implausible_jump
        await sms(base, "1234567 5,123 2010", "c2"),  # ambiguous
        await sms(base, "1234567 5O23 2010", "c3"),  # not_a_number
        await sms(base, "3333333 150", "c4"),  # meter_verification_expired
        await sms(base, "7654321 101.5 41.2", "c5"),  # accepted
        await sms(base, "T1 5123 day 2010 cold 4", "c6"),  # no_uin, labels in the parse
    ]
    await receive_photos(engine)  # photo, by Telegram and email
    paths = ["/staff/", "/staff/review", "/staff/review?status=rejected",
             "/staff/review?channel=email&reason=photo", "/staff/accounts/1234567",
             "/staff/accounts/7654321", "/staff/accounts/3333333"]  # fmt: skip
    found = await pages(base, paths)
    for path, html in found.items():
        text = visible(html)
        for answer in sent:  # the reply a customer was sent is quoted as it went out
            text = text.replace(" ".join(answer["reply"].split()), "")
        assert not RAW.findall(text), (path, RAW.findall(text), text)
        assert not re.search(r"\bT[123]\b", text), (path, text)  # Latin T1: an English code
    queue = visible(found["/staff/review"])
    assert {"неправдоподобный скачок", "неоднозначное число", "только фото"} <= set(
        re.findall(r"неправдоподобный скачок|неоднозначное число|только фото", queue)
    )
    assert "СМС" in queue and "эл. почта" in visible(
        found["/staff/review?channel=email&reason=photo"]
    )


async def test_the_account_page_shows_what_staff_need(base: str, engine: AsyncEngine) -> None:
    jump = await sms(base, JUMP, "a1")
    ambiguous = await sms(base, "1234567 5,123 2010", "a2")
    water = await sms(base, "7654321 101.5 41.25", "a3")
    assert (ambiguous["status"], ambiguous["reason"]) == ("review", "ambiguous")
    rules = load_config(environ={}).rules
    for period in ("2026-08", "2026-09", "2026-10"):
        await close_period(uow_of(engine), period, rules, {"electricity": Decimal(100),
                           "cold_water": Decimal(4), "hot_water": Decimal(3)},
                           today=NOW.date(), now=NOW)  # fmt: skip
    found = await pages(base, ["/staff/accounts/1234567", "/staff/accounts/7654321",
                               "/staff/accounts/3333333"])  # fmt: skip
    power, water_page, single = (visible(found[p]) for p in found)
    # what was typed, never the decimal the parse put first
    assert "как набрано: 5,123" in power and "5.123" not in power
    for message in (jump, ambiguous):
        assert (
            f'<a href="/staff/messages/{message["id"]}">#{message["id"]}</a>'
            in (found["/staff/accounts/1234567"])
        )
    assert f'href="/staff/messages/{water["id"]}"' in found["/staff/accounts/7654321"]
    # one chart per service, each in its unit, with a labelled scale; never kWh + m³
    charts = re.findall(r"<svg class=\"chart\".*?</svg>", found["/staff/accounts/7654321"])
    assert len(charts) == 2
    assert "Холодная вода, м³" in charts[0] and "Горячая вода, м³" in charts[1]
    assert all(len(re.findall(r'class="tick"', c)) == 5 for c in charts)
    assert len(re.findall(r"<svg class=\"chart\"", found["/staff/accounts/1234567"])) == 1
    assert "Электроэнергия, кВт·ч" in found["/staff/accounts/1234567"]
    # the register's decimals and labels; a single-zone meter is not "T1"
    assert "101.500" in water_page and "41.250" in water_page
    assert "E-1 · Электроэнергия, Т1 (день)" in power
    assert "E-1 · Электроэнергия" in single and "Т1" not in single
    english = visible(
        (await pages(base, ["/staff/accounts/1234567?lang=en"]))["/staff/accounts/1234567?lang=en"]
    )
    assert "as typed: 5,123" in english and "Electricity, kWh" in english
    assert "implausible jump" in english and "SMS #" in english


def test_every_code_has_a_name() -> None:
    assert set(REASON_NAMES) == {str(r) for r in Reason}
    assert {str(c) for c in Channel} <= set(CHANNEL_NAMES)
    assert set(LABEL_NAMES) == set(LABELS)


@pytest.mark.parametrize(
    ("top", "step"),
    [
        ("0", "1"),
        ("3", "1"),
        ("9", "2.5"),
        ("10", "2.5"),
        ("101", "50"),
        ("4000", "1000"),
        ("0.3", "0.1"),
        ("178.397", "50"),
    ],  # fmt: skip
    ids=["empty", "small", "nine", "ten", "hundred", "thousands", "fraction", "water"],
)
def test_the_scale_steps_are_round(top: str, step: str) -> None:
    assert nice_step(Decimal(top)) == Decimal(step)
    assert nice_step(Decimal(top)) * 4 >= Decimal(top)


def test_a_chart_labels_its_scale_and_unit() -> None:
    svg = bar_chart("t", ["2026-10"], [("actual", "#000", [Decimal(130)])], "кВт·ч")
    ticks = re.findall(r'class="tick"[^>]*>([^<]+)<', svg)
    assert ticks == ["0", "50", "100", "150", "200"]
    assert '<text class="unit"' in svg and "кВт·ч</text>" in svg


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        ("5123", 0, "5123"),
        ("178.4", 3, "178.400"),
        ("100.000000", 3, "100.000"),
        ("0", 0, "0"),
        ("12.34567", 3, "12.34567"),
    ],  # fmt: skip
)
def test_figures_keep_the_registers_decimals(value: str, decimals: int, shown: str) -> None:
    assert figure(Decimal(value), decimals) == shown


async def test_the_account_lists_its_newest_readings_first(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(engine, ACCOUNTS, HISTORY)
    monkeypatch.setattr(account_queries, "READINGS", 2)
    rules = load_config(environ={}).rules
    found = await account_queries.account_history(uow_of(engine), "1234567", NOW, rules)
    assert found is not None
    assert [(r.record.taken_on, r.record.zone) for r in found.readings] == [
        (date(2026, 10, 20), 2),
        (date(2026, 10, 20), 1),
    ]
