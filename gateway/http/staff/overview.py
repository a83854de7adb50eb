"""``/staff/`` (the dashboard) and ``/staff/accounts/{uin}`` (an account, its readings,
volumes and messages)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup

from channels.web.csrf import csrf_token
from channels.web.texts import register_label
from gateway.domain.periods import period_of
from gateway.http.keys import CLOCK, CONFIG, UOW
from gateway.http.staff.auth import require_user
from gateway.http.staff.charts import bar_chart

DAYS = 30


async def dashboard(request: web.Request) -> web.Response:
    user = await require_user(request)
    tz = ZoneInfo(request.app[CONFIG].rules.timezone)
    now = request.app[CLOCK]()
    today = now.astimezone(tz).date()
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    first = today - timedelta(days=DAYS - 1)
    async with request.app[UOW]() as uow:
        counts = await uow.review.counts_since(midnight)
        queue = await uow.review.queue()
        arrivals = await uow.review.received_at_since(midnight - timedelta(days=DAYS - 1))
    per_day = Counter(t.astimezone(tz).date() for t in arrivals)
    days = [first + timedelta(days=i) for i in range(DAYS)]
    chart = bar_chart(
        f"Messages per day, last {DAYS} days",
        [d.strftime("%m-%d") for d in days],
        [("messages", "#0b5cad", [Decimal(per_day[d]) for d in days])],
    )
    table: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for c in counts:
        table[c.channel][c.status] += c.count
    context = {
        "user": user,
        "csrf": await csrf_token(request),
        "table": dict(table),
        "statuses": ["accepted", "review", "rejected", "pending"],
        "queue": queue,
        "oldest_age": _age(now - queue.oldest) if queue.oldest else "—",
        "chart": Markup(chart),
        "flash": None,
    }
    return aiohttp_jinja2.render_template("staff/dashboard.html", request, context)


def _age(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h"


async def account(request: web.Request) -> web.Response:
    user = await require_user(request)
    uin = request.match_info["uin"]
    config = request.app[CONFIG]
    period = period_of(request.app[CLOCK]().date(), config.rules.cutoff_day)
    async with request.app[UOW]() as uow:
        found = await uow.accounts.load(uin, period)
        if found is None:
            raise web.HTTPNotFound(text=f"no account {uin}")
        readings = await uow.accounts.readings(uin, None, 500) or []
        volumes = await uow.review.volumes(uin)
        messages = await uow.review.of_account(uin, 50)
    view = found[1]
    periods = sorted({v.period for v in volumes})
    actual: defaultdict[str, Decimal] = defaultdict(Decimal)
    estimated: defaultdict[str, Decimal] = defaultdict(Decimal)
    for v in volumes:
        (actual if v.method == "actual" else estimated)[v.period] += v.volume
    chart = bar_chart(
        "Billed volume per period: actual vs estimated",
        periods,
        [
            ("actual", "#1d6b2a", [actual[p] for p in periods]),
            ("estimated (average / normative)", "#d9822b", [estimated[p] for p in periods]),
        ],
    )
    context = {
        "user": user,
        "csrf": await csrf_token(request),
        "account": view,
        "labels": {
            (r.meter, r.zone): register_label(r.service, r.zone, r.zones, "ru")
            for r in view.registers
        },
        "readings": list(reversed(readings)),
        "messages": messages,
        "chart": Markup(chart) if periods else None,
        "flash": None,
    }
    return aiohttp_jinja2.render_template("staff/account.html", request, context)
