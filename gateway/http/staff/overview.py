"""``/staff/`` (the dashboard) and ``/staff/accounts/{uin}`` (an account, its readings,
volumes and messages)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from gettext import NullTranslations

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup

from channels.web.csrf import csrf_token
from channels.web.texts import register_label
from gateway.domain.clock import local_day, period_at, zone
from gateway.http.keys import CLOCK, CONFIG, UOW
from gateway.http.staff.auth import require_user
from gateway.http.staff.charts import bar_chart
from gateway.http.staff.lang import language_context
from gateway.i18n import translations

DAYS = 30


async def dashboard(request: web.Request) -> web.Response:
    user = await require_user(request)
    page = await language_context(request)
    t = translations(page["lang"])
    tz = zone(request.app[CONFIG].rules.timezone)
    now = request.app[CLOCK]()
    today = local_day(now, request.app[CONFIG].rules.timezone)
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    first = today - timedelta(days=DAYS - 1)
    async with request.app[UOW]() as uow:
        counts = await uow.review.counts_since(midnight)
        queue = await uow.review.queue()
        arrivals = await uow.review.received_at_since(midnight - timedelta(days=DAYS - 1))
    per_day = Counter(local_day(a, tz.key) for a in arrivals)
    days = [first + timedelta(days=i) for i in range(DAYS)]
    chart = bar_chart(
        t.ngettext(
            "Messages per day, last %(days)s day", "Messages per day, last %(days)s days", DAYS
        )
        % {"days": DAYS},
        [d.strftime("%m-%d") for d in days],
        [(t.gettext("messages"), "#0b5cad", [Decimal(per_day[d]) for d in days])],
    )
    table: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for c in counts:
        table[c.channel][c.status] += c.count
    context = {
        **page,
        "user": user,
        "csrf": await csrf_token(request),
        "table": dict(table),
        "days": DAYS,
        "statuses": ["accepted", "review", "rejected", "pending"],
        "queue": queue,
        "oldest_age": _age(now - queue.oldest, t) if queue.oldest else "—",
        "chart": Markup(chart),
        "flash": None,
    }
    return aiohttp_jinja2.render_template("staff/dashboard.html", request, context)


def _age(delta: timedelta, t: NullTranslations) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours >= 24:
        # TRANSLATORS: a short age, "2 d 5 h"
        return t.gettext("%(days)s d %(hours)s h") % {"days": hours // 24, "hours": hours % 24}
    # TRANSLATORS: a short age in hours, "5 h"
    return t.gettext("%(hours)s h") % {"hours": hours}


async def account(request: web.Request) -> web.Response:
    user = await require_user(request)
    page = await language_context(request)
    t = translations(page["lang"])
    uin = request.match_info["uin"]
    config = request.app[CONFIG]
    period = period_at(request.app[CLOCK](), config.rules)
    async with request.app[UOW]() as uow:
        found = await uow.accounts.load(uin, period)
        if found is None:
            raise web.HTTPNotFound(text=t.gettext("No account %(uin)s.") % {"uin": uin})
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
        t.gettext("Billed volume per period: actual vs estimated"),
        periods,
        [
            (t.gettext("actual"), "#1d6b2a", [actual[p] for p in periods]),
            (
                t.gettext("estimated (average / normative)"),
                "#d9822b",
                [estimated[p] for p in periods],
            ),
        ],
    )
    context = {
        **page,
        "user": user,
        "csrf": await csrf_token(request),
        "account": view,
        "labels": {
            (r.meter, r.zone): register_label(r.service, r.zone, r.zones, page["lang"])
            for r in view.registers
        },
        "readings": list(reversed(readings)),
        "messages": messages,
        "chart": Markup(chart) if periods else None,
        "flash": None,
    }
    return aiohttp_jinja2.render_template("staff/account.html", request, context)
